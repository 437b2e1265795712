"""The byte-level fast path (issue 4) gives exactly what parsing every line gives, on valid JSON."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_core import Analyzer, build_report
from tests.conftest import asst, jsonl, user
from tests.test_fuzz import json_values, loggy

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder


def both(*sources):
    fast, slow = Analyzer(fast=True), Analyzer(fast=False)
    for i, data in enumerate(sources):
        fast.feed_bytes(f"p/f{i}.jsonl", data)
        slow.feed_bytes(f"p/f{i}.jsonl", data)
    return build_report(fast, tz="UTC"), build_report(slow, tz="UTC")


def test_fast_path_equals_full_parse_on_real_logs(real_dir):
    """Intent: on every real log together, skipping json.loads changes nothing in the report."""
    data = [p.read_bytes() for p in sorted(real_dir.rglob("*.jsonl"))]
    fast, slow = both(*data)
    assert fast == slow


def test_fast_path_equals_full_parse_on_sample():
    from pathlib import Path
    fast, slow = both((Path(__file__).parent.parent / "web" / "sample.jsonl").read_bytes())
    assert fast == slow


@pytest.mark.parametrize("line, kind", [
    ({"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]}},
     "type:user"),
    ({"type": "assistant", "message": {"content": []}}, "type:assistant"),
    ({"type": "system", "subtype": "turn_duration"}, "type:system"),
    ({"type": "file-history-snapshot", "snapshot": {}}, "type:file-history-snapshot"),
    ({"type": "brand-new"}, "type:brand-new"),
])
def test_skipped_lines_are_still_counted(line, kind):
    """Intent: lines the fast path does not parse still land in diagnostics under their type."""
    fast, slow = both(jsonl(line))
    assert fast["diagnostics"]["lines_by_kind"] == slow["diagnostics"]["lines_by_kind"] == {kind: 1}


@pytest.mark.parametrize("line", [
    # the first "type" is nested: must parse to find the real one (here: none, a legacy usage line)
    {"message": {"type": "message", "id": "m", "usage": {"input_tokens": 5, "output_tokens": 1}}},
    # duplicate-looking markers inside strings are escaped, so cannot fool the byte checks
    {"type": "user", "message": {"content": 'he said "tool_result" and "agentId"'}, "uuid": "p"},
    # a brace inside a value before "type" makes the cheap check give up (and parse)
    {"cwd": "/a{b}", "type": "user", "message": {"content": "hi"}, "uuid": "q"},
    # a user line that names a subagent must be parsed even though it carries a tool_result
    {"type": "user", "sessionId": "s", "message": {"content": [{"type": "tool_result", "tool_use_id": "t"}]},
     "toolUseResult": {"agentId": "a1"}},
    # ... also inside a subagent's own file, whose lines carry their agentId before the type key
    {"agentId": "a0", "type": "user", "sessionId": "s",
     "message": {"content": [{"type": "tool_result", "tool_use_id": "t"}]}, "toolUseResult": {"agentId": "a2"}},
    # a compaction must be parsed
    {"type": "system", "subtype": "compact_boundary", "uuid": "c", "compactMetadata": {"preTokens": 9}},
])
def test_lines_that_matter_are_parsed(line):
    """Intent: the fast path never skips a line that carries a request, prompt, link or compaction."""
    fast, slow = both(jsonl(line, asst()))
    assert fast == slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.builds(lambda t, body: {"type": t, **body} if isinstance(body, dict) else {"type": t, "x": body},
              st.sampled_from(["assistant", "user", "system", "progress", "summary", "attachment", "x"]), loggy),
    st.builds(lambda o, t: asst(f"m{o}", f"r{o}", out=o, type_=t), st.integers(0, 5),
              st.sampled_from(["assistant", None])),
    st.builds(lambda u, c: user(c, uuid=u), st.sampled_from(["u1", "u2"]), st.text(max_size=12)),
), max_size=10))
def test_fast_path_equals_full_parse_on_arbitrary_valid_lines(objs):
    """Intent: for any valid JSON lines, log-shaped or not, both paths give the same report."""
    data = b"\n".join(json.dumps(o, separators=(",", ":")).encode() for o in objs)
    spaced = b"\n".join(json.dumps(o).encode() for o in objs)
    for d in (data, spaced):
        fast, slow = both(d)
        assert fast == slow


def _outcome(fn, text):
    try:
        return ("ok", json.dumps(fn(text)))  # compared as text: NaN equals itself there, 1 and 1.0 differ
    except RecursionError:
        return ("deep",)
    except ValueError:
        return ("invalid",)


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.text(max_size=40),                                                        # anything at all
    json_values.map(json.dumps),                                                 # valid JSON
    st.tuples(json_values.map(json.dumps), st.sampled_from(["", " ", "\t\r\n", " x", "}", "\ufeff"]),
              st.sampled_from(["", " ", "\n\t"])).map(lambda t: t[2] + t[0] + t[1]),  # whitespace, extra data, BOM
))
def test_loads_is_json_loads(text):
    """Intent: the analyzer's direct call of the C scanner accepts, returns and rejects exactly as json.loads."""
    from py_core.core.analyzer import _loads
    assert _outcome(_loads, text) == _outcome(json.loads, text)


def test_subagent_tool_results_are_counted_without_parsing(monkeypatch):
    """Intent: a subagent file's tool-result lines (own agentId before the type key, nothing after) are decided
    from their bytes, with the same report as parsing them (issue 4: they were 115 MB of the 500 MB corpus)."""
    line = {"parentUuid": None, "isSidechain": True, "sessionId": "s", "agentId": "a1", "type": "user",
            "message": {"role": "user", "content": [{"tool_use_id": "t", "type": "tool_result", "content": "ok"}]},
            "toolUseResult": {"stdout": "ok"}}
    data = jsonl(line, asst())
    fast, slow = both(data)
    assert fast == slow
    parsed = []
    real = Analyzer._parse
    monkeypatch.setattr(Analyzer, "_parse", lambda self, src, n, ln: (parsed.append(n), real(self, src, n, ln)))
    Analyzer(fast=True).feed_bytes("p/s/subagents/agent-a1.jsonl", data)
    assert parsed == [2]  # only the assistant line
