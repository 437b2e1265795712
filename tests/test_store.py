"""The persistent, incremental analysis (issue 14): per-file states, the SQLite store, history.

The rule every test pins: whatever happened to the files between runs, a run through the store gives the report a
run without it (`--no-cache`) gives on the same files — plus, where files were deleted, their history.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import asst, jsonl, user
from py_core import Analyzer, build_report
from py_core.state.cached import analyze_cached
from py_core.state.identity import may_resume
from py_core.shells.cli import main
from py_core.state.filestate import FileState
from py_core.state.store import FILE_NAME, Store


ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "web" / "sample.jsonl").read_bytes()


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def report(paths, capsys, *extra, cache=None):
    """The --json report of `paths`, through the store in `cache` (None: --no-cache), and stderr."""
    flags = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    code, out, err = run([*map(str, paths), "--json", "--tz", "UTC", "--jobs", "1", *flags, *extra], capsys)
    assert code == 0, err
    return json.loads(out), err


def log(i, n=2, day=10):
    """A small session log: a prompt and `n` responses with ids of its own."""
    return jsonl(user(f"task {i}", uuid=f"p{i}", session=f"s{i}", ts=f"2026-01-{day:02d}T09:00:00.000Z"),
                 *(asst(f"m{i}_{k}", f"r{i}_{k}", session=f"s{i}", out=100 + k, cr=1000 * k,
                        ts=f"2026-01-{day:02d}T10:{k:02d}:00.000Z") for k in range(n)))


def project(tmp_path, n=3):
    root = tmp_path / "projects"
    for i in range(n):
        p = root / f"proj{i % 2}" / f"s{i}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(log(i, day=10 + i))
    return root


def bump(path):
    """Make sure a rewrite is seen as one even on a file system with coarse modification times."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def without_history(rep):
    return rep


# Each change: what happens to the project's files between the stored run and the next one.
def append(root):
    p = root / "proj0" / "s0.jsonl"
    with open(p, "ab") as fh:
        fh.write(jsonl(asst("m0_new", "r0_new", session="s0", out=7, ts="2026-01-10T11:00:00.000Z")))


def append_duplicate_copy(root):
    # A later, larger copy of a response already stored: dedup must pick it over the stored one.
    p = root / "proj0" / "s0.jsonl"
    with open(p, "ab") as fh:
        fh.write(jsonl(asst("m0_1", "r0_1", session="s0", out=999, cr=1000, ts="2026-01-10T10:01:00.000Z")))


def truncate(root):
    p = root / "proj1" / "s1.jsonl"
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])
    bump(p)


def rewrite_same_size(root):
    p = root / "proj0" / "s2.jsonl"
    data = p.read_bytes().replace(b'"output_tokens": 100', b'"output_tokens": 900')
    p.write_bytes(data)
    bump(p)


def rewrite_new_session(root):
    p = root / "proj0" / "s0.jsonl"
    p.write_bytes(log(9, n=4, day=20))
    bump(p)


def rename(root):
    (root / "proj0" / "s0.jsonl").rename(root / "proj0" / "s0-renamed.jsonl")


def add_file(root):
    (root / "proj1" / "s7.jsonl").write_bytes(log(7))


def nothing(root):
    pass


