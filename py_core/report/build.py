"""Analyzer state + price table -> the report (a plain dict: schema version 1; py_core/report/schema.py has its shape).

Every figure the views show is computed here, once, in named steps (issue 11): select the requests (priced.py),
build each session's part (parts.py: its row, roll-up cells, hours, costliest requests — issue 20: a part can come
from the store when its session did not change), roll the parts up into groups, then the totals, the pooled
tables, the windows, the diagnostics (diagnostics.py) and the pooled insights. Money is summed as integer pico-dollars (pricing.PICO), so
the result does not depend on the order requests were merged in.
"""

import heapq
import statistics
from datetime import date, timedelta

from . import actions, blocks, insights, ledger, misses, parts, sources, turns
from ..core import present
from .diagnostics import diagnostics, timer_warning, unpriced_warning
from ..core import limits
from ..core.options import options
from ..core.limits import check_sessions
from .parts import TOP_N, Agg, group_rows, slim
from ..core.priced import agent_types, select_requests, usd
from ..core.pricing import PriceTable
from ..core.timeutil import iso as _iso
from ..core.timeutil import tz_label
from ..version import __version__

SCHEMA_VERSION = 1
LABEL = (
    "Estimate at Anthropic API list prices from local Claude Code logs - not a bill. "
    "Subscription plans pay a flat fee; some requests (background permission checks) are "
    "never written to the logs, and subagent logs can hold partial usage."
)


class _Groups:
    """Step 3's result: the report's groups, each a roll-up of the sessions' cells (far fewer than requests)."""

    __slots__ = ("total", "models", "agents", "days", "unpriced", "day_models")


def _roll_up(session_parts):
    g = _Groups()
    g.total, g.models, g.agents, g.days, g.unpriced, g.day_models = Agg(), {}, {}, {}, {}, {}

    def into(groups, name, cell):
        grp = groups.get(name)
        if grp is None:
            grp = groups[name] = Agg()
        grp.merge(cell)

    for part in session_parts:
        for (model, agent, day, unpriced_label), c in part.cells.items():
            g.total.merge(c)
            into(g.agents, agent, c)
            into(g.models, model, c)
            into(g.days, day, c)
            into(g.day_models, (day, model), c)  # issue 33: `tokenscope daily --breakdown`
            if unpriced_label is not None:
                into(g.unpriced, unpriced_label, c)
    return g


def _session_parts(a, sel, prices, types, curve, memo, mapper, curve_for=None):
    """Step 2: one Part per session with requests (parts.py), taken from `memo` when its signature is unchanged; the
    others built here, or by `mapper` (issue 22: in the processes of a CLI run)."""
    by_session = {}
    for r in sel.requests:
        got = by_session.get(r.session_id)
        if got is None:
            by_session[r.session_id] = [r]
        else:
            got.append(r)
    prompts_by_session = {}
    for sid, ts in sel.prompts:
        prompts_by_session.setdefault(sid, []).append(ts)
    comp_by_session = {}
    for _key, c in sorted(a.compactions.items(), key=lambda kv: (kv[1][0] or 0.0, kv[0])):
        comp_by_session.setdefault(c[2], []).append(c)
    events = {}
    for _key, e in sorted(a.events.items(), key=lambda kv: (kv[1][0] or 0.0, kv[0])):
        events.setdefault(e[1], []).append(e)
    ctx = Context(a, sel, prices, types, curve, by_session, prompts_by_session, comp_by_session,
                  turns.starts_of(a.prompts, a.fires, by_session), events)
    out = {}
    todo = []
    for sid, reqs in by_session.items():
        sig = None
        if memo is not None:
            sig = parts.signature(reqs, prompts_by_session.get(sid, []), comp_by_session.get(sid, []), a.arrivals,
                                  types, a.owners, a.history, memo.tokens, ctx.known(sid))
            part = memo.get(sid, sig) if sig is not None else None
            if part is not None:
                out[sid] = part
                continue
        todo.append((sid, sig))
    sids = [sid for sid, _sig in todo]
    built = mapper(ctx, sids, [len(by_session[sid]) for sid in sids]) if mapper is not None and sids else None
    if built is None:
        built = [build_session(ctx, sid) for sid in sids]
    keep_priced = not curve and curve_for  # a page's chosen session draws its curve from them; else let them go
    for (sid, sig), part in zip(todo, built):
        if sig is not None:
            memo.put(sid, sig, part)
        if not keep_priced:
            part.priced = None  # issue 30: a session's priced requests are not held to the end of the report
        out[sid] = part
    return [out[sid] for sid in by_session], ctx


