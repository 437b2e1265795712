"""A standalone HTML page of the report (`tokenscope --html FILE`): the web page's charts and tables, no script."""

from html import escape

from . import present
from .svg import charts, context_curve

CSS = """
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.45}
body{max-width:960px;margin:0 auto;padding:16px;background:#fbfbfa;color:#1d1f21}
@media (prefers-color-scheme:dark){body{background:#15171a;color:#e6e7e8}}
.muted{color:#777}.chart svg{width:100%;height:auto}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
dl div{border:1px solid #8884;border-radius:8px;padding:8px 12px}dt{color:#777;font-size:.85rem}
dd{margin:0;font-size:1.3rem;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #8884;padding:4px 8px;
text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
"""


def _e(s):
    return escape("" if s is None else str(s), quote=True)


_money = present.money
_pct = present.pct


def _table(headers, rows):
    head = "".join(f'<th class="{"n" if num else ""}">{_e(h)}</th>' for h, num in headers)
    body = "".join("<tr>" + "".join(f'<td class="{"n" if num else ""}">{_e(v)}</td>'
                                    for v, (_h, num) in zip(r, headers)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(report, max_curves=10):
    t = report["totals"]
    ch = charts(report)
    peak = max((s["peak_context_tokens"] for s in report["sessions"]), default=0)
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>tokenscope report</title><style>{CSS}</style></head><body>",
        "<h1>tokenscope: where the money went</h1>",
        f'<p class="muted">{_e(report["label"])}</p>',
        "<dl>",
        f"<div><dt>Estimated cost</dt><dd>{_money(t['cost_usd'])}</dd></div>",
        f"<div><dt>Turns</dt><dd>{t['requests']:,}</dd></div>",
        f"<div><dt>Peak context</dt><dd>{peak:,}</dd></div>",
        f"<div><dt>Cache hit rate</dt><dd>{_pct(t['cache_hit_rate'])}</dd></div>",
        f"<div><dt>Re-sent context</dt><dd>{_pct(t['resent_share_pooled'])}</dd></div>",
        "</dl>",
        f'<h2>Cost split</h2><div class="chart">{ch["split"]}</div>',
    ]
    if len(report["days"]) > 1:
        parts.append(f'<h2>Spend per day</h2><div class="chart">{ch["days"]}</div>')
    parts.append("<h2>Sessions</h2>")
    parts.append(_table([("Session", False), ("Project", False), ("Cost", True), ("Turns", True),
                         ("Peak context", True), ("Re-sent", True), ("Compactions", True)],
                        [(s["session_id"], s["project"], _money(s["cost_usd"]), s["requests"],
                          f"{s['peak_context_tokens']:,}", _pct(s["resent_share"]), len(s["compactions"]))
                         for s in report["sessions"]]))
    for s in report["sessions"][:max_curves]:
        parts.append(f'<h3>Context per turn: {_e(s["session_id"])} ({_money(s["cost_usd"])})</h3>'
                     f'<div class="chart">{context_curve(s)}</div>')
    parts.append("<h2>Models</h2>")
    parts.append(_table([("Model", False), ("Priced as", False), ("Requests", True), ("Cost", True)],
                        [(m["model"], m["priced_as"] or "no price: excluded", m["requests"], _money(m["cost_usd"]))
                         for m in report["models"]]))
    parts.append("<h2>Agents</h2>")
    parts.append(_table([("Agent", False), ("Requests", True), ("Cost", True)],
                        [(a["agent_type"], a["requests"], _money(a["cost_usd"])) for a in report["agents"]]))
    warnings = [w["text"] for w in report["diagnostics"]["warnings"]]
    if warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)
