"""Hand-written, deterministic SVG charts: the cost split, the context curve, spend over time, what-if, projects.

Text in them comes from logs (models, timestamps, projects): everything goes through `esc`. Tooltips are `<title>`
elements, which every browser shows on hover and screen readers read. Colours are attributes (a strict CSP forbids
style attributes) and classes a page may restyle; labels, colours and number formats come from present.py.

Every chart is drawn for the width it is given (issue 12: at 375 px a 640-wide chart was cut off or shrank its text
past reading): layouts adapt (a one-column legend, fewer labels, a narrower label column) and text stays 11-13 px.
"""

import re
from datetime import date, timedelta
from html import escape

from ..core import present

C = present.CHART
NARROW = 520  # below this width legends go to one column and labels thin out
_money = present.money
_tok = present.tokens
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Characters XML 1.0 forbids: one of them in a log string made a chart invalid XML, drawn blank (issue 21).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(s):
    """Text for an SVG/XML attribute or element: escaped, and characters XML cannot hold replaced by U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", str(s)), quote=True)


def _n(x):
    """Stable short number formatting for coordinates."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _pct(x):
    return present.pct(x, 1)


def _open(cls, width, height, label):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart {cls}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{esc(label)}">')


def _text(x, y, content, size=11, anchor=None, cls="ts-text", extra=""):
    a = f' text-anchor="{anchor}"' if anchor else ""
    return (f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}"{a} font-size="{size}" fill="currentColor"{extra}>'
            f"{content}</text>")


def _fit(text, chars):
    """Log text cut to `chars` characters, keeping its end (a project's last folders say most)."""
    return text if len(text) <= chars else "…" + text[-(chars - 1):]


