"""Issue 20: one loader under every command, a store that never loses data nor gives a wrong number, kept reports.

Each test names the failure it pins; the rule behind all of them: a run through the store reports what a run
without it (`--no-cache`) reports on the same files.
"""

import io
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import PEAK_KB, asst, jsonl, user
from py_core import Analyzer, build_report
from py_core.report.build import blocks
from py_core.state import store as store_mod
from py_core.shells.cli import main
from py_core.state.loader import collect
from py_core.state.store import FILE_NAME, Store

ROOT = Path(__file__).resolve().parent.parent


def run(args, capsys):
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def report(paths, capsys, *extra, cache=None):
    flags = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    code, out, err = run([*paths, "--json", "--tz", "UTC", "--jobs", "1", *flags, *extra], capsys)
    assert code == 0, err
    return json.loads(out), err


def log(i, n=2, day=10, out=100):
    return jsonl(user(f"task {i}", uuid=f"p{i}", session=f"s{i}", ts=f"2026-01-{day:02d}T09:00:00.000Z"),
                 *(asst(f"m{i}_{k}", f"r{i}_{k}", session=f"s{i}", out=out + k, cr=1000 * k,
                        ts=f"2026-01-{day:02d}T10:{k:02d}:00.000Z") for k in range(n)))


def project(tmp_path, n=3, per=2):
    root = tmp_path / "projects"
    for i in range(n):
        p = root / f"proj{i % 2}" / f"s{i}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(log(i, n=per, day=10 + i))
    return root


def test_the_dask_engine_labels_files_as_the_local_one_with_both_default_folders(tmp_path):
    """Intent: with ~/.claude/projects and ~/.config/claude/projects both present, both engines give the same labels
    (the Dask engine prefixed them with the folder's name, the local one did not)."""
    pytest.importorskip("fsspec")
    from py_core.shells.dask import list_files
    a = tmp_path / ".claude" / "projects"
    b = tmp_path / ".config" / "claude" / "projects"
    for root, name in ((a, "p1"), (b, "p2")):
        (root / name).mkdir(parents=True)
        (root / name / "s.jsonl").write_bytes(log(1))
    roots = [str(a), str(b)]
    local = collect(roots, explicit=False)
    files, _metas, _problems = list_files(roots, explicit=False)
    assert sorted(f[0] for f in files) == sorted(f[0] for f in local.files) == ["p1/s.jsonl", "p2/s.jsonl"]
    # Named on the command line, both prefix them with the folder's name, alike.
    named_local = collect(roots, explicit=True)
    named_dask, _m, _p = list_files(roots, explicit=True)
    assert sorted(f[0] for f in named_dask) == sorted(f[0] for f in named_local.files)


# -- every command prices alike --------------------------------------------------------------------------------------
PRICES = {"models": {"house-model-1": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-3}}}


def house_log(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jsonl(user("hi", session="h1"),
                           asst("hm1", "hr1", session="h1", model="house-model-1", inp=0, out=1000,
                                ts="2026-01-10T10:00:00.000Z")))


@pytest.mark.parametrize("cache", [["--no-cache"], ["--cache-dir", "{tmp}/c"]], ids=["no-cache", "store"])
def test_statusline_reads_the_workspace_prices_only_when_asked_and_says_so(tmp_path, cache):
    """Intent (issue 30): a repository's .tokenscope.json repriced anyone's status line, unmarked, as soon as Claude
    Code opened it; now the line reads it only with --workspace-prices, and then names it beside the cost."""
    from py_core.shells.statusline import main as statusline
    log_path = tmp_path / "projects" / "p" / "h1.jsonl"
    house_log(log_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / ".tokenscope.json").write_text(json.dumps(PRICES))
    data = {"transcript_path": str(log_path), "session_id": "h1", "workspace": {"current_dir": str(work)}}
    args = [a.format(tmp=tmp_path) for a in cache]
    for _ in range(2):  # the second render through the running summary
        out = io.StringIO()
        statusline([*args, "--color", "never"], stdin=io.StringIO(json.dumps(data)), stdout=out)
        assert "$0.00 + unpriced" in out.getvalue() and "workspace" not in out.getvalue()
    for _ in range(2):
        out = io.StringIO()
        statusline([*args, "--color", "never", "--workspace-prices"], stdin=io.StringIO(json.dumps(data)), stdout=out)
        assert "$1.00 (workspace prices)" in out.getvalue() and "unpriced" not in out.getvalue()



