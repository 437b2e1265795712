"""Counting rules of shared/docs/claude-code-jsonl.md: one billed request per API response."""

import pytest

from tests.conftest import analyze, asst, jsonl

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

S45 = "claude-sonnet-4-5-20250929"

# (name, sources, expected requests, expected output tokens, why)
CASES = [
    ("content-block lines repeat usage",
     [jsonl(*[asst("m1", "r1", out=40) for _ in range(19)])], 1, 40,
     "one line per content block, usage repeated (ccusage #1728: 19 lines)"),
    ("streaming snapshot then final: largest wins",
     [jsonl(asst("m1", "r1", out=3), asst("m1", "r1", out=500))], 1, 500,
     "keeping the first line under-counts output (claude-hud #698)"),
    ("final then snapshot: largest still wins",
     [jsonl(asst("m1", "r1", out=500), asst("m1", "r1", out=3))], 1, 500,
     "order of copies must not matter"),
    ("copies across files dedup globally",
     [jsonl(asst("m1", "r1", out=50)), jsonl(asst("m1", "r1", out=50), asst("m2", "r2", out=5))], 2, 55,
     "resumed sessions copy earlier responses into a new file"),
    ("missing requestId: message.id alone",
     [jsonl(asst("m1", None, out=10), asst("m1", None, out=20))], 1, 20,
     "proxies omit requestId (ccusage PR #985: +44% before the fix)"),
    ("the same response with and without requestId bills once",
     [jsonl(asst("m1", "r1", out=10), asst("m1", None, out=10))], 1, 10,
     "Claude Code logs a response again without requestId (slopus/happy-cli fixture: +82% when keyed by both)"),
    ("the same response without then with requestId bills once",
     [jsonl(asst("m1", None, out=10), asst("m1", "r1", out=10))], 1, 10, "order of copies must not matter"),
    ("with and without requestId across two files bills once",
     [jsonl(asst("m1", "r1", out=10)), jsonl(asst("m1", None, out=10))], 1, 10, "dedup is global"),
    ("same message.id under two requestIds is one response",
     [jsonl(asst("m1", "r1", out=10), asst("m1", "r2", out=20))], 1, 20,
     "the API gives every response its own message.id: identity = message.id (issue 10)"),
    ("a progress copy whose own line is present never counts twice",
     [jsonl(asst("m9", "r9", out=999, sidechain=True, agent="a1"),
            {"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1",
             "message": {"message": {"id": "m9", "usage": {"input_tokens": 5, "output_tokens": 999}}}}})],
     1, 999, "progress lines copy the subagent file's usage (trap 5)"),
    ("a progress copy without its own line is recovered",
     [jsonl(asst("m1", "r1", out=10),
            {"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1",
             "message": {"message": {"id": "m9", "usage": {"input_tokens": 5, "output_tokens": 999}}}}})],
     2, 1009, "a pasted session misses its subagents' files: their spend is in progress lines (issue 10)"),
    ("progress copies of one response: the largest is recovered once",
     [jsonl(*[{"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1",
               "message": {"message": {"id": "m9", "usage": {"input_tokens": 5, "output_tokens": o}}}}}
              for o in (3, 50, 7)])],
     1, 50, "the same copy rules as own lines"),
    ("a progress copy without message.id is never billed",
     [jsonl(asst("m1", "r1", out=10),
            {"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1",
             "message": {"message": {"usage": {"input_tokens": 5, "output_tokens": 999}}}}})],
     1, 10, "without an id it cannot be told apart from its own line"),
    ("<synthetic> lines are not requests",
     [jsonl(asst("m1", "r1", out=10), asst("m2", "r2", model="<synthetic>", out=0, inp=0))], 1, 10,
     "client-side placeholders"),
    ("API-error lines are not requests",
     [jsonl(asst("m1", "r1", out=10), asst("m2", "r2", out=0, extra={"isApiErrorMessage": True}))], 1, 10,
     "client-side error notices"),
    ("a line with usage and no type counts",
     [jsonl(asst("m1", "r1", out=10, type_=None))], 1, 10, "legacy and hand-made lines (ccusage fixtures)"),
    ("lines without message.id each count",
     [jsonl(asst(None, "r1", out=10), asst(None, "r1", out=10))], 2, 20,
     "nothing identifies them as copies"),
    ("sidechain replay of a main message under a new requestId bills once",
     [jsonl(asst("m1", "r1", out=10), asst("m1", "r-btw", out=10, sidechain=True))], 1, 10,
     "/btw replays parent messages (ccusage #913, PR #1155): one message.id"),
    ("distinct sidechain responses still count",
     [jsonl(asst("m1", "r1", out=10), asst("m2", "r2", out=7, sidechain=True, agent="a1"))], 2, 17,
     "a subagent's own work is spend"),
    ("metadata lines are never billed",
     [jsonl({"type": "summary", "summary": "x", "leafUuid": "l"}, {"type": "file-history-snapshot"},
            {"type": "queue-operation"}, asst("m1", "r1", out=10))], 1, 10, "no usage there"),
]


@pytest.mark.parametrize("name, sources, requests, output, why", CASES, ids=[c[0] for c in CASES])
def test_counting_rule(name, sources, requests, output, why):
    rep = analyze(*sources, tz="UTC")
    assert rep["totals"]["requests"] == requests, why
    assert rep["totals"]["tokens"]["output"] == output, why


def test_main_thread_copy_beats_sidechain_copy_of_same_key():
    """Intent: when a subagent call also appears in the parent file (ccusage #1762), it is billed once, to main."""
    rep = analyze(jsonl(asst("m1", "r1", out=10, sidechain=True, agent="a1")), jsonl(asst("m1", "r1", out=10)),
                  tz="UTC")
    assert rep["totals"]["requests"] == 1
    assert rep["totals"]["requests_main"] == 1


