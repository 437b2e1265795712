"""The ccusage-style tables (issue 33 item 4): `tokenscope daily | weekly | monthly | session | blocks`.

Every figure is the report's (build_report: periods with their models, sessions with theirs, 5-hour blocks), shown
as ccusage users know it — one row per period, session or block with token columns (input, output, cache write,
cache read, total) and the cost, a totals row, `--breakdown` rows per model under each, `--order asc|desc` — and, with
`--json`, ccusage's own key names (camelCase: `inputTokens`, `totalCost`, `modelBreakdowns`…) plus our honest label,
so a script written for ccusage reads ours. Order: periods and blocks by their start, sessions by their last
activity; ascending unless `--order desc`.
"""

import json

from ..core import present
from ..core.text import for_terminal
from .terminal import paint

TABLES = ("daily", "weekly", "monthly", "session", "blocks")
BY = {"daily": "day", "weekly": "week", "monthly": "month"}
KEY = {"daily": "date", "weekly": "week", "monthly": "month"}
RECENT_SECONDS = 3 * 86_400  # blocks --recent: the last three days (as ccusage)


def _tok(t):
    """(input, output, cache write, cache read, total) of a report `tokens` object."""
    cw = t["cache_write_5m"] + t["cache_write_1h"]
    return t["input"], t["output"], cw, t["cache_read"], t["total"]


def _models(rows):
    return [{"modelName": m["model"], "inputTokens": m["tokens"]["input"], "outputTokens": m["tokens"]["output"],
             "cacheCreationTokens": m["tokens"]["cache_write_5m"] + m["tokens"]["cache_write_1h"],
             "cacheReadTokens": m["tokens"]["cache_read"], "cost": m["cost_usd"]} for m in rows]


def _entry(key_name, key, tokens, cost, models, extra=None):
    i, o, cw, cr, total = _tok(tokens)
    row = {key_name: key, "inputTokens": i, "outputTokens": o, "cacheCreationTokens": cw, "cacheReadTokens": cr,
           "totalTokens": total, "totalCost": cost}
    if extra:
        row.update(extra)
    if models is not None:
        row["modelsUsed"] = [m["model"] for m in models]
        row["modelBreakdowns"] = _models(models)
    return row


def rows_of(report, name, now=None, active=False, recent=False):
    """[(label, tokens, cost, models or None, extra)] of table `name`, in ascending order."""
    if name in BY:
        return [(p["period"], p["tokens"], p["cost_usd"], p.get("models") or [], {}) for p in report["periods"]]
    if name == "session":
        out = []
        short = present.short_ids([s["session_id"] for s in report["sessions"]])
        for s in sorted(report["sessions"], key=lambda s: (s["last_timestamp"] or "", s["session_id"])):
            label = short[s["session_id"]] + (f" {s['title']}" if s.get("title") else "")
            out.append((label, s["tokens"], s["cost_usd"], s["models"],
                        {"sessionId": s["session_id"], "title": s.get("title"), "projectPath": s["project"],
                         "lastActivity": s["last_timestamp"]}))
        return out
    blocks = report["blocks"]
    if active:
        blocks = [b for b in blocks if b["active"]]
    if recent and now is not None:
        from ..core.timeutil import parse_iso
        blocks = [b for b in blocks if (parse_iso(b["end"]) or 0) >= now - RECENT_SECONDS]
    return [(b["start"][:16].replace("T", " "), b["tokens"], b["cost_usd"], None,
             {"id": b["start"], "startTime": b["start"], "endTime": b["end"], "actualEndTime": b["last_timestamp"],
              "isActive": b["active"], "entries": b["requests"], "burnRate": b["burn_rate_usd_per_hour"],
              "projection": b["projected_cost_usd"], "remainingSeconds": b["remaining_seconds"]}) for b in blocks]


def _totals(rows):
    keys = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "total")
    t = {k: sum(r[1][k] for r in rows) for k in keys}
    return t, round(sum(r[2] for r in rows), 10)


