"""Property tests: arbitrary bytes and arbitrary JSON lines never raise, and every line is accounted for."""

import pytest
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_core import Analyzer, build_report

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
# Objects shaped like log lines, with hostile values in every field the analyzer reads.
field = st.sampled_from(["type", "message", "usage", "id", "requestId", "sessionId", "timestamp", "isSidechain",
                         "agentId", "model", "input_tokens", "output_tokens", "cache_creation",
                         "cache_creation_input_tokens", "cache_read_input_tokens", "data", "subtype",
                         "compactMetadata", "toolUseResult", "content", "uuid", "cwd", "isMeta", "speed"])
loggy = st.recursive(
    json_values,
    lambda children: st.dictionaries(field | st.text(max_size=5), children, max_size=6),
    max_leaves=30,
)
typed = st.builds(lambda t, body: {**body, "type": t} if isinstance(body, dict) else body,
                  st.sampled_from(["assistant", "user", "system", "progress", "summary", None, "new-thing"]), loggy)


def accounted(a):
    rep = build_report(a, tz="UTC")
    d = rep["diagnostics"]
    assert sum(d["lines_by_kind"].values()) == d["lines_read"]
    assert d["billed_requests"] + d["duplicate_lines_collapsed"] == (
        d["usage_lines"] + d["recovered_from_progress"]["requests"])
    return d


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=64))
def test_arbitrary_bytes(data, chunk):
    """Intent: no byte sequence, in any chunking, makes the analyzer raise; lines match the newline count."""
    a = Analyzer()
    src = a.open("p/x.jsonl")
    for i in range(0, len(data), chunk):
        src.feed(data[i:i + chunk])
    src.close()
    d = accounted(a)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    assert d["lines_read"] == len(body.split(b"\n")) - (1 if body.endswith(b"\n") or not body else 0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(typed, max_size=12))
def test_arbitrary_json_lines(objs):
    """Intent: any JSON, shaped like a log line or not, is read or diagnosed, never raised on, in any chunking."""
    data = b"\n".join(json.dumps(o).encode() for o in objs)
    a = Analyzer().feed_bytes("p/x.jsonl", data)
    d = accounted(a)
    assert d["lines_read"] == len(objs)
    # Lines cut across chunks (the analyzer walks spans of each chunk) read as when whole.
    assert build_report(Analyzer().feed_bytes("p/x.jsonl", data, chunk_size=7), tz="UTC") == build_report(a, tz="UTC")


def _depth_by_tokens(text, limit):
    """The reference: every string and bracket as a token, in order (the scan issue 22 replaced)."""
    import re
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text, re.S):
        c = m.group()
        if c in "{[":
            depth += 1
            if depth > limit:
                return True
        elif c in "}]":
            depth -= 1
    return False


bracketty = st.lists(st.sampled_from(['{', '}', '[', ']', '"', '\\', 'a', ':', ',', '"x"', '\\"', '{"a":', '[[',
                                      ']]', '"{[', '\\\\', '\n']), max_size=500).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bracketty, st.sampled_from([2, 5, 10, 200]))
def test_the_depth_check_agrees_with_the_token_scan(text, limit):
    """Intent (issue 22): the depth check strips strings at C speed, then walks brackets; on any text (broken
    strings, escapes, brackets inside strings) it decides as the token-by-token scan does."""
    from py_core.core.analyzer import too_deep
    assert too_deep(text, limit) == _depth_by_tokens(text, limit)
