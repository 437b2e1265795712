"""Analyzer state + price table -> the report (a plain dict: schema version 1).

Every figure the views show is computed here, once. Money is summed as integer pico-dollars
(pricing.PICO), so the result does not depend on the order requests were merged in.
"""

import heapq
import statistics
from datetime import timezone

from . import insights
from .version import __version__
from .labels import label_parts
from .pricing import PICO, PriceTable
from .timeutil import day_function, parse_day, resolve_tz, tz_label

utc_day = day_function(timezone.utc)  # dated price changes go by the request's UTC day

SCHEMA_VERSION = 1
LABEL = (
    "Estimate at Anthropic API list prices from local Claude Code logs - not a bill. "
    "Subscription plans pay a flat fee; some requests (background permission checks) are "
    "never written to the logs, and subagent logs can hold partial usage."
)
BUCKETS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
TOP_N = 5




def _top_key(rc):
    """Most expensive first; ties in a fixed order (heapq.nsmallest is sorted()[:n], without the full sort)."""
    return -sum(rc[1]), rc[0].source, rc[0].line


def _usd(picos):
    return round(picos / PICO, 10)


def _share(part, whole):
    return round(part / whole, 6) if whole > 0 else None


class _Agg:
    """Running sums for one group (session, model, agent, day, project); money in pico-dollars."""

    __slots__ = ("requests", "priced", "tok", "costs", "web")

    def __init__(self):
        self.requests = 0
        self.priced = 0
        self.tok = [0, 0, 0, 0, 0]          # input, output, cw5m, cw1h, read
        self.costs = [0, 0, 0, 0, 0, 0]     # input, output, cw5m, cw1h, read, web
        self.web = 0

    def add(self, r, cost):
        self.requests += 1
        t = self.tok
        t[0] += r.input
        t[1] += r.output
        t[2] += r.cw5m
        t[3] += r.cw1h
        t[4] += r.cache_read
        self.web += r.web_search
        if cost is not None:
            self.priced += 1
            c = self.costs
            c[0] += cost[0]
            c[1] += cost[1]
            c[2] += cost[2]
            c[3] += cost[3]
            c[4] += cost[4]
            c[5] += cost[5]

    def tokens(self):
        t = self.tok
        return {"input": t[0], "output": t[1], "cache_write_5m": t[2], "cache_write_1h": t[3],
                "cache_read": t[4], "total": sum(t)}

    def merge(self, o):
        self.requests += o.requests
        self.priced += o.priced
        self.web += o.web
        self.tok = [x + y for x, y in zip(self.tok, o.tok)]
        self.costs = [x + y for x, y in zip(self.costs, o.costs)]

    def summary(self):
        """The bucket split every group reports: tokens, cost, share of cost, cache hit rate."""
        bc = self.costs
        total = sum(bc)
        t = self.tok
        prompt = t[0] + t[2] + t[3] + t[4]
        by_bucket = {
            "input": _usd(bc[0]), "output": _usd(bc[1]), "cache_write": _usd(bc[2] + bc[3]),
            "cache_write_5m": _usd(bc[2]), "cache_write_1h": _usd(bc[3]), "cache_read": _usd(bc[4]),
            "web_search": _usd(bc[5]),
        }
        return {
            "cost_usd": _usd(total),
            "requests": self.requests,
            "tokens": self.tokens(),
            "cost_by_bucket_usd": by_bucket,
            "share_of_cost": {k: _share(v, total) for k, v in
                              (("input", bc[0]), ("output", bc[1]), ("cache_write", bc[2] + bc[3]),
                               ("cache_write_5m", bc[2]), ("cache_write_1h", bc[3]),
                               ("cache_read", bc[4]), ("web_search", bc[5]))},
            "web_search_requests": self.web,
            "cache_hit_rate": _share(t[4], prompt),
        }


def _rates(prices, r):
    """((input, 5m, 1h, read, output) pico-dollar rates, web fee) for a request, or (None, unpriced label)."""
    return prices.request_rates(r.model, utc_day(r.ts) or "0000-00-00", r.context, r.speed, r.geo)


