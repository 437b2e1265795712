"""Analyzer state + price table -> the report (a plain dict: schema version 1; py_core/schema.py has its shape).

Every figure the views show is computed here, once, in named steps (issue 11): select and price the requests
(priced.py), roll them up into groups, build the session rows, then the totals, the pooled tables, the
diagnostics (diagnostics.py) and the pooled insights. Money is summed as integer pico-dollars (pricing.PICO), so
the result does not depend on the order requests were merged in.
"""

import heapq
import statistics
from datetime import date, timedelta

from . import blocks, insights, live, present, sources
from .diagnostics import diagnostics, timer_warning, unpriced_warning
from .priced import agent_types, priced_requests, project_of, usd
from .pricing import PriceTable
from .timeutil import iso as _iso
from .timeutil import tz_label
from .version import __version__

SCHEMA_VERSION = 1
LABEL = (
    "Estimate at Anthropic API list prices from local Claude Code logs - not a bill. "
    "Subscription plans pay a flat fee; some requests (background permission checks) are "
    "never written to the logs, and subagent logs can hold partial usage."
)
TOP_N = 5


def _share(part, whole):
    return round(part / whole, 6) if whole > 0 else None


class _Agg:
    """Running sums for one group (session, model, agent, day, project); money in pico-dollars.

    `tok` and `costs` follow priced.Costs' bucket order: input, 5m write, 1h write, cache read, output (+ web).
    """

    __slots__ = ("requests", "priced", "tok", "costs", "web")

    def __init__(self):
        self.requests = 0
        self.priced = 0
        self.tok = [0, 0, 0, 0, 0]
        self.costs = [0, 0, 0, 0, 0, 0]
        self.web = 0

    def add(self, r, cost):
        self.requests += 1
        t = self.tok
        t[0] += r.input
        t[1] += r.cw5m
        t[2] += r.cw1h
        t[3] += r.cache_read
        t[4] += r.output
        self.web += r.web_search
        if cost is not None:
            self.priced += 1
            c = self.costs
            for i in range(6):
                c[i] += cost[i]

    def tokens(self):
        inp, w5, w1, read, out = self.tok
        return {"input": inp, "output": out, "cache_write_5m": w5, "cache_write_1h": w1, "cache_read": read,
                "total": inp + w5 + w1 + read + out}

    def merge(self, o):
        self.requests += o.requests
        self.priced += o.priced
        self.web += o.web
        self.tok = [x + y for x, y in zip(self.tok, o.tok)]
        self.costs = [x + y for x, y in zip(self.costs, o.costs)]

    def summary(self):
        """The bucket split every group reports: tokens, cost, share of cost, cache hit rate."""
        inp, w5, w1, read, out, web = self.costs
        total = inp + w5 + w1 + read + out + web
        t_inp, t_w5, t_w1, t_read, _t_out = self.tok
        by_bucket = {
            "input": usd(inp), "output": usd(out), "cache_write": usd(w5 + w1),
            "cache_write_5m": usd(w5), "cache_write_1h": usd(w1), "cache_read": usd(read), "web_search": usd(web),
        }
        return {
            "cost_usd": usd(total),
            "requests": self.requests,
            "tokens": self.tokens(),
            "cost_by_bucket_usd": by_bucket,
            "share_of_cost": {k: _share(v, total) for k, v in
                              (("input", inp), ("output", out), ("cache_write", w5 + w1), ("cache_write_5m", w5),
                               ("cache_write_1h", w1), ("cache_read", read), ("web_search", web))},
            "web_search_requests": self.web,
            "cache_hit_rate": _share(t_read, t_inp + t_w5 + t_w1 + t_read),
        }


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


def _top_key(p):
    """Most expensive first; ties in a fixed order (heapq.nsmallest is sorted()[:n], without the full sort)."""
    return -sum(p.costs), p.r.source, p.r.line


def _top(priced):
    return heapq.nsmallest(TOP_N, (p for p in priced if p.costs is not None), key=_top_key)


