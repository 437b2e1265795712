"""The privacy-safe share summary (issue 5): aggregate numbers only — as Markdown, an SVG card, a URL fragment.

Nothing free-form from a log can get in: the summary is built from numbers, dates and model *families*
taken from a fixed table (an unknown model is "other"), and the fragment decoder accepts only those
shapes. No paths, project or file names, session ids, prompts, tool names or arguments.
"""

import math
import re
from html import escape

from . import present
from .text import for_terminal

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
    return None if x is None else _round(x * 100, 1)


def _round(x, nd):
    """Halves up (web/share.js rounds the same way, so both summarise a report identically)."""
    return math.floor(x * 10 ** nd + 0.5) / 10 ** nd


def _day(stamp):
    """The date of an ISO stamp, or None: a pasted report's text never reaches the card (web/share.js: `day`)."""
    return stamp[:10] if isinstance(stamp, str) and re.match(r"\d{4}-\d{2}-\d{2}", stamp) else None


def summarize(report):
    """The share summary of a report (schema 1): a flat dict of numbers, days and family codes."""
    t = report["totals"]
    shares = t["share_of_cost"]
    sessions = report["sessions"]
    codes = sorted({family_code(m.get("priced_as")) for m in report["models"]})
    return {
        "v": VERSION,
        "cost_usd": _round(t["cost_usd"], 2),
        "split": [_pct(shares[k]) or 0.0 for k in SPLIT_KEYS],
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
    return {
        "v": VERSION, "cost_usd": float(got["c"]), "split": [float(x) for x in got["r"].split(",")],
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


FOOTER_CHARS = 60  # 15 px text across the card's 544 px: a line of model families wraps before this
LINE = 21         # the footer's line height


def wrap_list(items, limit=FOOTER_CHARS):
    """Items joined with ", " into lines of at most `limit` characters (web/share.js: `wrapList`)."""
    lines, cur = [], ""
    for item in items:
        cand = f"{cur}, {item}" if cur else item
        if cur and len(cand) > limit:
            lines.append(cur)
            cur = item
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines or ["n/a"]


def card_svg(summary, width=600):
    """A self-contained SVG card of the summary (the page turns it into a PNG too). Its height grows with the
    footer (issue 12: many model families pushed the dates and "not a bill" off the card)."""
    s = summary
    e = lambda x: escape(str(x), quote=True)  # noqa: E731
    days = s["first_day"] or ""
    if s["last_day"] and s["last_day"] != s["first_day"]:
        days += f" → {s['last_day']}"
    # Issue 25: a wrapped list of families keeps its commas; the note the Markdown has about unpriced models; small
    # print large enough to read once the card is scaled to a phone (15 px, was 12: ~5 px tall at 375 px).
    families = wrap_list([family_label(c) for c in s["models"]])
    footer = [line + "," for line in families[:-1]] + families[-1:] + (
        ["the cost leaves out models with no published price"] if s["excludes_unpriced"] else []) + [
        (f"{days} · " if days else "") + "estimate at list prices, not a bill"]
    top = 290
    height = top + LINE * (len(footer) - 1) + 24
    requests = f"{s['requests']:,} requests"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-card" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{e(headline(s))}">',
           f"<title>{e(headline(s))}</title>",
           f'<rect class="ts-card-bg" width="{width}" height="{height}" rx="16" fill="#101418"/>',
           '<text class="ts-card-muted" x="28" y="46" font-family="system-ui,sans-serif" font-size="15" fill="#9aa4ae">'
           "Claude Code spend · tokenscope</text>",
           '<text class="ts-card-fg" x="28" y="96" font-family="system-ui,sans-serif" font-size="44" font-weight="700" '
           f'fill="#f2f4f6">{_money(s["cost_usd"])}</text>',
           '<text class="ts-card-text" x="28" y="126" font-family="system-ui,sans-serif" font-size="15" fill="#c9d1d9">'
           f"{e(requests + ' · ' + str(s['sessions']) + (' session' if s['sessions'] == 1 else ' sessions'))}"
           f" · peak context {e(_tokens(s['peak_context']))} · cache hits {e(_pct_text(s['cache_hit_rate']))}</text>"]
    x, bar_w = 28.0, width - 56
    total = sum(s["split"]) or 1
    for label, pct, colour in zip(SPLIT_LABELS, s["split"], SPLIT_COLOURS):
        w = bar_w * pct / total
        if w > 0:
            out.append(f'<rect x="{_fixed(x, 1)}" y="150" width="{_fixed(w, 1)}" height="26" fill="{colour}">'
                       f"<title>{e(label)}: {_fixed(pct, 1)}%</title></rect>")
        x += w
    for i, (label, pct, colour) in enumerate(zip(SPLIT_LABELS, s["split"], SPLIT_COLOURS)):
        lx, ly = 28 + (i % 2) * 280, 206 + (i // 2) * 26
        out.append(f'<rect x="{lx}" y="{ly - 12}" width="13" height="13" fill="{colour}"/>'
                   f'<text class="ts-card-text" x="{lx + 19}" y="{ly}" font-family="system-ui,sans-serif" font-size="15" '
                   'fill="#c9d1d9">'
                   f"{e(label)} {_fixed(pct, 1)}%</text>")
    for i, line in enumerate(footer):
        out.append(f'<text class="ts-card-muted" x="28" y="{top + LINE * i}" font-family="system-ui,sans-serif" '
                   f'font-size="15" fill="#9aa4ae">{e(line)}</text>')
    out.append("</svg>")
    return "".join(out)
