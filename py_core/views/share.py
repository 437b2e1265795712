"""The privacy-safe share summary (issue 5): aggregate numbers only — as Markdown, an SVG card, a URL fragment.

Nothing free-form from a log can get in: the summary is built from numbers, dates and model *families*
taken from a fixed table (an unknown model is "other"), and the fragment decoder accepts only those
shapes. No paths, project or file names, session ids, prompts, tool names or arguments.
"""

import math
import re
from html import escape

from ..core import present
from ..core.text import for_terminal

VERSION = "s1"
# Model family codes, from the price table's canonical ids (claude-opus-4-7 -> o4.7, claude-3-5-haiku -> h3.5).
_FAMILY = {"o": "Opus", "s": "Sonnet", "h": "Haiku", "f": "Fable", "m": "Mythos"}
_NEW_ID = re.compile(r"^claude-(opus|sonnet|haiku|fable|mythos)-(\d{1,2})(?:-(\d{1,2}))?$")
_OLD_ID = re.compile(r"^claude-(\d)(?:-(\d))?-(opus|sonnet|haiku)$")
_CODE = re.compile(r"^(?:[oshfm]\d{1,2}(?:\.\d{1,2})?|x)$")
SPLIT_KEYS = tuple(b.key for b in present.SHARE_BUCKETS)
SPLIT_LABELS = tuple(b.label for b in present.SHARE_BUCKETS)
SPLIT_COLOURS = tuple(b.colour for b in present.SHARE_BUCKETS)


def family_code(canonical):
    """'claude-opus-4-7' -> 'o4.7'; anything not in the fixed shapes -> 'x' (other)."""
    if not canonical:
        return "x"
    m = _NEW_ID.match(canonical)
    if m:
        return m.group(1)[0] + m.group(2) + (f".{m.group(3)}" if m.group(3) else "")
    m = _OLD_ID.match(canonical)
    if m:
        return m.group(3)[0] + m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
    return "x"


def family_label(code):
    if code == "x":
        return "other"
    return f"{_FAMILY[code[0]]} {code[1:]}"


def _pct(x):
    """A share (0-1) as a percentage; anything outside 0-1 (a pasted report's "500%": issue 30) is no figure."""
    return None if x is None or not 0 <= x <= 1 else _round(x * 100, 1)


def _split(values):
    """The card's five percentages; when they do not add up to 100 (a hostile report), scaled so they do."""
    total = sum(values)
    if total and abs(total - 100) > SPLIT_SLACK:
        return [_round(v * 100 / total, 1) for v in values]
    return values


SPLIT_SLACK = 0.5  # five values rounded to 0.1 miss 100 by at most 0.25


def _round(x, nd):
    """Halves up (web/share.js rounds the same way, so both summarise a report identically)."""
    return math.floor(x * 10 ** nd + 0.5) / 10 ** nd


def _day(stamp):
    """The date of an ISO stamp, or None: a pasted report's text never reaches the card, nor an impossible date like
    9999-99-99 (issue 30) (web/share.js: `day`)."""
    if not isinstance(stamp, str) or not re.match(r"\d{4}-\d{2}-\d{2}", stamp):
        return None
    return stamp[:10] if valid_day(stamp[:10]) else None


def valid_day(text):
    """Is 'YYYY-MM-DD' a real day of years 1-9999?"""
    from datetime import date
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def summarize(report):
    """The share summary of a report (schema 1): a flat dict of numbers, days and family codes."""
    t = report["totals"]
    shares = t["share_of_cost"]
    sessions = report["sessions"]
    codes = sorted({family_code(m.get("priced_as")) for m in report["models"]})
    return {
        "v": VERSION,
        "cost_usd": _round(t["cost_usd"], 2),
        "split": _split([_pct(shares[k]) or 0.0 for k in SPLIT_KEYS]),
        "requests": t["requests"],
        "sessions": t["sessions"],
        "peak_context": max((s["peak_context_tokens"] for s in sessions), default=0),
        "cache_hit_rate": _pct(t["cache_hit_rate"]),
        "resent_share": _pct(t["resent_share_pooled"]),
        "resent_share_median": _pct(t["resent_share_median_session"]) if t["sessions"] > 1 else None,
        # Active time: gaps under 30 minutes between requests and prompts (issue 25), not first-to-last spans.
        "duration_s": int(sum(s.get("active_seconds") or 0 for s in sessions)),
        "models": codes,
        "first_day": _day(t["first_timestamp"]),
        "last_day": _day(t["last_timestamp"]),
        "excludes_unpriced": bool(t["cost_excludes_unpriced"]),
    }