CHANGES = [nothing, append, append_duplicate_copy, truncate, rewrite_same_size, rewrite_new_session, rename, add_file]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_run_through_the_store_equals_a_run_without_it(tmp_path, capsys, change, jobs):
    """Intent: after any change to the files, the stored run's report is the cold run's (no history appears for a
    renamed file: it is read under its new name)."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    change(root)
    warm, err = report([root], capsys, "--jobs", jobs, cache=cache)
    cold, _ = report([root], capsys)
    assert err == ""
    assert warm == cold
    assert warm["diagnostics"]["history"]["files"] == 0


def test_a_line_split_at_the_previous_end_is_read_once(tmp_path, capsys):
    """Intent: a log whose last line was half-written when stored is read on from that line, which counts once."""
    root = tmp_path / "p"
    root.mkdir()
    whole = jsonl(asst("m1", "r1"), user("next", uuid="p2"), asst("m2", "r2", out=55))
    cut = whole.index(b'"m2"')
    f = root / "s1.jsonl"
    f.write_bytes(whole[:cut])
    cache = tmp_path / "cache"
    first, _ = report([root], capsys, cache=cache)
    assert first["diagnostics"]["malformed"]["count"] == 1  # the half line, as a cold run of that file says
    f.write_bytes(whole)
    warm, _ = report([root], capsys, cache=cache)
    cold, _ = report([root], capsys)
    assert warm == cold
    assert warm["totals"]["requests"] == 2 and warm["diagnostics"]["malformed"]["count"] == 0


def opened(monkeypatch):
    seen = []
    real = open

    def spy(path, *a, **kw):
        seen.append(os.fspath(path) if not isinstance(path, int) else path)
        return real(path, *a, **kw)
    monkeypatch.setattr("builtins.open", spy)
    return seen


def test_an_unchanged_file_is_not_opened_and_a_grown_one_is_read_from_its_last_line(tmp_path, capsys, monkeypatch):
    """Intent: the warm run opens no unchanged log, and reads a grown one from its stored offset on."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    seen = opened(monkeypatch)
    report([root], capsys, cache=cache)
    assert not [p for p in seen if str(p).endswith(".jsonl")]
    append(root)
    store = Store.open(str(cache))
    from py_core.state.loader import collect
    files, _f, metas, _p = collect([str(root)], True)
    _a, outcome = analyze_cached(store, files, metas, [str(root)])
    assert (outcome.unchanged, outcome.resumed, outcome.read) == (2, 1, 0)


def test_deleted_files_stay_as_history(tmp_path, capsys):
    """Intent: a stored file deleted since is kept, marked as history (diagnostics, warnings, covers); the totals
    are those of the run before the deletion; --no-history gives the run without it."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    before, _ = report([root], capsys, cache=cache)
    (root / "proj1" / "s1.jsonl").unlink()
    warm, _ = report([root], capsys, cache=cache)
    assert warm["totals"] == before["totals"]
    h = warm["diagnostics"]["history"]
    s1 = next(s for s in before["sessions"] if s["session_id"] == "s1")
    assert h == {"files": 1, "requests": 2, "cost_usd": s1["cost_usd"], "oldest": "2026-01-11"}
    assert any(w["kind"] == "history" for w in warm["diagnostics"]["warnings"])
    assert "(1 from history)" in warm["covers"]
    code, text, _ = run([str(root), "--tz", "UTC", "--cache-dir", str(cache)], capsys)
    assert "kept from history" in text
    cold, _ = report([root], capsys)
    assert report([root], capsys, "--no-history", cache=cache)[0] == cold
    # The whole folder gone (Claude Code's cleanup): the history still answers.
    shutil.rmtree(root)
    root.mkdir()
    gone, _ = report([root], capsys, cache=cache)
    assert gone["totals"] == before["totals"] and gone["diagnostics"]["history"]["files"] == 3


def test_named_files_never_pull_in_history(tmp_path, capsys):
    """Intent: `tokenscope one.jsonl` reports that file only, whatever else the store holds of deleted files."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    (root / "proj1" / "s1.jsonl").unlink()
    one = root / "proj0" / "s0.jsonl"
    warm, _ = report([one], capsys, cache=cache)
    assert warm == report([one], capsys)[0]


