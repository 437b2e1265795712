"""Claude Code's own figure beside ours (issue 32 item 1).

Since 2.1.24x the main transcript carries a `cost-state` line, re-appended as the session goes on: Claude Code's own
running ledger (total USD, and per model the tokens and USD). The analyzer keeps the last of each session; here it is
set beside the session's logged requests:

- its total and per-model tokens, as it wrote them;
- spend the log does not otherwise show: per model and bucket, its tokens minus the logged requests' (never below
  zero), priced at list prices (a cache write at the 5-minute rate: the ledger does not split them) — its own line,
  never added to the logged total; a model the price table does not know is named, unpriced;
- the difference explained where the log can: requests missing from the log (above), 1-hour cache writes that
  Claude Code under managed pricing bills at the 5-minute rate, a model it priced at its default rate
  (`hasUnknownModelCost`), a ledger written before the session's last requests (the log shows more than it).

A report narrowed by dates compares nothing: the ledger covers the whole session.
"""

from ..core.rules import PICO

BUCKETS = ("input", "output", "cache_read", "cache_write")
ASSUMPTIONS = ("Claude Code's own figure is the last cost-state line of the session (its running ledger, from its "
               "own price list). Spend the log does not otherwise show is its per-model tokens minus the logged "
               "requests', priced at list prices (cache writes at the 5-minute rate). Claude Code prices models it "
               "does not know at its default model's rate and, under managed pricing, 1-hour cache writes at the "
               "5-minute rate: its figure and this estimate differ by design.")


def _r(x):
    return round(x, 10)


def session_ledger(entry, row, prices, compare=True):
    """sessions[].claude_code of the analyzer's ledger `entry` ([total, source, line, {model: [input, output, cache
    read, cache write, web searches, USD]}, unknown model cost]) beside the session's report `row`."""
    total, _src, _line, models, unknown = entry
    out = {
        "cost_usd": _r(total),
        "has_unknown_model_cost": unknown,
        "models": [{"model": m, "input_tokens": u[0], "output_tokens": u[1], "cache_read_tokens": u[2],
                    "cache_write_tokens": u[3], "web_search_requests": u[4], "cost_usd": _r(u[5])}
                   for m, u in sorted(models.items(), key=lambda kv: (-kv[1][5], kv[0]))],
        "logged_cost_usd": row["cost_usd"],
        "difference_usd": _r(total - row["cost_usd"]),
        "compared": compare,
        "unlogged": [],
        "unlogged_cost_usd": None,
        "unpriced_unlogged_models": [],
        "explanations": [],
    }
    if not compare:
        return out
    canon = prices.resolve
    day = (row.get("last_timestamp") or "")[:10] or "0000-00-00"  # the session's prices (dated changes)
    logged = {}
    one_hour = 0.0
    for m in row["models"]:
        name = m["model"]
        key = (canon(name) or name) if name else None
        t = m["tokens"]
        got = logged.setdefault(key, [0, 0, 0, 0])
        for i, v in enumerate((t["input"], t["output"], t["cache_read"], t["cache_write_5m"] + t["cache_write_1h"])):
            got[i] += v
        if t["cache_write_1h"] and key in prices.models:
            rates = prices.rates(key, day, 0, None, None)
            if rates is not None:
                one_hour += t["cache_write_1h"] * (rates[0].cw1h - rates[0].cw5m) / PICO
    behind = False
    unlogged_usd = 0.0
    for model, u in sorted(models.items()):
        key = canon(model) or model
        have = logged.get(key, [0, 0, 0, 0])
        gap = [u[i] - have[i] for i in range(4)]
        behind = behind or any(g < 0 for g in gap)
        gap = [max(0, g) for g in gap]
        web = u[4]
        if not any(gap):
            continue
        cost = None
        rates = prices.rates(key, day, 0, None, None) if key in prices.models else None
        if rates is not None:
            r, fee = rates
            pico = gap[0] * r.input + gap[1] * r.output + gap[2] * r.read + gap[3] * r.cw5m
            cost = _r(pico / PICO)
            unlogged_usd += cost
        else:
            out["unpriced_unlogged_models"].append(model)
        out["unlogged"].append({"model": model, "tokens": dict(zip(BUCKETS, gap)), "web_search_requests": web,
                                "cost_usd": cost})
    out["unlogged_cost_usd"] = _r(unlogged_usd)
    ex = out["explanations"]
    if out["unlogged"]:
        ex.append({"kind": "unlogged_requests", "cost_usd": _r(unlogged_usd),
                   "text": "requests its ledger counts that the log does not show (auxiliary models such as Haiku "
                           "for titles), at list prices"
                           + (" — models without a list price: " + ", ".join(out["unpriced_unlogged_models"])
                              if out["unpriced_unlogged_models"] else "")})
    if one_hour > 0:
        ex.append({"kind": "one_hour_writes", "cost_usd": _r(one_hour),
                   "text": "1-hour cache writes: list price is 2x input, Claude Code under managed pricing counts "
                           "them at the 5-minute rate (1.25x)"})
    if unknown:
        ex.append({"kind": "unknown_model", "cost_usd": None,
                   "text": "Claude Code priced a model it does not know at its default model's rate"})
    if behind:
        ex.append({"kind": "ledger_behind", "cost_usd": None,
                   "text": "the log shows more than its ledger: the ledger was last written before the session's "
                           "last requests"})
    return out


def totals(rows):
    """totals.claude_code of the session rows that carry one, or None."""
    got = [r["claude_code"] for r in rows if r.get("claude_code")]
    if not got:
        return None
    compared = [c for c in got if c["compared"]]
    why = {}  # each reason once, its amounts added up (the views show these: a page holds no row's ledger)
    for c in got:
        for e in c["explanations"]:
            w = why.get(e["kind"])
            if w is None:
                why[e["kind"]] = dict(e)
            elif e["cost_usd"] is not None:
                w["cost_usd"] = _r((w["cost_usd"] or 0) + e["cost_usd"])
    return {"sessions": len(got), "cost_usd": _r(sum(c["cost_usd"] for c in got)),
            "logged_cost_usd": _r(sum(c["logged_cost_usd"] for c in got)),
            "difference_usd": _r(sum(c["difference_usd"] for c in got)),
            "unlogged_cost_usd": _r(sum(c["unlogged_cost_usd"] or 0 for c in compared)) if compared else None,
            "explanations": list(why.values()), "assumptions": ASSUMPTIONS}