def _num(x):
    if x is None:
        return ""
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def to_fragment(summary):
    """'s1&c=12.34&r=66,20,14,0,0&...': compact, readable, and nothing but numbers, days and codes."""
    s = summary
    parts = [VERSION, f"c={_num(s['cost_usd'])}", "r=" + ",".join(_num(x) for x in s["split"]),
             f"t={s['requests']}", f"n={s['sessions']}", f"p={s['peak_context']}", f"h={_num(s['cache_hit_rate'])}",
             f"s={_num(s['resent_share'])}", f"m={_num(s['resent_share_median'])}", f"d={s['duration_s']}",
             "f=" + "-".join(s["models"])]
    if s["first_day"]:
        parts.append("a=" + s["first_day"].replace("-", ""))
    if s["last_day"]:
        parts.append("b=" + s["last_day"].replace("-", ""))
    if s["excludes_unpriced"]:
        parts.append("u=1")
    return "&".join(parts)


_FIELDS = {
    "c": re.compile(r"^\d{1,12}(?:\.\d{1,2})?$"),
    "r": re.compile(r"^(?:\d{1,3}(?:\.\d)?,){4}\d{1,3}(?:\.\d)?$"),
    "t": re.compile(r"^\d{1,12}$"), "n": re.compile(r"^\d{1,9}$"), "p": re.compile(r"^\d{1,12}$"),
    "h": re.compile(r"^(?:\d{1,3}(?:\.\d)?)?$"), "s": re.compile(r"^(?:\d{1,3}(?:\.\d)?)?$"),
    "m": re.compile(r"^(?:\d{1,3}(?:\.\d)?)?$"), "d": re.compile(r"^\d{1,12}$"),
    "f": re.compile(r"^(?:[oshfmx0-9.]{1,6}(?:-[oshfmx0-9.]{1,6}){0,11})?$"),
    "a": re.compile(r"^\d{8}$"), "b": re.compile(r"^\d{8}$"), "u": re.compile(r"^1$"),
}


def from_fragment(fragment):
    """The summary a fragment holds; ValueError for anything not made by to_fragment's shapes."""
    text = fragment[1:] if fragment.startswith("#") else fragment
    items = text.split("&")
    if not items or items[0] != VERSION:
        raise ValueError("not a tokenscope share link (version s1)")
    got = {}
    for item in items[1:]:
        key, sep, value = item.partition("=")
        if not sep or key not in _FIELDS or key in got or not _FIELDS[key].match(value):
            raise ValueError(f"bad share field {key!r}")
        got[key] = value
    for required in ("c", "r", "t", "n", "p", "d", "f"):
        if required not in got:
            raise ValueError(f"share link lacks {required!r}")
    codes = [c for c in got["f"].split("-") if c]
    if not all(_CODE.match(c) for c in codes):
        raise ValueError("bad model family code")
    day = lambda v: f"{v[:4]}-{v[4:6]}-{v[6:]}" if v else None  # noqa: E731
    opt = lambda k: float(got[k]) if got.get(k) else None  # noqa: E731
    # Issue 30: figures checked against what they can be — percentages of at most 100 that add up, real days in
    # order — so a hand-made link cannot draw "999.9%" or "9999-99-99" on a card.
    split = [float(x) for x in got["r"].split(",")]
    if any(v > 100 for v in split) or (sum(split) and abs(sum(split) - 100) > SPLIT_SLACK):
        raise ValueError("the cost split must add up to 100%")
    if any(opt(k) is not None and opt(k) > 100 for k in ("h", "s", "m")):
        raise ValueError("a percentage above 100%")
    first, last = day(got.get("a")), day(got.get("b"))
    if any(d is not None and not valid_day(d) for d in (first, last)) or (first and last and first > last):
        raise ValueError("not a real day, or the days out of order")
    return {
        "v": VERSION, "cost_usd": float(got["c"]), "split": split,
        "requests": int(got["t"]), "sessions": int(got["n"]), "peak_context": int(got["p"]),
        "cache_hit_rate": opt("h"), "resent_share": opt("s"), "resent_share_median": opt("m"),
        "duration_s": int(got["d"]), "models": codes, "first_day": day(got.get("a")),
        "last_day": day(got.get("b")), "excludes_unpriced": got.get("u") == "1",
    }