def _request_row(p):
    r = p.r
    return {
        "timestamp": r.timestamp, "session_id": r.session_id, "agent": p.agent, "model": r.model,
        "cost_usd": usd(sum(p.costs)) if p.costs is not None else None,
        "context_tokens": r.context, "output_tokens": r.output,
        "source": r.source, "line": r.line,
    }


class _Groups:
    """Step 2's result: the roll-ups of every request."""

    __slots__ = ("total", "sessions", "models", "agents", "days", "unpriced")


def _roll_up(priced, types):
    """Each request is added once, to its (session, model, agent, day, price) cell; every group is a roll-up of
    cells (there are far fewer cells than requests)."""
    cells = {}
    sessions = {}
    for p in priced:
        r = p.r
        key = (r.session_id, r.model, p.agent, p.day or "unknown", p.unpriced)
        c = cells.get(key)
        if c is None:
            c = cells[key] = _Agg()
        c.add(r, p.costs)
        s = sessions.get(r.session_id)
        if s is None:
            s = sessions[r.session_id] = {"agg": _Agg(), "reqs": [], "models": {}, "agents": {}, "recovered": set()}
        s["reqs"].append(p)
        if r.recovered:
            s["recovered"].add(p.agent)
    g = _Groups()
    g.total, g.sessions, g.models, g.agents, g.days, g.unpriced = _Agg(), sessions, {}, {}, {}, {}

    def into(groups, name, cell):
        grp = groups.get(name)
        if grp is None:
            grp = groups[name] = _Agg()
        grp.merge(cell)

    for (sid, model, ak, day, unpriced_label), c in cells.items():
        s = sessions[sid]
        g.total.merge(c)
        s["agg"].merge(c)
        into(s["models"], model, c)
        into(s["agents"], ak, c)
        into(g.agents, "main thread" if ak == "main" else types.get(ak) or "subagent (type not logged)", c)
        into(g.models, model, c)
        into(g.days, day, c)
        if unpriced_label is not None:
            into(g.unpriced, unpriced_label, c)
    return g


def _session_rows(a, sel, groups, prices, types, curve, curve_for):
    """Step 3: one row per session, most expensive first, each with its rank among the user's own (issue 6)."""
    prompts_by_session = {}
    for sid, ts in sel.prompts:
        prompts_by_session.setdefault(sid, []).append(ts)
    comp_by_session = {}
    for _key, c in sorted(a.compactions.items(), key=lambda kv: (kv[1][0] or 0.0, kv[0])):
        comp_by_session.setdefault(c[2], []).append(c)
    sums = []  # each session's context-source sums (issue 24), for the report's pooled rows
    rows = [_session_report(sid, s, prices, types, prompts_by_session.get(sid, []), comp_by_session.get(sid, []),
                            curve, a.arrivals, sums) for sid, s in groups.sessions.items()]
    rows.sort(key=lambda x: (-x["cost_usd"], x["session_id"]))
    ranks = {k: sorted(row[f] for row in rows) for k, f in
             (("cost", "cost_usd"), ("peak_context", "peak_context_tokens"), ("turns", "requests"))}
    for row in rows:
        row["insights"]["percentile"] = {k: insights.percentile_rank(v, row[f]) for (k, v), f in
                                         zip(ranks.items(), ("cost_usd", "peak_context_tokens", "requests"))}
    if not curve and curve_for and rows:
        want = rows[0]["session_id"] if curve_for == "top" else curve_for
        for row in rows:
            if row["session_id"] == want:
                row["context_curve"] = _curve_points(_curve_requests(groups.sessions[want]["reqs"]))
    return rows, sums


def _project_rows(session_rows, groups):
    projects = {}
    for row in session_rows:
        p = projects.setdefault(row["project"], {"project": row["project"], "sessions": 0, "requests": 0,
                                                 "_cost": []})
        p["sessions"] += 1
        p["requests"] += row["requests"]
        p["_cost"].append(groups.sessions[row["session_id"]]["agg"].costs)
    rows = []
    for p in projects.values():
        p["cost_usd"] = usd(sum(sum(c) for c in p.pop("_cost")))
        rows.append(p)
    rows.sort(key=lambda p: (-p["cost_usd"], p["project"]))
    return rows


