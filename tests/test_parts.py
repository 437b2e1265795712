"""The report assembled from per-session parts, and the parts the store keeps (issue 20 item 2; parts.py).

The rule every test pins: a report that takes unchanged sessions' parts from the store is the report built from
nothing — whatever changed in between, including changes in one file that move a response between sessions — and
a kept part that is damaged or hostile is built again, never trusted.
"""

import json
import random
import sqlite3
import zlib

import pytest

from conftest import asst, jsonl, user
from py_core import Analyzer, build_report
from py_core.state import answers
from py_core.report.build import blocks
from py_core.state import loader
from py_core.report.build import parts
from py_core.core.priced import priced_requests
from py_core.state.store import FILE_NAME

OPTS = {"test": 1}


def log(i, n=3, day=10, session=None):
    sid = session or f"s{i}"
    return jsonl(user(f"task {i}", uuid=f"p{i}", session=sid, ts=f"2026-01-{day:02d}T09:00:00.000Z"),
                 *(asst(f"m{i}_{k}", f"r{i}_{k}", session=sid, out=100 + k, cr=1000 * k, cw5m=50 * k,
                        ts=f"2026-01-{day:02d}T1{k}:00:00.000Z") for k in range(n)))


def tree(tmp_path, n=4):
    root = tmp_path / "projects"
    for i in range(n):
        p = root / f"proj{i % 2}" / f"s{i}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(log(i, day=10 + i))
    return root


def through_store(root, cache, **opts):
    """(report, memo) as the CLI builds it through the store: loaded, then assembled with the kept parts."""
    notices = []
    store = loader.open_store(str(cache), notices)
    try:
        got = loader.load([str(root)], True, store=store, notices=notices)
        memo = answers.Parts(store, answers.parts_key(OPTS, []), got.tokens)
        rep = build_report(got.analyzer, tz="UTC", memo=memo, **opts)
        memo.save()
        return rep, memo
    finally:
        store.close()


def cold(root, **opts):
    got = loader.load([str(root)], True)
    return build_report(got.analyzer, tz="UTC", **opts)


def same(a, b):
    return json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False)


# Each change: what happens between the run that kept the parts and the next one; and how many sessions must be
# built again (the rest must come from the store).
def append(root):
    with open(root / "proj0" / "s0.jsonl", "ab") as fh:
        fh.write(jsonl(asst("m0_new", "r0_new", session="s0", out=7, ts="2026-01-10T15:00:00.000Z")))


def larger_copy_elsewhere(root):
    # Another session's file gains a larger copy of s1's response: dedup moves that response to s3 (a resumed
    # session copies lines) — s1 changes though none of its files did.
    with open(root / "proj1" / "s3.jsonl", "ab") as fh:
        fh.write(jsonl(asst("m1_1", "r1_1", session="s3", out=5000, ts="2026-01-13T15:00:00.000Z")))


def smaller_copy_elsewhere(root):
    # A smaller copy loses: s1 keeps its response, but s3's file changed, so s3 is built again.
    with open(root / "proj1" / "s3.jsonl", "ab") as fh:
        fh.write(jsonl(asst("m1_1", "r1_1", session="s3", out=1, ts="2026-01-13T15:00:00.000Z")))


def prompt_only(root):
    with open(root / "proj0" / "s2.jsonl", "ab") as fh:
        fh.write(jsonl(user("more", uuid="p2b", session="s2", ts="2026-01-12T20:00:00.000Z")))


def compaction(root):
    with open(root / "proj0" / "s0.jsonl", "ab") as fh:
        fh.write(jsonl({"type": "system", "subtype": "compact_boundary", "sessionId": "s0", "uuid": "cb0",
                        "timestamp": "2026-01-10T16:00:00.000Z", "compactMetadata": {"trigger": "auto",
                                                                                     "preTokens": 5000}}))


