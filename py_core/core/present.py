"""The presentation vocabulary, in one place: bucket order, names, colours and glyphs; money, percent and token
formats (issue 11).

Every Python view reads it — the terminal (render_text), the charts (svg), the standalone page (render_html), the
share summary and card (share). The web page and web/share.js read the same facts from web/vocab.js, which
`python -m py_core.core.present` writes from this module (tests/test_present.py fails when the file is stale), so no
label, colour or format rule is copied by hand into JavaScript.
"""

import json
import math
from collections import namedtuple

Bucket = namedtuple("Bucket", "key label colour glyph")

# The cost buckets in the order every view lists them (the split bar, the legend, the tables, the terminal bar).
# Colours (issue 12): cache writes are oranges — the 5-minute light, the 1-hour dark, the card's both-in-one the
# 1-hour's — so no view paints a cache write red; red is kept for compactions and for what costs more.
BUCKETS = (
    Bucket("cache_read", "Cache read (re-sent context)", "#4e79a7", "R"),
    Bucket("cache_write_5m", "Cache write 5m", "#f28e2b", "w"),
    Bucket("cache_write_1h", "Cache write 1h", "#c4610f", "W"),
    Bucket("output", "Output", "#59a14f", "O"),
    Bucket("input", "Fresh input", "#b07aa1", "i"),
    Bucket("web_search", "Web search", "#9c755f", "s"),
)
_BY_KEY = {b.key: b for b in BUCKETS}
# The share card's five, in its order: both cache writes in one, cache read named for what it is to a reader of
# the card.
SHARE_BUCKETS = (
    _BY_KEY["cache_read"]._replace(label="Re-sent context (cache read)"),
    Bucket("cache_write", "Cache write", _BY_KEY["cache_write_1h"].colour, "W"),
    _BY_KEY["output"], _BY_KEY["input"], _BY_KEY["web_search"],
)

# Chart colours beside the buckets': the curve and bars, compaction marks, savings and costs of a what-if, grids.
CHART = {"line": "#4e79a7", "compaction": "#e15759", "microcompaction": "#edc948", "saving": "#59a14f",
         "cost": "#e15759", "grid": "#8884", "axis": "#8888"}

# The words every view uses (issue 12): "requests" are API calls (main thread and subagents), "prompts" what the
# person typed; each is defined where first shown.
WORDS = {
    "requests": "requests",
    "requests_definition": "API calls, main thread and subagents",
    "prompts": "prompts",
    "prompts_definition": "what you typed",
    "estimate": "An estimate at Anthropic API list prices from local logs — not a bill.",
}

NA = "n/a"
# Format rules as data, so JavaScript formats with the same rules (web/vocab.js). One money rule everywhere
# (issue 12: "$0.1513 next to $19.81"): cents from a cent, two significant digits below.
FORMATS = {
    "money": {"decimals": 2, "significant_below": 0.01, "significant": 2},
    "pct": {"decimals": 0},
    "tokens": {"millions_decimals": 2, "thousands_decimals_below": 10_000},
}


# Text widths for laying out the share card (issues 30 and 33: its legend ran into itself and a heavy team's line ran
# off its right edge with the default Linux font): the advance widths of DejaVu Sans, Book and Bold, in thousandths of
# an em, for ASCII 32-126 and a few symbols — the widest of the common sans fonts (what system-ui is on Linux), so
# text that fits by these widths fits with any of them. Any other character counts as a full em.
TEXT_WIDTHS = {
    "regular": [318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
                636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
                752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
                337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
                635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838],
    "bold": [348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
             696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
             372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
             500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
             478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838],
    "extra": {"·": [318, 380], "→": [838, 838], "…": [1000, 1000], "—": [1000, 1000], "–": [500, 500],
              "≈": [838, 838]},
}