class Context:
    """What building one session's part reads (build_session): the analyzer, the selection, prices, agent types,
    the curve option, and the selected requests, prompts and compactions by session. A mapper's processes inherit
    it (jobs.parts_mapper); a chosen session's curve is drawn from its requests (_session_rows)."""

    __slots__ = ("a", "sel", "prices", "types", "curve", "requests", "prompts", "comps", "starts", "events")

    def __init__(self, a, sel, prices, types, curve, requests, prompts, comps, starts, events):
        self.a, self.sel, self.prices, self.types, self.curve = a, sel, prices, types, curve
        self.requests, self.prompts, self.comps = requests, prompts, comps
        self.starts, self.events = starts, events

    def known(self, sid):
        """What Claude Code wrote of session `sid` besides its requests (parts.build's `known`; issue 32)."""
        return self.starts.get(sid, []), self.a.prompt_words, self.a.tasks, self.events.get(sid, [])


def build_session(ctx, sid):
    """The Part of session `sid` under `ctx` (what a mapper calls for each session it was given)."""
    a = ctx.a
    return parts.build(sid, ctx.sel.price(ctx.requests[sid]), ctx.prices, ctx.types, ctx.prompts.get(sid, []),
                       ctx.comps.get(sid, []), ctx.curve, a.arrivals, a.owners, a.history, ctx.known(sid))


def _session_rows(session_parts, ctx, curve, curve_for, shared=True):
    """Step 3: one row per session, most expensive first, each with its rank among the user's own (issue 6). The
    rows are copies where a memo holds the parts (`shared`): a part kept in memory is never changed by a report."""
    rows = []
    titles, ledgers = ctx.a.titles, ctx.a.costs
    compare = ctx.sel.since is None and ctx.sel.until is None  # a ledger covers its whole session
    for p in session_parts:
        if shared:
            row = dict(p.row)
            row["insights"] = dict(row["insights"])
        else:
            row = p.row  # issue 30: a part no memo holds is not copied (a row each is most of a report's memory)
        # Issue 32: what Claude Code knows of the session — its title, its own ledger — read at report time (the
        # part stays the same when only they change).
        t = titles.get(p.sid)
        row["title"] = t[3] if t is not None else None
        c = ledgers.get(p.sid)
        row["claude_code"] = ledger.session_ledger(c, row, ctx.prices, compare) if c is not None else None
        rows.append(row)
    rows.sort(key=lambda x: (-x["cost_usd"], x["session_id"]))
    ranks = {k: sorted(row[f] for row in rows) for k, f in
             (("cost", "cost_usd"), ("peak_context", "peak_context_tokens"), ("turns", "requests"))}
    for row in rows:
        row["insights"]["percentile"] = {k: insights.percentile_rank(v, row[f]) for (k, v), f in
                                         zip(ranks.items(), ("cost_usd", "peak_context_tokens", "requests"))}
    if not curve and curve_for and rows:
        want = rows[0]["session_id"] if curve_for == "top" else curve_for
        part = next((p for p in session_parts if p.sid == want), None)
        if part is not None:
            priced = part.priced if part.priced is not None else ctx.sel.price(ctx.requests[want])
            next(r for r in rows if r["session_id"] == want)["context_curve"] = parts.curve_points(
                parts.curve_requests(priced))
    return rows


def _project_rows(session_rows, picos):
    projects = {}
    for row in session_rows:
        p = projects.setdefault(row["project"], {"project": row["project"], "sessions": 0, "requests": 0,
                                                 "_cost": 0})
        p["sessions"] += 1
        p["requests"] += row["requests"]
        p["_cost"] += picos[row["session_id"]]
    rows = []
    for p in projects.values():
        p["cost_usd"] = usd(p.pop("_cost"))
        rows.append(p)
    rows.sort(key=lambda p: (-p["cost_usd"], p["project"]))
    return rows


