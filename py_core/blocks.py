"""Claude's usage windows as the peers model them (issue 15): 5-hour blocks and weekly windows, from priced requests.

A block starts at the first request after the previous block ended, floored to the hour, and lasts 5 hours; a
request more than 5 hours after the one before it also starts a new block (gaps are not blocks). Weekly windows
follow the same rule with 7 days and no gap rule. These are estimates of list-price spend in those windows, not the
plan's own meter (Claude Code's status line JSON carries the official percentages; statusline.py shows them).

Per window: cost, tokens, requests, the burn rate ($/hour over its active span) and, for the active window (now
before its end, last request less than a window's length ago), a projection to its end at that burn rate.
"""

from .priced import usd
from .timeutil import iso

BLOCK_SECONDS = 5 * 3600
WEEK_SECONDS = 7 * 24 * 3600
HOUR = 3600


def _iso(ts):
    return iso(ts, "seconds")


def timed(priced):
    """The requests with a time, in time order (what `windows` takes; sort once for both kinds of window)."""
    return sorted((p for p in priced if p.r.ts is not None), key=lambda p: (p.r.ts, p.r.source, p.r.line))


def windows(priced, length=BLOCK_SECONDS, gap_rule=True, now=None, ordered=None, raw=None):
    """The windows of `priced` (priced.Priced, any order; requests without a time are left out), oldest first.
    `ordered`: `timed(priced)` when the caller has it already. `raw`: a list to which each window's
    [start, first, last, pico] is added — what `reclock` needs to redo the clock's fields at another time."""
    out = []
    cur = None
    start = last = None
    for p in (ordered if ordered is not None else timed(priced)):
        r = p.r
        ts = r.ts
        if cur is None or ts - start >= length or (gap_rule and ts - last > length):
            start = ts - ts % HOUR
            cur = {"start": start, "first": ts, "requests": 0, "priced": 0, "pico": 0,
                   "tokens": [0, 0, 0, 0, 0], "buckets": [0, 0, 0, 0, 0, 0]}
            out.append(cur)
        last = ts
        cur["last"] = ts
        cur["requests"] += 1
        t = cur["tokens"]
        t[0] += r.input
        t[1] += r.cw5m
        t[2] += r.cw1h
        t[3] += r.cache_read
        t[4] += r.output
        c = p.costs
        if c is not None:
            cur["priced"] += 1
            b = cur["buckets"]
            b[0] += c[0]
            b[1] += c[1]
            b[2] += c[2]
            b[3] += c[3]
            b[4] += c[4]
            b[5] += c[5]
    for w in out:
        w["pico"] = sum(w["buckets"])
        if raw is not None:
            raw.append([w["start"], w["first"], w["last"], w["pico"]])
    return [_row(w, length, now) for w in out]


# A rate over less than this reads absurdly (issue 25: a 15-second block "burned" $22.29/h): no rate, no projection.
MIN_BURN_SPAN = 600


def _burn(pico, span):
    """Pico-dollars per hour over a window's active span, or None when the span is under MIN_BURN_SPAN."""
    return pico / (span / HOUR) if span >= MIN_BURN_SPAN else None


def _clocked(start, first, last, pico, length, now):
    """The fields of a window that depend on the clock: is it active at `now`, time left, projection to its end."""
    end = start + length
    span = last - first
    burn = _burn(pico, span)
    active = now is not None and start <= now < end and now - last < length
    projection = None
    if active and burn is not None:
        projection = usd(pico + burn * (end - now) / HOUR)
    return {"active": active, "remaining_seconds": round(end - now) if active else None,
            "projected_cost_usd": projection}


def reclock(rows, raw, length, now):
    """Redo the clock's fields of `rows` (windows() rows, with the `raw` it gave) at `now` (issue 20: a stored report
    shown again). True when any row changed."""
    changed = False
    for row, (start, first, last, pico) in zip(rows, raw):
        c = _clocked(start, first, last, pico, length, now)
        if any(row[k] != v for k, v in c.items()):
            row.update(c)
            changed = True
    return changed


def _row(w, length, now):
    end = w["start"] + length
    span = w["last"] - w["first"]
    # Burn rate over the active span; a window whose requests span under 10 minutes has none.
    burn = _burn(w["pico"], span)
    inp, w5, w1, read, out = w["tokens"]
    c_in, c_w5, c_w1, c_read, c_out, c_web = w["buckets"]
    return {
        "start": _iso(w["start"]), "end": _iso(end),
        "first_timestamp": _iso(w["first"]), "last_timestamp": _iso(w["last"]),
        "requests": w["requests"], "priced_requests": w["priced"], "cost_usd": usd(w["pico"]),
        "tokens": {"input": inp, "output": out, "cache_write_5m": w5, "cache_write_1h": w1, "cache_read": read,
                   "total": inp + w5 + w1 + read + out},
        "cost_by_bucket_usd": {"input": usd(c_in), "output": usd(c_out), "cache_write": usd(c_w5 + c_w1),
                               "cache_read": usd(c_read), "web_search": usd(c_web)},
        "burn_rate_usd_per_hour": usd(burn) if burn is not None else None,
        **_clocked(w["start"], w["first"], w["last"], w["pico"], length, now),
    }
