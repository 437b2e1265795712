"""The presentation vocabulary, in one place: bucket order, names, colours and glyphs; money, percent and token
formats (issue 11).

Every Python view reads it — the terminal (render_text), the charts (svg), the standalone page (render_html), the
share summary and card (share). The web page and web/share.js read the same facts from web/vocab.js, which
`python -m py_core.present` writes from this module (tests/test_present.py fails when the file is stale), so no
label, colour or format rule is copied by hand into JavaScript.
"""

import json
import math
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal

Bucket = namedtuple("Bucket", "key label colour glyph")

# The cost buckets in the order every view lists them (the split bar, the legend, the tables, the terminal bar).
BUCKETS = (
    Bucket("cache_read", "Cache read (re-sent context)", "#4e79a7", "R"),
    Bucket("cache_write_5m", "Cache write 5m", "#f28e2b", "w"),
    Bucket("cache_write_1h", "Cache write 1h", "#e15759", "W"),
    Bucket("output", "Output", "#59a14f", "O"),
    Bucket("input", "Fresh input", "#b07aa1", "i"),
    Bucket("web_search", "Web search", "#9c755f", "s"),
)
_BY_KEY = {b.key: b for b in BUCKETS}
# The share card's five, in its order: both cache writes in one (in the 1-hour write's colour), cache read named
# for what it is to a reader of the card.
SHARE_BUCKETS = (
    _BY_KEY["cache_read"]._replace(label="Re-sent context (cache read)"),
    Bucket("cache_write", "Cache write", _BY_KEY["cache_write_1h"].colour, "W"),
    _BY_KEY["output"], _BY_KEY["input"], _BY_KEY["web_search"],
)

# Chart colours beside the buckets': the curve and bars, compaction marks, savings and costs of a what-if, grids.
CHART = {"line": "#4e79a7", "compaction": "#e15759", "saving": "#59a14f", "cost": "#e15759",
         "grid": "#8884", "axis": "#8888"}

NA = "n/a"
# Format rules as data, so JavaScript formats with the same rules (web/vocab.js).
FORMATS = {
    "money": {"small_decimals": 4, "decimals": 2},       # $1,234.56 from a dollar, $0.1234 below
    "money_terminal": {"whole_from": 100},                # and whole dollars from $100 in the terminal
    "pct": {"decimals": 0},
    "tokens": {"millions_decimals": 2, "thousands_from": 10_000},
}


def decimal_text(x, decimals, grouped=False):
    """x with `decimals` decimals, rounded half up on its exact binary value, as JavaScript's toFixed does (so the
    page and Python agree to the character: web/format.js `decimalText`); thousands grouped on request; no sign
    when it rounds to zero."""
    d = Decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if not d:
        d = abs(d)
    return format(d, f"{',' if grouped else ''}.{decimals}f")


def money(x, whole_from=None):
    """USD: `$1,234.56` from a dollar (whole dollars from `whole_from`), `$0.1234` below, `n/a` for None."""
    if x is None:
        return NA
    if whole_from is not None and abs(x) >= whole_from:
        return "$" + decimal_text(x, 0, True)
    if abs(x) >= 1:
        return "$" + decimal_text(x, FORMATS["money"]["decimals"], True)
    return "$" + decimal_text(x, FORMATS["money"]["small_decimals"])


def money_terminal(x):
    return money(x, FORMATS["money_terminal"]["whole_from"])


def pct(x, decimals=FORMATS["pct"]["decimals"]):
    """A share (0-1) as a percentage, `n/a` for None."""
    return NA if x is None else decimal_text(x * 100, decimals) + "%"


def tokens(n):
    """A token count: `1.23M`, `45k` from 10,000, `1,234` below; `n/a` for None."""
    if n is None:
        return NA
    if n >= 1_000_000:
        return decimal_text(n / 1e6, FORMATS["tokens"]["millions_decimals"]) + "M"
    if n >= FORMATS["tokens"]["thousands_from"]:
        return decimal_text(n / 1e3, 0) + "k"
    return f"{n:,}"


def axis_tokens(n):
    """A token count on a chart axis or in a chart title: also `1.2k` from 1,000, and no grouping below."""
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    if n >= 1000:
        return f"{n / 1e3:.0f}k" if n >= 10_000 else f"{n / 1e3:.1f}k"
    return str(int(n))


# The share card is drawn by Python and by web/share.js byte for byte: its numbers round halves up (JavaScript's
# toFixed does not round as Python's format does), with the same helpers on both sides.
def fixed(x, nd):
    """x with nd decimals, halves rounded up (web/share.js: `fixed`)."""
    return f"{math.floor(x * 10 ** nd + 0.5) / 10 ** nd:.{nd}f}"


def card_money(x):
    whole, frac = fixed(x, 2).split(".")
    return f"${int(whole):,}.{frac}"


def card_tokens(n):
    return f"{fixed(n / 1e6, 2)}M" if n >= 1_000_000 else f"{fixed(n / 1e3, 0)}k" if n >= 10_000 else f"{n:,}"


def card_pct(x):
    """A percentage value (0-100) on the card, `n/a` for None."""
    return NA if x is None else f"{fixed(x, 0)}%"


def vocab_js():
    """web/vocab.js: this module's facts for the page, the widget and share.js."""
    data = {
        "BUCKETS": [b._asdict() for b in BUCKETS],
        "SHARE_BUCKETS": [b._asdict() for b in SHARE_BUCKETS],
        "CHART": CHART,
        "FORMATS": FORMATS,
        "NA": NA,
    }
    lines = ["// Generated by `python -m py_core.present > web/vocab.js` from py_core/present.py: do not edit.",
             "// tests/test_present.py fails when this file and the module disagree."]
    lines += [f"export const {k} = {json.dumps(v, ensure_ascii=False)};" for k, v in data.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    sys.stdout.write(vocab_js())