def test_per_period_table_covers_history_days(tmp_path, capsys):
    """Intent: with history in, the periods cover every stored day (the deleted file's day stays in `periods`)."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    (root / "proj0" / "s0.jsonl").unlink()
    warm, _ = report([root], capsys, "--by", "day", cache=cache)
    assert [p["period"] for p in warm["periods"]] == ["2026-01-10", "2026-01-11", "2026-01-12"]
    assert warm["totals"]["first_day"] == "2026-01-10"


def corrupt_file(db):
    db.write_bytes(b"this is not a database" * 100)


def old_version(db):
    c = sqlite3.connect(db)
    c.execute("UPDATE meta SET value = '0.1' WHERE key = 'version'")
    c.commit()
    c.close()


def stored(db, state_edit):
    c = sqlite3.connect(db)
    for path, blob in c.execute("SELECT path, blob FROM files WHERE kind = 'log'").fetchall():
        d = json.loads(zlib.decompress(blob))
        state_edit(d)
        c.execute("UPDATE files SET blob = ? WHERE path = ?", (zlib.compress(json.dumps(d).encode()), path))
    c.commit()
    c.close()


def hostile_tokens(db):
    def edit(d):
        for r in d["state"]["requests"]:
            r[7] = 10 ** 400  # output tokens: a number with 400 digits
    stored(db, edit)


def string_tokens(db):
    def edit(d):
        for r in d["state"]["requests"]:
            r[6] = "12"
    stored(db, edit)


def garbage_blob(db):
    c = sqlite3.connect(db)
    c.execute("UPDATE files SET blob = x'00ff00ff'")
    c.commit()
    c.close()


def zip_bomb_label(db):
    def edit(d):
        d["label"] = 5
    stored(db, edit)


@pytest.mark.parametrize("damage", [corrupt_file, old_version, hostile_tokens, string_tokens, garbage_blob,
                                    zip_bomb_label], ids=lambda f: f.__name__)
def test_a_corrupt_old_or_hostile_store_is_never_trusted(tmp_path, capsys, damage):
    """Intent: whatever is wrong with the store, the report is the cold run's; a store that cannot be used is
    rebuilt with one line on stderr; a row that does not load is read again from its file."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    damage(cache / FILE_NAME)
    warm, err = report([root], capsys, cache=cache)
    assert warm == report([root], capsys)[0]
    if damage in (corrupt_file, old_version):
        assert err.count("\n") == 1 and "rebuilt" in err
    assert "Traceback" not in err
    # And the next run is warm again, from the rebuilt rows.
    assert report([root], capsys, cache=cache) == (warm, "")


def test_a_hostile_history_row_is_dropped_with_a_notice(tmp_path, capsys):
    """Intent: a deleted file's stored state that does not load is dropped (said in one line), never counted."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    (root / "proj1" / "s1.jsonl").unlink()
    hostile_tokens(cache / FILE_NAME)
    warm, err = report([root], capsys, cache=cache)
    assert warm == report([root], capsys)[0]
    assert "could not be read and were dropped" in err


def test_an_unusable_cache_folder_only_costs_the_store(tmp_path, capsys):
    """Intent: a --cache-dir that cannot be created is one line on stderr; the report is still made."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    root = project(tmp_path)
    warm, err = report([root], capsys, cache=blocker / "sub")
    assert warm == report([root], capsys)[0]
    assert err.startswith("tokenscope: not using the store")


def test_two_processes_at_once_leave_a_consistent_store(tmp_path):
    """Intent: concurrent writers (two terminals, --jobs) never leave a half-written or inconsistent store."""
    root = tmp_path / "projects"
    for i in range(40):
        p = root / f"proj{i % 4}" / f"s{i}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(log(i, n=30, day=1 + i % 28))
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "py_core", str(root), "--json", "--tz", "UTC", "--cache-dir", str(cache)]
    procs = [subprocess.Popen(cmd + ["--jobs", j], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for j in ("1", "2", "1")]
    outs = [p.communicate(timeout=120) for p in procs]
    cold = subprocess.run(cmd[:-2] + ["--no-cache"], cwd=ROOT, capture_output=True, timeout=120).stdout
    for (out, err), p in zip(outs, procs):
        assert p.returncode == 0, err
        assert out == cold
    c = sqlite3.connect(cache / FILE_NAME)
    assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert c.execute("SELECT count(*) FROM files").fetchone() == (40,)
    c.close()
    warm = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120)
    assert warm.stdout == cold and warm.stderr == b""


