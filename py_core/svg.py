"""Hand-written, deterministic SVG charts: the cost split, the context curve, spend per day.

Text in them comes from logs (models, timestamps): everything goes through `esc`.
Tooltips are `<title>` elements, which every browser shows on hover and screen readers read.
Colours are attributes (a strict CSP forbids style attributes) and classes a page may restyle.
"""

from html import escape

from . import present

def esc(s):
    return escape(str(s), quote=True)


def _n(x):
    """Stable short number formatting for coordinates."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


C = present.CHART
_money = present.money
_tok = present.axis_tokens


def _pct(x):
    return present.pct(x, 1)


def split_bar(totals, width=640):
    """The cost split of `totals` (a report's totals or a session row) as one stacked bar with a legend."""
    cost = totals["cost_by_bucket_usd"]
    share = totals["share_of_cost"]
    tokens = totals["tokens"]
    bar_h, legend_row = 28, 20
    shown = [(b.key, b.label, b.colour) for b in present.BUCKETS if (cost.get(b.key) or 0) > 0]
    height = bar_h + 12 + legend_row * max(1, (len(shown) + 1) // 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-split" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Cost split by bucket">']
    out.append(f"<title>Cost split: estimated {_money(totals['cost_usd'])} at list prices</title>")
    x = 0.0
    total = totals["cost_usd"] or 0
    if total <= 0:
        out.append(f'<rect class="ts-empty" x="0" y="0" width="{width}" height="{bar_h}" fill="#ccc"/>')
    for k, label, colour in shown:
        w = width * cost[k] / total if total else 0
        tok = f"{tokens[k]:,} tokens" if k in tokens else f"{totals.get('web_search_requests', 0):,} searches"
        out.append(f'<rect class="ts-b-{k}" x="{_n(x)}" y="0" width="{_n(w)}" height="{bar_h}" fill="{colour}">'
                   f"<title>{esc(label)}: {_money(cost[k])} ({_pct(share.get(k))}), {tok}</title></rect>")
        x += w
    for i, (k, label, colour) in enumerate(shown):
        lx = (i % 2) * (width / 2)
        ly = bar_h + 12 + (i // 2) * legend_row
        out.append(f'<rect x="{_n(lx)}" y="{ly}" width="12" height="12" fill="{colour}"/>'
                   f'<text class="ts-text" x="{_n(lx + 18)}" y="{ly + 10}" font-size="12" fill="currentColor">'
                   f"{esc(label)} {_pct(share.get(k))} · {_money(cost[k])}</text>")
    out.append("</svg>")
    return "".join(out)


def _ticks(top, n=4):
    """Round tick values from 0 to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / n
    mag = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def context_curve(session, width=640, height=240, max_points=600):
    """Context size per main-thread request (turn), compactions marked, each point titled."""
    curve = session.get("context_curve") or []
    pad_l, pad_r, pad_t, pad_b = 52, 10, 10, 28
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-curve" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Context size per turn">']
    out.append(f"<title>Context per turn: peak {_tok(session.get('peak_context_tokens', 0))} tokens, "
               f"{len(session.get('compactions') or [])} compaction(s)</title>")
    if not curve:
        out.append(f'<text class="ts-text" x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" '
                   f'fill="currentColor">No main-thread requests in this session</text></svg>')
        return "".join(out)
    n = len(curve)
    ymax = _ticks(max(p["context_tokens"] for p in curve))
    top = ymax[-1]

    def px(i):
        return pad_l + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v):
        return pad_t + ph - ph * v / top

    for t in ymax:
        y = py(t)
        out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - pad_r}" y1="{_n(y)}" y2="{_n(y)}" '
                   f'stroke="{C["grid"]}" stroke-width="1"/>'
                   f'<text class="ts-text" x="{pad_l - 6}" y="{_n(y + 4)}" text-anchor="end" font-size="11" '
                   f'fill="currentColor">{_tok(t)}</text>')
    for t in _ticks(n, 5):
        if t == 0 or t > n:
            continue
        x = px(t - 1)
        out.append(f'<text class="ts-text" x="{_n(x)}" y="{height - 8}" text-anchor="middle" font-size="11" '
                   f'fill="currentColor">{t}</text>')
    out.append(f'<text class="ts-text" x="{pad_l}" y="{height - 8}" font-size="11" fill="currentColor" '
               f'text-anchor="end" dx="-6">turn</text>')
    pts = " ".join(f"{_n(px(i))},{_n(py(p['context_tokens']))}" for i, p in enumerate(curve))
    out.append(f'<polyline class="ts-line" points="{pts}" fill="none" stroke="{C["line"]}" stroke-width="1.5"/>')
    # Compactions sit before the first turn after them.
    stamps = [p.get("timestamp") or "" for p in curve]
    for c in session.get("compactions") or []:
        ts = c.get("timestamp") or ""
        idx = next((i for i, s in enumerate(stamps) if s and ts and s > ts), n - 1)
        x = px(max(idx - 0.5, 0)) if n > 1 else px(0)
        after = f" → {_tok(c['post_tokens'])}" if c.get("post_tokens") is not None else ""
        before = _tok(c["pre_tokens"]) if c.get("pre_tokens") is not None else "?"
        out.append(f'<line class="ts-compaction" x1="{_n(x)}" x2="{_n(x)}" y1="{pad_t}" y2="{pad_t + ph}" '
                   f'stroke="{C["compaction"]}" stroke-width="2" stroke-dasharray="4 3">'
                   f"<title>Compaction ({esc(c.get('trigger') or 'unknown')}) at {esc(ts)}: "
                   f"{before}{after} tokens</title></line>")
    step = max(1, -(-n // max_points))
    for i in range(0, n, step):
        # One hover target per bucket of turns: the largest context in it.
        j = max(range(i, min(i + step, n)), key=lambda k: curve[k]["context_tokens"])
        p = curve[j]
        out.append(f'<circle class="ts-point" cx="{_n(px(j))}" cy="{_n(py(p["context_tokens"]))}" r="2.5" '
                   f'fill="{C["line"]}"><title>Turn {j + 1} · {esc(p.get("timestamp") or "")} · '
                   f"{p['context_tokens']:,} context tokens · {_money(p.get('cost_usd'))} · "
                   f"{esc(p.get('model') or '')}</title></circle>")
    out.append("</svg>")
    return "".join(out)


def days_chart(days, width=640, height=200):
    """Estimated spend per day (in the report's time zone)."""
    pad_l, pad_r, pad_t, pad_b = 52, 10, 10, 28
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-days" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Spend per day">']
    out.append("<title>Estimated spend per day</title>")
    if not days:
        out.append("</svg>")
        return "".join(out)
    ticks = _ticks(max(d["cost_usd"] for d in days) * 100) or [0, 1]
    top = ticks[-1] / 100 or 1
    bw = pw / len(days)
    for t in ticks:
        y = pad_t + ph - ph * (t / 100) / top
        out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - pad_r}" y1="{_n(y)}" y2="{_n(y)}" '
                   f'stroke="{C["grid"]}" stroke-width="1"/><text class="ts-text" x="{pad_l - 6}" y="{_n(y + 4)}" '
                   f'text-anchor="end" font-size="11" fill="currentColor">{_money(t / 100)}</text>')
    label_every = max(1, len(days) // 6)
    for i, d in enumerate(days):
        h = ph * d["cost_usd"] / top
        x = pad_l + i * bw
        out.append(f'<rect class="ts-day" x="{_n(x + bw * 0.1)}" y="{_n(pad_t + ph - h)}" width="{_n(bw * 0.8)}" '
                   f'height="{_n(h)}" fill="{C["line"]}"><title>{esc(d["date"])}: {_money(d["cost_usd"])}, '
                   f'{d["requests"]:,} requests</title></rect>')
        if i % label_every == 0:
            out.append(f'<text class="ts-text" x="{_n(x + bw / 2)}" y="{height - 8}" text-anchor="middle" '
                       f'font-size="11" fill="currentColor">{esc(d["date"][5:])}</text>')
    out.append("</svg>")
    return "".join(out)


def whatif_chart(session, width=640, height=180):
    """Saving (or cost) of compacting at each threshold, for one session: bars above or below zero."""
    rows = (session.get("insights") or {}).get("what_if_compaction", {}).get("thresholds", [])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-whatif" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="What-if compaction savings">',
           "<title>What if the context had been compacted at these sizes</title>"]
    if not rows:
        out.append(f'<text class="ts-text" x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" '
                   'fill="currentColor">The context never grew past a threshold worth testing</text></svg>')
        return "".join(out)
    pad_l, pad_b, pad_t = 60, 28, 12
    ph = height - pad_b - pad_t
    top = max(max(abs(r["saving_usd"]) for r in rows), 1e-9)
    zero = pad_t + ph / 2
    bw = (width - pad_l - 10) / len(rows)
    out.append(f'<line class="ts-grid" x1="{pad_l}" x2="{width - 10}" y1="{_n(zero)}" y2="{_n(zero)}" '
               f'stroke="{C["axis"]}" stroke-width="1"/>')
    out.append(f'<text class="ts-text" x="{pad_l - 6}" y="{_n(zero + 4)}" text-anchor="end" font-size="11" '
               'fill="currentColor">$0</text>')
    for i, r in enumerate(rows):
        h = (ph / 2) * abs(r["saving_usd"]) / top
        y = zero - h if r["saving_usd"] >= 0 else zero
        colour = C["saving"] if r["saving_usd"] >= 0 else C["cost"]
        x = pad_l + i * bw
        verb = "saves" if r["saving_usd"] >= 0 else "costs"
        out.append(f'<rect class="ts-whatif-bar" x="{_n(x + bw * 0.15)}" y="{_n(y)}" width="{_n(bw * 0.7)}" '
                   f'height="{_n(max(h, 1))}" fill="{colour}"><title>Compacting at {r["threshold_tokens"]:,} tokens '
                   f'{verb} {_money(abs(r["saving_usd"]))} ({r["compactions"]} compaction(s))</title></rect>'
                   f'<text class="ts-text" x="{_n(x + bw / 2)}" y="{height - 8}" text-anchor="middle" font-size="11" '
                   f'fill="currentColor">{_tok(r["threshold_tokens"])}</text>')
    out.append("</svg>")
    return "".join(out)


def projects_chart(projects, width=640, row=22, top_n=12):
    """Estimated spend per project (the projects' names are log text: escaped)."""
    rows = projects[:top_n]
    height = max(row * len(rows) + 8, 30)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-projects" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Spend per project">',
           "<title>Estimated spend per project</title>"]
    top = max((p["cost_usd"] for p in rows), default=0) or 1
    label_w = 250
    for i, p in enumerate(rows):
        y = 4 + i * row
        name = p["project"] if len(p["project"]) <= 36 else "…" + p["project"][-35:]
        w = (width - label_w - 80) * p["cost_usd"] / top
        out.append(f'<text class="ts-text" x="{label_w - 8}" y="{y + 14}" text-anchor="end" font-size="12" '
                   f'fill="currentColor">{esc(name)}</text><rect class="ts-project" x="{label_w}" y="{y + 3}" '
                   f'width="{_n(max(w, 1))}" height="{row - 8}" fill="{C["line"]}"><title>{esc(p["project"])}: '
                   f'{_money(p["cost_usd"])}, {p["sessions"]} session(s)</title></rect>'
                   f'<text class="ts-text" x="{_n(label_w + max(w, 1) + 6)}" y="{y + 14}" font-size="12" '
                   f'fill="currentColor">{_money(p["cost_usd"])}</text>')
    out.append("</svg>")
    return "".join(out)


def charts(report, session_id=None):
    """The charts a view shows: split, per-day, and the curve of one session (default: the costliest)."""
    sessions = report["sessions"]
    chosen = next((s for s in sessions if s["session_id"] == session_id), sessions[0] if sessions else None)
    return {
        "split": split_bar(report["totals"]),
        "days": days_chart(report["days"]),
        "projects": projects_chart(report["projects"]),
        "curve": context_curve(chosen) if chosen else "",
        "whatif": whatif_chart(chosen) if chosen else "",
        "curve_session": chosen["session_id"] if chosen else None,
    }
