"""A standalone HTML page of the report (`tokenscope --html FILE`): the web page's charts and tables, no script."""

from html import escape

from ..core import present
from .svg import charts, context_curve
from ..core.text import for_terminal

CSS = """
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.45}
body{max-width:960px;margin:0 auto;padding:16px;background:#fbfbfa;color:#1d1f21}
@media (prefers-color-scheme:dark){body{background:#15171a;color:#e6e7e8}}
.muted{color:#777}.chart svg{width:100%;height:auto}.chart.narrow{display:none}
@media (max-width:600px){.chart.wide{display:none}.chart.narrow{display:block}}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
dl div{border:1px solid #8884;border-radius:8px;padding:8px 12px}dt{color:#777;font-size:.85rem}
dd{margin:0;font-size:1.3rem;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #8884;padding:4px 8px;
text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td{overflow-wrap:anywhere}td.n{overflow-wrap:normal;white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}
p,li,h2,h3{overflow-wrap:anywhere}td.p{white-space:nowrap;max-width:14em;overflow:hidden;text-overflow:ellipsis}
details>summary{cursor:pointer;margin:6px 0;color:#777}
@media (max-width:600px){td.p{max-width:8em}}
@media (max-width:600px){body{padding:10px}th,td{padding:4px 5px}table{font-size:.82rem}}
"""


def _e(s):
    """Log text for the page: no control character or bidi override survives (issue 30: they passed through), then
    HTML-escaped."""
    return escape(for_terminal("" if s is None else s), quote=True)


_money = present.money
_pct = present.pct


def _cell(v, num):
    """A cell: a value, or (shown text, whole text) — a shortened id or path with its whole text in a title."""
    if type(v) is tuple:
        return f'<td class="p" title="{_e(v[1])}">{_e(v[0])}</td>'
    return f'<td class="{"n" if num else ""}">{_e(v)}</td>'


def _table(headers, rows, top=None, what="rows"):
    """A table; past `top` rows the rest is folded in a <details> (issue 33: --html at 375 px was 16,000 px long)."""
    rows = list(rows)
    head = "".join(f'<th class="{"n" if num else ""}">{_e(h)}</th>' for h, num in headers)

    def body(rs):
        return "".join("<tr>" + "".join(_cell(v, num) for v, (_h, num) in zip(r, headers)) + "</tr>" for r in rs)
    # Issue 25: a table scrolls inside its box rather than widening the page (729 px on a 375 px screen).
    out = f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body(rows[:top])}</tbody></table></div>'
    if top is not None and len(rows) > top:
        out += (f'<details><summary>{len(rows) - top:,} more {_e(what)}</summary><div class="scroll"><table><thead>'
                f'<tr>{head}</tr></thead><tbody>{body(rows[top:])}</tbody></table></div></details>')
    return out


def _short_path(p):
    """A project path as its last two folders (the whole path in the cell's title)."""
    parts = [x for x in str(p).split("/") if x]
    return (f"…/{'/'.join(parts[-2:])}" if len(parts) > 2 else str(p), str(p))


TOP_ROWS = 15     # a long table's rows shown before the fold


def _how(*texts):
    """How a figure is estimated, folded (issue 33: the assumptions made a phone page thousands of px longer)."""
    return ('<details><summary>How this is estimated</summary>' + "".join(f'<p class="muted">{_e(t)}</p>'
                                                                         for t in texts if t) + "</details>")
CURVES_SHOWN = 3  # context curves shown before the fold


NARROW_WIDTH = 360  # the charts again, drawn for a phone, shown instead below 600 px (no script: CSS picks)


def _chart(wide, narrow):
    return f'<div class="chart wide">{wide}</div><div class="chart narrow">{narrow}</div>'


