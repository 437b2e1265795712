"""One presentation vocabulary (issue 11): py_core/core/present.py is the source; web/vocab.js is generated from it,
and the JavaScript formatters (web/format.js) give Python's answers on the same values."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from py_core.core import present

ROOT = Path(__file__).resolve().parent.parent
VALUES = [None, 0, 0.00001, 0.000012, 0.00099999, 0.001, 0.0034, 0.00995, 0.01, 0.0149, 0.1234567, 0.99995, 1,
          1.005, 12.345, 99.5, 100, 1234.5678, 1278.4, 1e6 + 0.5, -0.5, -3.25, -0.004]
COUNTS = [None, 0, 7, 999, 1000, 1234, 9949, 9950, 9999, 10_000, 12_345, 999_499, 999_500, 999_999, 1_000_000, 1_234_567,
          987_654_321]


def test_vocab_js_is_generated_from_present():
    """Intent: the page's labels, colours and format rules are the Python ones: web/vocab.js is not a hand copy."""
    assert (ROOT / "web" / "vocab.js").read_text() == present.vocab_js(), \
        "web/vocab.js is stale: run `python -m py_core.core.present > web/vocab.js`"


def node_eval(script):
    node = shutil.which("node")
    assert node, "Node.js is required (tests/run.sh installs it)"
    r = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("py, js, values", [
    (present.money, "money", VALUES),
    (present.pct, "pct", [v for v in VALUES if v is None or abs(v) <= 2]),
    (present.tokens, "tok", COUNTS),
    (present.count, "count", COUNTS),
    (present.card_money, "cardMoney", [v for v in VALUES if v is not None and v >= 0]),  # costs: never negative
    (present.card_tokens, "cardTokens", [c for c in COUNTS if c is not None]),
    (present.card_pct, "cardPct", [None, 0, 12.5, 49.95, 66.0, 100]),
    (present.ago, "ago", [0, 9.9, 10, 59, 60, 3599, 3600, 86_399, 172_799, 172_800, 10 ** 9]),
], ids=["money", "pct", "tokens", "count", "card-money", "card-tokens", "card-pct", "ago"])
def test_javascript_formats_equal_python(py, js, values):
    """Intent: the page (web/format.js) formats every number exactly as the Python views do."""
    url = (ROOT / "web" / "format.js").as_uri()
    got = node_eval(f"import * as f from {json.dumps(url)}; "
                    f"console.log(JSON.stringify({json.dumps(values)}.map((v) => f.{js}(v))));")
    assert got == [py(v) for v in values]


def test_every_view_takes_its_buckets_from_present():
    """Intent: bucket labels and colours are written once: no view module spells them out again."""
    for name in ("views/svg.py", "views/terminal.py", "views/html.py", "views/share.py", "report/build.py"):
        text = (ROOT / "py_core" / name).read_text()
        for b in present.BUCKETS + present.SHARE_BUCKETS:
            assert b.colour not in text, f"{name} repeats {b.colour}"
            assert f'"{b.label}"' not in text, f"{name} repeats {b.label!r}"
    for name in ("app.js", "render.js", "share.js", "widget.js"):
        text = (ROOT / "web" / name).read_text()
        for b in present.BUCKETS + present.SHARE_BUCKETS:
            assert b.colour not in text and f'"{b.label}"' not in text, f"web/{name} repeats {b.label!r}"


@pytest.mark.parametrize("n,text,card", [
    (999_999, "1.00M", "1.00M"), (999_499, "999k", "999k"), (9_999, "10k", "9,999"), (1_000_000, "1.00M", "1.00M"),
])
def test_a_count_that_rounds_up_is_written_in_the_next_unit(n, text, card):
    """Intent (issue 30): 999,999 tokens read "1000k"; 9,999 read "10.0k"."""
    assert (present.tokens(n), present.card_tokens(n)) == (text, card)