def text_width(text, size, bold=False):
    """The width in px of `text` at `size` px by TEXT_WIDTHS (web/format.js: `textWidth`, the same sum)."""
    table = TEXT_WIDTHS["bold" if bold else "regular"]
    extra = TEXT_WIDTHS["extra"]
    units = 0
    for ch in text:
        o = ord(ch)
        if 32 <= o < 127:
            units += table[o - 32]
        else:
            got = extra.get(ch)
            units += got[1 if bold else 0] if got else 1000
    return units * size / 1000


def decimal_text(x, decimals, grouped=False):
    """x with `decimals` decimals, rounded half up on its exact binary value, as JavaScript's toFixed does (so the
    page and Python agree to the character: web/format.js `decimalText`); thousands grouped on request; no sign
    when it rounds to zero. Integer arithmetic on the exact ratio of x, not `decimal` (issue 20: the status line
    imports no decimal; and Decimal's 28 digits refused a large x with many decimals)."""
    p, q = x.as_integer_ratio()
    n, rem = divmod(abs(p) * 10 ** decimals, q)
    if 2 * rem >= q:
        n += 1
    whole, frac = divmod(n, 10 ** decimals)
    text = f"{whole:,}" if grouped else str(whole)
    if decimals:
        text += "." + str(frac).rjust(decimals, "0")
    return ("-" if p < 0 and n else "") + text


