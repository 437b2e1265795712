"""py_core inside real Pyodide (Node) gives exactly CPython's answer: same code, same report."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import serve
from py_core import api

ROOT = Path(__file__).resolve().parent.parent


def cpython(data):
    api.handle(json.dumps({"op": "begin", "job": "c"}))
    api.handle(json.dumps({"op": "open", "job": "c", "source": "log.jsonl"}))
    for i in range(0, len(data), 65536):
        api.handle(json.dumps({"op": "feed", "job": "c", "source": "log.jsonl"}), data[i:i + 65536])
    out = json.loads(api.handle(json.dumps({"op": "report", "job": "c", "tz": "UTC"})))
    api.handle(json.dumps({"op": "end", "job": "c"}))
    return out


@pytest.mark.parametrize("log, start", [
    ("web/sample.jsonl", "cold"),
    ("web/sample.jsonl", "snapshot"),  # the page's start (issue 4): the snapshot must not change an answer
    ("REAL:moredip__session-share/fixtures/general-tool-calls.jsonl", "cold"),
    ("REAL:moredip__session-share/fixtures/general-tool-calls.jsonl", "snapshot"),
])
def test_pyodide_in_node_matches_cpython_exactly(log, start, request):
    """Intent: the whole report and the SVG charts are identical in CPython 3.11 and Pyodide's CPython 3.14."""
    if log.startswith("REAL:"):
        real = request.getfixturevalue("real_dir")
        path = real / log[5:]
    else:
        path = ROOT / log
    node = shutil.which("node")
    assert node, "Node.js is required (tests/run.sh installs it)"
    manifest = serve.vendor(log=lambda *a: None)
    r = subprocess.run([node, str(ROOT / "tests" / "pyodide_node.mjs"), str(ROOT / "web" / "vendor"), str(path),
                        start], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout)
    assert got["version"] == manifest["pyodide_version"]
    want = cpython(path.read_bytes())
    assert got["report"]["totals"]["requests"] > 0
    assert got["report"] == want["report"]
    assert got["charts"] == want["charts"]