def test_dedup_is_independent_of_file_order():
    """Intent: which copy is kept never depends on which file was read first."""
    a = jsonl(asst("m1", "r1", out=3, session="s1"))
    b = jsonl(asst("m1", "r1", out=300, session="s1"), asst("m2", "r2", out=1, sidechain=True, agent="x"))
    r1 = analyze(("p/a.jsonl", a), ("p/b.jsonl", b), tz="UTC")
    r2 = analyze(("p/b.jsonl", b), ("p/a.jsonl", a), tz="UTC")
    assert r1 == r2
    assert r1["totals"]["tokens"]["output"] == 301


def test_diagnostics_explain_collapsed_lines():
    """Intent: the user can see how many lines were copies, synthetic, or progress."""
    rep = analyze(jsonl(asst("m1", "r1"), asst("m1", "r1"), asst("m1", "r1"),
                        asst("m2", "r2", model="<synthetic>"), {"type": "progress", "data": {}},
                        {"type": "brand-new-type"}, ""), tz="UTC")
    d = rep["diagnostics"]
    assert d["usage_lines"] == 3
    assert d["billed_requests"] == 1
    assert d["duplicate_lines_collapsed"] == 2
    assert d["synthetic_lines_skipped"] == 1
    assert d["unknown_line_types"] == {"brand-new-type": 1}
    assert d["blank_lines"] == 1
    assert sum(d["lines_by_kind"].values()) == d["lines_read"] == 7


def test_subagent_lines_roll_into_parent_session_and_agent_table():
    """Intent: per session = per sessionId; subagents appear per agentId with their type from the Task call."""
    parent = jsonl(
        asst("m1", "r1", out=10, content=[{"type": "tool_use", "id": "toolu_1", "name": "Task",
                                          "input": {"subagent_type": "Explore", "prompt": "p"}}]),
        {"type": "user", "sessionId": "s1", "uuid": "tr1", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "done"}]},
         "toolUseResult": {"agentId": "a1", "status": "completed"}},
    )
    sub = jsonl(asst("m2", "r2", out=20, sidechain=True, agent="a1"), asst("m3", "r3", out=30, sidechain=True,
                                                                           agent="a1"))
    rep = analyze(("p/s1.jsonl", parent), ("p/s1/subagents/agent-a1.jsonl", sub), tz="UTC")
    assert len(rep["sessions"]) == 1
    s = rep["sessions"][0]
    assert (s["requests"], s["requests_main"], s["requests_subagent"]) == (3, 1, 2)
    assert [(a["agent"], a["agent_type"], a["requests"]) for a in s["agents"]] == [
        ("main", "main thread", 1), ("a1", "Explore", 2)]
    assert rep["diagnostics"]["missing_subagents"] == []


def test_subagent_named_but_not_given_is_reported_missing():
    """Intent: a progress line names a subagent whose file was not given: say its spend is missing."""
    rep = analyze(jsonl(asst("m1", "r1"), {"type": "progress", "sessionId": "s1", "parentToolUseID": "t",
                                           "data": {"type": "agent_progress", "agentId": "a77"}}), tz="UTC")
    assert rep["diagnostics"]["missing_subagents"] == [{"session_id": "s1", "agent_id": "a77"}]
    assert [w["kind"] for w in rep["diagnostics"]["warnings"]] == ["missing_subagents"]
    assert "spend is missing" in rep["diagnostics"]["warnings"][0]["text"]


def test_agent_type_from_meta_file():
    """Intent: 2.1.x `agent-<id>.meta.json` names the agent type."""
    from py_core import Analyzer, build_report
    a = Analyzer().feed_bytes("p/s1/subagents/agent-a9.jsonl", jsonl(asst(sidechain=True, agent="a9")))
    a.add_agent_meta("a9", b'{"agentType": "code-reviewer", "toolUseId": "t"}')
    rep = build_report(a, tz="UTC")
    assert rep["sessions"][0]["agents"][0]["agent_type"] == "code-reviewer"
    assert rep["agents"][0]["agent_type"] == "code-reviewer"


@pytest.mark.parametrize("line, is_prompt", [
    ({"message": {"content": "fix the bug"}}, True),
    ({"message": {"content": [{"type": "text", "text": "look at this"}, {"type": "image"}]}}, True),
    ({"message": {"content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]}}, False),
    ({"message": {"content": "fix"}, "isMeta": True}, False),
    ({"message": {"content": "summary of before"}, "isCompactSummary": True}, False),
    ({"message": {"content": "<local-command-stdout>ok</local-command-stdout>"}}, False),
    ({"message": {"content": "task for subagent"}, "isSidechain": True}, False),
    ({"message": {"content": "   "}}, False),
], ids=["text", "text+image", "tool-result", "meta", "compact-summary", "command-output", "sidechain", "blank"])
def test_user_prompt_counting(line, is_prompt):
    """Intent: prompts are what the person typed, not tool results or injected lines."""
    d = {"type": "user", "sessionId": "s1", "uuid": "u1", "timestamp": "2026-01-10T09:00:00Z"}
    d.update(line)
    rep = analyze(jsonl(d, asst()), tz="UTC")
    assert rep["totals"]["user_prompts"] == (1 if is_prompt else 0)


def test_prompt_copied_into_resumed_file_counts_once():
    """Intent: prompts dedup by uuid like requests dedup by key."""
    p = {"type": "user", "sessionId": "s1", "uuid": "same", "message": {"content": "hi"}}
    rep = analyze(jsonl(p, asst()), jsonl(p), tz="UTC")
    assert rep["totals"]["user_prompts"] == 1
