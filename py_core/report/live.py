"""What the next request of a session will cost, and how long its prompt cache lives (issue 15).

One rule for the report, the status line and `watch`: the next request re-sends the session's last context, read
from the cache (context x cache-read price) plus the session's average output (x output price). The cache lives
5 minutes after the last request — 1 hour once the session writes 1-hour cache entries (pricing.md) — and a request
after that rewrites the whole context at the cache-write price instead. The report holds when the cache expires
(`cache_expires_at`), never a countdown: views count down from their own clock, so a report stays the same report.
"""


from ..core import rules
from ..core.present import countdown  # noqa: F401 - one formatter (present.py), named here for watch and the page
from ..core.pricing import PICO
from ..core.rules import TTL_1H, TTL_5M, usd, utc_day  # noqa: F401 - the cache's lives, named here for the views
from ..core.text import clean_text as clean
from ..core.timeutil import parse_iso


def next_turn_of(main, prices):
    """`sessions[].next_turn` from a session's main-thread priced requests (in order), or None (rules.next_turn)."""
    if not main:
        return None
    last = main[-1].r
    canonical = prices.resolve(last.model)
    found = prices.rates(canonical, utc_day(last.ts) or "0000-00-00", last.context, last.speed, last.geo) \
        if canonical else None
    return rules.next_turn(len(main), sum(p.r.output for p in main), any(p.r.cw1h for p in main), last.ts,
                           last.context, last.model, found[0] if found else None)[0]


def next_figure(nt, last_ts, now):
    """rules.next_figure of a report's `next_turn` (its expiry an ISO time)."""
    return rules.next_figure(nt, parse_iso(nt.get("cache_expires_at")) if nt else None, last_ts, now)


def cache_left(nt, now):
    """Seconds the cache of a session with `next_turn` nt has left at `now` (<= 0: expired), or None."""
    exp = parse_iso(nt.get("cache_expires_at")) if nt else None
    return None if exp is None else exp - now




def session_status(analyzer, prices, session_id=None):
    """{session_id, cost_usd, requests, context_tokens, model, next_turn, unpriced} of one session of `analyzer`
    (the status line's figures, without building the report): `session_id`, else the session active last. Only
    that session's requests are priced (issue 15: the status line runs every few hundred milliseconds)."""
    from ..core.priced import Priced, agent_key, price
    reqs = analyzer.store.requests()
    mine = [r for r in reqs if r.session_id == session_id] if session_id else []
    if not mine:
        last = max((r for r in reqs if r.ts is not None), key=lambda r: (r.ts, r.session_id), default=None)
        if last is None:
            return None
        mine = [r for r in reqs if r.session_id == last.session_id]
    pico = 0
    unpriced = set()
    priced = []
    for r in mine:
        costs, rates, why = price(prices, r)
        if costs is None:
            unpriced.add(r.model)
        else:
            pico += sum(costs)
        priced.append(Priced(r, costs, rates, why, agent_key(r), None))
    main = [p for p in priced if p.agent == "main"] or priced
    last = main[-1]
    # The last main-thread request's rates per token (USD): what Claude Code's `recache_tokens_if_cold` costs.
    rates = last.rates and {"cw5m": last.rates.cw5m / PICO, "cw1h": last.rates.cw1h / PICO,
                            "output": last.rates.output / PICO}
    nt = next_turn_of(main, prices)
    # The cache's expiry as epoch seconds: the status line counts down without parsing a stamp (no datetime).
    expires = last.r.ts + nt["cache_ttl_seconds"] if nt and last.r.ts is not None else None
    return {"session_id": last.r.session_id, "cost_usd": usd(pico), "requests": len(priced),
            "context_tokens": last.r.context, "model": last.r.model, "last_ts": last.r.ts,
            "next_turn": nt, "unpriced": sorted(unpriced), "rates": rates, "expires_at": expires,
            "loop": loop_wake(analyzer, last, main)}


def last_fire(analyzer, session_id):
    """[ts, task, cron] of the session's latest loop fire, or None (issue 32)."""
    got = max(((ts, task) for sid, ts, task in analyzer.fires.values() if sid == session_id and ts is not None),
              default=None)
    return None if got is None else [got[0], got[1], analyzer.tasks.get(got[1])]