_fixed = present.fixed
_money = present.card_money


def _duration(seconds):
    h, rest = divmod(int(seconds), 3600)
    return f"{h} h {rest // 60:02d} min" if h else f"{rest // 60} min"


_tokens = present.card_tokens
_pct_text = present.card_pct


def headline(s):
    sess = "1 session" if s["sessions"] == 1 else f"{s['sessions']} sessions"
    return (f"~{_money(s['cost_usd'])} at API list prices · {sess}, {s['requests']:,} requests · "
            f"{_pct_text(s['resent_share'])} of it re-sent context")


def markdown(summary, link=None):
    s = summary
    days = s["first_day"] + (f" → {s['last_day']}" if s["last_day"] and s["last_day"] != s["first_day"] else "") \
        if s["first_day"] else "n/a"
    lines = [f"**Claude Code spend: {headline(s)}**", ""]
    lines.append("| bucket | share of cost |")
    lines.append("|---|---|")
    for label, pct in zip(SPLIT_LABELS, s["split"]):
        lines.append(f"| {label} | {_fixed(pct, 1)}% |")
    lines.append("")
    median = f" (median session {_pct_text(s['resent_share_median'])})" if s["resent_share_median"] is not None else ""
    lines.append(f"Peak context {_tokens(s['peak_context'])} tokens · cache hit rate {_pct_text(s['cache_hit_rate'])}"
                 f" · re-sent share {_pct_text(s['resent_share'])}{median} · active {_duration(s['duration_s'])} · "
                 f"{', '.join(family_label(c) for c in s['models']) or 'n/a'} · {days}")
    if s["excludes_unpriced"]:
        lines.append("")
        lines.append("The cost leaves out requests of models with no published price.")
    lines.append("")
    lines.append("_Estimate from local logs at list prices, not a bill — made with tokenscope; nothing was uploaded._")
    if link:
        lines.append("")
        lines.append(f"[Open the card]({link})")
    return "\n".join(for_terminal(line) for line in lines) + "\n"  # the one sanitiser (issue 21)


LINE = 21         # the height of a line of 15 px text
MARGIN = 28       # the card's left and right margin
SIZE = 15         # the card's text size, px
SEP = " · "
LEGEND_ROW = 26
LEGEND_GAP = 24   # between the legend's two columns
SWATCH = 19       # a legend item's colour square and the space after it


def wrap_width(items, sep, limit, size=SIZE, tail=""):
    """`items` joined with `sep` into lines at most `limit` px wide by present.text_width (web/share.js: `wrapWidth`);
    a line that wraps ends with `tail` (measured with it); an item wider than the limit has a line of its own."""
    lines, cur = [], ""
    for item in items:
        cand = f"{cur}{sep}{item}" if cur else item
        if cur and present.text_width(cand + tail, size) > limit:
            lines.append(cur + tail)
            cur = item
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def wrap_list(items, limit=None):
    """Model families joined with ", " into lines that fit the card, each wrapped line keeping its comma (web/share.js:
    `wrapList`)."""
    return wrap_width(items, ", ", limit or 600 - 2 * MARGIN, tail=",") or ["n/a"]