def _totals(sel, session_parts, groups, session_rows):
    total = groups.total
    tsum = total.summary()
    n = sum(p.n for p in session_parts)
    session_resent = [row["resent_share"] for row in session_rows if row["resent_share"] is not None]
    all_ts = [t for p in session_parts for t in p.span if t is not None]
    all_ts += [ts for _, ts in sel.prompts if ts is not None]
    main_count = sum(p.main for p in session_parts)
    totals = dict(tsum)
    totals.update({
        "claude_code": ledger.totals(session_rows),  # issue 32
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


slim_keys = ("cost_usd", "requests", "tokens", "cost_by_bucket_usd")


def _periods(days, by, day_models, prices):
    """Days rolled up into days, ISO weeks (Monday first) or calendar months, in the report's time zone (issue 12),
    each with its models (issue 33: ccusage's `--breakdown`)."""
    out = {}
    keys = {}
    for d in days:
        try:
            day = date.fromisoformat(d)
        except ValueError:
            continue  # "unknown": requests without a timestamp have no period
        if by == "day":
            key, start = d, day
        elif by == "week":
            iso = day.isocalendar()
            key, start = f"{iso[0]:04d}-W{iso[1]:02d}", day - timedelta(days=day.weekday())
        else:
            key, start = d[:7], day.replace(day=1)
        keys[d] = key
        row = out.get(key)
        if row is None:
            row = out[key] = [start.isoformat(), Agg(), {}]
        row[1].merge(days[d])
    for (d, model), g in day_models.items():
        key = keys.get(d)
        if key is not None:
            got = out[key][2].get(model)
            if got is None:
                got = out[key][2][model] = Agg()
            got.merge(g)
    return [dict(period=k, start=start, **slim(g.summary()),
                 models=[{k2: m[k2] for k2 in ("model", *slim_keys)} for m in group_rows(models, "model", prices)])
            for k, (start, g, models) in sorted(out.items())]


def _team_rows(analyzer, session_parts):
    """Spend per state-file label (issue 16: a team's merged states), most expensive first; [] without labels."""
    if not analyzer.owners:
        return []
    groups = {}
    sessions = {}
    for part in session_parts:
        for who, g in part.team.items():
            if who not in groups:
                groups[who] = Agg()
                sessions[who] = 0
            groups[who].merge(g)
            sessions[who] += 1
    rows = [dict(label=who, sessions=sessions[who], **slim(g.summary())) for who, g in groups.items()]
    rows.sort(key=lambda r: (-r["cost_usd"], r["label"]))
    return rows


def _attribution(session_parts):
    """Spend by who it was for (issue 32 item 7): entrypoint, skill, plugin, MCP server — only requests whose line
    names one (tables like the agents')."""
    groups = {k: {} for k in parts.WHO}
    for part in session_parts:
        for (kind, name), g in part.who.items():
            got = groups[kind].get(name)
            if got is None:
                got = groups[kind][name] = Agg()
            got.merge(g)
    return {k: group_rows(v, "name") for k, v in groups.items()}


def _top(session_parts):
    """The report's costliest requests: the smallest keys among each session's own top five."""
    got = heapq.nsmallest(TOP_N, ((k, i, j) for i, p in enumerate(session_parts) for j, k in enumerate(p.top)))
    return [session_parts[i].row["top_requests"][j] for _k, i, j in got]


def _windows(session_parts, length, gap_rule, now, clock, name):
    by_hour = {}
    for p in session_parts:
        blocks.add_hours(by_hour, p.hours)
    return blocks.windows(None, length, gap_rule, now, None if clock is None else clock.setdefault(name, []),
                          by_hour=by_hour)


def covers(report, files_shown=None):
    """What a report covers, in one line (issue 12: the headline did not say): sessions, projects, days, files —
    under a filter, the files its requests come from, of those read (issue 33: it named every file read)."""
    t = report["totals"]
    parts = [f"{present.count(t['sessions'])} session{'s' if t['sessions'] != 1 else ''}",
             f"{present.count(t['projects'])} project{'s' if t['projects'] != 1 else ''}"]
    if t["first_day"]:
        parts.append(t["first_day"] if t["first_day"] == t["last_day"] else f"{t['first_day']} – {t['last_day']}")
    files = report["diagnostics"]["files"]
    hist = report["diagnostics"]["history"]["files"]
    if files_shown is not None:
        parts.append(f"{present.count(files_shown)} of {present.count(files)} file{'s' if files != 1 else ''}")
    else:
        parts.append(f"{present.count(files)} file{'s' if files != 1 else ''}"
                     + (f" ({present.count(hist)} from history)" if hist else ""))
    return " · ".join(parts)


def build_report(analyzer, prices=None, opts=None, *, now=None, clock=None, memo=None, mapper=None,
                 max_sessions=None, too_large=limits.CLI_HINT, **kw):
    """The report of everything fed to `analyzer` under `opts` (core/options.Options: filters applied after global
    dedup, the grouping, the curves; keywords change it — tz="UTC", by="week", …).

    curve=False leaves every session's context curve empty except the session `curve_for` names
    ("top": the most expensive) — what a page draws from, in one pass. `by` (day, week, month) sets the periods
    the spend-over-time table and chart use; `project` keeps one project's sessions. `now` (epoch seconds; the
    shells pass their clock) marks the active 5-hour block and weekly window and projects them to their end; without
    it no window is active, and the report depends on the logs alone. `clock`: a dict that receives what
    `blocks.reclock` needs to redo those fields at another time ({"blocks": raw, "weekly_windows": raw}).
    `memo`: the sessions' parts kept from an earlier run with the same options and prices (state/answers.Parts;
    issue 20), used where a session's signature is unchanged, and given the parts built now. `mapper(ctx, session
    ids, weights)`: builds those parts elsewhere (state/jobs.parts_mapper: the CLI's processes; issue 22) — a list of
    parts in the order given, or None to build them here. A selection of more than `max_sessions` sessions (default
    limits.MAX_SESSIONS) is refused (limits.TooLarge, its message ending with `too_large`).
    """
    o = options(opts, **kw)
    by, curve, curve_for = o.by, o.curve, o.curve_for
    if by not in ("day", "week", "month"):
        raise ValueError(f"unknown grouping {by!r}: day, week or month")
    prices = prices or PriceTable.builtin()
    sel = select_requests(analyzer, prices, o)  # 1. select
    # Issue 30: a selection of more sessions than a report holds is refused before any row is built.
    check_sessions(len({r.session_id for r in sel.requests}), max_sessions or limits.MAX_SESSIONS, too_large)
    types = agent_types(analyzer)
    session_parts, ctx = _session_parts(analyzer, sel, prices, types, curve, memo, mapper, curve_for)  # 2. parts
    groups = _roll_up(session_parts)                                                # 3. roll up
    session_rows = _session_rows(session_parts, ctx, curve, curve_for,
                                 memo is not None and getattr(memo, "shares_parts", True))
    picos = {p.sid: p.pico for p in session_parts}
    report = {                                                                      # 4. totals and tables
        "schema_version": SCHEMA_VERSION,
        "generator": f"tokenscope {__version__}",
        "label": LABEL,
        "prices": {"table_version": prices.version, "sources": list(prices.origins),
                   "derived_rates": [f"{m}.{f}" for m, f in prices.derived]},
        "options": {"time_zone": tz_label(o.tz), "since": sel.since, "until": sel.until, "session": o.session,
                    "latest": bool(o.latest), "project": o.project, "by": by, "entrypoint": o.entrypoint,
                    "decoder": "+".join(sorted(analyzer.decoders))},
        "totals": _totals(sel, session_parts, groups, session_rows),
        "sessions": session_rows,
        "projects": _project_rows(session_rows, picos),
        "models": group_rows(groups.models, "model", prices),
        "agents": group_rows(groups.agents, "agent_type"),
        "days": [dict(date=d, **slim(g.summary())) for d, g in sorted(groups.days.items())],
        "periods": _periods(groups.days, by, groups.day_models, prices),
        "top_requests": _top(session_parts),
        "unpriced_models": _unpriced_rows(groups),
        "team": _team_rows(analyzer, session_parts),                                # issue 16
        "blocks": _windows(session_parts, blocks.BLOCK_SECONDS, True, now, clock, "blocks"),     # issue 15
        "weekly_windows": _windows(session_parts, blocks.WEEK_SECONDS, False, now, clock, "weekly_windows"),
        "diagnostics": diagnostics(analyzer, sel, types, session_parts),            # 5. diagnostics
        "context_sources_assumptions": sources.ASSUMPTIONS,
    }
    report["context_sources"], report["context_categories"] = sources.pooled(               # issue 24
        (p.sources for p in session_parts), with_categories=True)
    # Issue 32: what each prompt and loop cost, why each cache miss happened, who the spend was for.
    report["context_categories_assumptions"] = sources.CATEGORY_ASSUMPTIONS
    report["turns"], report["loops"] = turns.pooled(
        (p.sid, ctx.a.titles.get(p.sid, [None] * 4)[3], p.turn_costs,
         p.row["turns"]["costliest"], p.loops) for p in session_parts)
    report["cache_misses"] = misses.pooled(p.misses for p in session_parts)
    report["attribution"] = _attribution(session_parts)
    if report["unpriced_models"]:
        report["diagnostics"]["warnings"].insert(0, unpriced_warning(report["unpriced_models"]))
    timers = [s for s in session_rows if s["insights"]["timer_wakes"]]
    if timers:
        report["diagnostics"]["warnings"].append(timer_warning(timers))
    report["insights"] = _pooled_insights(report)                                   # 6. pooled insights
    report["actions"] = actions.actions(report)                                     # issue 33: what to change first
    report["next_request"] = actions.next_request(report)
    report["covers"] = covers(report, len({r.source for r in sel.requests}) if o.filtered() else None)
    return report
