"""What to do about it (issue 6): what-if compaction, idle cache misses, resident cost of early context,
a session's rank among the user's own, and the published single-user reference set.

Every figure is a re-pricing of the session's own main-thread turns (integer pico-dollars, each turn at its
own model's rates) under a stated assumption; the assumptions travel with the numbers in the report.
"""

import bisect
import statistics

from ..core import present
from ..core.pricing import PICO

COMPACT_TO = 20_000      # context right after a compaction (system prompt, tools, summary), tokens
SUMMARY_OUT = 3_000      # tokens the summariser writes
THRESHOLDS = (50_000, 80_000, 100_000, 150_000, 200_000, 300_000, 500_000)
TTL_5M, TTL_1H = 300, 3600
MISS_SHARE = 0.5         # a turn after an idle gap that writes at least this share of its context re-cached it
FRESH_GAP = 30 * 60      # idle gaps at least this long are candidates for "start a fresh session"
FRESH_RESETS = 3
TOP_RESIDENT = 10

ASSUMPTIONS = {
    "what_if_compaction": (
        f"Whenever the context passes the threshold it is compacted to {COMPACT_TO:,} tokens; afterwards it grows by "
        "the same per-turn additions as it really did. A compaction costs one read of the whole context at the "
        f"cache-read price, {SUMMARY_OUT:,} output tokens of summary, and writing the {COMPACT_TO:,} tokens back at the "
        "5-minute cache-write price. Output, fresh input and cache writes of each turn are unchanged; only re-sent "
        "context (cache read) shrinks."),
    "fresh_session": (
        f"A fresh session is started at the session's {FRESH_RESETS} longest idle gaps of at least "
        f"{FRESH_GAP // 60} minutes: the context drops back to the size of the session's first turn (written again "
        "at the 5-minute cache-write price) and grows by the same additions as it really did."),
    "idle_cache_misses": (
        "A turn counts as a miss when it follows an idle gap longer than the cache lifetime (5 minutes, or 1 hour "
        f"once the session writes 1-hour cache) and writes at least {MISS_SHARE:.0%} of its context to the cache "
        "again. Its extra cost is that write minus reading the same tokens from the cache."),
    "resident_context": (
        "Tokens written to the cache at a turn are re-read by every later turn until the context next drops (a "
        "compaction); their resident cost is those re-reads at each later turn's cache-read price."),
}

# One heavy user's published data (issue 6): not a census; only median and pooled figures exist.
REFERENCE = {
    "label": "The published single-user reference set: one heavy user's data, not a census.",
    "sessions": 66, "turns": 4339, "total_cost_usd": 2650.90,
    "median_session_cost_usd": 4.08, "median_session_turns": 29, "median_peak_context_tokens": 45_000,
    "mean_peak_context_tokens": 251_371, "max_peak_context_tokens": 999_541,
    "resent_share_median_session": 0.24, "resent_share_pooled": 0.60,
    "cache_write_share_pooled": 0.25, "output_share_pooled": 0.15, "input_share_pooled": 0.0,
    "cache_hit_rate_median_session": 0.83, "cache_hit_rate_pooled": 0.98,
}


def _usd(p):
    return round(p / PICO, 10)


class Turn:
    """A priced main-thread request, as the insights need it."""

    __slots__ = ("ts", "timestamp", "input", "w5", "w1", "read", "out", "rates", "context")

    def __init__(self, ts, timestamp, inp, w5, w1, read, out, rates):
        self.ts, self.timestamp, self.input, self.w5, self.w1, self.read, self.out, self.rates = \
            ts, timestamp, inp, w5, w1, read, out, rates
        self.context = inp + w5 + w1 + read  # read by every simulation: computed once


def turns_of(main):
    """The Turns of a session's main-thread priced requests (unpriced ones cannot be re-priced: left out)."""
    return [Turn(p.r.ts, p.r.timestamp, p.r.input, p.r.cw5m, p.r.cw1h, p.r.cache_read, p.r.output, p.rates)
            for p in main if p.rates is not None]


