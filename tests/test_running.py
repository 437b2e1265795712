"""Issue 20: the status line's own path — a running summary per session, only new bytes read, nothing heavy imported.

The rule pinned: whatever the fast path answers equals `live.session_status` over the same files read whole (the
report's figures for that session); whatever it cannot decide goes to the full path, which rebuilds the summary.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import asst, jsonl, user
from py_core.state import loader
from py_core.state import running
from py_core.state.jobs import analyze_files
from py_core.report.live import session_status
from py_core.shells.statusline import Args, session


ROOT = Path(__file__).resolve().parent.parent


def args_for(cache):
    a = Args()
    a.cache_dir = str(cache)
    return a


def reference(transcript, sid, prices=None):
    """The full path without any store or summary: the files read whole."""
    files = loader.session_files(str(transcript))
    return session_status(analyze_files(files, 1), prices or loader.load_prices(), sid)


def fast(transcript, sid, cache):
    """The fast path alone: (status, decided) — decided False when it handed over to the full path."""
    d = running.load(running.summary_path(str(cache), str(transcript)), str(transcript),
                     running.price_digest(loader.price_files((), None)))
    assert d is not None, "no summary to start from"
    try:
        running.advance(d, loader.session_files(str(transcript), d["verdicts"]), loader.load_prices)
    except running.Undecided:
        return None, False
    return running.status(d, sid), True


def render(transcript, sid, cache):
    status, note = session({"transcript_path": str(transcript), "session_id": sid}, args_for(cache))
    assert note is None
    return status


def lines_of(path):
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("hot", [running.HOT, 3], ids=["as shipped", "folding after 3 records"])
def test_fast_path_equals_the_full_path_on_the_real_logs(real_dir, tmp_path, monkeypatch, hot):
    """Intent: every real session (with its subagents' files) grown in steps — its first 30% stored, the rest
    appended in four parts to every file — gives at each step the status a whole read gives; most steps are
    decided by the fast path (one that is not is answered by the full path, which rebuilds the summary). Run
    again with all but 3 records folded into the sums, so the folded path is exercised by every session."""
    monkeypatch.setattr(running, "HOT", hot)
    decided = steps = 0
    sessions = [p for p in sorted(real_dir.rglob("*.jsonl")) if "subagents" not in p.parts
                and not p.name.startswith("agent-")]
    assert len(sessions) >= 40
    for n, src in enumerate(sessions):
        proj = tmp_path / f"p{n}" / "proj"
        proj.mkdir(parents=True)
        sub_src = src.parent / src.stem / "subagents"
        pairs = [(src, proj / src.name)]
        if sub_src.is_dir():
            for f in sorted(sub_src.rglob("*.jsonl")):
                pairs.append((f, proj / src.stem / "subagents" / f.relative_to(sub_src)))
        whole = {dst: lines_of(s) for s, dst in pairs}
        for dst, ls in whole.items():
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(b"".join(ls[:len(ls) * 3 // 10]))
        transcript = proj / src.name
        cache = tmp_path / f"c{n}"
        sid = None
        render(transcript, sid, cache)
        for step in range(1, 5):
            for dst, ls in whole.items():
                dst.write_bytes(b"".join(ls[:len(ls) * (3 + 7 * step // 4) // 10 if step < 4 else len(ls)]))
            if not running.load(running.summary_path(str(cache), str(transcript)), str(transcript),
                                running.price_digest(loader.price_files((), None))):
                render(transcript, sid, cache)  # the last render could not leave a summary (an unfinished line)
                continue
            got, ok = fast(transcript, sid, cache)
            steps += 1
            want = reference(transcript, sid)
            if ok:
                decided += 1
                assert got == want, (src, step)
            assert render(transcript, sid, cache) == want, (src, step)
    assert steps >= 100 and decided >= steps * 0.6, (decided, steps)


def session_log(*extra):
    return [user("go", uuid="p1", ts="2026-01-10T09:59:00.000Z"),
            asst("m1", "r1", cw5m=10_000, out=200, ts="2026-01-10T10:00:00.000Z"),
            asst("m2", "r2", cr=10_000, out=300, ts="2026-01-10T10:01:00.000Z"), *extra]


def start(tmp_path, *lines):
    proj = tmp_path / "projects" / "proj"
    proj.mkdir(parents=True)
    t = proj / "s1.jsonl"
    t.write_bytes(jsonl(*session_log(*lines)))
    cache = tmp_path / "cache"
    assert render(t, "s1", cache) == reference(t, "s1")
    return t, cache


def append(path, *objs):
    with open(path, "ab") as fh:
        fh.write(jsonl(*objs))


def progress(mid, aid, out, ts):
    """A 2.1.x parent progress line carrying a copy of a subagent's response."""
    inner = asst(mid, "r" + mid, out=out, ts=ts, sidechain=True, agent=aid)
    return {"type": "progress", "sessionId": "s1", "timestamp": ts, "parentToolUseID": "toolu_1",
            "data": {"type": "agent_progress", "agentId": aid, "message": {"timestamp": ts, "message": inner["message"]}}}


@pytest.mark.parametrize("grow, decided, why", [
    (lambda t: append(t, asst("m3", "r3", cr=12_000, out=100, ts="2026-01-10T10:02:00.000Z")), True,
     "a new response"),
    (lambda t: append(t, asst("m2", "r2", cr=10_000, out=900, ts="2026-01-10T10:01:00.000Z")), True,
     "a later, larger copy of a response already counted replaces it"),
    (lambda t: append(t, asst("m2", "r2", cr=10_000, out=10, ts="2026-01-10T10:01:00.000Z")), True,
     "a smaller copy does not"),
    (lambda t: append(t, asst("m2", "r2", cr=10_000, out=300, ts="2026-01-10T10:01:00.000Z", sidechain=True,
                              agent="a1")), True, "a sidechain replay of a main-thread response is billed once"),
    (lambda t: append(t, progress("m7", "a7", 400, "2026-01-10T10:03:00.000Z")), True,
     "a progress copy of a subagent response without its own line is recovered"),
    (lambda t: (append(t, progress("m7", "a7", 400, "2026-01-10T10:03:00.000Z")),
                append(t, asst("m7", "r7", out=50, sidechain=True, agent="a7", ts="2026-01-10T10:03:00.000Z"))),
     True, "its own line replaces the progress copy, whatever the totals"),
    (lambda t: append(t, asst("m8", "r8", out=5, ts="2026-01-10T10:04:00.000Z", model="claude-opus-4-6",
                              speed="fast")), True, "a model and day never priced before: rates looked up once"),
    (lambda t: append(t, asst("m9", "r9", out=5, ts="2026-01-10T10:04:00.000Z", model="claude-unknown-9")), True,
     "an unknown model: named, never $0"),
    (lambda t: append(t, "not json at all", '{"type":"assistant","message":{"usage":'), True,
     "malformed lines: no request"),
    (lambda t: append(t, asst("m3", "r3", out=5, ts="2026-01-10 10:02:00")), True,
     "a timestamp in another shape: the one rule reads it (issue 31: the rule book, not a second copy)"),
    (lambda t: append(t, asst("m3", "r3", out=5, model="claude-é")), True, "text outside ASCII: the same rule"),
    (lambda t: t.write_bytes(t.read_bytes()[:-40]), False, "a file that shrank: rewritten"),
    (lambda t: open(t, "ab").write(b'{"type":"assistant"'), False, "an unfinished last line"),
    (lambda t: (t.parent / "s1" / "subagents").mkdir(parents=True) or (t.parent / "s1" / "subagents" /
                                                                      "agent-a1.jsonl").write_bytes(
        jsonl(asst("m5", "r5", out=700, sidechain=True, agent="a1", ts="2026-01-10T10:05:00.000Z"))), True,
     "a new subagent file: read from its start"),
], ids=["new", "larger-copy", "smaller-copy", "sidechain-replay", "progress-copy", "own-beats-progress",
        "new-rates", "unknown-model", "malformed", "odd-timestamp", "non-ascii", "shrunk", "unfinished",
        "new-subagent"])
def test_each_change_is_decided_exactly_or_handed_over(tmp_path, grow, decided, why):
    """Intent: the dedup, recovery and pricing rules of the analyzer, applied to new lines only, give the whole
    read's figures; what the fast path cannot decide exactly, the full path answers (same figures again)."""
    t, cache = start(tmp_path)
    grow(t)
    got, ok = fast(t, "s1", cache)
    want = reference(t, "s1")
    assert ok == decided, why
    if ok:
        assert got == want, why
    assert render(t, "s1", cache) == want, why


@pytest.mark.parametrize("damage", [
    lambda p: p.write_text("{not json"),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "hot": [["m1", 0, -5]]})),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "v": 999})),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "hot": [
        [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], "1e30", r[13], r[14]]
        for r in json.loads(p.read_text())["hot"]]})),
], ids=["not-json", "bad-record", "other-version", "cost-as-text"])
def test_a_damaged_summary_is_rebuilt_never_trusted(tmp_path, damage):
    """Intent: a summary that is not this version's or does not check is ignored and written anew: the figures
    are the whole read's."""
    t, cache = start(tmp_path)
    path = Path(running.summary_path(str(cache), str(t)))
    damage(path)
    append(t, asst("m3", "r3", cr=12_000, out=100, ts="2026-01-10T10:02:00.000Z"))
    assert render(t, "s1", cache) == reference(t, "s1")
    assert fast(t, "s1", cache)[1]  # rebuilt: the next render is fast again