def loop_wake(analyzer, last, main):
    """{task, cron, context_tokens, cost_usd} when a loop's fire woke the session's last main-thread request after its
    cache expired (rules.loop_woke), else None."""
    fire = last_fire(analyzer, last.r.session_id)
    prev = main[-2].r if len(main) > 1 else None
    one_hour = any(p.r.cw1h for p in main)
    if fire is None or prev is None or not rules.loop_woke(fire[0], prev.ts, last.r.ts, one_hour):
        return None
    return {"task": fire[1], "cron": fire[2], "context_tokens": last.r.context,
            "cost_usd": usd(sum(last.costs)) if last.costs is not None else None}


ACTIVE_SECONDS = 3600   # watch shows sessions with a request in the last hour
BURN_SECONDS = 900      # burn rate: spend over the last 15 minutes, per hour


def snapshot(analyzer, prices, now, cap=None, active=ACTIVE_SECONDS):
    """What `watch` shows at `now`: the active sessions, the active 5-hour block, and alerts — each alert a
    {key, text}; the key says which event it is, so a view announces it once (issue 15)."""
    from . import blocks, insights
    from ..core.priced import priced_requests
    sel = priced_requests(analyzer, prices, tz="UTC")
    by_session = {}
    for p in sel.priced:
        by_session.setdefault(p.r.session_id, []).append(p)
    rows, alerts = [], []
    cap_pico = None if cap is None else cap * 1e12
    for sid, ps in by_session.items():
        stamps = [p.r.ts for p in ps if p.r.ts is not None]
        if not stamps or now - max(stamps) > active:
            continue
        pico = sum(sum(p.costs) for p in ps if p.costs is not None)
        recent = sum(sum(p.costs) for p in ps if p.costs is not None and p.r.ts is not None
                     and now - p.r.ts <= BURN_SECONDS)
        main = [p for p in ps if p.agent == "main"] or ps
        nt = next_turn_of(main, prices)
        title = analyzer.titles.get(sid)
        from ..core.priced import project_of
        rows.append({"session_id": sid, "title": title[3] if title else None,
                     "project": project_of([p.r for p in ps]), "cost_usd": usd(pico), "requests": len(ps),
                     "context_tokens": main[-1].r.context, "next_turn": nt, "last_ts": max(stamps),
                     "cache_left": cache_left(nt, now),
                     "burn_usd_per_hour": usd(recent * 3600 / BURN_SECONDS)})
        short = sid[:8]
        if cap_pico is not None:
            if pico > cap_pico:
                alerts.append({"key": f"cap:{sid}", "text": f"session {short} crossed ${cap:,.2f}: ${usd(pico):,.2f} so far"})
            agents = {}
            for p in ps:
                if p.agent != "main" and p.costs is not None:
                    agents[p.agent] = agents.get(p.agent, 0) + sum(p.costs)
            for agent, a_pico in sorted(agents.items()):
                if a_pico > cap_pico:
                    alerts.append({"key": f"cap:{sid}:{agent}",
                                   "text": f"agent {agent[:12]} of session {short} crossed ${cap:,.2f}: "
                                           f"${usd(a_pico):,.2f}"})
        turns = insights.turns_of(main)
        misses = insights.idle_cache_misses(turns)["misses"]
        if misses and misses[-1]["turn"] == len(turns):
            m = misses[-1]
            loop = loop_wake(analyzer, main[-1], main)
            # Issue 32: a loop's fire that re-wrote the cache is named (nothing attributed the cost to it).
            who = (f"loop {clean(loop['cron'] or loop['task'])[:40]} woke session {short}" if loop
                   else f"session {short} resumed")
            alerts.append({"key": f"wake:{sid}:{m['turn']}",
                           "text": f"{who} after its cache expired ({m['idle_seconds'] / 60:.0f} min "
                                   f"idle): that request rewrote {m['tokens_rewritten']:,} tokens ≈ "
                                   f"${m['rewrite_cost_usd']:,.2f}"})
        timer = insights.timer_wakes(misses)
        if timer:
            alerts.append({"key": f"timer:{sid}:{timer['wakes']}", "text": f"session {short} {timer['text']}"})
    rows.sort(key=lambda r: -r["last_ts"])
    block = next((b for b in blocks.windows(sel.priced, now=now) if b["active"]), None)
    return {"sessions": rows, "block": block, "alerts": alerts}