def countdown(seconds):
    """m:ss (h:mm:ss from an hour): a cache's time left."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def ago(seconds):
    """How long ago, in words (issue 33: the next request's card says how old its session's last request is):
    `just now`, `40 s ago`, `12 min ago`, `3 h ago`, `2 days ago` (web/format.js: `ago`)."""
    s = max(0, int(seconds))
    if s < 10:
        return "just now"
    if s < 60:
        return f"{s} s ago"
    if s < 3600:
        return f"{s // 60} min ago"
    if s < 172_800:
        return f"{s // 3600} h ago"
    return f"{s // 86_400} days ago"


def money(x):
    """USD, one rule everywhere: `$1,234.56`, `$0.15`; below a cent two significant digits (`$0.0034`);
    `$0.00` for zero, `n/a` for None."""
    if x is None:
        return NA
    if x < 0:
        text = money(-x)
        return text if text.strip("$0.,") == "" else "-" + text
    f = FORMATS["money"]
    # x rounded to its significant digits, as JavaScript's toExponential gives it: its exponent sets the decimals.
    mantissa, exponent = f"{abs(x):.{f['significant'] - 1}e}".split("e")
    if x == 0 or float(f"{mantissa}e{exponent}") >= f["significant_below"]:
        return "$" + decimal_text(x, f["decimals"], True)
    return "$" + decimal_text(x, f["significant"] - 1 - int(exponent))


def pct(x, decimals=FORMATS["pct"]["decimals"]):
    """A share (0-1) as a percentage, `n/a` for None."""
    return NA if x is None else decimal_text(x * 100, decimals) + "%"


def tokens(n):
    """A token count, one rule everywhere: `1.23M`, `45k`, `2.6k` below 10,000, `999` below 1,000; `n/a`."""
    if n is None:
        return NA
    # A count that rounds up to the next unit is written in it (issue 30: 999,999 read "1000k"; 9,990 "10.0k").
    k = decimal_text(n / 1e3, 0) if n >= 1000 else None
    if n >= 1_000_000 or k == "1000":
        return decimal_text(n / 1e6, FORMATS["tokens"]["millions_decimals"]) + "M"
    if n >= FORMATS["tokens"]["thousands_decimals_below"] or decimal_text(n / 1e3, 1) == "10.0":
        return k + "k"
    if n >= 1000:
        return decimal_text(n / 1e3, 1) + "k"
    return decimal_text(n, 0)


def count(n):
    """A whole number with thousands separators (requests, prompts, sessions)."""
    return NA if n is None else f"{n:,}"


# The share card is drawn by Python and by web/share.js byte for byte: its numbers round halves up (JavaScript's
# toFixed does not round as Python's format does), with the same helpers on both sides.
def fixed(x, nd):
    """x with nd decimals, halves rounded up (web/share.js: `fixed`)."""
    return f"{math.floor(x * 10 ** nd + 0.5) / 10 ** nd:.{nd}f}"


def card_money(x):
    whole, frac = fixed(x, 2).split(".")
    return f"${int(whole):,}.{frac}"


def card_tokens(n):
    """Tokens on the card; a count that rounds up to a million is written in millions (issue 30: "1000k")."""
    if n >= 1_000_000 or fixed(n / 1e3, 0) == "1000":
        return f"{fixed(n / 1e6, 2)}M"
    return f"{fixed(n / 1e3, 0)}k" if n >= 10_000 else f"{n:,}"


def card_pct(x):
    """A percentage value (0-100) on the card, `n/a` for None."""
    return NA if x is None else f"{fixed(x, 0)}%"


def vocab_js():
    """web/vocab.js: this module's facts for the page, the widget and share.js."""
    data = {
        "BUCKETS": [b._asdict() for b in BUCKETS],
        "SHARE_BUCKETS": [b._asdict() for b in SHARE_BUCKETS],
        "CHART": CHART,
        "WORDS": WORDS,
        "FORMATS": FORMATS,
        "NA": NA,
        "TEXT_WIDTHS": TEXT_WIDTHS,
    }
    lines = ["// Generated by `python -m py_core.core.present > web/vocab.js` from py_core/core/present.py: do not edit.",
             "// tests/test_present.py fails when this file and the module disagree."]
    lines += [f"export const {k} = {json.dumps(v, ensure_ascii=False)};" for k, v in data.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    sys.stdout.write(vocab_js())


def ordinal(n):
    """1st, 2nd, 3rd, 11th, 42nd… (web/format.js: `ordinal`); a fraction keeps "th"."""
    if n != int(n):
        return f"{n:g}th"
    i = int(n)
    suffix = "th" if 11 <= abs(i) % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(abs(i) % 10, "th")
    return f"{i}{suffix}"


def compaction_counts(compactions):
    """(full, micro) of a session's compactions (issue 23: counted apart; a pasted report without `kind` is full)."""
    micro = sum(1 for c in compactions if c.get("kind") == "micro")
    return len(compactions) - micro, micro


def compaction_text(compactions):
    """"2", "2+3m" or "0+3m": full compactions, then micro-compactions (issue 23), for a table cell."""
    full, micro = compaction_counts(compactions)
    return f"{full}+{micro}m" if micro else str(full)


def short_ids(ids, min_len=8):
    """{id: its shortest prefix of at least `min_len` characters that no other of `ids` starts with} (issue 25:
    `session-alpha` and `session-beta` both read `session-`, which the CLI then refused as ambiguous). Sorted
    neighbours share the longest prefixes, so one pass over them decides (web/format.js: `shortIds`)."""
    order = sorted(set(ids))
    out = {}
    for i, x in enumerate(order):
        need = min_len
        for y in (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None):
            if y is not None:
                k = 0
                while k < len(x) and k < len(y) and x[k] == y[k]:
                    k += 1
                need = max(need, k + 1)
        out[x] = x[:need]
    return out


def money_cell(x):
    """Money in a column of dollars (issue 25: `$0.00027` among `$4.17`s): cents, and `<$0.01` below a cent."""
    if x is None:
        return NA
    return "<$0.01" if 0 < x < 0.005 else "$" + decimal_text(x, 2, True)


def prices_note(report):
    """What a report's cost was priced with when it is not only the built-in list prices (issue 30: a workspace's
    .tokenscope.json repriced the figures unmarked): "custom prices from ./.tokenscope.json", else None. Sources are
    local file names: views escape them like any log text."""
    sources = [s for s in ((report.get("prices") or {}).get("sources") or []) if s != "built-in"]
    return f"custom prices from {', '.join(sources)}" if sources else None
