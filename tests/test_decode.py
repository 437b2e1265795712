"""Issue 13: msgspec, where installed, decodes lines; the report must be the one json.loads gives, to the last byte.

Each test runs both decoders on the same input and compares the analyzer's whole state and the report (all but
`options.decoder`, which says which one ran).
"""

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_core import Analyzer, build_report

from py_core.core import decode
from tests.test_fuzz import typed

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

ROOT = Path(__file__).resolve().parent.parent


def both(*sources, chunk=1 << 20):
    """(state, report) with the fast decoder and with json.loads, decoder names left out."""
    out = []
    for decoder in ("auto", "json"):
        a = Analyzer(decoder=decoder)
        for name, data in sources:
            a.feed_bytes(name, data, chunk_size=chunk)
        state = a.export()
        state.pop("decoders")
        rep = build_report(a, tz="UTC")
        rep["options"].pop("decoder")
        out.append((state, rep))
    return out


def test_msgspec_is_installed_for_ci():
    """Intent: the suite runs with msgspec (tests/requirements.txt) and once with TOKENSCOPE_DECODER=json; in the
    first run the fast decoder is really msgspec, so every equality below compares two different decoders."""
    import os
    forced = os.environ.get("TOKENSCOPE_DECODER") == "json"
    assert decode.decoder_name() == ("json" if forced else f"msgspec {__import__('msgspec').__version__}")


HOSTILE = [
    b'{"type":"assistant","message":{"id":"m1","usage":{"output_tokens":NaN}}}',
    b'{"type":"assistant","message":{"id":"m2","usage":{"output_tokens":Infinity}}}',
    b'{"type":"assistant","message":{"id":"m3","usage":{"output_tokens":1e400}}}',
    b'{"type":"assistant","message":{"id":"m4","usage":{"output_tokens":' + b"9" * 400 + b"}}}",
    b'{"type":"assistant","message":{"id":"m5","model":"x\\ud800y","usage":{"output_tokens":5}}}',
    b'{"type":"assistant","type":"user","message":{"content":"dup keys: last wins"}}',
    b'{"\\u0074ype":"assistant","message":{"id":"m6","usage":{"output_tokens":6}}}',
    b'{"type":"assistant","message":{"id":"m7","usage":{"output_tokens":7},"content":"a string"}}',
    b'{"type":"assistant","message":{"id":"m8","usage":{"output_tokens":8},"content":[1,2]}}',
    b'{"type":"assistant","message":"not an object"}',
    b'{"type":"assistant","message":{"id":"m9","stop_reason":null,"usage":{"output_tokens":9}}}',
    b'{"type":"assistant","message":{"id":"m9","usage":{"output_tokens":9}}}',
    b'{"type":"user","toolUseResult":"Error: a string","message":{"content":[{"type":"tool_result"}]}}',
    b'{"type":"user","toolUseResult":{"agentId":"a1"},"message":{"content":[{"type":"tool_result","tool_use_id":"t"}]}}',
    b'{"type":"progress","data":{"agentId":"a2","message":{"message":{"id":"m10","usage":{"output_tokens":3}}}}}',
    b'{"type":"progress","data":"a string"}',
    b'{"type":"system","subtype":"compact_boundary","compactMetadata":{"preTokens":-1,"postTokens":1.5}}',
    b'{"type":"assistant","message":{"id":"m11","usage":{"output_tokens":5}}} trailing',
    b'[1, 2, 3]',
    b'{"type":"assistant","message":{"id":"m12","usage":{"output_tokens":5},"content":[{"type":"tool_use",'
    b'"name":"Task","id":"t1","input":{"subagent_type":"Explore","prompt":"' + b"x" * 5000 + b'"}}]}}',
    b'{"type":"assistant","message":{"id":"\xff\xfe","usage":{"output_tokens":5}}}',
    b'{"a":' * 300 + b"1" + b"}" * 300,
    b"   ",
    b'{"type":"user","message":{"content":[{"type":"text","text":"hi"},"not an object"]}}',
]


@pytest.mark.parametrize("line", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_lines_read_the_same_both_ways(line):
    """Intent: NaN, Infinity, 1e400, 400 digits, lone surrogates, duplicate and escaped keys, fields of odd shapes,
    trailing data, invalid UTF-8, deep nesting: the same records and diagnostics with msgspec as with json.loads."""
    (s1, r1), (s2, r2) = both(("p/x.jsonl", line + b"\n"))
    assert s1 == s2 and r1 == r2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(typed, max_size=10), st.integers(1, 64))