def _price(prices, r):
    """(costs tuple, None) for a priced request, or (None, unpriced label)."""
    found, label = _rates(prices, r)
    if found is None:
        return None, label
    return _cost(r, found), None


def _cost(r, found):
    """Pico-dollars per bucket (input, output, 5m write, 1h write, read, web search) at `found` rates."""
    (pin, p5, p1h, pread, pout), web = found
    return (r.input * pin, r.output * pout, r.cw5m * p5, r.cw1h * p1h, r.cache_read * pread,
            r.web_search * web)


def _request_row(r, cost, agent_label):
    return {
        "timestamp": r.timestamp, "session_id": r.session_id, "agent": agent_label, "model": r.model,
        "cost_usd": _usd(sum(cost)) if cost is not None else None,
        "context_tokens": r.context, "output_tokens": r.output,
        "source": r.source, "line": r.line,
    }


def _agent_key(r):
    if not r.sidechain and not r.agent_id:
        return "main"
    return r.agent_id or "sidechain"


def _resolve_agent_types(a):
    types = {}
    for aid, (_sid, tool) in a.agent_links.items():
        if tool and tool in a.task_types:
            types[aid] = a.task_types[tool]
    types.update(a.agent_types)
    return types


def _project_of(pairs):
    """The session's working directory (most requests; ties by name), else its log folder's name."""
    cwds = {}
    for r, _c in pairs:
        if r.cwd:
            cwds[r.cwd] = cwds.get(r.cwd, 0) + 1
    if cwds:
        return min(cwds.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    for source in sorted({r.source for r, _c in pairs}):
        project = label_parts(source)[0]
        if project:
            return project
    return "(unknown project)"


def select(a, day_of, since=None, until=None, session=None, latest=False):
    """Deduped requests and prompts after the date, session and --latest filters.

    Filters apply after global dedup, so a copy outside the range never decides
    which copy inside it is kept.
    """
    kept = a.store.requests()
    since_d = parse_day(since) if since else None
    until_d = parse_day(until) if until else None

    def in_range(ts):
        if since_d is None and until_d is None:
            return True
        d = day_of(ts)
        if d is None:
            return False
        return (since_d is None or d >= since_d) and (until_d is None or d <= until_d)

    reqs = [r for r in kept if in_range(r.ts)]
    prompts = sorted(((sid, ts) for sid, ts in a.prompts.values() if in_range(ts)),
                     key=lambda p: (p[0], p[1] if p[1] is not None else 0.0))
    note = None
    if session:
        ids = {r.session_id for r in reqs} | {sid for sid, _ in prompts}
        match = [x for x in ids if x == session] or sorted(x for x in ids if x.startswith(session))
        if len(match) != 1:
            note = (f"no session matches {session!r}" if not match
                    else f"{len(match)} sessions start with {session!r}; give more of the id")
            match = []
        reqs = [r for r in reqs if r.session_id in match]
        prompts = [p for p in prompts if p[0] in match]
    if latest and reqs:
        last = {}
        for r in reqs:
            if r.ts is not None and r.ts > last.get(r.session_id, float("-inf")):
                last[r.session_id] = r.ts
        if last:
            pick = max(last.items(), key=lambda kv: (kv[1], kv[0]))[0]
            reqs = [r for r in reqs if r.session_id == pick]
            prompts = [p for p in prompts if p[0] == pick]
    return {"requests": reqs, "prompts": prompts, "kept": len(kept),
            "since": since_d, "until": until_d, "note": note}


def build_report(analyzer, prices=None, tz=None, since=None, until=None, session=None, latest=False,
                 curve=True, curve_for=None):
    """The report of everything fed to `analyzer` (filters applied after global dedup).

    curve=False leaves every session's context curve empty except the session `curve_for` names
    ("top": the most expensive) — what a page draws from, in one pass.
    """
    prices = prices or PriceTable.builtin()
    day_of = day_function(resolve_tz(tz))
    a = analyzer
    sel = select(a, day_of, since, until, session, latest)
    reqs, prompts, kept = sel["requests"], sel["prompts"], sel["kept"]
    since_d, until_d, session_note = sel["since"], sel["until"], sel["note"]

    agent_types = _resolve_agent_types(a)
    # Each request is added once, to its (session, model, agent, day, price) cell; every group
    # below is a roll-up of cells (there are far fewer cells than requests).
    cells = {}
    sessions = {}
    costs = []
    rates_of = {}  # the rates each request was priced at, for the insights' re-pricing (one lookup, not two)
    for r in reqs:
        found, unpriced_label = _rates(prices, r)
        cost = None
        if found is not None:
            rates_of[r] = found
            cost = _cost(r, found)
        costs.append(cost)
        ak = _agent_key(r)
        key = (r.session_id, r.model, ak, day_of(r.ts) or "unknown", unpriced_label)
        c = cells.get(key)
        if c is None:
            c = cells[key] = _Agg()
        c.add(r, cost)
        s = sessions.get(r.session_id)
        if s is None:
            s = sessions[r.session_id] = {"agg": _Agg(), "reqs": [], "models": {}, "agents": {}, "recovered": set()}
        s["reqs"].append((r, cost))
        if r.recovered:
            s["recovered"].add(ak)
    total = _Agg()
    models = {}
    agents_pooled = {}
    days = {}
    unpriced = {}

    def into(groups, name, cell):
        g = groups.get(name)
        if g is None:
            g = groups[name] = _Agg()
        g.merge(cell)

    for (sid, model, ak, day, unpriced_label), c in cells.items():
        s = sessions[sid]
        total.merge(c)
        s["agg"].merge(c)
        into(s["models"], model, c)
        into(s["agents"], ak, c)
        atype = "main thread" if ak == "main" else agent_types.get(ak) or "subagent (type not logged)"
        into(agents_pooled, atype, c)
        into(models, model, c)
        into(days, day, c)
        if unpriced_label is not None:
            into(unpriced, unpriced_label, c)

    prompts_by_session = {}
    for sid, ts in prompts:
        prompts_by_session.setdefault(sid, []).append(ts)

    comp_by_session = {}
    for _key, c in sorted(a.compactions.items(), key=lambda kv: (kv[1][0] or 0.0, kv[0])):
        comp_by_session.setdefault(c[2], []).append(c)

    session_rows = []
    for sid, s in sessions.items():
        session_rows.append(_session_report(sid, s, prices, agent_types, prompts_by_session.get(sid, []),
                                            comp_by_session.get(sid, []), curve, rates_of))
    session_rows.sort(key=lambda x: (-x["cost_usd"], x["session_id"]))
    # Each session's rank among the user's own sessions (issue 6).
    ranks = {k: sorted(row[f] for row in session_rows) for k, f in
             (("cost", "cost_usd"), ("peak_context", "peak_context_tokens"), ("turns", "requests"))}
    for row in session_rows:
        row["insights"]["percentile"] = {k: insights.percentile_rank(v, row[f]) for (k, v), f in
                                         zip(ranks.items(), ("cost_usd", "peak_context_tokens", "requests"))}
    if not curve and curve_for and session_rows:
        want = session_rows[0]["session_id"] if curve_for == "top" else curve_for
        for row in session_rows:
            if row["session_id"] == want:
                row["context_curve"] = _curve_points(_curve_requests(sessions[want]["reqs"]))

    projects = {}
    for row in session_rows:
        p = projects.setdefault(row["project"], {"project": row["project"], "sessions": 0, "requests": 0,
                                                 "_cost": []})
        p["sessions"] += 1
        p["requests"] += row["requests"]
        p["_cost"].append(sessions[row["session_id"]]["agg"].costs)
    project_rows = []
    for p in projects.values():
        p["cost_usd"] = _usd(sum(sum(c) for c in p.pop("_cost")))
        project_rows.append(p)
    project_rows.sort(key=lambda p: (-p["cost_usd"], p["project"]))

    tsum = total.summary()
    session_resent = [row["resent_share"] for row in session_rows if row["resent_share"] is not None]
    all_ts = [r.ts for r in reqs if r.ts is not None] + [ts for _, ts in prompts if ts is not None]
    top = heapq.nsmallest(TOP_N, ((r, c) for r, c in zip(reqs, costs) if c is not None), key=_top_key)
    main_count = sum(1 for r in reqs if _agent_key(r) == "main")
    totals = dict(tsum)
    totals.update({
        "requests": len(reqs),
        "requests_main": main_count,
        "requests_subagent": len(reqs) - main_count,
        "priced_requests": total.priced,
        "unpriced_requests": len(reqs) - total.priced,
        "cost_excludes_unpriced": len(reqs) != total.priced,
        "sessions": len(session_rows),
        "user_prompts": len(prompts),
        "first_timestamp": _iso(min(all_ts)) if all_ts else None,
        "last_timestamp": _iso(max(all_ts)) if all_ts else None,
        "resent_share_pooled": tsum["share_of_cost"]["cache_read"],
        "resent_share_median_session": round(statistics.median(session_resent), 6) if session_resent else None,
    })
    report = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"tokenscope {__version__}",
        "label": LABEL,
        "prices": {"table_version": prices.version, "sources": list(prices.origins),
                   "derived_rates": [f"{m}.{f}" for m, f in prices.derived]},
        "options": {"time_zone": tz_label(tz), "since": since_d, "until": until_d, "session": session,
                    "latest": bool(latest)},
        "totals": totals,
        "sessions": session_rows,
        "projects": project_rows,
        "models": _group_rows(models, "model", prices),
        "agents": _group_rows(agents_pooled, "agent_type"),
        "days": [dict(date=d, **_slim(g.summary())) for d, g in sorted(days.items())],
        "top_requests": [_request_row(r, c, _agent_key(r)) for r, c in top],
        "unpriced_models": [
            {"model": m, "requests": g.requests, "tokens": g.tok[0] + g.tok[1] + g.tok[2] + g.tok[3] + g.tok[4],
             "tokens_by_bucket": g.tokens()}
            for m, g in sorted(unpriced.items())
        ],
        "diagnostics": _diagnostics(a, kept, session_note, reqs, costs, agent_types),
    }
    if report["unpriced_models"]:
        um = report["unpriced_models"]
        report["diagnostics"]["warnings"].insert(0, {
            "kind": "unpriced_models", "count": sum(u["requests"] for u in um),
            "text": "no price for " + _names(f"{u['model']} ({u['requests']} request(s), {u['tokens']:,} tokens)"
                                             for u in um)
                    + ": not in the total (add prices with --prices FILE or .tokenscope.json)"})
    misses = [row["insights"]["idle_cache_misses"] for row in session_rows]
    best = [row["insights"]["what_if_compaction"]["best"] for row in session_rows]
    report["insights"] = {
        "idle_cache_misses": {"count": sum(m["count"] for m in misses),
                              "extra_cost_usd": round(sum(m["extra_cost_usd"] for m in misses), 10)},
        "what_if_compaction_saving_usd": round(sum(b["saving_usd"] for b in best if b), 10),
        "costliest_sessions": [{"session_id": r["session_id"], "cost_usd": r["cost_usd"]} for r in session_rows[:5]],
        **insights.reference_comparison(report),
    }
    return report