def render(report, max_curves=10):
    """The standalone page: what the web page shows — headline, charts (each drawn for a desktop and for a phone),
    projects, insights, sessions, models, agents, warnings (issue 12)."""
    t = report["totals"]
    ch = charts(report)
    chn = charts(report, width=NARROW_WIDTH)
    by = (report.get("options") or {}).get("by") or "day"
    peak = max((s["peak_context_tokens"] for s in report["sessions"]), default=0)
    short = present.short_ids([s["session_id"] for s in report["sessions"]])  # issue 25: unique, not [:8]
    star = "*" if t["cost_excludes_unpriced"] else ""
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>tokenscope report</title><style>{CSS}</style></head><body>",
        "<h1>tokenscope: where the money went</h1>",
        f'<p class="covers">{_e(report.get("covers") or "")}</p>',
        "<dl>",
        f"<div><dt>Estimated cost</dt><dd>{_money(t['cost_usd'])}{star}</dd>"
        + (f"<dt>{_e(present.prices_note(report))}</dt>" if present.prices_note(report) else "") + "</div>",
        f"<div><dt>Requests</dt><dd>{present.count(t['requests'])}</dd></div>",
        f"<div><dt>Prompts</dt><dd>{present.count(t['user_prompts'])}</dd></div>",
        f"<div><dt>Peak context</dt><dd>{present.tokens(peak)}</dd></div>",
        f"<div><dt>Cache hit rate</dt><dd>{_pct(t['cache_hit_rate'])}</dd></div>",
        f"<div><dt>Re-sent context</dt><dd>{_pct(t['resent_share_pooled'])}</dd></div>",
        "</dl>",
        '<p class="muted">Requests are API calls (main thread and subagents); prompts are what you typed.'
        + (f" * The cost leaves out {present.count(t['unpriced_requests'])} request"
           f"{'' if t['unpriced_requests'] == 1 else 's'} of models with no price." if star else "")
        + f" {_e(report['label'])}</p>",
    ]
    acts = report.get("actions") or []
    if acts:  # issue 33: what to change first, on the first screen
        parts.append("<h2>What to change first</h2><ol>" + "".join(f"<li>{_e(a['text'])}</li>" for a in acts)
                     + "</ol>")
    parts.extend(_ledger(report))
    parts.append(f'<h2>Cost split</h2>{_chart(ch["split"], chn["split"])}')
    if len(report["projects"]) > 1:
        parts.append(f'<h2>Spend per project</h2>{_chart(ch["projects"], chn["projects"])}')
    if len(report.get("periods") or report["days"]) > 1:
        parts.append(f'<h2>Spend per {by}</h2>{_chart(ch["days"], chn["days"])}')
    if report["sessions"]:
        top = report["sessions"][0]
        parts.append(f'<h2>What to change (costliest session {_e(short[top["session_id"]])})</h2>')
        parts.append(_chart(ch["whatif"], chn["whatif"]))
        parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in _insight_lines(report, top)) + "</ul>")
        si = top["insights"]
        parts.append(_how(*(si[k]["assumptions"] for k in ("what_if_compaction", "fresh_session", "idle_cache_misses",
                                                           "resident_context"))))
    parts.extend(_categories(report))
    rows = report.get("context_sources") or []
    if rows:  # issue 24
        from .terminal import source_name
        parts.append("<h2>What fills your context</h2>")
        parts.append(_table([("Source", False), ("Tokens", True), ("Requests", True), ("Re-read cost", True)],
                            [(source_name(r), present.tokens(r["tokens"]), present.count(r["requests"]),
                              _money(r["reread_cost_usd"])) for r in rows[:15]], 6, "sources"))
        parts.append(_how(report.get("context_sources_assumptions") or ""))
    parts.extend(_claude_knows(report))
    parts.append("<h2>Sessions</h2>")
    compact = any(s["compactions"] for s in report["sessions"])
    head = [("Session", False), ("Project", False), ("Cost", True), ("Requests", True), ("Peak context", True),
            ("Re-sent", True)] + ([("Compactions", True)] if compact else [])
    # Issue 32: a session is shown by its title where it has one (its id beside it).
    name = lambda s: f'{s["title"]} ({short[s["session_id"]]})' if s.get("title") else short[s["session_id"]]  # noqa: E731
    parts.append(_table(head, [(name(s), _short_path(s["project"]), _money(s["cost_usd"]), present.count(s["requests"]),
                                present.tokens(s["peak_context_tokens"]), _pct(s["resent_share"]))
                               + ((present.compaction_text(s["compactions"]),) if compact else ())
                               for s in report["sessions"]], TOP_ROWS, "sessions"))
    curves = [f'<h3>Context per request: {_e(name(s))} ({_money(s["cost_usd"])})</h3>'
              + _chart(context_curve(s), context_curve(s, NARROW_WIDTH)) for s in report["sessions"][:max_curves]]
    parts.extend(curves[:CURVES_SHOWN])
    if len(curves) > CURVES_SHOWN:
        parts.append(f"<details><summary>{len(curves) - CURVES_SHOWN} more context curves</summary>"
                     + "".join(curves[CURVES_SHOWN:]) + "</details>")
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


def _ledger(report):
    """Claude Code's own figure beside ours (issue 32), under the headline."""
    out = []
    cc = report["totals"].get("claude_code")
    if cc:
        out.append("<h2>Claude Code's own figure</h2>")
        out.append(f"<p>Its cost ledger ({present.count(cc['sessions'])} session{'s' if cc['sessions'] != 1 else ''}): "
                   f"<b>{_money(cc['cost_usd'])}</b>; this estimate for those sessions: {_money(cc['logged_cost_usd'])}"
                   + (f"; spend the log does not otherwise show, at list prices: ≈ {_money(cc['unlogged_cost_usd'])} "
                      "(not in the estimate)" if cc["unlogged_cost_usd"] else "") + ".</p>")
        why = cc.get("explanations") or []
        if why:
            out.append("<ul>" + "".join(f"<li>{_e(e['text'])}" + (f": {_money(e['cost_usd'])}" if e["cost_usd"]
                                                                  is not None else "") + "</li>" for e in why) + "</ul>")
        out.append(_how(cc["assumptions"]))
    return out