def _totals(sel, groups, session_rows):
    total = groups.total
    tsum = total.summary()
    n = len(sel.priced)
    session_resent = [row["resent_share"] for row in session_rows if row["resent_share"] is not None]
    all_ts = [p.r.ts for p in sel.priced if p.r.ts is not None] + [ts for _, ts in sel.prompts if ts is not None]
    main_count = sum(1 for p in sel.priced if p.agent == "main")
    totals = dict(tsum)
    totals.update({
        "requests": n,
        "requests_main": main_count,
        "requests_subagent": n - main_count,
        "priced_requests": total.priced,
        "unpriced_requests": n - total.priced,
        "cost_excludes_unpriced": n != total.priced,
        "sessions": len(session_rows),
        "projects": len({row["project"] for row in session_rows}),
        "user_prompts": len(sel.prompts),
        "first_timestamp": _iso(min(all_ts)) if all_ts else None,
        "last_timestamp": _iso(max(all_ts)) if all_ts else None,
        "first_day": sel.day_of(min(all_ts)) if all_ts else None,  # in the report's time zone
        "last_day": sel.day_of(max(all_ts)) if all_ts else None,
        "resent_share_pooled": tsum["share_of_cost"]["cache_read"],
        "resent_share_median_session": round(statistics.median(session_resent), 6) if session_resent else None,
    })
    return totals


def _unpriced_rows(groups):
    return [{"model": m, "requests": g.requests, "tokens": sum(g.tok), "tokens_by_bucket": g.tokens()}
            for m, g in sorted(groups.unpriced.items())]


def _pooled_insights(report):
    rows = report["sessions"]
    misses = [row["insights"]["idle_cache_misses"] for row in rows]
    best = [row["insights"]["what_if_compaction"]["best"] for row in rows]
    return {
        "idle_cache_misses": {"count": sum(m["count"] for m in misses),
                              "extra_cost_usd": round(sum(m["extra_cost_usd"] for m in misses), 10)},
        "what_if_compaction_saving_usd": round(sum(b["saving_usd"] for b in best if b), 10),
        "costliest_sessions": [{"session_id": r["session_id"], "cost_usd": r["cost_usd"]} for r in rows[:5]],
        **insights.reference_comparison(report),
    }


def _periods(days, by):
    """Days rolled up into ISO weeks (Monday first) or calendar months, in the report's time zone (issue 12)."""
    out = {}
    for d, g in days.items():
        try:
            day = date.fromisoformat(d)
        except ValueError:
            continue  # "unknown": requests without a timestamp have no period
        if by == "week":
            iso = day.isocalendar()
            key, start = f"{iso[0]}-W{iso[1]:02d}", day - timedelta(days=day.weekday())
        else:
            key, start = d[:7], day.replace(day=1)
        row = out.get(key)
        if row is None:
            row = out[key] = [start.isoformat(), _Agg()]
        row[1].merge(g)
    return [dict(period=k, start=start, **_slim(g.summary())) for k, (start, g) in sorted(out.items())]


NO_LABEL = "(no label)"


def _team_rows(analyzer, priced):
    """Spend per state-file label (issue 16: a team's merged states), most expensive first; [] without labels."""
    owners = analyzer.owners
    if not owners:
        return []
    groups = {}
    sessions = {}
    for p in priced:
        who = owners.get(p.r.source, NO_LABEL)
        g = groups.get(who)
        if g is None:
            g = groups[who] = _Agg()
            sessions[who] = set()
        g.add(p.r, p.costs)
        sessions[who].add(p.r.session_id)
    rows = [dict(label=who, sessions=len(sessions[who]), **_slim(g.summary())) for who, g in groups.items()]
    rows.sort(key=lambda r: (-r["cost_usd"], r["label"]))
    return rows


def covers(report):
    """What a report covers, in one line (issue 12: the headline did not say): sessions, projects, days, files."""
    t = report["totals"]
    parts = [f"{present.count(t['sessions'])} session{'s' if t['sessions'] != 1 else ''}",
             f"{present.count(t['projects'])} project{'s' if t['projects'] != 1 else ''}"]
    if t["first_day"]:
        parts.append(t["first_day"] if t["first_day"] == t["last_day"] else f"{t['first_day']} – {t['last_day']}")
    files = report["diagnostics"]["files"]
    hist = report["diagnostics"]["history"]["files"]
    parts.append(f"{present.count(files)} file{'s' if files != 1 else ''}"
                 + (f" ({present.count(hist)} from history)" if hist else ""))
    return " · ".join(parts)