def test_cache_info_and_clear(tmp_path, capsys):
    """Intent: `cache info` says where the store is, its size, files and days; `clear --before` forgets only files
    whose last request is older; `clear` forgets everything (the next run reads every file again)."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    code, out, _ = run(["cache", "info", "--cache-dir", str(cache)], capsys)
    assert code == 0
    assert str(cache / FILE_NAME) in out and "3 logs" in out and "2026-01-10 to 2026-01-12" in out
    code, out, _ = run(["cache", "clear", "--before", "2026-01-11", "--cache-dir", str(cache)], capsys)
    assert code == 0 and out.startswith("forgot 1 file ")
    code, out, _ = run(["cache", "clear", "--cache-dir", str(cache)], capsys)
    assert out.startswith("forgot 2 files ")
    code, out, _ = run(["cache", "info", "--cache-dir", str(cache)], capsys)
    assert "0 logs" in out
    code, _, err = run(["cache", "clear", "--before", "yesterday", "--cache-dir", str(cache)], capsys)
    assert code == 2 and err.count("\n") == 1


def test_the_default_store_is_under_xdg_cache_home(tmp_path, capsys, monkeypatch):
    """Intent: without --cache-dir the store is $XDG_CACHE_HOME/tokenscope; --no-cache writes nothing."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = project(tmp_path)
    report([root], capsys)  # --no-cache
    assert not (tmp_path / "xdg").exists()
    code, _, _ = run([str(root), "--json"], capsys)
    assert code == 0 and (tmp_path / "xdg" / "tokenscope" / FILE_NAME).is_file()


# -- the per-file state itself (filestate.py) --------------------------------------------------------------------
def whole(label, data):
    return Analyzer().feed_bytes(label, data)


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 100, 4000, 4096, 5000, len(SAMPLE) // 2, len(SAMPLE) - 1, len(SAMPLE)])
def test_a_state_resumed_at_any_byte_equals_reading_the_file_whole(cut):
    """Intent: the file as it was at any byte (mid-line, mid-BOM, before the first newline), stored, then resumed
    over the grown file, gives the analyzer of the whole file; and the stored value survives its round trip."""
    data = b"\xef\xbb\xbf" + SAMPLE
    cut = min(cut, len(data))
    fs, _a = FileState.read("p/s.jsonl", [data[:cut]])
    fs = FileState.from_bytes(fs.to_bytes())
    assert may_resume(fs, len(data), fs.head if cut == 0 else FileState.read("x", [data[:fs.head[0]]])[0].head,
                         data[fs.offset - 1:fs.offset] if fs.offset else b"")
    resumed, a = FileState.read("p/s.jsonl", [data[fs.offset:]], resume=fs)
    expect = build_report(whole("p/s.jsonl", data), tz="UTC")
    assert build_report(a, tz="UTC") == expect
    assert build_report(FileState.from_bytes(resumed.to_bytes()).analyzer(), tz="UTC") == expect


def test_a_changed_beginning_is_never_resumed():
    """Intent: a file that shrank, or whose first bytes changed, or where no line ended at the stored offset, is
    not resumed (the caller reads it whole)."""
    fs, _ = FileState.read("s.jsonl", [SAMPLE])
    head = fs.head
    assert may_resume(fs, len(SAMPLE) + 10, head, b"\n")
    assert not may_resume(fs, len(SAMPLE) - 1, head, b"\n")
    assert not may_resume(fs, len(SAMPLE) + 10, [head[0], "0" * 64], b"\n")
    assert not may_resume(fs, len(SAMPLE) + 10, head, b"}")


def test_real_logs_through_the_store(real_dir, tmp_path, capsys):
    """Intent: on the real logs, the stored and the warm runs are the cold run; with every file deleted, the
    history alone gives the same totals."""
    root = tmp_path / "real"
    shutil.copytree(real_dir, root, ignore=shutil.ignore_patterns("*.json", "*.md"))
    cache = tmp_path / "cache"
    cold, _ = report([root], capsys)
    first, _ = report([root], capsys, "--jobs", "2", cache=cache)
    warm, _ = report([root], capsys, cache=cache)
    assert first == cold and warm == cold
    for p in root.rglob("*.jsonl"):
        p.unlink()
    gone, _ = report([root], capsys, cache=cache)
    assert gone["totals"] == cold["totals"]
    assert gone["diagnostics"]["history"]["files"] == cold["diagnostics"]["files"]