def _categories(report):
    """/context's categories where Claude Code logged its prompt snapshot (issue 32): first in what fills it."""
    out = []
    cats = report.get("context_categories") or []
    if cats:
        out.append("<h2>What fills the context from the start</h2>")
        out.append(_table([("Category", False), ("Largest", False), ("Tokens", True), ("Re-read cost", True)],
                          [(c["category"], ", ".join(i["name"] for i in c["items"][:3]), present.tokens(c["tokens"]),
                            _money(c["reread_cost_usd"])) for c in cats]))
        out.append(_how(report.get("context_categories_assumptions") or ""))
    return out


def _claude_knows(report):
    """Issue 32: what each prompt and loop cost, why the cache missed, who the spend was for — each only where the
    logs have it."""
    out = []
    turns = report.get("turns")
    if turns and turns["count"]:
        out.append("<h2>What each prompt cost</h2>")
        out.append(f"<p>{present.count(turns['count'])} prompts, each with every request until the next: median "
                   f"{_money(turns['median_usd'])}, 90th percentile {_money(turns['p90_usd'])}, costliest "
                   f"{_money(turns['max_usd'])}.</p>")
        out.append(_table([("When", False), ("Prompt", False), ("Requests", True), ("Cost", True)],
                          [((r["timestamp"] or "")[:16].replace("T", " "), (r.get("prompt") or "",) * 2, r["requests"],
                            _money(r["cost_usd"])) for r in turns["costliest"]]))
    loops = report.get("loops") or []
    if loops:
        out.append("<h2>Loops</h2>")
        out.append(_table([("Loop", False), ("Fires", True), ("Cost", True), ("Per fire", True),
                           ("Re-wrote cache", True)],
                          [(f"{r['cron'] or ''} {r['task']}", r["fires"], _money(r["cost_usd"]),
                            _money(r["cost_per_fire_usd"] or 0),
                            f"{r['cache_rewrites']} ({_money(r['rewrite_cost_usd'])})") for r in loops]))
    misses = report.get("cache_misses")
    if misses and misses["count"]:
        out.append("<h2>Why the cache missed</h2>")
        out.append(_table([("Cause", False), ("Misses", True), ("Tokens re-written", True), ("Extra cost", True)],
                          [(c["label"], c["count"], present.tokens(c["tokens_rewritten"]), _money(c["extra_cost_usd"]))
                           for c in misses["by_cause"]]))
        out.append(_how(misses["assumptions"]))
    from .terminal import WHO_TITLES
    for key, head in WHO_TITLES:
        rows = (report.get("attribution") or {}).get(key) or []
        if rows and not (key == "entrypoints" and len(rows) == 1):
            out.append(f"<h2>{_e(head)}</h2>")
            out.append(_table([("Name", False), ("Requests", True), ("Cost", True)],
                              [(r["name"], r["requests"], _money(r["cost_usd"])) for r in rows]))
    return out


def _insight_lines(report, s):
    si = s["insights"]
    best = si["what_if_compaction"]["best"]
    lines = [f"Compacting at {present.tokens(best['threshold_tokens'])} tokens would have saved ~"
             f"{_money(best['saving_usd'])} ({best['compactions']} compaction{'' if best['compactions'] == 1 else 's'})." if best
             else "No compaction threshold would have saved money in this session."]
    fresh = si["fresh_session"]
    if fresh["resets"]:
        lines.append(f"Starting fresh at its {len(fresh['resets'])} longest idle gap{'' if len(fresh['resets']) == 1 else 's'} would have "
                     f"{'saved' if fresh['saving_usd'] >= 0 else 'cost'} ~{_money(abs(fresh['saving_usd']))}.")
    m = si["idle_cache_misses"]
    lines.append(f"{m['count']} cache miss{'' if m['count'] == 1 else 'es'} after idle cost {_money(m['extra_cost_usd'])} more than cache hits "
                 "would have.")
    res = si["resident_context"]["largest"]
    if res:
        r0 = res[0]
        lines.append(f"Largest resident addition: request {r0['turn']} added {present.tokens(r0['tokens'])} tokens, "
                     f"re-read by {r0['later_turns']} later requests: {_money(r0['resident_cost_usd'])}.")
    return lines