def test_changed_prices_are_a_new_summary(tmp_path):
    """Intent: a price file edited after the summary was written: its figures are not reused."""
    t, cache = start(tmp_path)
    prices = tmp_path / "p.json"
    prices.write_text(json.dumps({"claude-sonnet-4-5": {"input_cost_per_token": 1e-5, "output_cost_per_token": 1e-4}}))
    a = args_for(cache)
    a.prices = [str(prices)]
    got, _note = session({"transcript_path": str(t), "session_id": "s1"}, a)
    want = reference(t, "s1", loader.load_prices([str(prices)]))
    assert got == want and got["cost_usd"] != reference(t, "s1")["cost_usd"]


def test_the_summary_is_private(tmp_path):
    """Intent: like the store, the summary (it names project paths) is 0600 in a 0700 folder."""
    t, cache = start(tmp_path)
    path = Path(running.summary_path(str(cache), str(t)))
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


HEAVY = ("argparse", "re", "sqlite3", "datetime", "decimal", "py_core.core.analyzer", "py_core.report.build",
         "py_core.state.store", "py_core.core.pricing")


@pytest.mark.parametrize("entry", [["-m", "py_core", "statusline"],
                                   ["-c", "import sys; from py_core.__main__ import main; sys.argv[1:] = "
                                          "['statusline'] + sys.argv[1:]; sys.exit(main())"]],
                         ids=["python -m py_core", "the installed entry point"])