def test_statusline_reads_the_price_files_it_is_given(tmp_path):
    """Intent: --prices works from anywhere (the line's own settings: not marked)."""
    from py_core.shells.statusline import main as statusline
    log_path = tmp_path / "projects" / "p" / "h1.jsonl"
    house_log(log_path)
    data = {"transcript_path": str(log_path), "session_id": "h1"}
    other = tmp_path / "p.json"
    other.write_text(json.dumps(PRICES))
    data["workspace"] = {"current_dir": str(tmp_path)}
    out = io.StringIO()
    statusline(["--no-cache", "--color", "never", "--prices", str(other)], stdin=io.StringIO(json.dumps(data)),
               stdout=out)
    assert "$1.00" in out.getvalue()


def test_watch_reads_the_price_overrides(tmp_path, monkeypatch, capsys):
    """Intent: watch prices as a report does (./.tokenscope.json, --prices)."""
    from py_core.shells.watch import main as watch
    import time as _time
    log_path = tmp_path / "projects" / "p" / "h1.jsonl"
    house_log(log_path)
    other = tmp_path / "p.json"
    other.write_text(json.dumps(PRICES))
    now = _time.mktime((2026, 1, 10, 10, 5, 0, 0, 0, -1))
    code = watch([str(tmp_path / "projects"), "--once", "--no-cache", "--prices", str(other), "--now", str(now)])
    out = capsys.readouterr().out
    assert code == 0 and "$1.00" in out


# -- the store never loses data and never gives a wrong number -------------------------------------------------------
def test_a_busy_store_is_waited_for_then_left_alone_never_deleted(tmp_path, capsys, monkeypatch):
    """Intent: a store another process holds longer than the wait (40 s in the field; 0.3 s here) is not used for
    this run — the report is right — and is still there, rows and all, afterwards (it was deleted, history too)."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    cold = report([root], capsys)[0]
    report([root], capsys, cache=cache)
    monkeypatch.setattr(store_mod, "BUSY_SECONDS", 0.3)
    holder = sqlite3.connect(str(cache / FILE_NAME), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        (root / "proj0" / "s0.jsonl").write_bytes(log(0, n=3, day=10))  # something new to store
        cold = report([root], capsys)[0]
        got, err = report([root], capsys, cache=cache)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert got == cold
    assert "busy" in err and err.count("\n") == 1
    assert len(Store.open(str(cache)).rows()) == 3  # nothing lost


def _damage_mid_file(path):
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        for off in range(4096 * 2, size - 100, 4096):  # every page after the first two: the header is intact
            fh.seek(off + 20)
            fh.write(b"\xff" * 64)


def _hostile_schema(path):
    path.unlink()
    c = sqlite3.connect(str(path))
    c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    c.execute("INSERT INTO meta VALUES ('version', ?)", (store_mod.VERSION,))
    c.execute("CREATE TABLE files (path TEXT, blob TEXT)")
    c.execute("INSERT INTO files VALUES ('/x', 'y')")
    c.commit()
    c.close()


def _wrong_types(path):
    c = sqlite3.connect(str(path))
    c.execute("UPDATE files SET size = 'big'")
    c.commit()
    c.close()


@pytest.mark.parametrize("damage", [_damage_mid_file, _hostile_schema, _wrong_types], ids=lambda f: f.__name__)
def test_a_damaged_or_foreign_store_is_moved_aside_and_rebuilt(tmp_path, capsys, damage):
    """Intent: a damaged page in mid-file, an unexpected schema or rows of the wrong types (each made every run exit
    3, `cache clear` too): the report is the cold run's, one line says the store was moved aside, the old file is
    kept beside it, and `cache clear` works on such a store."""
    root = project(tmp_path, n=40, per=30)  # a store of several pages
    cache = tmp_path / "cache"
    cold = report([root], capsys)[0]
    report([root], capsys, cache=cache)
    damage(cache / FILE_NAME)
    got, err = report([root], capsys, cache=cache)
    assert got == cold
    if damage is not _wrong_types or err:
        assert err.count("\n") == 1 and "moved aside" in err
    assert list(cache.glob(FILE_NAME + ".broken-*")) or damage is _wrong_types
    assert report([root], capsys, cache=cache)[0] == cold  # and the rebuilt store works
    damage(cache / FILE_NAME)
    code, out, err = run(["cache", "clear", "--cache-dir", cache], capsys)
    assert code == 0 and "forgot" in out


def test_a_same_size_rewrite_with_its_mtime_put_back_is_read_again(tmp_path, capsys):
    """Intent: a log rewritten in place with the same size and its modification time restored gave the stored
    figure ($22.505 where a fresh read said $0.005): the change time and the bytes tell."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    p = root / "proj0" / "s0.jsonl"
    st = p.stat()
    data = p.read_bytes().replace(b'"output_tokens": 101', b'"output_tokens": 999')
    assert len(data) == st.st_size and data != p.read_bytes()
    p.write_bytes(data)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert report([root], capsys, cache=cache)[0] == report([root], capsys)[0]


