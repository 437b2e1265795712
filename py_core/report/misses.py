"""Why each cache miss happened (issue 32 item 5).

A miss is counted as Claude Code's `/usage` counts one: of the tokens a request could have read from the cache (what
the same agent's previous request sent, up to what this one sends), more than 5% and at least 2,000 were written to
the cache again. Each miss is given the first cause the log shows, in this order:

  compaction            a compaction (full or micro) of that agent came between the two requests — expected;
  model_switch          the model or fast mode changed (each model and speed has its own cache);
  prompt_or_tools       Claude Code wrote a different system prompt or tool list (a new `prompt_snapshot`);
  version_upgrade       Claude Code was upgraded mid-session (the responses' `version` changed);
  cache_expired         the idle gap was longer than the cache's lifetime (5 minutes; 1 hour once the agent has
                        written 1-hour cache);
  unknown               none of those.

Its cost is the extra paid: those tokens at the request's cache-write price instead of the cache-read price. Every
agent (the main thread and each subagent) has its own chain of requests; unpriced requests are left out.
"""

from ..core.rules import TTL_1H, TTL_5M, usd

MIN_SHARE = 0.05
MIN_TOKENS = 2_000
CAUSES = ("compaction", "model_switch", "prompt_or_tools", "version_upgrade", "cache_expired", "unknown")
LABELS = {"compaction": "compaction (expected)", "model_switch": "model or fast-mode switch",
          "prompt_or_tools": "system prompt or tools changed", "version_upgrade": "Claude Code upgraded",
          "cache_expired": "cache expired (idle)", "unknown": "unknown"}
SAMPLES = 20  # a session's misses listed one by one (the sums cover all)
ASSUMPTIONS = ("A cache miss is counted as Claude Code counts one: of the tokens a request could have read from the "
               f"cache (what the same agent sent the request before, up to what it sends now), more than "
               f"{MIN_SHARE:.0%} and at least {MIN_TOKENS:,} were written to the cache again. Its cause is the first "
               "the log shows: a compaction (expected), a model or fast-mode switch, a changed system prompt or tool "
               "list, a Claude Code upgrade, an idle gap longer than the cache's lifetime, else unknown. Its cost: "
               "those tokens at the cache-write price instead of the cache-read price.")


def session_misses(priced, comps, events):
    """(row, sums, by_request) of one session: `priced` its priced requests (any order), `comps` its compactions
    (analyzer tuples), `events` its [ts, session, kind, value] ("version" / "snapshot"). `sums`: {cause: [misses,
    tokens, extra pico-dollars, rewrite pico-dollars]}; `by_request`: {id(Priced): (cause, rewrite pico-dollars)}
    for the turns and loops that name them."""
    chains = {}
    for p in priced:
        if p.rates is not None:
            chains.setdefault(p.agent, []).append(p)
    comp_at = {}
    for c in comps:
        if c[0] is not None:
            comp_at.setdefault(c[3] or "main", []).append(c[0])
    snaps = [e[0] for e in events if e[2] == "snapshot" and e[0] is not None]
    versions = [e[0] for e in events if e[2] == "version" and e[0] is not None]
    sums = {}
    listed = []
    by_request = {}
    for agent, chain in chains.items():
        if len(chain) < 2:
            continue
        chain.sort(key=lambda p: (p.r.ts if p.r.ts is not None else float("inf"), p.r.source, p.r.line))
        comp = comp_at.get(agent, ())
        one_hour = False
        prev = None
        for p in chain:
            r = p.r
            if prev is None:
                prev = p
                one_hour = r.cw1h > 0
                continue
            q = prev.r
            could = min(q.context, r.context)
            written = r.cw5m + r.cw1h
            lost = could - r.cache_read
            tokens = min(lost, written)
            if tokens >= MIN_TOKENS and tokens > MIN_SHARE * could:
                cause = _cause(q, r, agent, comp, snaps, versions, one_hour)
                _pin, p5, p1h, pread, _pout = p.rates
                rewrite = tokens * (r.cw5m * p5 + r.cw1h * p1h) // written
                extra = rewrite - tokens * pread
                s = sums.get(cause)
                if s is None:
                    s = sums[cause] = [0, 0, 0, 0]
                s[0] += 1
                s[1] += tokens
                s[2] += extra
                s[3] += rewrite
                by_request[id(p)] = (cause, rewrite)
                listed.append((r.ts if r.ts is not None else float("inf"), r.timestamp, agent, cause, tokens, extra,
                               r.ts - q.ts if r.ts is not None and q.ts is not None else None))
            one_hour = one_hour or r.cw1h > 0
            prev = p
    listed.sort(key=lambda m: (m[0], m[2]))
    row = rows_of(sums)
    row["misses"] = [{"timestamp": stamp, "agent": agent, "cause": cause, "tokens_rewritten": tokens,
                      "extra_cost_usd": usd(extra), "idle_seconds": round(gap, 3) if gap is not None else None}
                     for _ts, stamp, agent, cause, tokens, extra, gap in listed[:SAMPLES]]
    return row, sums, by_request


def _between(times, a, b):
    return a is not None and b is not None and any(a < t <= b for t in times)


def _cause(q, r, agent, comp, snaps, versions, one_hour):
    if _between(comp, q.ts, r.ts):
        return "compaction"
    if r.model != q.model or r.speed != q.speed:
        return "model_switch"
    if agent == "main" and _between(snaps, q.ts, r.ts):
        return "prompt_or_tools"
    if agent == "main" and _between(versions, q.ts, r.ts):
        return "version_upgrade"
    if q.ts is not None and r.ts is not None and r.ts - q.ts > (TTL_1H if one_hour else TTL_5M):
        return "cache_expired"
    return "unknown"


def rows_of(sums):
    """{count, tokens_rewritten, extra_cost_usd, by_cause: [...]} of {cause: [misses, tokens, extra, rewrite]}."""
    by_cause = [{"cause": c, "label": LABELS[c], "count": sums[c][0], "tokens_rewritten": sums[c][1],
                 "extra_cost_usd": usd(sums[c][2])} for c in CAUSES if c in sums]
    by_cause.sort(key=lambda x: (-x["extra_cost_usd"], CAUSES.index(x["cause"])))
    return {"count": sum(s[0] for s in sums.values()), "tokens_rewritten": sum(s[1] for s in sums.values()),
            "extra_cost_usd": usd(sum(s[2] for s in sums.values())), "by_cause": by_cause}


def pooled(all_sums):
    """The report's misses: every session's sums added (integers: any order, the same figures)."""
    out = {}
    for sums in all_sums:
        for cause, s in sums.items():
            o = out.get(cause)
            if o is None:
                o = out[cause] = [0, 0, 0, 0]
            for i in range(4):
                o[i] += s[i]
    row = rows_of(out)
    row["assumptions"] = ASSUMPTIONS
    return row