def _slim(summary):
    return {k: summary[k] for k in ("cost_usd", "requests", "tokens", "cost_by_bucket_usd")}


def _group_rows(groups, key, prices=None):
    rows = []
    for name, g in groups.items():
        row = {key: name}
        if prices is not None:
            row["priced_as"] = prices.resolve(name)
        row.update(_slim(g.summary()))
        rows.append(row)
    rows.sort(key=lambda x: (-x["cost_usd"], x[key]))
    return rows


def _iso(ts):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _session_report(sid, s, prices, agent_types, prompt_ts, comps, curve, rates_of):
    agg = s["agg"]
    summ = agg.summary()
    pairs = s["reqs"]
    main = [(r, c) for r, c in pairs if _agent_key(r) == "main"]
    curve_src = main or pairs  # what _curve_requests(pairs) gives, without filtering twice
    contexts = [r.context for r, _ in curve_src]
    ts_all = [r.ts for r, _ in pairs if r.ts is not None] + [t for t in prompt_ts if t is not None]
    first = min(ts_all) if ts_all else None
    last = max(ts_all) if ts_all else None
    compactions = []
    for ts, stamp, _sid, agent, trigger, pre, post in comps:
        post_src = "log" if post is not None else None
        if post is None and ts is not None:
            nxt = next((r for r, _ in main if r.ts is not None and r.ts > ts), None)
            if nxt is not None:
                post, post_src = nxt.context, "next request"
        compactions.append({"timestamp": stamp, "trigger": trigger, "pre_tokens": pre, "post_tokens": post,
                            "post_tokens_from": post_src, "agent": agent or "main"})
    next_turn = None
    if main:
        last_r = main[-1][0]
        canonical = prices.resolve(last_r.model)
        avg_out = sum(r.output for r, _ in main) / len(main)
        day = utc_day(last_r.ts) or "0000-00-00"
        found = prices.rates(canonical, day, last_r.context, last_r.speed, last_r.geo) if canonical else None
        if found is not None:
            (_pin, _p5, _p1h, pread, pout), _web = found
            next_turn = {
                "context_tokens": last_r.context, "average_output_tokens": round(avg_out, 1),
                "model": last_r.model, "cost_usd": _usd(last_r.context * pread + avg_out * pout),
                "formula": "context x cache-read price + average output x output price",
            }
    top = heapq.nsmallest(TOP_N, (rc for rc in pairs if rc[1] is not None), key=_top_key)
    agents = []
    for key, g in s["agents"].items():
        row = {"agent": key, "agent_type": "main thread" if key == "main" else agent_types.get(key)}
        row.update(_slim(g.summary()))
        # Some of this agent's requests are copies from its parent's progress lines (issue 10): partial.
        row["recovered"] = key in s["recovered"]
        agents.append(row)
    agents.sort(key=lambda x: (x["agent"] != "main", -x["cost_usd"], x["agent"]))
    main_n = len(main)
    turns = []
    for r, _c in main:
        found = rates_of.get(r)
        if found is not None:  # unpriced turns cannot be re-priced
            turns.append(insights.Turn(r.ts, r.timestamp, r.input, r.cw5m, r.cw1h, r.cache_read, r.output, found[0]))
    row = {
        "session_id": sid,
        "project": _project_of(pairs),
        "cost_usd": summ["cost_usd"],
        "requests": agg.requests,
        "requests_main": main_n,
        "requests_subagent": agg.requests - main_n,
        "priced_requests": agg.priced,
        "user_prompts": len(prompt_ts),
        "first_timestamp": _iso(first) if first is not None else None,
        "last_timestamp": _iso(last) if last is not None else None,
        "duration_seconds": round(last - first, 3) if first is not None else None,
        "cost_per_request_usd": _usd(sum(agg.costs) / agg.priced) if agg.priced else None,
        "tokens": summ["tokens"],
        "cost_by_bucket_usd": summ["cost_by_bucket_usd"],
        "share_of_cost": summ["share_of_cost"],
        "web_search_requests": summ["web_search_requests"],
        "cache_hit_rate": summ["cache_hit_rate"],
        "resent_share": summ["share_of_cost"]["cache_read"],
        "peak_context_tokens": max(contexts) if contexts else 0,
        "average_context_tokens": round(sum(contexts) / len(contexts), 1) if contexts else 0,
        "final_context_tokens": contexts[-1] if contexts else 0,
        "compactions": compactions,
        "next_turn": next_turn,
        "top_requests": [_request_row(r, c, _agent_key(r)) for r, c in top],
        "models": _group_rows(s["models"], "model", prices),
        "agents": agents,
        "context_curve": _curve_points(curve_src) if curve else [],
    }
    row["insights"] = insights.session_insights(turns, row["peak_context_tokens"])
    return row