def test_a_grown_file_whose_earlier_bytes_changed_is_read_whole(tmp_path, capsys):
    """Intent: a file that grew but whose bytes before the stored offset changed (past its first 4 kB) is not
    resumed into a stale figure."""
    root = tmp_path / "projects"
    p = root / "p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    p.write_bytes(jsonl(user("x" * 5000, session="s9")) + log(9, n=3))
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    data = p.read_bytes().replace(b'"output_tokens": 102', b'"output_tokens": 555')
    p.write_bytes(data + log(8, n=1))
    assert report([root], capsys, cache=cache)[0] == report([root], capsys)[0]


def test_the_store_is_private(tmp_path, capsys):
    """Intent: the store names project paths: 0600 in a 0700 folder (it was 0644)."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    report([root], capsys, cache=cache)
    assert stat.S_IMODE((cache / FILE_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def _limited(limit):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


def test_save_state_hitting_a_file_size_limit_leaves_the_old_state_whole(tmp_path):
    """Intent: --save-state wrote in place, so a full disk left the old state truncated; now a temporary file and a
    rename: the old state is intact, the run says why in one line and exits 2."""
    root = project(tmp_path, n=20, per=20)
    state = tmp_path / "team.tsstate"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "py_core", str(root), "--no-cache", "--json", "--save-state", str(state)]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    before = state.read_bytes()
    (root / "proj0" / "more.jsonl").write_bytes(log(77, n=50))
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, preexec_fn=_limited(len(before) // 2))
    assert r.returncode == 2 and "cannot write the state file" in r.stderr and "Traceback" not in r.stderr
    assert state.read_bytes() == before
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]


def test_a_1gb_unterminated_line_costs_bounded_memory(tmp_path):
    """Intent: a 1 GB sparse last line without a newline (it cost 33 s and 5.3 GB on every run) is skipped in bounded
    memory, said in the report, the lines before it counted; the next run through the store does not read it again."""
    root = tmp_path / "projects"
    p = root / "p" / "s1.jsonl"
    p.parent.mkdir(parents=True)
    p.write_bytes(log(1) + b'{"type":"user","message":"')
    with open(p, "r+b") as fh:
        fh.truncate(1 << 30)
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = ("import sys, runpy; sys.argv = ['tokenscope'] + sys.argv[1:];"
            "rc = 0\ntry:\n runpy.run_module('py_core', run_name='__main__')\nexcept SystemExit as e:\n rc = e.code\n"
            f"print({PEAK_KB}, file=sys.stderr); sys.exit(rc)")
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", code, str(root), "--json", "--jobs", "1", "--cache-dir", str(cache)],
                           env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["totals"]["requests"] == 2
        assert any("longer than" in k for k in rep["diagnostics"]["malformed"]["by_reason"])
        peak_kb = int(r.stderr.strip().splitlines()[-1])
        assert peak_kb < 900 * 1024, f"peak RSS {peak_kb} kB"


# -- kept reports ----------------------------------------------------------------------------------------------------
def test_a_kept_report_is_returned_and_each_change_builds_it_again(tmp_path, capsys, monkeypatch):
    """Intent: with nothing changed the stored report is shown without reading any state; any change to a file, the
    options or the prices gives the report a cold run gives."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    first = report([root], capsys, cache=cache)[0]
    import py_core.state.cached as cached
    monkeypatch.setattr(cached, "analyze_cached", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    assert report([root], capsys, cache=cache)[0] == first
    monkeypatch.undo()
    options = ((), ("--by", "week"), ("--since", "2026-01-11"), ("--tz", "+05:00"), ("--latest",))
    for change in (lambda: None, lambda: (root / "proj1" / "s1.jsonl").open("ab").write(log(5, n=1, day=20))):
        change()
        for extra in options:
            assert report([root], capsys, *extra, cache=cache)[0] == report([root], capsys, *extra)[0], extra
    (root / "proj1" / "s1.jsonl").unlink()  # deleted: history through the store, gone without it
    for extra in options:
        assert report([root], capsys, *extra, "--no-history", cache=cache)[0] == report([root], capsys, *extra)[0]
        assert report([root], capsys, *extra, cache=cache)[0]["diagnostics"]["history"]["files"] == 1
    prices = tmp_path / "p.json"
    prices.write_text(json.dumps({"models": {"claude-sonnet-4-5-20250929": {
        "input_cost_per_token": 1e-3, "output_cost_per_token": 1e-3}}}))
    assert report([root], capsys, "--prices", prices, cache=cache)[0] == \
        report([root], capsys, "--prices", prices, cache=cache, )[0] != first


@pytest.mark.parametrize("later", [0, 60, 3600, 4 * 3600 + 3000, 5 * 3600 + 1, 6 * 86400, 8 * 86400])
def test_a_kept_reports_clock_fields_are_redone_at_the_new_time(later):
    """Intent: the active block's projection and time left (what depends on the clock) equal a fresh build at the
    new time, whatever the time elapsed."""
    a = Analyzer().feed_bytes("p/s.jsonl", jsonl(*(asst(f"m{k}", f"r{k}", out=1000 * k,
                                                        ts=f"2026-01-10T10:{k * 7:02d}:00.000Z") for k in range(8))))
    t0 = 1768039200 + 3000  # 2026-01-10T10:50Z: a block is active
    clock = {}
    kept = json.loads(json.dumps(build_report(a, tz="UTC", now=t0, clock=clock)))
    for name, length in (("blocks", blocks.BLOCK_SECONDS), ("weekly_windows", blocks.WEEK_SECONDS)):
        blocks.reclock(kept[name], clock[name], length, t0 + later)
    fresh = json.loads(json.dumps(build_report(a, tz="UTC", now=t0 + later)))
    assert kept == fresh


class _Reports:
    """A store of one kept report (what answers.keep/kept use of store.Store)."""

    def __init__(self):
        self.got = None

    def keep_report(self, key, blob, clock):
        self.got = (blob, clock)

    def report(self, key):
        return self.got


@pytest.mark.parametrize("later", [0, 60, 3600, 5 * 3600 + 1, 8 * 86400])
@pytest.mark.parametrize("marker_in_log", [False, True])
def test_a_kept_reports_text_at_a_later_time_is_the_fresh_text(later, marker_in_log):
    """Intent: the kept report's --json text (kept in pieces, the windows re-encoded only when the clock changes
    them) is byte for byte the text of a report built at the new time — also when a log holds the marker the
    pieces are cut at (then it is kept whole)."""
    from py_core.state import answers
    from py_core.core.text import json_for_terminal
    sid = "\x00tokenscope kept report: blocks\x00" if marker_in_log else "s1"
    a = Analyzer().feed_bytes("p/s.jsonl", jsonl(*(asst(f"m{k}", f"r{k}", out=1000 * k, session=sid,
                                                        ts=f"2026-01-10T10:{k * 7:02d}:00.000Z") for k in range(8))))
    t0 = 1768039200 + 3000
    clock = {}
    store = _Reports()
    text = answers.keep(store, "k", build_report(a, tz="UTC", now=t0, clock=clock), clock)
    assert text == json_for_terminal(json.dumps(build_report(a, tz="UTC", now=t0), ensure_ascii=False,
                                                separators=(",", ":")))
    got = answers.kept(store, "k", t0 + later)
    fresh = build_report(a, tz="UTC", now=t0 + later)
    assert got.text == json_for_terminal(json.dumps(fresh, ensure_ascii=False, separators=(",", ":"))).encode()
    assert got.report() == json.loads(json.dumps(fresh)) and got.requests == 8
    for row in fresh["sessions"]:
        row["context_curve"] = []
    assert got.report(curves=False) == json.loads(json.dumps(fresh))  # what the terminal and share views decode


def _pieces(*pieces):
    """A kept report's blob of these five pieces (and the copy without curves), sizes right (only the contents are
    hostile)."""
    return zlib.compress(b",".join(str(len(p)).encode() for p in pieces) + b"\n" + b"".join(pieces)) + \
        zlib.compress(b"{}")


@pytest.mark.parametrize("damage", [
    lambda b: zlib.compress(b"3,3\nabcdef"),                 # two pieces: neither whole nor five
    lambda b: zlib.compress(b"99,1,1,1,1\nshort"),           # sizes past the body
    lambda b: zlib.compress(b"-1,1,1,1,3\nabcdef"),          # a negative size
    lambda b: zlib.compress(b"x\n{}"),                       # no sizes
    lambda b: zlib.compress(b"5\n[1,2]"),                    # not a report
    lambda b: zlib.compress(b"5\n[1,2]")[:-3],               # a stream cut short
    lambda b: b"garbage",
    lambda b: _pieces(b"{", b"[]", b",\x1b]0;x\x07", b"[]", b"\x1b[2J}"),  # terminal escapes (a hostile store)
    lambda b: _pieces(b"{", b"[]", ",\u009b".encode(), b"[]", b"}"),          # a C1 control (CSI)
])
def test_a_damaged_kept_report_is_not_shown(damage):
    """Intent: a kept report whose pieces do not add up or do not decode is built again (kept() gives None)."""
    from py_core.state import answers
    a = Analyzer().feed_bytes("p/s.jsonl", jsonl(asst()))
    clock = {}
    store = _Reports()
    answers.keep(store, "k", build_report(a, tz="UTC", now=1, clock=clock), clock)
    store.got = (damage(store.got[0]), store.got[1])
    assert answers.kept(store, "k", 2) is None


@pytest.mark.parametrize("copy", [zlib.compress("{\u009b}".encode()), zlib.compress(b"{}")[:-2], b"junk",
                                  zlib.compress(b"{}") + b"more", zlib.compress(b"[" * 100000 + b"]" * 100000)])
def test_a_damaged_copy_without_curves_is_refused_and_the_terminal_view_built_again(tmp_path, capsys, copy):
    """Intent: the terminal view of a kept report decodes its copy without context curves; a copy that is not what
    tokenscope keeps (not ASCII, cut short, junk, trailing bytes, nested thousands deep) is refused and the report
    built again — the terminal shows the fresh report, no traceback."""
    root = project(tmp_path)
    cache = tmp_path / "cache"
    args = [str(root), "--tz", "UTC", "--jobs", "1", "--cache-dir", str(cache)]
    assert main(args) == 0
    fresh = capsys.readouterr().out
    conn = sqlite3.connect(cache / "store.sqlite3")
    (blob,) = conn.execute("SELECT report FROM reports").fetchone()
    d = zlib.decompressobj()
    d.decompress(blob)
    conn.execute("UPDATE reports SET report = ?", (blob[:len(blob) - len(d.unused_data)] + copy,))
    conn.commit()
    conn.close()
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out == fresh and "Traceback" not in err


@pytest.mark.parametrize("make,says", [
    (lambda p: os.mkfifo(p), "not a regular file (a FIFO)"),
    (lambda p: p.write_bytes(b" " * (9 << 20)), "larger than 8 MB"),
    (lambda p: None, "No such file"),
], ids=["fifo", "huge", "missing"])
def test_a_price_file_that_is_no_price_table_is_refused_in_one_line(tmp_path, capsys, make, says):
    """Intent (issue 30): `--prices` on a FIFO hung, and a 3 GB or endless one (/dev/zero) was read whole; each is
    refused at once, with the file named."""
    p = tmp_path / "prices.json"
    make(p)
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1")))
    code, _out, err = run([str(log), "--prices", str(p), "--no-cache"], capsys)
    assert code == 2 and says in err and str(p) in err and err.count("\n") == 1


def test_a_device_as_price_file_is_refused(tmp_path, capsys):
    """Intent: `--prices /dev/zero` grew to 9 GB; it is not a regular file."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1")))
    code, _out, err = run([str(log), "--prices", "/dev/zero", "--no-cache"], capsys)
    assert code == 2 and "not a regular file" in err


def test_a_workspace_price_file_is_named_beside_the_cost(tmp_path, capsys, monkeypatch):
    """Intent (issue 30): the terminal report and --html name the price file that made the figures."""
    log_path = tmp_path / "projects" / "p" / "h1.jsonl"
    house_log(log_path)
    (tmp_path / ".tokenscope.json").write_text(json.dumps(PRICES))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run([str(log_path), "--no-cache", "--wide", "--html", str(tmp_path / "r.html")], capsys)
    named = f"custom prices from {tmp_path / '.tokenscope.json'}"
    assert code == 0 and named in out
    assert named in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("aliases,field", [
    ({"claude-opus-4-7": "claude-sonnet-4-5"}, "aliases.claude-opus-4-7: is a model with its own prices"),
    ({"my-model": "no-such-model"}, "aliases.my-model: points at 'no-such-model', which has no price"),
])
def test_an_alias_that_could_never_apply_is_refused(tmp_path, capsys, aliases, field):
    """Intent (issue 30): aliases keyed by a model of the table, or pointing at no price, were silently ignored."""
    p = tmp_path / "prices.json"
    p.write_text(json.dumps({"aliases": aliases}))
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1")))
    code, _out, err = run([str(log), "--prices", str(p), "--no-cache"], capsys)
    assert code == 2 and field in err
