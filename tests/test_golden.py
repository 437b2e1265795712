"""Every output, byte for byte, as recorded before a refactor (issue 11: "byte-identical before and after").

tests/golden.json holds the sha256 of each output (the outputs themselves would copy the shared real logs'
paths and names into this repository). A change that alters an output on purpose re-records them:
`TOKENSCOPE_RECORD_GOLDEN=1 python -m pytest tests/test_golden.py` — and says why in its commit.
"""

import pytest
import contextlib
import hashlib
import io
import json
import os
import re
import sys
from pathlib import Path


from py_core.shells.cli import main

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden.json"
RECORD = os.environ.get("TOKENSCOPE_RECORD_GOLDEN") == "1"
FORMATS = {
    "json": ["--json"], "csv": ["--csv"], "text": [], "share": ["--share", "--share-url", "http://x/"],
    "html": ["--html", "{tmp}/out.html"], "card": ["--share", "--card", "{tmp}/card.svg"],
}

sys.path.insert(0, str(ROOT / "bench"))


def output(paths, fmt, tmp):
    out = io.StringIO()
    args = [a.format(tmp=tmp) for a in FORMATS[fmt]]
    with contextlib.redirect_stdout(out):
        assert main([*map(str, paths), "--tz", "UTC", *args]) == 0
    if fmt == "html":
        return (tmp / "out.html").read_bytes()
    if fmt == "card":
        return (tmp / "card.svg").read_bytes()
    # Which decoder ran is named in --json (issue 13); the bytes must not depend on it.
    return re.sub(rb'"decoder":"[^"]*"', b'"decoder":"*"', out.getvalue().encode("utf-8"))


def _parts_of(name, text):
    """The hash of each top-level key of a --json output, and of each session's fields summed over the sessions (the
    outputs themselves would copy the real logs' names into this repository): what a failure names."""
    rep = json.loads(text)
    out = {f"{name}:json/{k}": hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()
           for k, v in rep.items() if k != "options"}
    for field in sorted({f for s in rep["sessions"] for f in s}):
        h = hashlib.sha256(json.dumps([s.get(field) for s in rep["sessions"]], sort_keys=True).encode())
        out[f"{name}:json/sessions[].{field}"] = h.hexdigest()
    for field, v in rep["totals"].items():  # issue 32: a new total names itself, the others stay as recorded
        out[f"{name}:json/totals.{field}"] = hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()
    return out


def check(name, paths, tmp):
    recorded = json.loads(GOLDEN.read_text()) if GOLDEN.is_file() else {}
    outputs = {fmt: output(paths, fmt, tmp) for fmt in FORMATS}
    got = {f"{name}:{fmt}": hashlib.sha256(data).hexdigest() for fmt, data in outputs.items()}
    parts = _parts_of(name, outputs["json"])
    if RECORD:
        recorded.update(got)
        recorded.update(parts)
        GOLDEN.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
        return
    # Issue 31 item 7: a failure says which outputs changed and, for --json, which keys and session fields.
    changed = sorted(k for k, v in {**got, **parts}.items() if recorded.get(k) != v)
    assert changed == [], ("outputs changed (re-record with TOKENSCOPE_RECORD_GOLDEN=1 if on purpose, and say why): "
                           + ", ".join(changed))


def test_sample_outputs_are_unchanged(tmp_path):
    """Intent: the sample's JSON, CSV, terminal, share, HTML and card outputs are the recorded bytes."""
    check("sample", [ROOT / "web" / "sample.jsonl"], tmp_path)


def test_real_log_outputs_are_unchanged(real_dir, tmp_path):
    """Intent: on the shared real logs (all of them, and one 2.1.x session with its subagents) every output is the
    recorded bytes."""
    check("real", [real_dir], tmp_path)
    check("real-2.1", [real_dir / "moredip__session-share"], tmp_path)


def test_bench_corpus_outputs_are_unchanged(corpus50, tmp_path):
    """Intent: on the 50 MB benchmark corpus every output is the recorded bytes."""
    root = corpus50
    check("corpus50", [root], tmp_path)