def build_report(analyzer, prices=None, tz=None, since=None, until=None, session=None, latest=False,
                 curve=True, curve_for=None, by="day", project=None, now=None, clock=None):
    """The report of everything fed to `analyzer` (filters applied after global dedup).

    curve=False leaves every session's context curve empty except the session `curve_for` names
    ("top": the most expensive) — what a page draws from, in one pass. `by` (day, week, month) sets the periods
    the spend-over-time table and chart use; `project` keeps one project's sessions. `now` (epoch seconds; the
    shells pass their clock) marks the active 5-hour block and weekly window and projects them to their end; without
    it no window is active, and the report depends on the logs alone. `clock`: a dict that receives what
    `blocks.reclock` needs to redo those fields at another time ({"blocks": raw, "weekly_windows": raw}).
    """
    if by not in ("day", "week", "month"):
        raise ValueError(f"unknown grouping {by!r}: day, week or month")
    prices = prices or PriceTable.builtin()
    sel = priced_requests(analyzer, prices, tz, since, until, session, latest, project)  # 1. select and price
    types = agent_types(analyzer)
    groups = _roll_up(sel.priced, types)                                            # 2. roll up
    session_rows, source_sums = _session_rows(analyzer, sel, groups, prices, types, curve, curve_for)  # 3.
    in_time = blocks.timed(sel.priced)
    report = {                                                                      # 4. totals and tables
        "schema_version": SCHEMA_VERSION,
        "generator": f"tokenscope {__version__}",
        "label": LABEL,
        "prices": {"table_version": prices.version, "sources": list(prices.origins),
                   "derived_rates": [f"{m}.{f}" for m, f in prices.derived]},
        "options": {"time_zone": tz_label(tz), "since": sel.since, "until": sel.until, "session": session,
                    "latest": bool(latest), "project": project, "by": by,
                    "decoder": "+".join(sorted(analyzer.decoders))},
        "totals": _totals(sel, groups, session_rows),
        "sessions": session_rows,
        "projects": _project_rows(session_rows, groups),
        "models": _group_rows(groups.models, "model", prices),
        "agents": _group_rows(groups.agents, "agent_type"),
        "days": [dict(date=d, **_slim(g.summary())) for d, g in sorted(groups.days.items())],
        "periods": ([dict(period=d, start=d, **_slim(g.summary())) for d, g in sorted(groups.days.items())
                     if d != "unknown"] if by == "day" else _periods(groups.days, by)),
        "top_requests": [_request_row(p) for p in _top(sel.priced)],
        "unpriced_models": _unpriced_rows(groups),
        "team": _team_rows(analyzer, sel.priced),                                   # issue 16
        "blocks": blocks.windows(sel.priced, blocks.BLOCK_SECONDS, True, now, in_time,     # issue 15
                                 None if clock is None else clock.setdefault("blocks", [])),
        "weekly_windows": blocks.windows(sel.priced, blocks.WEEK_SECONDS, False, now, in_time,
                                         None if clock is None else clock.setdefault("weekly_windows", [])),
        "diagnostics": diagnostics(analyzer, sel, types),                           # 5. diagnostics
        "context_sources": sources.pooled(source_sums),                             # issue 24
        "context_sources_assumptions": sources.ASSUMPTIONS,
    }
    if report["unpriced_models"]:
        report["diagnostics"]["warnings"].insert(0, unpriced_warning(report["unpriced_models"]))
    timers = [s for s in session_rows if s["insights"]["timer_wakes"]]
    if timers:
        report["diagnostics"]["warnings"].append(timer_warning(timers))
    report["insights"] = _pooled_insights(report)                                   # 6. pooled insights
    report["covers"] = covers(report)
    return report


