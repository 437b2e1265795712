"""Issue 10: random projects against a plain reference of the identity and recovery rules.

The generator writes responses as Claude Code does — split over content-block lines, streaming snapshots,
copies with and without requestId, sidechain replays, progress copies in the parent with and without the
subagent's own file — spreads the files over processes and page workers (merges, JSON export/import), and
checks the report's totals against the rules computed here from scratch:

- one billed request per message.id; among its own-line copies the main thread beats a sidechain copy, then
  the largest token total, then the earliest (file, line); a line without message.id is a request of its own;
- a copy in a progress line is billed only when no own line has its id, the largest such copy winning.
"""

import pytest
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_core import Analyzer, build_report

from py_core.shells import api
from tests.conftest import asst, jsonl

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

BUCKETS = ("inp", "out", "cw", "cr")


def progress(mid, usage, agent, session):
    return {"type": "progress", "sessionId": session, "parentToolUseID": "toolu_x", "timestamp": "2026-01-10T10:00:00Z",
            "data": {"type": "agent_progress", "agentId": agent,
                     "message": {"type": "assistant", "timestamp": "2026-01-10T10:00:01Z",
                                 "message": {"id": mid, "model": "claude-sonnet-4-5", "usage": {
                                     "input_tokens": usage[0], "output_tokens": usage[1],
                                     "cache_creation_input_tokens": usage[2], "cache_read_input_tokens": usage[3]}}}}}


copy = st.fixed_dictionaries({
    "usage": st.tuples(*(st.integers(0, 50),) * 4),
    "rid": st.sampled_from(["req_a", "req_b", None]),
    "sidechain": st.booleans(),
    "file": st.integers(0, 3),
    "where": st.sampled_from(["own", "own", "progress"]),
})
response = st.fixed_dictionaries({
    "mid": st.one_of(st.none(), st.sampled_from([f"msg_{i}" for i in range(8)])),
    "copies": st.lists(copy, min_size=1, max_size=4),
})


def build(responses, drop_subagent_file):
    """Files (name -> list of (line object)) and the reference answer."""
    files = {i: [] for i in range(4)}
    own, prog = [], []  # (mid, sidechain, usage, file, line)
    for resp in responses:
        for c in resp["copies"]:
            f = c["file"]
            if c["where"] == "progress":
                f %= 3  # progress lines are the parent's (files 0-2), never the subagent's own file (3)
                if resp["mid"] is None:
                    continue  # never billed; the analyzer drops it too (tested in test_counting)
                files[f].append(progress(resp["mid"], c["usage"], "agent1", "s1"))
                prog.append((resp["mid"], True, c["usage"], f, len(files[f])))
                continue
            if drop_subagent_file and f == 3:
                continue  # the subagent's own file is not given: its lines are in no file
            inp, out, cw, cr = c["usage"]
            files[f].append(asst(resp["mid"], c["rid"], inp=inp, out=out, cw=cw, cr=cr, sidechain=c["sidechain"],
                                 agent="agent1" if c["sidechain"] else None))
            own.append((resp["mid"], c["sidechain"], c["usage"], f, len(files[f])))
    names = {i: f"proj/s1/subagents/agent-agent{i}.jsonl" if i == 3 else f"proj/part{i}.jsonl" for i in files}

    def rank(cp, main_first):
        mid, side, usage, f, line = cp
        return ((not side) if main_first else True, sum(usage), tuple(-ord(ch) for ch in names[f]), -line)

    billed = []
    best = {}
    for cp in own:
        if cp[0] is None:
            billed.append((cp, False))
        elif cp[0] not in best or rank(cp, True) > rank(best[cp[0]], True):
            best[cp[0]] = cp
    billed += [(cp, False) for cp in best.values()]
    rec = {}
    for cp in prog:
        if cp[0] in best:
            continue
        if cp[0] not in rec or rank(cp, False) > rank(rec[cp[0]], False):
            rec[cp[0]] = cp
    billed += [(cp, True) for cp in rec.values()]
    want = {
        "requests": len(billed),
        "requests_main": sum(1 for cp, r in billed if not cp[1]),
        "tokens": tuple(sum(cp[2][i] for cp, _ in billed) for i in range(4)),
        "recovered": len(rec),
    }
    return {names[i]: jsonl(*lines) if lines else b"" for i, lines in files.items()
            if not (drop_subagent_file and i == 3)}, want


def totals(rep):
    t = rep["totals"]
    tok = t["tokens"]
    return {"requests": t["requests"], "requests_main": t["requests_main"],
            "tokens": (tok["input"], tok["output"], tok["cache_write_5m"] + tok["cache_write_1h"], tok["cache_read"]),
            "recovered": rep["diagnostics"]["recovered_from_progress"]["requests"]}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(response, min_size=1, max_size=8), st.booleans(), st.integers(1, 3), st.randoms())
def test_report_equals_the_plain_reference(responses, drop_subagent_file, parts, rnd):
    """Intent: whatever the copies, files and splits, the report bills exactly what the rules say."""
    files, want = build(responses, drop_subagent_file)
    whole = Analyzer()
    for name, data in files.items():
        whole.feed_bytes(name, data)
    rep = build_report(whole, tz="UTC")
    assert totals(rep) == want

    # The same files over several processes (merged analyzers), in a random order.
    names = list(files)
    rnd.shuffle(names)
    split = [Analyzer() for _ in range(parts)]
    for i, name in enumerate(names):
        split[i % parts].feed_bytes(name, files[name])
    merged = split[0]
    for a in split[1:]:
        merged.merge(a)
    assert build_report(merged, tz="UTC") == rep

    # ... and over page workers: each job exports its state as JSON, the first imports the others'.
    jobs = [f"w{i}" for i in range(parts)]
    for j in jobs:
        api.handle(json.dumps({"op": "begin", "job": j}))
    for i, name in enumerate(names):
        api.handle(json.dumps({"op": "file", "job": jobs[i % parts], "source": name}), files[name])
    for j in jobs[1:]:
        state = api.handle(json.dumps({"op": "export", "job": j}))
        api.handle(json.dumps({"op": "import", "job": jobs[0], "state": json.loads(state)["state"]}))
    got = json.loads(api.handle(json.dumps({"op": "json", "job": jobs[0], "tz": "UTC"})))
    for j in jobs:
        api.handle(json.dumps({"op": "end", "job": j}))
    assert totals(got) == want