def _curve_requests(pairs):
    """The requests a context curve follows: the main thread's (all, when a session has none there)."""
    return [(r, c) for r, c in pairs if _agent_key(r) == "main"] or pairs


def _curve_points(pairs):
    """One curve point per request of `pairs` (see _curve_requests)."""
    return [{"timestamp": r.timestamp, "context_tokens": r.context, "output_tokens": r.output,
             "cost_usd": _usd(sum(c)) if c is not None else None, "model": r.model} for r, c in pairs]


SHOWN = 5  # names listed in a warning before "and N more"


def _names(items, shown=SHOWN, sep=", "):
    """'a, b, c and 4 more' (log text: views escape it)."""
    items = list(items)
    head = sep.join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def _diagnostics(a, kept, session_note, reqs, costs, agent_types):
    store = a.store
    own_agents = store.own_agents()
    missing = sorted(
        ({"session_id": sid, "agent_id": aid} for aid, (sid, _t) in a.agent_links.items() if aid not in own_agents),
        key=lambda d: (d["session_id"], d["agent_id"]),
    )
    # Spend recovered from progress lines (issue 10), over the requests the report covers.
    rec_agents = {}
    rec_total = 0
    rec_n = 0
    for r, c in zip(reqs, costs):
        if r.recovered:
            rec_n += 1
            g = rec_agents.get((r.session_id, r.agent_id))
            if g is None:
                g = rec_agents[(r.session_id, r.agent_id)] = [0, 0]
            g[0] += 1
            if c is not None:
                g[1] += sum(c)
                rec_total += sum(c)
    recovered = {
        "requests": rec_n, "cost_usd": _usd(rec_total),
        "agents": [{"session_id": sid, "agent_id": aid, "agent_type": agent_types.get(aid), "requests": n,
                    "cost_usd": _usd(pico)} for (sid, aid), (n, pico) in sorted(rec_agents.items())],
    }
    cut = store.cut_off(reqs)
    kinds = dict(sorted(a.kinds.items()))
    malformed_files = [
        {"file": name, "count": count, "first": [{"line": n, "reason": why} for n, why in samples]}
        for name, (count, samples) in sorted(a.malformed.items())
    ]
    utf8_files = [{"file": name, "count": count, "first": lines}
                  for name, (count, lines) in sorted(a.invalid_utf8.items())]
    unreadable = [{"file": name, "reason": why} for name, why in sorted(a.unreadable.items())]
    ignored = dict(sorted(a.ignored_usage.items()))
    warnings = _warnings(missing, recovered, malformed_files, utf8_files, unreadable, ignored,
                         sorted(a.empty_files), session_note)
    return {
        "files": len(a.files),
        "empty_files": sorted(a.empty_files),
        "unreadable_files": unreadable,
        "lines_read": a.lines_read,
        "bytes_read": a.bytes_read,
        "lines_by_kind": kinds,
        "usage_lines": store.usage_lines,
        "billed_requests": kept,
        "duplicate_lines_collapsed": store.usage_lines - len(store.by_key),
        "sidechain_replays_dropped": store.replays(),
        "progress_copies": store.progress_copies,
        "recovered_from_progress": recovered,
        "cut_off_mid_stream": {"requests": len(cut), "output_tokens": sum(r.output for r in cut)},
        "synthetic_lines_skipped": a.kinds.get("synthetic", 0),
        "blank_lines": a.kinds.get("blank", 0),
        "invalid_utf8_lines": a.invalid_utf8_lines,
        "invalid_utf8": utf8_files,
        "ignored_usage_values": {"count": sum(ignored.values()), "by_field": ignored},
        "unknown_line_types": dict(sorted(a.unknown_types.items())),
        "malformed": {"count": a.kinds.get("malformed", 0), "by_reason": dict(sorted(a.malformed_reasons.items())),
                      "files": malformed_files},
        "missing_subagents": missing,
        "warnings": warnings,
    }