def split_bar(totals, width=640):
    """The cost split of `totals` (a report's totals or a session row) as one stacked bar with a legend."""
    cost = totals["cost_by_bucket_usd"]
    share = totals["share_of_cost"]
    tokens = totals["tokens"]
    bar_h, legend_row = 28, 20
    cols = 2 if width >= NARROW else 1
    shown = [b for b in present.BUCKETS if (cost.get(b.key) or 0) > 0]
    height = bar_h + 12 + legend_row * max(1, -(-len(shown) // cols))
    out = [_open("ts-split", width, height, "Cost split by bucket"),
           f"<title>Cost split: estimated {_money(totals['cost_usd'])} at list prices</title>"]
    x = 0.0
    total = totals["cost_usd"] or 0
    if total <= 0:
        out.append(f'<rect class="ts-empty" x="0" y="0" width="{width}" height="{bar_h}" fill="#ccc"/>')
    for b in shown:
        w = width * cost[b.key] / total if total else 0
        tok = (f"{present.count(tokens[b.key])} tokens" if b.key in tokens
               else f"{present.count(totals.get('web_search_requests', 0))} searches")
        out.append(f'<rect class="ts-b-{b.key}" x="{_n(x)}" y="0" width="{_n(w)}" height="{bar_h}" fill="{b.colour}">'
                   f"<title>{esc(b.label)}: {_money(cost[b.key])} ({_pct(share.get(b.key))}), {tok}</title></rect>")
        x += w
    for i, b in enumerate(shown):
        # The swatch carries the bar's class, so a page's restyling (dark mode) paints both alike (issue 12).
        lx = (i % cols) * (width / cols)
        ly = bar_h + 12 + (i // cols) * legend_row
        out.append(f'<rect class="ts-b-{b.key}" x="{_n(lx)}" y="{ly}" width="12" height="12" fill="{b.colour}"/>'
                   + _text(lx + 18, ly + 10, f"{esc(b.label)} {_pct(share.get(b.key))} · {_money(cost[b.key])}",
                           12))
    out.append("</svg>")
    return "".join(out)


def _ticks(top, n=4, integer=False):
    """Round tick values from 0 to at least `top` (whole numbers only when `integer`: turns are counted)."""
    if top <= 0:
        return [0, 1]
    raw = top / n
    mag = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * mag for m in steps if m * mag >= raw)
    if integer:
        step = max(1, int(step))
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _money_tick(v):
    return "$0" if v == 0 else _money(v)


def _compaction_words(comps):
    full, micro = present.compaction_counts(comps)
    return (f"{full} compaction{'' if full == 1 else 's'}"
            + (f", {micro} micro-compaction{'' if micro == 1 else 's'}" if micro else ""))


def context_curve(session, width=640, height=240, max_points=600):
    """Context size per main-thread request, compactions marked, each point titled."""
    curve = session.get("context_curve") or []
    pad_l, pad_r, pad_t, pad_b = 52, 12, 10, 28
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    out = [_open("ts-curve", width, height, "Context size per request"),
           f"<title>Context per request: peak {_tok(session.get('peak_context_tokens', 0))} tokens, "
           f"{_compaction_words(session.get('compactions') or [])}</title>"]
    if not curve:
        out.append(_text(width / 2, height / 2, "No main-thread requests in this session", 13, "middle") + "</svg>")
        return "".join(out)
    n = len(curve)
    ymax = _ticks(max(p["context_tokens"] for p in curve))
    top = ymax[-1] or 1

    def px(i):
        return pad_l + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v):
        return pad_t + ph - ph * v / top

    for t in ymax:
        y = py(t)
        out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - pad_r}" y1="{_n(y)}" y2="{_n(y)}" '
                   f'stroke="{C["grid"]}" stroke-width="1"/>' + _text(pad_l - 6, y + 4, _tok(t), anchor="end"))
    for t in _ticks(n, 5 if width >= NARROW else 3, integer=True):
        if 0 < t <= n:
            out.append(_text(px(t - 1), height - 8, f"{t:,}", anchor="middle"))
    out.append(_text(pad_l, height - 8, "request", anchor="end", extra=' dx="-6"'))
    pts = " ".join(f"{_n(px(i))},{_n(py(p['context_tokens']))}" for i, p in enumerate(curve))
    out.append(f'<polyline class="ts-line" points="{pts}" fill="none" stroke="{C["line"]}" stroke-width="1.5"/>')
    # Compactions sit before the first request after them.
    stamps = [p.get("timestamp") or "" for p in curve]
    for c in session.get("compactions") or []:
        ts = c.get("timestamp") or ""
        idx = next((i for i, s in enumerate(stamps) if s and ts and s > ts), n - 1)
        x = px(max(idx - 0.5, 0)) if n > 1 else px(0)
        after = f" → {_tok(c['post_tokens'])}" if c.get("post_tokens") is not None else ""
        before = _tok(c["pre_tokens"]) if c.get("pre_tokens") is not None else "?"
        if c.get("kind") == "micro":
            # Issue 23: a micro-compaction (old tool results cleared) is marked apart: thinner, dotted, its own
            # colour and class.
            saved = f", {_tok(c['tokens_saved'])} saved" if c.get("tokens_saved") is not None else ""
            out.append(f'<line class="ts-microcompaction" x1="{_n(x)}" x2="{_n(x)}" y1="{pad_t}" y2="{pad_t + ph}" '
                       f'stroke="{C["microcompaction"]}" stroke-width="1.5" stroke-dasharray="1 3">'
                       f"<title>Micro-compaction ({esc(c.get('trigger') or 'unknown')}) at {esc(ts)}: "
                       f"{before}{after} tokens{saved}</title></line>")
            continue
        out.append(f'<line class="ts-compaction" x1="{_n(x)}" x2="{_n(x)}" y1="{pad_t}" y2="{pad_t + ph}" '
                   f'stroke="{C["compaction"]}" stroke-width="2" stroke-dasharray="4 3">'
                   f"<title>Compaction ({esc(c.get('trigger') or 'unknown')}) at {esc(ts)}: "
                   f"{before}{after} tokens</title></line>")
    step = max(1, -(-n // max_points))
    for i in range(0, n, step):
        # One hover target per bucket of requests: the largest context in it.
        j = max(range(i, min(i + step, n)), key=lambda k: curve[k]["context_tokens"])
        p = curve[j]
        out.append(f'<circle class="ts-point" cx="{_n(px(j))}" cy="{_n(py(p["context_tokens"]))}" r="2.5" '
                   f'fill="{C["line"]}"><title>Request {j + 1} · {esc(p.get("timestamp") or "")} · '
                   f"{present.count(p['context_tokens'])} context tokens · {_money(p.get('cost_usd'))} · "
                   f"{esc(p.get('model') or '')}</title></circle>")
    out.append("</svg>")
    return "".join(out)


# ---- spend over time: a real time axis (issue 12: days were evenly spaced, without years) ----------------------

def _parse_day(text):
    try:
        return date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def _index(d, unit, origin):
    """Position of date `d` on an axis of `unit`s starting at `origin` (a Monday for weeks, a 1st for months)."""
    if unit == "month":
        return (d.year - origin.year) * 12 + d.month - origin.month
    if unit == "week":
        return (d - origin).days // 7
    return (d - origin).days


MIN_SLOT = 4  # px: a thinner bar per day is regrouped by week or month


def _regroup(rows, unit):
    """[(date, row)] summed into `unit`s (cost and requests; the name is the unit's start)."""
    out = {}
    for d, p in rows:
        k = _unit_start(d, unit)
        cur = out.get(k)
        if cur is None:
            out[k] = {"period": k.isoformat(), "start": k.isoformat(), "cost_usd": p["cost_usd"],
                      "requests": p.get("requests") or 0}
        else:
            cur["cost_usd"] += p["cost_usd"]
            cur["requests"] += p.get("requests") or 0
    return sorted(out.items())


def _unit_start(d, unit):
    if unit == "month":
        return d.replace(day=1)
    if unit == "week":
        return d - timedelta(days=d.weekday())
    return d


def _label_dates(first, last, unit, room):
    """Dates to label on the axis: at most `room` of them, on round boundaries (days, Mondays, month starts)."""
    span_days = (last - first).days + 1
    if unit == "day" and span_days <= room:
        return [first + timedelta(days=i) for i in range(span_days)]
    if unit in ("day", "week") and span_days / 7 <= room:
        d = _unit_start(first, "week")
        d = d if d >= first else d + timedelta(days=7)
        return [d + timedelta(days=7 * i) for i in range((last - d).days // 7 + 1)]
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    # Round steps, then whole decades of years (issue 30: a year-1 request beside 2026 spans 24,000 months).
    every = next((k for k in (1, 2, 3, 6, 12, 24, 60) if months / k <= room), None) or -(-months // room // 120) * 120
    out = []
    y, m = first.year, first.month
    if date(y, m, 1) < first and unit != "month":
        m += 1
    while True:
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        if y > date.max.year:
            break
        d = date(y, m, 1)
        if d > last:
            break
        if (y * 12 + m - 1) % every == 0:
            out.append(d)
        m += 1
    return out


def _date_label(d, unit, with_year):
    if unit == "month" or d.day == 1 and unit != "day":
        text = MONTHS[d.month - 1]
    else:
        text = f"{MONTHS[d.month - 1]} {d.day}"
    return f"{text} {d.year}" if with_year else text


def time_chart(periods, unit="day", width=640, height=200):
    """Estimated spend per day, ISO week or month on a time axis: gaps are visible, the year is written where it
    changes. `periods` are report rows with `date` (day) or `start` (week, month) and `cost_usd`."""
    pad_l, pad_r, pad_t, pad_b = 56, 12, 10, 28
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    rows = [(d, p) for p in periods for d in [_parse_day(p.get("start") or p.get("date") or "")] if d is not None]
    rows.sort(key=lambda dp: dp[0])
    # Issue 25: over ten months a day is a 1-2 px bar: group by week, or month, while a slot would be thinner than
    # MIN_SLOT px (the reader can still choose a grouping; the chart says which it drew).
    grouped = False
    while rows and unit != "month" and pw / (_index(rows[-1][0], unit, _unit_start(rows[0][0], unit)) + 1) < MIN_SLOT:
        unit = "week" if unit == "day" else "month"
        rows = _regroup(rows, unit)
        grouped = True
    label = {"day": "Spend per day", "week": "Spend per week", "month": "Spend per month"}.get(unit, "Spend")
    if grouped:
        label += " (days would be too thin at this width)"
    out = [_open("ts-days", width, height, label).replace("<svg ", f'<svg data-unit="{esc(unit)}" ', 1),
           f"<title>Estimated {label[0].lower() + label[1:]}</title>"]
    if not rows:
        out.append("</svg>")
        return "".join(out)
    origin = _unit_start(rows[0][0], unit)
    last = rows[-1][0]
    slots = _index(last, unit, origin) + 1
    ticks = _ticks(max(p["cost_usd"] for _d, p in rows) * 100) or [0, 1]
    top = ticks[-1] / 100 or 1
    slot_w = pw / slots
    for t in ticks:
        y = pad_t + ph - ph * (t / 100) / top
        out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - pad_r}" y1="{_n(y)}" y2="{_n(y)}" '
                   f'stroke="{C["grid"]}" stroke-width="1"/>' + _text(pad_l - 6, y + 4, _money_tick(t / 100),
                                                                      anchor="end"))
    for d, p in rows:
        x = pad_l + _index(d, unit, origin) * slot_w
        h = ph * p["cost_usd"] / top
        bw = max(slot_w * 0.8, 1.5)
        name = p.get("period") or p.get("date") or d.isoformat()
        out.append(f'<rect class="ts-day" x="{_n(x + (slot_w - bw) / 2)}" y="{_n(pad_t + ph - h)}" width="{_n(bw)}" '
                   f'height="{_n(h)}" fill="{C["line"]}"><title>{esc(name)}: {_money(p["cost_usd"])}, '
                   f'{present.count(p["requests"])} requests</title></rect>')
    room = max(2, int(pw // (78 if width >= NARROW else 64)))
    prev_year = None
    end = last if unit == "day" else min(date.max - timedelta(days=1), last) + timedelta(days=6 if unit == "week" else 27) \
        if last < date.max - timedelta(days=27) else date.max
    for d in _label_dates(origin if unit != "day" else rows[0][0], end, unit, room):
        x = pad_l + (_index(d, unit, origin) + 0.5) * slot_w
        if x > width - pad_r:
            continue
        out.append(f'<line class="ts-tick" x1="{_n(x)}" x2="{_n(x)}" y1="{pad_t + ph}" y2="{pad_t + ph + 4}" '
                   f'stroke="{C["axis"]}" stroke-width="1"/>'
                   + _text(x, height - 8, _date_label(d, unit, d.year != prev_year), anchor="middle"))
        prev_year = d.year
    out.append("</svg>")
    return "".join(out)


def whatif_chart(session, width=640, height=200):
    """Saving (or cost) of compacting at each threshold, for one session: bars above or below zero, each with its
    value; a legend says what the colours mean."""
    rows = (session.get("insights") or {}).get("what_if_compaction", {}).get("thresholds", [])
    out = [_open("ts-whatif", width, height, "What-if compaction savings"),
           "<title>What if the context had been compacted at these sizes</title>"]
    if not rows:
        # On a phone the sentence is two lines (it ran past a 343 px chart's edges).
        lines, cur = [], ""
        for word in "The context never grew past a threshold worth testing".split():
            nxt = f"{cur} {word}".strip()
            if cur and present.text_width(nxt, 13) > width - 16:
                lines.append(cur)
                nxt = word
            cur = nxt
        lines.append(cur)
        top = height / 2 - 9 * (len(lines) - 1)
        out.extend(_text(width / 2, top + 18 * i, line, 13, "middle") for i, line in enumerate(lines))
        out.append("</svg>")
        return "".join(out)
    pad_l, pad_b, pad_t, legend = 60, 28, 26, 18
    ph = height - pad_b - pad_t - legend
    top = max(max(abs(r["saving_usd"]) for r in rows), 1e-9)
    # The zero line sits where the bars need it: at the bottom when every threshold saves, at the top when every
    # one costs more, in the middle when both happen.
    # A 14 px band beyond each bar's end holds its value.
    up = any(r["saving_usd"] >= 0 for r in rows)
    down = any(r["saving_usd"] < 0 for r in rows)
    avail = ph - (14 if up else 0) - (14 if down else 0)
    span = avail / 2 if up and down else avail
    zero = pad_t + legend + (14 + span if up else 0)
    bw = (width - pad_l - 10) / len(rows)
    out.append(f'<rect x="{pad_l}" y="4" width="10" height="10" fill="{C["saving"]}"/>'
               + _text(pad_l + 14, 13, "saves", 11)
               + f'<rect x="{pad_l + 60}" y="4" width="10" height="10" fill="{C["cost"]}"/>'
               + _text(pad_l + 74, 13, "costs more", 11))
    out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - 10}" y1="{_n(zero)}" y2="{_n(zero)}" '
               f'stroke="{C["axis"]}" stroke-width="1"/>' + _text(pad_l - 6, zero + 4, "$0", anchor="end"))
    for i, r in enumerate(rows):
        saving = r["saving_usd"]
        h = span * abs(saving) / top
        y = zero - h if saving >= 0 else zero
        colour = C["saving"] if saving >= 0 else C["cost"]
        x = pad_l + i * bw
        verb = "saves" if saving >= 0 else "costs"
        value = ("+" if saving >= 0 else "−") + _money(abs(saving))
        vy = y - 4 if saving >= 0 else y + max(h, 1) + 12
        out.append(f'<rect class="ts-whatif-bar" x="{_n(x + bw * 0.15)}" y="{_n(y)}" width="{_n(bw * 0.7)}" '
                   f'height="{_n(max(h, 1))}" fill="{colour}"><title>Compacting at '
                   f'{present.count(r["threshold_tokens"])} tokens {verb} {_money(abs(saving))} '
                   f'({r["compactions"]} compaction{"" if r["compactions"] == 1 else "s"})</title></rect>'
                   + _text(x + bw / 2, vy, value, 10 if width < NARROW else 11, "middle", "ts-text ts-value")
                   + _text(x + bw / 2, height - 8, _tok(r["threshold_tokens"]), anchor="middle"))
    out.append("</svg>")
    return "".join(out)


def projects_chart(projects, width=640, row=22, top_n=12):
    """Estimated spend per project (the projects' names are log text: escaped), the rest summed in one line."""
    rows = projects[:top_n]
    rest = projects[top_n:]
    height = max(row * (len(rows) + (1 if rest else 0)) + 8, 30)
    out = [_open("ts-projects", width, height, "Spend per project"), "<title>Estimated spend per project</title>"]
    top = max((p["cost_usd"] for p in rows), default=0) or 1
    label_w = min(250, int(width * 0.4))
    # 12 px text averages up to ~7.5 px a character in the sans-serif fonts of phones: the label, ending 8 px before
    # its bar, must fit in what is left (issue 25: at 375 px the names were cut at the chart's left edge).
    chars = max(8, int((label_w - 10) / 7.5))
    value_w = 70
    for i, p in enumerate(rows):
        y = 4 + i * row
        w = (width - label_w - value_w - 6) * p["cost_usd"] / top
        out.append(_text(label_w - 8, y + 14, esc(_fit(p["project"], chars)), 12, "end")
                   + f'<rect class="ts-project" x="{label_w}" y="{y + 3}" width="{_n(max(w, 1))}" height="{row - 8}" '
                   f'fill="{C["line"]}"><title>{esc(p["project"])}: {_money(p["cost_usd"])}, '
                   f'{present.count(p["sessions"])} session{"" if p["sessions"] == 1 else "s"}</title></rect>'
                   + _text(label_w + max(w, 1) + 6, y + 14, _money(p["cost_usd"]), 12))
    if rest:
        y = 4 + len(rows) * row
        out.append(_text(label_w - 8, y + 14, f"and {len(rest)} more", 12, "end", "ts-text ts-more")
                   + _text(label_w, y + 14, _money(sum(p["cost_usd"] for p in rest)), 12))
    out.append("</svg>")
    return "".join(out)


def charts(report, session_id=None, width=640):
    """The charts a view shows, drawn for `width`: split, spend over time (the report's `periods` when it has
    them, else its days), projects, and the curve and what-if of one session (default: the costliest)."""
    sessions = report["sessions"]
    chosen = next((s for s in sessions if s["session_id"] == session_id), sessions[0] if sessions else None)
    by = (report.get("options") or {}).get("by") or "day"
    periods = report.get("periods") if by != "day" and report.get("periods") else report["days"]
    return {
        "split": split_bar(report["totals"], width),
        "days": time_chart(periods, by if periods is not report["days"] else "day", width),
        "projects": projects_chart(report["projects"], width),
        "curve": context_curve(chosen, width) if chosen else "",
        "whatif": whatif_chart(chosen, width) if chosen else "",
        "curve_session": chosen["session_id"] if chosen else None,
    }
