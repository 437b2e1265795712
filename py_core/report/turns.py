"""What each prompt and each loop cost (issue 32 items 3 and 4).

A turn is a prompt the person typed (not a background agent's task notification, not a line Claude Code injected)
and every request from it until the next prompt or loop fire — subagents' requests included, placed by their
timestamps. A loop fire (`system/scheduled_task_fire`, then a prompt with `scheduledTaskId` / `turnOrigin:
"scheduled"`) starts a turn too, costed to its loop: fires, cost, cost per fire, and how many fires re-wrote an
expired cache (misses.py, cause "cache_expired") and what those re-writes cost. Requests before a session's first
prompt, or without a timestamp, are in no turn and are counted apart.

The distribution of turn costs is nearest-rank: the median is the middle turn (the mean of the two middle ones), p90
the turn at rank ceil(0.9 n). A prompt's first words are shown on this machine only: the analyzer never writes them
into a state file, `--redact` drops them and no share card has them.
"""

import bisect
import heapq

from ..core.rules import usd
from ..core.timeutil import iso

TOP_TURNS = 5       # a session's costliest turns listed
TOP_REPORT = 10     # the report's
LOOP_SAMPLES = 20   # loops per session (by cost; the report merges them by task)


def starts_of(prompts, fires, sessions):
    """{session: [(ts, key, task or None), ...] in time order} of the analyzer's prompts ({key: (session, ts)}) and
    loop fires ({key: [session, ts, task]}) for the sessions in `sessions` (timestamped ones only: a turn is placed
    by time)."""
    out = {}
    for key, (sid, ts) in prompts.items():
        if ts is not None and sid in sessions:
            out.setdefault(sid, []).append((ts, key, None))
    for key, (sid, ts, task) in fires.items():
        if ts is not None and sid in sessions:
            out.setdefault(sid, []).append((ts, key, task))
    for v in out.values():
        v.sort()
    return out


def session_turns(priced, starts, words, crons, missed):
    """(row, costs, loops) of one session. `priced`: its priced requests; `starts`: starts_of's list; `words`:
    {prompt key: first words}; `crons`: {task: cron}; `missed`: misses.session_misses' {id(Priced): (cause,
    rewrite pico)}. `costs`: the typed turns' pico-dollars, sorted (the report's distribution); `loops`: {task:
    [fires, pico, rewrites, rewrite pico, cron, words]}."""
    times = [s[0] for s in starts]
    n = len(starts)
    cost = [0] * n
    reqs = [0] * n
    rewrites = [0] * n
    rewrite_pico = [0] * n
    outside = [0, 0]
    for p in priced:
        ts = p.r.ts
        i = bisect.bisect_right(times, ts) - 1 if ts is not None else -1
        c = p.costs
        if i < 0:
            outside[0] += 1
            if c is not None:
                outside[1] += sum(c)
            continue
        reqs[i] += 1
        if c is not None:
            cost[i] += sum(c)
        m = missed.get(id(p)) if missed else None
        if m is not None and m[0] == "cache_expired":
            rewrites[i] += 1
            rewrite_pico[i] += m[1]
    typed = [i for i in range(n) if starts[i][2] is None]
    costs = sorted(cost[i] for i in typed)
    top = heapq.nsmallest(TOP_TURNS, typed, key=lambda i: (-cost[i], starts[i][0]))
    loops = {}
    for i in range(n):
        task = starts[i][2]
        if task is None:
            continue
        lp = loops.get(task)
        if lp is None:
            lp = loops[task] = [0, 0, 0, 0, crons.get(task), words.get(starts[i][1])]
        lp[0] += 1
        lp[1] += cost[i]
        lp[2] += 1 if rewrites[i] else 0
        lp[3] += rewrite_pico[i]
    row = distribution(costs)
    row["costliest"] = [turn_row(starts[i], cost[i], reqs[i], words) for i in top]
    row["outside_turns"] = {"requests": outside[0], "cost_usd": usd(outside[1])}
    return row, costs, loops


def turn_row(start, pico, n, words):
    ts, key, _task = start
    return {"timestamp": iso(ts), "cost_usd": usd(pico), "requests": n, "prompt": words.get(key)}


def distribution(costs):
    """{count, cost_usd, median_usd, p90_usd, max_usd} of sorted pico-dollar turn costs (nearest rank)."""
    n = len(costs)
    if not n:
        return {"count": 0, "cost_usd": 0.0, "median_usd": None, "p90_usd": None, "max_usd": None}
    mid = costs[n // 2] if n % 2 else (costs[n // 2 - 1] + costs[n // 2]) // 2
    p90 = costs[max(0, -(-9 * n // 10) - 1)]
    return {"count": n, "cost_usd": usd(sum(costs)), "median_usd": usd(mid), "p90_usd": usd(p90),
            "max_usd": usd(costs[-1])}


def loop_rows(loops, limit=None):
    """Rows of {task: [fires, pico, rewrites, rewrite pico, cron, words]}, costliest first."""
    rows = [{"task": task, "cron": v[4], "prompt": v[5], "fires": v[0], "cost_usd": usd(v[1]),
             "cost_per_fire_usd": usd(v[1] // v[0]) if v[0] else None, "cache_rewrites": v[2],
             "rewrite_cost_usd": usd(v[3])} for task, v in loops.items()]
    rows.sort(key=lambda r: (-r["cost_usd"], r["task"]))
    return rows[:limit] if limit else rows


def pooled(parts):
    """The report's turns and loops from the parts: (turns row, loop rows). `parts`: (session id, title, costs,
    costliest rows, loops) per session."""
    all_costs = []
    top = []
    loops = {}
    for sid, title, costs, costliest, lps in parts:
        all_costs.append(costs)
        for t in costliest:
            top.append((-t["cost_usd"], t["timestamp"] or "", sid, t, title))
        for task, v in lps.items():
            lp = loops.get(task)
            if lp is None:
                loops[task] = list(v)
            else:
                for i in range(4):
                    lp[i] += v[i]
                lp[4] = lp[4] or v[4]
                lp[5] = lp[5] or v[5]
    merged = list(heapq.merge(*all_costs))
    row = distribution(merged)
    row["costliest"] = [dict(t, session_id=sid, title=title) for _c, _ts, sid, t, title in sorted(
        top, key=lambda x: x[:3])[:TOP_REPORT]]
    return row, loop_rows(loops)