def _warnings(missing, recovered, malformed_files, utf8_files, unreadable, ignored, empty, session_note):
    """Structured warnings (issue 10/11): a kind, its numbers, and the sentence every view shows."""
    out = []
    if missing:
        rec_ids = {g["agent_id"] for g in recovered["agents"]}
        got = [m for m in missing if m["agent_id"] in rec_ids]
        text = (f"{len(missing)} subagent(s) are named in the logs but none of their own lines were given "
                f"({_names(m['agent_id'] for m in missing)})")
        if got:
            text += (f": {recovered['requests']} of their requests (${recovered['cost_usd']:,.4f}) were recovered "
                     "from progress lines — partial; add the session's folder for exact numbers")
            if len(got) < len(missing):
                text += f"; the spend of the other {len(missing) - len(got)} is missing from these totals"
        else:
            text += ": their spend is missing from these totals"
        out.append({"kind": "missing_subagents", "count": len(missing), "recovered_requests": recovered["requests"],
                    "recovered_cost_usd": recovered["cost_usd"], "text": text})
    elif recovered["requests"]:
        out.append({"kind": "recovered_from_progress", "count": recovered["requests"],
                    "cost_usd": recovered["cost_usd"],
                    "text": f"{recovered['requests']} subagent request(s) (${recovered['cost_usd']:,.4f}) were "
                            "recovered from progress lines — partial; add the session's folder for exact numbers"})
    if unreadable:
        out.append({"kind": "unreadable_files", "count": len(unreadable),
                    "text": f"{len(unreadable)} file(s) were not read and are not in these totals: "
                            + _names((f"{u['file']}: {u['reason']}" for u in unreadable), sep="; ")})
    if malformed_files:
        n = sum(f["count"] for f in malformed_files)
        out.append({"kind": "malformed_lines", "count": n, "files": len(malformed_files),
                    "text": f"{n} line(s) could not be read: " + _names((
                        f"{f['file']}: {f['count']} unreadable line(s), first at line(s) "
                        f"{', '.join(str(x['line']) for x in f['first'])} ({f['first'][0]['reason']})"
                        for f in malformed_files), sep="; ")})
    if utf8_files:
        n = sum(f["count"] for f in utf8_files)
        out.append({"kind": "invalid_utf8", "count": n, "files": len(utf8_files),
                    "text": f"{n} line(s) held bytes that are not UTF-8 and were read with replacement characters: "
                            + _names((f"{f['file']}: {f['count']} line(s), first at line(s) "
                                      f"{', '.join(map(str, f['first']))}" for f in utf8_files), sep="; ")})
    if ignored:
        n = sum(ignored.values())
        out.append({"kind": "ignored_usage_values", "count": n,
                    "text": f"{n} usage value(s) were ignored (negative, absurdly large or not a whole number) and "
                            "counted as 0: " + _names(f"{k} ×{v}" for k, v in ignored.items())})
    if empty:
        out.append({"kind": "empty_files", "count": len(empty),
                    "text": f"{len(empty)} empty file(s) (0 bytes), nothing to read: " + _names(empty)})
    if session_note:
        out.append({"kind": "session_filter", "text": session_note})
    return out