def legend_layout(items, width):
    """Where each legend item goes: [(x, row)], in two columns when they fit side by side — the left one as wide as its
    widest item — else in one (issues 30, 33: a fixed 280 px column ran "Re-sent context (cache read) 46.1%" into the
    next colour square). `items` are their texts."""
    widths = [SWATCH + present.text_width(t, SIZE) for t in items]
    left = max(widths[0::2], default=0)
    right = max(widths[1::2], default=0)
    if MARGIN + left + LEGEND_GAP + right <= width - MARGIN:
        return [(MARGIN + (i % 2) * (left + LEGEND_GAP), i // 2) for i in range(len(items))]
    return [(MARGIN, i) for i in range(len(items))]


def card_svg(summary, width=600):
    """A self-contained SVG card of the summary (the page turns it into a PNG too). Laid out by the widths of its
    texts (present.text_width, a wide font's), so nothing runs off the card or into anything else with any font; its
    height grows with what wraps (issue 12: many model families pushed the dates and "not a bill" off the card)."""
    s = summary
    e = lambda x: escape(str(x), quote=True)  # noqa: E731
    inner = width - 2 * MARGIN
    days = s["first_day"] or ""
    if s["last_day"] and s["last_day"] != s["first_day"]:
        days += f" → {s['last_day']}"
    # Issue 25: a wrapped list of families keeps its commas; the note the Markdown has about unpriced models; small
    # print large enough to read once the card is scaled to a phone (15 px, was 12: ~5 px tall at 375 px).
    footer = wrap_list([family_label(c) for c in s["models"]], inner) + (
        ["the cost leaves out models with no published price"] if s["excludes_unpriced"] else []) + [
        (f"{days} · " if days else "") + "estimate at list prices, not a bill"]
    stats = wrap_width([f"{s['requests']:,} requests",
                        f"{s['sessions']:,} session" + ("" if s["sessions"] == 1 else "s"),
                        f"peak context {_tokens(s['peak_context'])}", f"cache hits {_pct_text(s['cache_hit_rate'])}"],
                       SEP, inner)
    bar_y = 150 + LINE * (len(stats) - 1)
    # Issue 33: only the buckets that cost something are in the legend.
    shown = [(label, pct, colour) for label, pct, colour in zip(SPLIT_LABELS, s["split"], SPLIT_COLOURS) if pct > 0]
    texts = [f"{label} {_fixed(pct, 1)}%" for label, pct, _c in shown]
    places = legend_layout(texts, width)
    legend_y = bar_y + 56
    rows = (places[-1][1] + 1) if places else 0
    top = legend_y + LEGEND_ROW * (rows - 1) + 32 if rows else bar_y + 58
    height = top + LINE * (len(footer) - 1) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-card" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{e(headline(s))}">',
           f"<title>{e(headline(s))}</title>",
           f'<rect class="ts-card-bg" width="{width}" height="{height}" rx="16" fill="#101418"/>',
           '<text class="ts-card-muted" x="28" y="46" font-family="system-ui,sans-serif" font-size="15" fill="#9aa4ae">'
           "Claude Code spend · tokenscope</text>",
           '<text class="ts-card-fg" x="28" y="96" font-family="system-ui,sans-serif" font-size="44" font-weight="700" '
           f'fill="#f2f4f6">{_money(s["cost_usd"])}</text>']
    for i, line in enumerate(stats):
        out.append(f'<text class="ts-card-text" x="28" y="{126 + LINE * i}" font-family="system-ui,sans-serif" '
                   f'font-size="15" fill="#c9d1d9">{e(line)}</text>')
    x, bar_w = 28.0, width - 56
    total = sum(s["split"]) or 1
    for label, pct, colour in zip(SPLIT_LABELS, s["split"], SPLIT_COLOURS):
        w = bar_w * pct / total
        if w > 0:
            out.append(f'<rect x="{_fixed(x, 1)}" y="{bar_y}" width="{_fixed(w, 1)}" height="26" fill="{colour}">'
                       f"<title>{e(label)}: {_fixed(pct, 1)}%</title></rect>")
        x += w
    for (label, pct, colour), text, (lx, row) in zip(shown, texts, places):
        ly = legend_y + row * LEGEND_ROW
        out.append(f'<rect class="ts-card-swatch" x="{_fixed(lx, 1)}" y="{ly - 12}" width="13" height="13" '
                   f'fill="{colour}"/><text class="ts-card-text ts-card-legend" x="{_fixed(lx + SWATCH, 1)}" y="{ly}" '
                   f'font-family="system-ui,sans-serif" font-size="15" fill="#c9d1d9">{e(text)}</text>')
    for i, line in enumerate(footer):
        out.append(f'<text class="ts-card-muted" x="28" y="{top + LINE * i}" font-family="system-ui,sans-serif" '
                   f'font-size="15" fill="#9aa4ae">{e(line)}</text>')
    out.append("</svg>")
    return "".join(out)
