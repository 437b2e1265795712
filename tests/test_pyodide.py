"""py_core inside real Pyodide (Node) gives exactly CPython's answer: same code, same report."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import vendor
from py_core.shells import api

ROOT = Path(__file__).resolve().parent.parent


def cpython(data):
    api.handle(json.dumps({"op": "begin", "job": "c"}))
    api.handle(json.dumps({"op": "open", "job": "c", "source": "log.jsonl"}))
    for i in range(0, len(data), 65536):
        api.handle(json.dumps({"op": "feed", "job": "c", "source": "log.jsonl"}), data[i:i + 65536])
    out = json.loads(api.handle(json.dumps({"op": "report", "job": "c", "tz": "UTC"})))
    api.handle(json.dumps({"op": "end", "job": "c"}))
    return out


def hostile_log(path):
    """Issue 10's inputs in one log: lines nested thousands deep, lone surrogates, absurd counts, a progress copy."""
    from tests.conftest import asst, jsonl
    bad = json.dumps(asst("m3", "r3", out=1)).replace('"output_tokens": 1', '"output_tokens": ' + "9" * 400)
    path.write_bytes(jsonl(
        "[" * 30000 + "]" * 30000, '{"a":' * 5000 + "1" + "}" * 5000,
        json.dumps(asst("m1", "r1", model="claude-sonnet-4-5-\ud800", session="s-\udfff")).encode("ascii"), bad,
        {"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1", "message": {
            "message": {"id": "m9", "model": "claude-haiku-4-5", "usage": {"input_tokens": 5, "output_tokens": 9}}}}},
        (ROOT / "web" / "sample.jsonl").read_bytes().rstrip(b"\n")))
    return path


@pytest.mark.parametrize("log, start, decoder", [
    ("GEN:hostile", "snapshot", "json"),  # issue 10: nothing in it may kill Pyodide, and the answers stay CPython's
    ("GEN:hostile", "snapshot", "msgspec"),
    ("web/sample.jsonl", "cold", "json"),
    ("web/sample.jsonl", "snapshot", "json"),  # the page's start (issue 4): the snapshot must not change an answer
    ("web/sample.jsonl", "snapshot", "msgspec"),  # issue 13: msgspec's wasm wheel, as the page loads it
    ("REAL:moredip__session-share/fixtures/general-tool-calls.jsonl", "cold", "json"),
    ("REAL:moredip__session-share/fixtures/general-tool-calls.jsonl", "snapshot", "msgspec"),
])
def test_pyodide_in_node_matches_cpython_exactly(log, start, decoder, request, tmp_path):
    """Intent: the whole report and the SVG charts are identical in CPython 3.11 and Pyodide's CPython 3.14."""
    if log.startswith("REAL:"):
        real = request.getfixturevalue("real_dir")
        path = real / log[5:]
    elif log == "GEN:hostile":
        path = hostile_log(tmp_path / "hostile.jsonl")
    else:
        path = ROOT / log
    node = shutil.which("node")
    assert node, "Node.js is required (tests/run.sh installs it)"
    manifest = vendor.vendor(log=lambda *a: None)
    r = subprocess.run([node, str(ROOT / "tests" / "pyodide_node.mjs"), str(ROOT / "web" / "vendor"), str(path),
                        start, decoder], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout)
    assert got["version"] == manifest["pyodide_version"]
    want = cpython(path.read_bytes())
    assert got["report"]["totals"]["requests"] > 0
    # The same report whichever decoder each side ran (CPython here has msgspec unless TOKENSCOPE_DECODER=json).
    assert got["report"]["options"].pop("decoder") == ("msgspec 0.23.0" if decoder == "msgspec" else "json")
    want["report"]["options"].pop("decoder")
    assert got["report"] == want["report"]
    if log == "GEN:hostile":
        d = got["report"]["diagnostics"]
        assert d["malformed"]["by_reason"] == {"nested too deeply": 2}
        assert d["ignored_usage_values"]["count"] == 1 and d["recovered_from_progress"]["requests"] == 1
    assert got["charts"] == want["charts"]