def _simulate(turns, cap=None, resets=()):
    """Pico-dollars saved when the context is capped (compacted past `cap`) or reset before turn indices."""
    saving = 0
    events = 0
    sim = prev = None
    base = turns[0].context if turns else 0
    for i, t in enumerate(turns):
        _pin, p5, _p1h, pread, pout = t.rates
        ctx = t.context
        if prev is None:
            sim = ctx
        else:
            delta = ctx - prev
            sim = sim + delta if delta >= 0 else (sim if sim < ctx else ctx)  # a real compaction resets it too
            if resets and i in resets and sim > base:
                saving -= base * p5  # the fresh session writes its starting context again
                sim = base
                events += 1
        removed = ctx - sim
        if removed > 0:
            saving += (removed if removed < t.read else t.read) * pread
        if cap is not None and sim > cap:
            saving -= sim * pread + SUMMARY_OUT * pout + COMPACT_TO * p5
            sim = COMPACT_TO
            events += 1
        prev = ctx
    return saving, events


def what_if_compaction(turns, peak):
    rows = []
    for th in THRESHOLDS:
        if th >= peak or th <= COMPACT_TO:
            continue
        saving, n = _simulate(turns, cap=th)
        rows.append({"threshold_tokens": th, "compactions": n, "saving_usd": _usd(saving)})
    best = max(rows, key=lambda r: (r["saving_usd"], -r["threshold_tokens"]), default=None)
    return {"compact_to_tokens": COMPACT_TO, "thresholds": rows,
            "best": best if best and best["saving_usd"] > 0 else None,
            "assumptions": ASSUMPTIONS["what_if_compaction"]}


def fresh_session(turns):
    gaps = sorted(((turns[i].ts - turns[i - 1].ts, i) for i in range(1, len(turns))
                   if turns[i].ts is not None and turns[i - 1].ts is not None), reverse=True)
    chosen = sorted(i for gap, i in gaps[:FRESH_RESETS] if gap >= FRESH_GAP)
    saving, n = _simulate(turns, resets=set(chosen))
    return {"resets": [{"before_turn": i + 1, "timestamp": turns[i].timestamp,
                        "idle_seconds": round(turns[i].ts - turns[i - 1].ts, 3)} for i in chosen],
            "saving_usd": _usd(saving), "assumptions": ASSUMPTIONS["fresh_session"]}


def idle_cache_misses(turns):
    misses = []
    extra = 0
    one_hour = False
    for i, t in enumerate(turns):
        if i and t.ts is not None and turns[i - 1].ts is not None:
            gap = t.ts - turns[i - 1].ts
            written = t.w5 + t.w1
            if gap > (TTL_1H if one_hour else TTL_5M) and t.context and written >= MISS_SHARE * t.context:
                _pin, p5, p1h, pread, _pout = t.rates
                cost = t.w5 * p5 + t.w1 * p1h - written * pread
                extra += cost
                misses.append({"turn": i + 1, "timestamp": t.timestamp, "idle_seconds": round(gap, 3),
                               "tokens_rewritten": written, "extra_cost_usd": _usd(cost),
                               "rewrite_cost_usd": _usd(t.w5 * p5 + t.w1 * p1h)})
        one_hour = one_hour or t.w1 > 0
    return {"count": len(misses), "extra_cost_usd": _usd(extra), "misses": misses,
            "assumptions": ASSUMPTIONS["idle_cache_misses"]}


TIMER_MIN_WAKES = 3    # wakes after an expired cache, at a regular interval, before it is called a timer
TIMER_SPREAD = 0.25    # "regular": within 25% of the median interval