def nothing_billable(report, filtered=False):
    """Why a report has nothing to show (issue 10: an error, not a $0 report), in one line; None when it has.

    Shared by the CLI (exit 1 with this line) and the page (this line beside the input, no dashboard).
    """
    t = report["totals"]
    if t["requests"] or t["user_prompts"]:
        return None
    d = report["diagnostics"]
    for w in d["warnings"]:
        if w["kind"] == "session_filter":
            return w["text"]
    read = (f"{d['files']} file(s), {d['lines_read']:,} line(s) read"
            + (f", {len(d['unreadable_files'])} could not be read" if d["unreadable_files"] else ""))
    if filtered:
        o = report["options"]
        span = " ".join(x for x in (f"from {o['since']}" if o["since"] else "",
                                     f"to {o['until']}" if o["until"] else "") if x)
        return f"no requests {span or 'match the filters'} ({read})"
    why = []
    if d["malformed"]["count"]:
        why.append(f"{d['malformed']['count']:,} line(s) are not log lines")
    if d["empty_files"]:
        why.append(f"{len(d['empty_files'])} empty file(s)")
    if d["unreadable_files"]:
        why.append("; ".join(f"{u['file']}: {u['reason']}" for u in d["unreadable_files"][:SHOWN]))
    if d["synthetic_lines_skipped"]:
        why.append(f"{d['synthetic_lines_skipped']:,} placeholder line(s) (API errors, usage-limit notices)")
    return (f"no billable requests: {read}, and none carries API usage (Claude Code logs each response with its "
            "token counts on an assistant line)" + (f" — {'; '.join(why)}" if why else ""))
