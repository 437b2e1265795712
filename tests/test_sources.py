"""Issue 24: what fills the context — every main-thread request's new cache writes named by what arrived before it.

The rules pinned: a session's sources add up to its priced main-thread cache writes, exactly; the split follows
the byte sizes of what arrived (tool results from their `tool_use_id` to the line's end, its structured copy included;
the model's own previous output from `"content":` to `"stop_reason"`, thinking excluded; prompts, attachments and
injected lines whole); tools are named with their file (relative to the project) or program; MCP tools grouped by
server; subagent results by type; the first request of a session is the system prompt and tools.
"""

import json

import pytest

from py_core import Analyzer, build_report
from py_core.core.priced import priced_requests
from py_core.report.sources import split


def _main_writes(a):
    out = {}
    for p in priced_requests(a).priced:
        if p.agent == "main" and p.rates is not None:
            out[p.r.session_id] = out.get(p.r.session_id, 0) + p.r.cw5m + p.r.cw1h
    return out


def test_every_real_session_s_sources_add_up_to_its_main_thread_cache_writes(real_dir):
    """Intent: the sum rule on every session of the real logs (read together, as a folder is), and the report's
    pooled rows add up to the sessions'."""
    a = Analyzer()
    for p in sorted(real_dir.rglob("*.jsonl")):
        a.feed_bytes(str(p.relative_to(real_dir)), p.read_bytes())
    rep = build_report(a, tz="UTC")
    writes = _main_writes(a)
    checked = 0
    for s in rep["sessions"]:
        got = sum(r["tokens"] for r in s["context_sources"])
        assert got == writes.get(s["session_id"], 0), s["session_id"]
        checked += bool(got)
        assert all(r["kind"] in ("tool_result", "prompt", "output", "attachment", "subagent_result", "other", "context")
                   for r in s["context_sources"])
        # By re-read cost, largest first; an "N more sources" row last (issue 33: it was sorted into the middle).
        rows = s["context_sources"]
        more = [r for r in rows if r["source"].endswith(" more sources")]
        assert more in ([], rows[-1:])
        costs = [r["reread_cost_usd"] for r in rows if r not in more]
        assert costs == sorted(costs, reverse=True)
    assert checked >= 30
    assert sum(r["tokens"] for r in rep["context_sources"]) == sum(writes.values())


@pytest.mark.parametrize("added, sizes, want", [
    (100, {"a": 1, "b": 1}, [("a", 50), ("b", 50)]),
    (101, {"a": 1, "b": 1}, [("a", 51), ("b", 50)]),        # the remainder to the largest fraction, ties by key
    (10, {"a": 2, "b": 1}, [("a", 7), ("b", 3)]),           # 6.67 and 3.33
    (5, {}, [("other\x1funattributed\x1f", 5)]),
    (7, {"a": 0, "b": 3}, [("b", 7)]),
])
def test_the_split_is_integers_that_sum_exactly(added, sizes, want):
    """Intent: largest remainder — every token of the growth goes to one source, none lost or made up."""
    got = split(added, sizes)
    assert got == want and sum(t for _k, t in got) == added


CWD = "/home/u/proj"