def test_a_render_imports_nothing_heavy(tmp_path, entry):
    """Intent: on the common path (a summary, one response appended) a render imports none of argparse, re,
    sqlite3, datetime, decimal or the analyzer (python -X importtime), for `python -m py_core statusline` and the
    installed `tokenscope statusline` (py_core.__main__:main) alike."""
    t, cache = start(tmp_path)
    payload = json.dumps({"transcript_path": str(t), "session_id": "s1", "cwd": str(tmp_path)}).encode()
    cmd = [sys.executable, "-X", "importtime", *entry, "--cache-dir", str(cache)]
    first = subprocess.run(cmd, input=payload, capture_output=True, cwd=ROOT, timeout=60)
    assert first.returncode == 0 and b"$" in first.stdout
    append(t, asst("m3", "r3", cr=12_000, out=100, ts="2026-01-10T10:02:00.000Z"))
    res = subprocess.run(cmd, input=payload, capture_output=True, cwd=ROOT, timeout=60)
    assert res.returncode == 0
    imported = {ln.split("|")[-1].strip() for ln in res.stderr.decode().splitlines() if ln.startswith("import time:")}
    assert "py_core.state.running" in imported
    site = {m for m in imported if m in HEAVY}
    # What the interpreter's own start-up imports (site-packages hooks) is not the status line's doing.
    bare = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True, timeout=60)
    before = {ln.split("|")[-1].strip() for ln in bare.stderr.decode().splitlines() if ln.startswith("import time:")}
    assert site - before == set(), site - before
    want = reference(t, "s1")
    assert f"${want['cost_usd']:.4f}".rstrip("0") in res.stdout.decode() or "$0.0" in res.stdout.decode()


@pytest.mark.parametrize("copy, decided, why", [
    (asst("m1", "r1", cw5m=10_000, out=900, ts="2026-01-10T10:00:00.000Z"), False,
     "a larger copy of a folded response: which copy wins needs it whole"),
    (progress("m1", "a1", 900, "2026-01-10T10:00:00.000Z"), True,
     "a progress copy of a folded response that has its own line: never billed"),
    (asst("m4", "r4", out=5, ts="2026-01-10T10:09:00.000Z"), True, "a new response beside folded ones"),
], ids=["copy-of-folded", "progress-of-folded", "new"])
def test_folded_responses(tmp_path, monkeypatch, copy, decided, why):
    """Intent: older records are folded into per-session sums (a render loads kilobytes, not the session); a new
    copy of a folded response is handed to the full path, everything else is decided with the same figures."""
    monkeypatch.setattr(running, "HOT", 1)
    t, cache = start(tmp_path)
    append(t, copy)
    got, ok = fast(t, "s1", cache)
    assert ok == decided, why
    want = reference(t, "s1")
    if ok:
        assert got == want, why
    assert render(t, "s1", cache) == want, why


def test_cache_clear_forgets_the_summaries(tmp_path, capsys):
    """Intent: `tokenscope cache info` counts the status line's summaries and `cache clear` deletes them (they name
    project paths, like the store)."""
    from py_core.shells.cli import main
    t, cache = start(tmp_path)
    assert main(["cache", "info", "--cache-dir", str(cache)]) == 0
    assert "status line: 1 session summary" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "and 1 status-line summary" in capsys.readouterr().out
    assert not Path(running.summary_path(str(cache), str(t))).exists()
    assert render(t, "s1", cache) == reference(t, "s1")


def test_a_line_nested_too_deeply_is_no_request_on_either_path(tmp_path):
    """Intent: a usage line nested past the analyzer's limit is malformed there: the fast path decides the same
    (no request), parsing it once."""
    t, cache = start(tmp_path)
    deep = asst("m9", "r9", out=5000, ts="2026-01-10T10:05:00.000Z")
    deep["extra"] = json.loads('{"a":' * 250 + "1" + "}" * 250)
    append(t, deep)
    got, ok = fast(t, "s1", cache)
    assert ok and got == reference(t, "s1") and got["requests"] == 2  # m1 and m2; the deep line is none