def subagent_type(root):
    # A subagent file and its meta file: the type names the agent in every table.
    d = root / "proj1" / "s1" / "subagents"
    d.mkdir(parents=True)
    (d / "agent-abc123.jsonl").write_bytes(jsonl(asst("m_sub", "r_sub", session="s1", agent="abc123",
                                                      sidechain=True, ts="2026-01-11T15:00:00.000Z")))
    (d / "agent-abc123.meta.json").write_text(json.dumps({"agentType": "Explore"}))


def delete(root):
    (root / "proj1" / "s1.jsonl").unlink()  # history: its part is built again, its spend now marked as history


def rewrite(root):
    p = root / "proj0" / "s2.jsonl"
    data = p.read_bytes().replace(b'"output_tokens": 101', b'"output_tokens": 909')
    p.write_bytes(data)
    import os
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def new_session(root):
    (root / "proj1" / "s9.jsonl").write_bytes(log(9, day=20))


def nothing(root):
    pass


CHANGES = [(nothing, 0), (append, 1), (larger_copy_elsewhere, 2), (smaller_copy_elsewhere, 1), (prompt_only, 1),
           (compaction, 1), (subagent_type, 1), (delete, 1), (rewrite, 1), (new_session, 1)]


@pytest.mark.parametrize("change,rebuilt", CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_kept_parts_give_the_report_built_from_nothing(tmp_path, change, rebuilt):
    """Intent: after each change, the report assembled with kept parts is the one built without any, and only the
    sessions the change touched were built again (the others came from the store)."""
    root = tree(tmp_path)
    cache = tmp_path / "cache"
    first, memo = through_store(root, cache)
    assert memo.hits == 0 and memo.built == 4
    assert same(first, cold(root))
    change(root)
    warm, memo = through_store(root, cache)
    if change is not delete:
        assert same(warm, cold(root))
    else:  # the cold run has no history: the store's run still counts the deleted file's session
        assert warm["totals"] == first["totals"] and warm["diagnostics"]["history"]["files"] == 1
    assert memo.built == rebuilt
    assert memo.hits == len(warm["sessions"]) - rebuilt


@pytest.mark.parametrize("opts", [{"since": "2026-01-11"}, {"by": "week"}, {"project": "/home/u/proj"},
                                  {"latest": True}, {"curve": False}])
def test_kept_parts_under_filters(tmp_path, opts):
    """Intent: with filters and options the kept parts still give the fresh report (they are kept per options)."""
    root = tree(tmp_path)
    cache = tmp_path / "cache"
    through_store(root, cache, **opts)
    append(root)
    warm, memo = through_store(root, cache, **opts)
    assert same(warm, cold(root, **opts))


def _damage(cache, how):
    conn = sqlite3.connect(cache / FILE_NAME)
    rows = conn.execute("SELECT key, session, blob FROM parts").fetchall()
    for key, sid, blob in rows:
        d = json.loads(zlib.decompress(blob))
        new = how(d, blob)
        if isinstance(new, dict):
            new = zlib.compress(json.dumps(new).encode())
        conn.execute("UPDATE parts SET blob = ? WHERE key = ? AND session = ?", (new, key, sid))
    conn.commit()
    conn.close()


def _set(path, value):
    def how(d, _blob):
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        return d
    return how


DAMAGE = {
    "garbage": lambda d, blob: b"not zlib",
    "truncated": lambda d, blob: blob[: len(blob) // 2],
    "bomb": lambda d, blob: zlib.compress(b" " * (answers.MAX_PART + 10)),
    "not an object": lambda d, blob: zlib.compress(b"[1, 2]"),
    "cost changed": _set(["row", "cost_usd"], 123456.0),
    "cell as text": lambda d, blob: {**d, "cells": [[c[0], c[1], c[2], c[3], [str(x) for x in c[4]]]
                                                   for c in d["cells"]]},
    "cell inflated": lambda d, blob: {**d, "cells": [[c[0], c[1], c[2], c[3], [c[4][0] + 5] + c[4][1:]]
                                                     for c in d["cells"]]},
    "another session": _set(["sid"], "someone-else"),
    "hours as text": lambda d, blob: {**d, "hours": [["x"] + h[1:] for h in d["hours"]]},
    "deep": lambda d, blob: zlib.compress(b"[" * 100000 + b"]" * 100000),
}


@pytest.mark.parametrize("how", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_or_hostile_kept_part_is_built_again(tmp_path, how):
    """Intent: a kept part that does not decompress, decode or check out is never used: built again, same report."""
    root = tree(tmp_path)
    cache = tmp_path / "cache"
    through_store(root, cache)
    _damage(cache, DAMAGE[how])
    warm, memo = through_store(root, cache)
    assert same(warm, cold(root))
    assert memo.hits == 0 and memo.built == 4


def test_parts_travel_as_json_on_real_logs(real_dir):
    """Intent: every real session's part, through JSON and its checks, assembles the same report as the parts
    built in memory."""
    a = Analyzer()
    for p in sorted(real_dir.rglob("*.jsonl")):
        a.feed_bytes(str(p.relative_to(real_dir)), p.read_bytes())

    class Trip:
        tokens = {s: "t" for s in a.files}
        hits = 0

        def __init__(self):
            self.kept = {}

        def get(self, sid, sig):
            got = self.kept.get(sid)
            return parts.from_json(json.loads(got), sid) if got else None

        def put(self, sid, sig, part):
            self.kept[sid] = json.dumps(part.to_json())

    memo = Trip()
    built = build_report(a, tz="UTC", memo=memo)
    assert memo.kept and len(memo.kept) == len(built["sessions"])
    again = build_report(a, tz="UTC", memo=memo)
    assert same(built, again)
    assert same(built, build_report(a, tz="UTC"))


def _windows_per_request(priced, length, gap_rule):
    """The rule as the peers state it, request by request (issue 15): the reference the hourly sums must match."""
    out = []
    start = last = None
    for p in sorted((p for p in priced if p.r.ts is not None), key=lambda p: (p.r.ts, p.r.source, p.r.line)):
        ts = p.r.ts
        if not out or ts - start >= length or (gap_rule and ts - last > length):
            start = ts - ts % blocks.HOUR
            out.append([start, ts, 0, 0])
        last = ts
        out[-1][2] = ts
        out[-1][3] += sum(p.costs) if p.costs is not None else 0
    return out


@pytest.mark.parametrize("seed", range(25))
def test_windows_from_hours_follow_the_per_request_rule(seed):
    """Intent: 5-hour blocks and weekly windows built from hourly sums are the per-request rule's windows, for
    random request times (bursts, gaps just under and over five hours, several sessions)."""
    rnd = random.Random(seed)
    t = 1767000000.0 + rnd.random() * 3600
    lines = []
    for k in range(rnd.randint(1, 60)):
        t += rnd.choice([rnd.random() * 600, 5 * 3600 - 1, 5 * 3600 + 1, rnd.random() * 4 * 3600,
                         rnd.random() * 8 * 86400, 0.001])
        stamp = __import__("datetime").datetime.fromtimestamp(t, __import__("datetime").timezone.utc)
        lines.append(asst(f"m{k}", f"r{k}", session=f"s{k % 3}", out=10 + k,
                          ts=stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")))
    a = Analyzer()
    a.feed_bytes("p/x.jsonl", jsonl(*lines))
    priced = priced_requests(a).priced
    for length, gap in ((blocks.BLOCK_SECONDS, True), (blocks.WEEK_SECONDS, False)):
        raw = []
        blocks.windows(priced, length, gap, raw=raw)
        assert raw == _windows_per_request(priced, length, gap)


# -- the page: parts kept in the worker's memory between drops (issue 20 item 5) ------------------------------------
def _call(req, data=None):
    from py_core.shells.api import handle
    out = json.loads(handle(json.dumps(req), data))
    assert "error" not in out, out
    return out


def _drop(job, files, stored=None, view=True):
    """One analysis as the worker runs it: each file read (token: size and time) or its stored state loaded."""
    _call({"op": "begin", "job": job})
    states = {}
    for name, (data, token) in files.items():
        if stored and name in stored:
            _call({"op": "load_state", "job": job, "source": name, "state": json.loads(stored[name]),
                   "token": token})
        else:
            _call({"op": "file", "job": job, "source": name, "remember": True, "token": token}, data)
            from py_core.shells.api import handle
            states[name] = handle(json.dumps({"op": "take_state", "job": job, "source": name}))
    rep = _call({"op": "report", "job": job, "tz": "UTC", "view": view, "now": 1768000000})  # report and charts
    _call({"op": "end", "job": job})
    _drop.kept = rep.pop("kept")
    return rep, states


@pytest.mark.parametrize("view", [True, False])
def test_a_folder_dropped_again_takes_unchanged_sessions_from_the_workers_memory(monkeypatch, view):
    """Intent: a second drop (states of unchanged files, one grown file read again) gives the report a fresh worker
    gives, and builds only the grown file's session; a file whose token changed (same name) is built again, and a
    source without a token (a paste) is always built."""
    from py_core.shells import api
    monkeypatch.setattr(api, "_parts", {})
    files = {f"p/s{i}.jsonl": (log(i, day=10 + i), f"{len(log(i))}:{i}") for i in range(4)}
    first, states = _drop("a", files, view=view)
    built = []
    real = parts.build
    monkeypatch.setattr(parts, "build", lambda sid, *a, **k: built.append(sid) or real(sid, *a, **k))
    grown = files["p/s1.jsonl"][0] + jsonl(asst("m1_new", "r1_new", session="s1", ts="2026-01-11T15:00:00.000Z"))
    files["p/s1.jsonl"] = (grown, f"{len(grown)}:99")
    files["p/pasted.jsonl"] = (log(7, day=20), None)
    again, states2 = _drop("b", files, stored={k: v for k, v in states.items() if k != "p/s1.jsonl"}, view=view)
    assert sorted(built) == ["s1", "s7"]
    built.clear()
    # Nothing changed: every session from memory (the paste aside), the top session's curve drawn from its requests.
    third, _ = _drop("d", files, stored={**states, **states2}, view=view)
    assert built == ["s7"] and same(third, again) and _drop.kept == 4
    assert "<polyline" in third["charts"]["curve"] and third["charts"]["curve_session"] == "s1"
    monkeypatch.setattr(api, "_parts", {})
    fresh, _ = _drop("c", {k: (d, None) for k, (d, _t) in files.items()}, view=view)
    assert same(again, fresh) and not same(first, fresh)


def test_parts_the_page_stored_are_used_after_a_reload_and_checked(monkeypatch):
    """Intent (item 5): the parts a worker hands the page (take_parts, kept in IndexedDB) seed a new worker, whose
    drop of the same files then builds no session and gives the same report; a stored part that does not check out
    is built again; take_parts says null when nothing changed."""
    from py_core.shells import api
    from py_core.shells.api import handle
    monkeypatch.setattr(api, "_parts", {})
    monkeypatch.setattr(api, "_dirty", None)
    files = {f"p/s{i}.jsonl": (log(i, day=10 + i), f"t{i}") for i in range(3)}
    first, _ = _drop("a", files)
    stored = handle('{"op":"take_parts"}')
    assert stored.startswith('{"key":') and handle('{"op":"take_parts"}') == "null"
    _drop("a2", files)
    assert _drop.kept == 3 and handle('{"op":"take_parts"}') == "null"  # nothing new to store
    for damage, kept in ((lambda d: d, 3), (lambda d: {**d, "sessions": {
            sid: [sig, {**part, "pico": part["pico"] + 1}] for sid, (sig, part) in d["sessions"].items()}}, 0)):
        monkeypatch.setattr(api, "_parts", {})  # a reload: a new worker
        handle(json.dumps({"parts": damage(json.loads(stored)), "op": "seed_parts"}))
        again, _ = _drop("b", files)
        assert same(again, first) and _drop.kept == kept
    # A record that is not parts at all: ignored.
    monkeypatch.setattr(api, "_parts", {})
    assert "error" not in json.loads(handle('{"parts":[1,2],"op":"seed_parts"}'))
    again, _ = _drop("c", files)
    assert same(again, first) and _drop.kept == 0


# -- random trees and random changes against a build from nothing ---------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_line = st.fixed_dictionaries({
    "kind": st.sampled_from(["resp", "resp", "resp", "prompt", "compact", "sub"]),
    "mid": st.sampled_from([f"m{i}" for i in range(6)]),      # few ids: copies across files and sessions
    "session": st.sampled_from(["sa", "sb", "sc"]),
    "out": st.integers(1, 900),
    "minute": st.integers(0, 59),
    "hour": st.sampled_from([9, 10, 16]),
})


def _bytes(lines, k):
    out = []
    for n, d in enumerate(lines):
        ts = f"2026-01-1{k % 3}T{d['hour']:02d}:{d['minute']:02d}:00.000Z"
        if d["kind"] == "prompt":
            out.append(user("go", uuid=f"p{k}_{n}", session=d["session"], ts=ts))
        elif d["kind"] == "compact":
            out.append({"type": "system", "subtype": "compact_boundary", "sessionId": d["session"],
                        "uuid": f"c{d['mid']}", "timestamp": ts,
                        "compactMetadata": {"trigger": "auto", "preTokens": d["out"] * 10}})
        else:
            out.append(asst(d["mid"], f"r{d['mid']}", session=d["session"], out=d["out"], cr=d["out"] * 7,
                            cw5m=d["out"], ts=ts, sidechain=d["kind"] == "sub",
                            agent="ag1" if d["kind"] == "sub" else None))
    return jsonl(*out) if out else b""


_op = st.fixed_dictionaries({
    "what": st.sampled_from(["append", "append", "rewrite", "delete", "add"]),
    "file": st.integers(0, 3),
    "lines": st.lists(_line, min_size=1, max_size=4),
})


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=st.lists(st.lists(_line, min_size=1, max_size=6), min_size=2, max_size=4),
       ops=st.lists(_op, min_size=1, max_size=3))
def test_random_changes_never_let_a_kept_part_go_stale(tmp_path_factory, files, ops):
    """Intent: across random trees (responses copied between files and sessions, prompts, compactions, subagent
    lines) and random changes (appends, rewrites, deletions, new files), a run through the store — its unchanged
    sessions' parts kept — gives the report built from nothing (history aside, which --no-cache cannot have)."""
    tmp = tmp_path_factory.mktemp("tree")
    root = tmp / "projects"
    (root / "p").mkdir(parents=True)
    paths = [root / "p" / f"f{k}.jsonl" for k in range(len(files))]
    for k, lines in enumerate(files):
        paths[k].write_bytes(_bytes(lines, k))
    cache = tmp / "cache"
    through_store(root, cache)
    import os
    for i, op in enumerate(ops):
        k = op["file"] % len(paths)
        p = paths[k]
        if op["what"] == "append" and p.exists():
            with open(p, "ab") as fh:
                fh.write(_bytes(op["lines"], k + i + 1))
        elif op["what"] == "rewrite" and p.exists():
            p.write_bytes(_bytes(op["lines"], k + i + 1))
            st_ = p.stat()
            os.utime(p, ns=(st_.st_atime_ns, st_.st_mtime_ns + 2_000_000_000))
        elif op["what"] == "add":
            (root / "p" / f"new{i}.jsonl").write_bytes(_bytes(op["lines"], i))
        elif op["what"] == "delete" and p.exists() and sum(q.exists() for q in paths) > 1:
            p.unlink()
        warm, memo = through_store(root, cache)
        _random_hits.append(memo.hits)
        # The same analysis (deleted files' states given back as history) built without any kept part.
        notices = []
        store = loader.open_store(str(cache), notices)
        try:
            got = loader.load([str(root)], True, store=store, notices=notices)
        finally:
            store.close()
        assert same(warm, build_report(got.analyzer, tz="UTC"))


_random_hits = []


def test_the_random_changes_did_keep_parts():
    """Intent: the property above is not vacuous: across its examples, kept parts were used."""
    assert _random_hits and sum(_random_hits) > 0


def test_a_later_job_reuses_the_sources_an_earlier_one_holds_at_the_same_version(monkeypatch):
    """Intent (item 5): a job merges the analyzers an earlier job of the worker holds (`reuse`: nothing decoded) for
    sources at the same version, and gets the report of reading them all; another version, a source it already has,
    or a job that is gone is refused ({ok: false}: the page then loads or reads the file)."""
    from py_core.shells import api
    from py_core.shells.api import handle
    monkeypatch.setattr(api, "_parts", {})
    files = {f"p/s{i}.jsonl": (log(i, day=10 + i), f"t{i}") for i in range(3)}
    _call({"op": "begin", "job": "old"})
    for name, (data, tok) in files.items():
        _call({"op": "file", "job": "old", "source": name, "remember": True, "token": tok}, data)
    _call({"op": "report", "job": "old", "tz": "UTC"})
    assert _call({"op": "held", "job": "old"})["held"] == {n: t for n, (_d, t) in files.items()}
    _call({"op": "begin", "job": "new"})
    assert _call({"op": "reuse", "job": "new", "from": "old", "source": "p/s0.jsonl", "token": "t0"})["ok"]
    assert not _call({"op": "reuse", "job": "new", "from": "old", "source": "p/s0.jsonl", "token": "t0"})["ok"]
    assert not _call({"op": "reuse", "job": "new", "from": "old", "source": "p/s1.jsonl", "token": "t9"})["ok"]
    assert not _call({"op": "reuse", "job": "new", "from": "gone", "source": "p/s1.jsonl", "token": "t1"})["ok"]
    grown = files["p/s1.jsonl"][0] + jsonl(asst("m1_new", "r1_new", session="s1", ts="2026-01-11T15:00:00.000Z"))
    _call({"op": "file", "job": "new", "source": "p/s1.jsonl", "remember": True, "token": "t1b"}, grown)
    assert _call({"op": "reuse", "job": "new", "from": "old", "source": "p/s2.jsonl", "token": "t2"})["ok"]
    _call({"op": "end", "job": "old"})
    got = _call({"op": "report", "job": "new", "tz": "UTC", "now": 1})["report"]
    _call({"op": "begin", "job": "fresh"})
    for name, data in (("p/s0.jsonl", files["p/s0.jsonl"][0]), ("p/s1.jsonl", grown),
                       ("p/s2.jsonl", files["p/s2.jsonl"][0])):
        _call({"op": "file", "job": "fresh", "source": name}, data)
    assert same(got, _call({"op": "report", "job": "fresh", "tz": "UTC", "now": 1})["report"])
    for job in ("new", "fresh"):
        handle(json.dumps({"op": "end", "job": job}))


def test_real_logs_with_one_grown_log_take_the_other_sessions_from_the_store(real_dir, tmp_path):
    """Intent: on the real logs, after one log grows (a new response of its session) the report assembled with the
    kept parts of every other session is the report built from nothing."""
    import shutil
    root = tmp_path / "real"
    shutil.copytree(real_dir, root, ignore=shutil.ignore_patterns("*.json", "*.md"))
    cache = tmp_path / "cache"
    first, _ = through_store(root, cache)
    assert same(first, cold(root))
    target = max(root.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    line = next(ln for ln in reversed(target.read_bytes().splitlines()) if b'"usage"' in ln and b'"id":"' in ln)
    obj = json.loads(line)
    obj["message"]["id"] = "msg_grown_in_test"
    with open(target, "ab") as fh:
        fh.write(b"\n" + json.dumps(obj).encode() + b"\n")
    warm, memo = through_store(root, cache)
    assert same(warm, cold(root))
    assert warm["totals"]["requests"] == first["totals"]["requests"] + 1
    assert memo.hits >= len(warm["sessions"]) - 3 and memo.built >= 1