def line(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def response(mid, ts, cw, content, stop="tool_use"):
    """A main-thread response line as Claude Code writes it (message keys in its order: content, stop_reason, usage)."""
    return {"type": "assistant", "sessionId": "s1", "cwd": CWD, "uuid": f"u-{mid}-{ts}", "timestamp": ts,
            "isSidechain": False, "requestId": "r" + mid,
            "message": {"model": "claude-sonnet-4-5-20250929", "id": mid, "type": "message", "role": "assistant",
                        "content": content, "stop_reason": stop, "stop_sequence": None,
                        "usage": {"input_tokens": 1, "output_tokens": 10, "cache_creation_input_tokens": cw,
                                  "cache_read_input_tokens": 0}}}


def tool_use(tid, name, **inp):
    return {"type": "tool_use", "id": tid, "name": name, "input": inp}


def result(tid, text, structured=True):
    d = {"type": "user", "sessionId": "s1", "cwd": CWD, "uuid": "u-" + tid, "timestamp": "2026-01-10T10:00:05.000Z",
         "isSidechain": False,
         "message": {"role": "user", "content": [{"tool_use_id": tid, "type": "tool_result", "content": text}]}}
    if structured:
        d["toolUseResult"] = {"stdout": text * 3}  # the line's structured copy: not what the model gets
    return d


def size_from(raw, start, end=None):
    """Bytes of `raw` from the first `start` to the first `end` after it (or the end)."""
    i = raw.index(start)
    j = raw.index(end, i) if end is not None else len(raw)
    return j - i


def test_a_hand_worked_session():
    """Intent: request 2's growth (12,000 tokens) is split among what arrived since request 1 in proportion to
    those bytes: request 1's own output (its content: a Read, a Bash, an MCP call and a Task), the Read's result
    (src/big_module.py, relative to the project), the Bash result (program `pytest`), the MCP result (grouped by
    server `github`) and the subagent's result (type Explore); request 1's growth is the system prompt and tools."""
    calls = [tool_use("t1", "Read", file_path=f"{CWD}/src/big_module.py"),
             tool_use("t2", "Bash", command="pytest -q tests/test_x.py"),
             tool_use("t3", "mcp__github__create_issue", title="x"),
             tool_use("t4", "Task", subagent_type="Explore", prompt="look", description="d")]
    r1 = line(response("m1", "2026-01-10T10:00:00.000Z", 3000, calls))
    results = [line(result("t1", "x" * 4000)), line(result("t2", "y" * 1000, structured=False)),
               line(result("t3", "z" * 500)), line(result("t4", "w" * 700))]
    r2 = line(response("m2", "2026-01-10T10:01:00.000Z", 12_000, [{"type": "text", "text": "done"}], "end_turn"))
    rep = build_report(Analyzer().feed_bytes("proj/s1.jsonl", b"\n".join([r1, *results, r2]) + b"\n"), tz="UTC")
    sizes = {
        ("output", "model output", None): size_from(r1, b'"content":', b'"stop_reason"') - 10,
        ("tool_result", "Read", "src/big_module.py"): size_from(results[0], b'"tool_use_id"'),
        ("tool_result", "Bash", "pytest"): size_from(results[1], b'"tool_use_id"'),
        ("tool_result", "mcp__github", "create_issue"): size_from(results[2], b'"tool_use_id"'),
        ("subagent_result", "Explore", None): size_from(results[3], b'"tool_use_id"'),
    }
    want = dict(split(12_000, {k: v for k, v in sizes.items()}))
    want[("other", "system prompt and tools", None)] = 3000
    got = {(r["kind"], r["source"], r["target"]): r["tokens"] for r in rep["sessions"][0]["context_sources"]}
    assert got == want
    assert sum(got.values()) == 15_000
    # Re-read cost: nothing is read after request 2, so only request 1's growth is re-read (by request 2, at
    # Sonnet 4.5's $0.30/M cache read: it read 0 tokens here, so $0).
    assert all(r["requests"] >= 1 for r in rep["context_sources"])


def test_the_largest_resident_row_names_its_sources():
    """Intent: "request 2 added 12k tokens: Read src/big_module.py 8k, …" — each resident-context row names its
    largest sources."""
    r1 = line(response("m1", "2026-01-10T10:00:00.000Z", 1000, [tool_use("t1", "Read", file_path=f"{CWD}/a.py")]))
    res = line(result("t1", "x" * 9000, structured=False))
    r2 = line(response("m2", "2026-01-10T10:01:00.000Z", 9000, [tool_use("t2", "Bash", command="ls")]))
    r3 = line({**response("m3", "2026-01-10T10:02:00.000Z", 0, [{"type": "text", "text": "ok"}], "end_turn"),
               })
    r3_obj = json.loads(r3)
    r3_obj["message"]["usage"]["cache_read_input_tokens"] = 10_000
    rep = build_report(Analyzer().feed_bytes("proj/s1.jsonl", b"\n".join([r1, res, r2, line(r3_obj)]) + b"\n"),
                       tz="UTC")
    top = rep["sessions"][0]["insights"]["resident_context"]["largest"][0]
    assert top["turn"] == 2 and top["sources"][0]["source"] == "Read" and top["sources"][0]["target"] == "a.py"
    assert sum(x["tokens"] for x in top["sources"]) == 9000


def test_sidechain_lines_do_not_count_as_main_thread_arrivals():
    """Intent: a subagent's own tool results (sidechain lines) are not in the main thread's context: only the
    subagent's final result (the Task's tool result) is."""
    r1 = line(response("m1", "2026-01-10T10:00:00.000Z", 100, [tool_use("t1", "Task", subagent_type="Plan")]))
    side = result("s9", "q" * 5000, structured=False)
    side["isSidechain"] = True
    res = line(result("t1", "p" * 100, structured=False))
    r2 = line(response("m2", "2026-01-10T10:01:00.000Z", 1000, [{"type": "text", "text": "ok"}], "end_turn"))
    rep = build_report(Analyzer().feed_bytes("proj/s1.jsonl", b"\n".join([r1, line(side), res, r2]) + b"\n"),
                       tz="UTC")
    kinds = {(r["kind"], r["source"]) for r in rep["sessions"][0]["context_sources"]}
    assert ("subagent_result", "Plan") in kinds and ("tool_result", "unknown tool") not in kinds


def test_sources_are_the_same_whichever_way_the_log_is_read(tmp_path):
    """Intent: the fast path (bytes only for tool results and attachments) and a full parse of every line, and a
    log read in two halves (resumed), name the same sources."""
    r1 = line(response("m1", "2026-01-10T10:00:00.000Z", 100, [tool_use("t1", "Read", file_path="/elsewhere/x.py")]))
    att = line({"type": "attachment", "sessionId": "s1", "attachment": {"type": "claude_md", "content": "c" * 300},
                "uuid": "a1", "timestamp": "2026-01-10T10:00:06.000Z"})
    res = line(result("t1", "x" * 2000))
    r2 = line(response("m2", "2026-01-10T10:01:00.000Z", 5000, [{"type": "text", "text": "ok"}], "end_turn"))
    data = b"\n".join([r1, att, res, r2]) + b"\n"
    fast = build_report(Analyzer().feed_bytes("p/s.jsonl", data), tz="UTC")["context_sources"]
    slow = build_report(Analyzer(fast=False).feed_bytes("p/s.jsonl", data), tz="UTC")["context_sources"]
    cut = len(r1) + len(att) + 2
    a = Analyzer()
    src = a.open("p/s.jsonl")
    src.feed(data[:cut])
    halves = Analyzer.from_export(json.loads(json.dumps(a.export())))
    src2 = halves.open("p/s.jsonl", (cut, 2))
    src2.feed(data[cut:])
    src2.close()
    resumed = build_report(halves, tz="UTC")["context_sources"]
    assert fast == slow == resumed
    assert ("attachment", "claude_md") in {(r["kind"], r["source"]) for r in fast}
    assert ("tool_result", "Read", "/elsewhere/x.py") in {(r["kind"], r["source"], r["target"]) for r in fast}


def test_a_name_holding_the_key_separator_cannot_split_a_source():
    """Intent: tool names, agent types, paths and programs are log text; one holding U+001F (the key's separator)
    is named with a `?` instead, and the report, a saved state and its reload all work."""
    bad = "\x1f"
    calls = [tool_use("t1", "Read", file_path=f"{CWD}/a{bad}b.py"), tool_use("t2", "Task", subagent_type=f"x{bad}y"),
             tool_use("t3", f"My{bad}Tool", command="ls")]
    r1 = line(response("m1", "2026-01-10T10:00:00.000Z", 100, calls))
    results = [line(result(t, "x" * 100, structured=False)) for t in ("t1", "t2", "t3")]
    r2 = line(response("m2", "2026-01-10T10:01:00.000Z", 900, [{"type": "text", "text": "ok"}], "end_turn"))
    a = Analyzer().feed_bytes("proj/s1.jsonl", b"\n".join([r1, *results, r2]) + b"\n")
    rows = build_report(a, tz="UTC")["context_sources"]
    assert {(r["source"], r["target"]) for r in rows} >= {("Read", "a?b.py"), ("x?y", None), ("My?Tool", None)}
    again = Analyzer.from_export(json.loads(json.dumps(a.export())))
    assert build_report(again, tz="UTC")["context_sources"] == rows