def to_json(report, name, order="asc", breakdown=True, now=None, active=False, recent=False):
    """The table as ccusage's JSON shape (its key names), with the honest label."""
    rows = rows_of(report, name, now, active, recent)
    if order == "desc":
        rows = rows[::-1]
    key_name = KEY.get(name, "sessionId" if name == "session" else "id")
    out = [_entry(key_name, label if name != "session" else extra["sessionId"], tokens, cost, models, extra)
           for label, tokens, cost, models, extra in rows]
    t, cost = _totals(rows)
    i, o, cw, cr, total = _tok(t)
    doc = {"blocks" if name == "blocks" else "sessions" if name == "session" else name: out,
           "totals": {"inputTokens": i, "outputTokens": o, "cacheCreationTokens": cw, "cacheReadTokens": cr,
                      "totalTokens": total, "totalCost": cost},
           "label": report["label"], "timeZone": report["options"]["time_zone"]}
    return json.dumps(doc, ensure_ascii=False) + "\n"


HEADS = {"daily": "Date", "weekly": "Week", "monthly": "Month", "session": "Session", "blocks": "Block start (UTC)"}


def to_text(report, name, order="asc", breakdown=False, width=80, color=False, limit=None, now=None, active=False,
            recent=False):
    """The table for a terminal: token columns and the cost, a totals row; on a narrow terminal only the total
    tokens and the cost; `limit` rows (the latest), every row by default."""
    rows = rows_of(report, name, now, active, recent)
    shown = rows if limit is None or limit == float("inf") else rows[-limit:]
    if order == "desc":
        shown = shown[::-1]
    t, cost = _totals(rows)
    for full in (True, False):  # every token column where they fit; else the total tokens and the cost
        cols = ("Input", "Output", "Cache write", "Cache read", "Total tokens", "Cost") if full else ("Tokens", "Cost")

        def nums(tokens, cost, full=full):
            return ([present.count(x) for x in _tok(tokens)] if full
                    else [present.tokens(tokens["total"])]) + [present.money(cost)]
        cells = [[for_terminal(str(label))] + nums(tokens, c) for label, tokens, c, _m, _x in shown]
        total = ["Total" + (f" (all {len(rows)})" if len(rows) != len(shown) else "")] + nums(t, cost)
        num_w = [max(len(c), *(len(r[k + 1]) for r in cells + [total])) for k, c in enumerate(cols)]
        room = sum(w + 2 for w in num_w)
        subs = [len(m["model"]) + 4 for _l, _t, _c, models, _x in shown for m in models or ()] if breakdown else []
        label_w = max([len(HEADS[name])] + [len(r[0]) for r in cells + [total]] + subs)
        if width is None or min(label_w, 20) + room <= width:
            break
    if width is not None:
        label_w = max(8, min(label_w, width - room))

    def line(first, rest):
        first = first if len(first) <= label_w else first[:label_w - 1] + "…"
        return f"{first:<{label_w}}" + "".join(f"  {v:>{w}}" for v, w in zip(rest, num_w))

    title = {"daily": "Spend per day", "weekly": "Spend per ISO week", "monthly": "Spend per month",
             "session": "Spend per session (by last activity)", "blocks": "5-hour blocks"}[name]
    out = [paint(f"{title} — {for_terminal(report['options']['time_zone']) if name != 'blocks' else 'UTC'}; "
                 "an estimate at API list prices, not a bill", "head", color),
           paint(line(HEADS[name], cols), "bold", color)]
    for (label, _tok_, _c, models, extra), cells_row in zip(shown, cells):
        out.append(line(cells_row[0], cells_row[1:]) + (" active" if extra.get("isActive") else ""))
        if breakdown and models:
            for m in models:
                out.append(line("  └ " + for_terminal(m["model"]), nums(m["tokens"], m["cost_usd"])))
    if not rows:
        out.append("(no block is active)" if active else "(nothing in the range)")
    out.append(paint(line(total[0], total[1:]), "bold", color))
    if breakdown and name == "blocks":
        out.append("(blocks have no per-model breakdown: their hours are summed without models)")
    return "\n".join(out) + "\n"