def _session_report(sid, s, prices, types, prompt_ts, comps, curve, arrivals, sums):
    agg = s["agg"]
    summ = agg.summary()
    priced = s["reqs"]
    main = [p for p in priced if p.agent == "main"]
    curve_src = main or priced  # what _curve_requests(priced) gives, without filtering twice
    contexts = [p.r.context for p in curve_src]
    ts_all = [p.r.ts for p in priced if p.r.ts is not None] + [t for t in prompt_ts if t is not None]
    first = min(ts_all) if ts_all else None
    last = max(ts_all) if ts_all else None
    compactions = []
    for ts, stamp, _sid, agent, trigger, pre, post, kind, saved in comps:
        post_src = "log" if post is not None else None
        if post is None and ts is not None:
            nxt = next((p.r for p in main if p.r.ts is not None and p.r.ts > ts), None)
            if nxt is not None:
                post, post_src = nxt.context, "next request"
        # kind: "full" (a summary replaces the conversation) or "micro" (old tool results cleared; issue 23).
        compactions.append({"timestamp": stamp, "kind": kind, "trigger": trigger, "pre_tokens": pre,
                            "post_tokens": post, "post_tokens_from": post_src, "tokens_saved": saved,
                            "agent": agent or "main"})
    next_turn = live.next_turn(main, prices)
    agents = []
    for key, g in s["agents"].items():
        row = {"agent": key, "agent_type": "main thread" if key == "main" else types.get(key)}
        row.update(_slim(g.summary()))
        # Some of this agent's requests are copies from its parent's progress lines (issue 10): partial.
        row["recovered"] = key in s["recovered"]
        agents.append(row)
    agents.sort(key=lambda x: (x["agent"] != "main", -x["cost_usd"], x["agent"]))
    main_n = len(main)
    # Unpriced turns cannot be re-priced: the insights follow the priced main-thread turns.
    turns = insights.turns_of(main)
    row = {
        "session_id": sid,
        "project": project_of([p.r for p in priced]),
        "cost_usd": summ["cost_usd"],
        "requests": agg.requests,
        "requests_main": main_n,
        "requests_subagent": agg.requests - main_n,
        "priced_requests": agg.priced,
        "user_prompts": len(prompt_ts),
        "first_timestamp": _iso(first) if first is not None else None,
        "last_timestamp": _iso(last) if last is not None else None,
        "duration_seconds": round(last - first, 3) if first is not None else None,
        "active_seconds": _active(ts_all),
        "cost_per_request_usd": usd(sum(agg.costs) / agg.priced) if agg.priced else None,
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
        "top_requests": [_request_row(p) for p in _top(priced)],
        "models": _group_rows(s["models"], "model", prices),
        "agents": agents,
        "context_curve": _curve_points(curve_src) if curve else [],
    }
    row["insights"] = insights.session_insights(turns, row["peak_context_tokens"])
    # Issue 24: what fills the context — each priced main-thread request's cache writes named by what arrived
    # before it (the same requests as the insights' turns, so a resident row's turn is an index here too).
    row["context_sources"], by_turn, agg = sources.session_sources([p for p in main if p.rates is not None],
                                                                   arrivals)
    sums.append(agg)
    for r in row["insights"]["resident_context"]["largest"]:
        r["sources"] = sources.named(by_turn.get(r["turn"] - 1, []))
    return row


def _active(stamps):
    """Seconds of activity (issue 25: a 22-request session "active" 105 h was its first-to-last span): the gaps
    between consecutive requests and prompts, each counted only when shorter than the idle threshold
    (insights.FRESH_GAP, 30 minutes)."""
    ts = sorted(t for t in stamps if t is not None)
    return round(sum(b - a for a, b in zip(ts, ts[1:]) if b - a < insights.FRESH_GAP), 3)


def _curve_requests(priced):
    """The requests a context curve follows: the main thread's (all, when a session has none there)."""
    return [p for p in priced if p.agent == "main"] or priced


def _curve_points(priced):
    """One curve point per request of `priced` (see _curve_requests)."""
    return [{"timestamp": p.r.timestamp, "context_tokens": p.r.context, "output_tokens": p.r.output,
             "cost_usd": usd(sum(p.costs)) if p.costs is not None else None, "model": p.r.model} for p in priced]