def test_arbitrary_lines_read_the_same_both_ways(objs, chunk):
    """Intent: any JSON, shaped like a log line or not, gives the same state and report with either decoder."""
    data = b"\n".join(json.dumps(o).encode() for o in objs)
    (s1, r1), (s2, r2) = both(("p/x.jsonl", data), chunk=chunk)
    assert s1 == s2 and r1 == r2


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes_read_the_same_both_ways(data):
    """Intent: arbitrary bytes (invalid UTF-8, control characters) give the same state with either decoder."""
    (s1, r1), (s2, r2) = both(("p/x.jsonl", data))
    assert s1 == s2 and r1 == r2


def test_the_sample_and_the_real_logs_give_the_same_report_both_ways(real_dir):
    """Intent: on the sample and on all the real logs together, the reports are identical."""
    sources = [("sample.jsonl", (ROOT / "web" / "sample.jsonl").read_bytes())]
    sources += [(str(p.relative_to(real_dir)), p.read_bytes()) for p in sorted(real_dir.rglob("*.jsonl"))]
    (s1, r1), (s2, r2) = both(*sources)
    assert r1["totals"]["requests"] > 1000
    assert s1 == s2 and r1 == r2


def test_the_50mb_corpus_gives_the_same_report_both_ways(corpus50):
    """Intent: on the benchmark's 50 MB corpus, the CLI's --json is the same with either decoder."""
    import contextlib
    import io
    import os
    sys.path.insert(0, str(ROOT / "bench"))
    from py_core.shells.cli import main
    root = str(corpus50)
    outs = []
    for forced in ("", "json"):
        os.environ["TOKENSCOPE_DECODER"] = forced
        try:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main([root, "--json", "--tz", "UTC", "--jobs", "1"]) == 0
        finally:
            os.environ.pop("TOKENSCOPE_DECODER", None)
        rep = json.loads(out.getvalue())
        rep["options"].pop("decoder")
        outs.append(rep)
    assert outs[0] == outs[1] and outs[0]["totals"]["requests"] > 1000


def test_without_msgspec_the_standard_library_decides(monkeypatch):
    """Intent: msgspec absent (an ImportError) means json.loads, and the report says so."""
    monkeypatch.setitem(sys.modules, "msgspec", None)
    monkeypatch.setattr(decode, "_STATE", {"decode": None, "name": None})
    a = Analyzer().feed_bytes("p/x.jsonl", (ROOT / "web" / "sample.jsonl").read_bytes())
    assert a._decode is None and build_report(a, tz="UTC")["options"]["decoder"] == "json"


def test_the_shapes_of_2_1_24x_decode_alike():
    """Intent (issue 32): the lines the report now reads — cost-state, titles, prompt snapshots and memory files,
    loops, task notifications, attribution fields, a hostile cost-state — give the same state and report with msgspec
    and with json.loads."""
    import json as _json
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from claude_shapes import cost_state, fire, fired, instructions, log, notification, prompt, reply, snapshot, title
    text = log(snapshot(0, "a1", mcp=(("github", "x"),)), instructions(0, "a2", "/w/CLAUDE.md", "be brief"),
               prompt(1, "u1", "go"), reply(2, "m1", w5=9000, attributionSkill="pdf"), notification(3, "n1"),
               fire(900, "t1"), fired(900, "f1", "t1"), reply(901, "m2", w5=9100, version="2.1.299"),
               title("ai-title", "A title"), cost_state(0.5, {"claude-haiku-4-5": [1, 2, 3, 4, 0.1]}))
    hostile = _json.dumps({"type": "cost-state", "sessionId": "x", "totalCostUSD": 1e300,
                           "modelUsage": {"m": {"inputTokens": -5, "costUSD": "free"}}})
    (s1, r1), (s2, r2) = both(("p/s.jsonl", (text + hostile + "\n").encode()))
    assert s1 == s2 and r1 == r2
    assert r1["sessions"][0]["title"] == "A title" and r1["totals"]["claude_code"]["cost_usd"] == 0.5