def timer_wakes(misses):
    """The timer pattern (issue 15): a session woken on a schedule slower than the cache lifetime rewrites its whole
    context at every wake (an agent on a 20-minute timer burned 136M tokens so, unseen). None unless at least
    TIMER_MIN_WAKES cache misses came after idle gaps within TIMER_SPREAD of their median, and those are at least
    three quarters of the session's misses."""
    if len(misses) < TIMER_MIN_WAKES:
        return None
    med = statistics.median(m["idle_seconds"] for m in misses)
    regular = [m for m in misses if abs(m["idle_seconds"] - med) <= TIMER_SPREAD * med]
    if len(regular) < TIMER_MIN_WAKES or len(regular) * 4 < len(misses) * 3:
        return None
    each = statistics.median(m["rewrite_cost_usd"] for m in regular)
    total = round(sum(m["rewrite_cost_usd"] for m in regular), 10)
    return {"wakes": len(regular), "interval_seconds": round(med, 3), "rewrite_cost_usd": each,
            "total_rewrite_cost_usd": total,
            "text": f"woke {len(regular)} times, every ~{_minutes(med)}, each rewrite ≈ {present.money(each)}"}


def _minutes(seconds):
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{round(seconds / 60)} min"


def resident_context(turns):
    # Linear, not quadratic (issue 4: a 1,270-turn session without a compaction is 800k steps otherwise):
    # tokens added at turn i stay until the first later drop of the context, `end[i]`, and are re-read
    # at each turn before it, so their cost is a difference of prefix sums of the read rates.
    n = len(turns)
    ctx = [t.context for t in turns]
    reads = [0] * (n + 1)
    for k, t in enumerate(turns):
        reads[k + 1] = reads[k] + t.rates[3]
    end = [n] * n
    for i in range(n - 2, -1, -1):
        end[i] = i + 1 if ctx[i + 1] < ctx[i] else end[i + 1]
    rows = []
    for i, t in enumerate(turns):
        added = t.w5 + t.w1
        if not added:
            continue
        e = end[i]
        rows.append({"turn": i + 1, "timestamp": t.timestamp, "tokens": added, "later_turns": e - i - 1,
                     "resident_cost_usd": _usd(added * (reads[e] - reads[i + 1]))})
    rows.sort(key=lambda r: (-r["resident_cost_usd"], r["turn"]))
    return {"largest": rows[:TOP_RESIDENT], "assumptions": ASSUMPTIONS["resident_context"]}


def session_insights(turns, peak):
    misses = idle_cache_misses(turns)
    return {
        "what_if_compaction": what_if_compaction(turns, peak),
        "fresh_session": fresh_session(turns),
        "idle_cache_misses": misses,
        "timer_wakes": timer_wakes(misses["misses"]),
        "resident_context": resident_context(turns),
    }


def percentile_rank(values, v):
    """Share of the user's sessions at or below v, in percent (their own sessions only).

    `values` sorted ascending: a bisection per session, not a scan (issue 4: quadratic in sessions otherwise).
    """
    return round(100 * bisect.bisect_right(values, v) / len(values), 1) if values else None


def reference_comparison(report):
    """The user's median and pooled figures beside the reference set's (only figures it publishes)."""
    ss = report["sessions"]
    t = report["totals"]
    med = (lambda xs: statistics.median(xs) if xs else None)  # noqa: E731
    hits = [s["cache_hit_rate"] for s in ss if s["cache_hit_rate"] is not None]
    yours = {
        "sessions": len(ss), "turns": t["requests"], "total_cost_usd": t["cost_usd"],
        "median_session_cost_usd": med([s["cost_usd"] for s in ss]),
        "median_session_turns": med([s["requests"] for s in ss]),
        "median_peak_context_tokens": med([s["peak_context_tokens"] for s in ss]),
        "resent_share_median_session": t["resent_share_median_session"],
        "resent_share_pooled": t["resent_share_pooled"],
        "cache_write_share_pooled": t["share_of_cost"]["cache_write"],
        "output_share_pooled": t["share_of_cost"]["output"],
        "input_share_pooled": t["share_of_cost"]["input"],
        "cache_hit_rate_median_session": med(hits), "cache_hit_rate_pooled": t["cache_hit_rate"],
    }
    return {"reference": REFERENCE, "yours": yours}
