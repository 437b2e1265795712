"""Claude's usage windows as the peers model them (issue 15): 5-hour blocks and weekly windows, from priced requests.

A block starts at the first request after the previous block ended, floored to the hour, and lasts 5 hours; a
request more than 5 hours after the one before it also starts a new block (gaps are not blocks). Weekly windows
follow the same rule with 7 days and no gap rule. These are estimates of list-price spend in those windows, not the
plan's own meter (Claude Code's status line JSON carries the official percentages; statusline.py shows them).

Per window: cost, tokens, requests, the burn rate ($/hour over its active span) and, for the active window (now
before its end, last request less than a window's length ago), a projection to its end at that burn rate.
"""

from ..core.priced import usd
from ..core.records import COSTS, TOKENS
from ..core.timeutil import iso

BLOCK_SECONDS = 5 * 3600
WEEK_SECONDS = 7 * 24 * 3600
HOUR = 3600


def _iso(ts):
    return iso(ts, "seconds")


# An hour's sums, by name (issue 31 item 4): [first ts, last ts, requests, priced, the token buckets, the costs], the
# buckets in the one order (core/records.TOKENS, COSTS). hours() adds a request's counts unrolled in that order (each
# request passes there); everything else reads the slots through these names.
HOUR_FIRST, HOUR_LAST, HOUR_REQUESTS, HOUR_PRICED = range(4)
HOUR_TOKENS = slice(4, 4 + len(TOKENS))
HOUR_COSTS = slice(HOUR_TOKENS.stop, HOUR_TOKENS.stop + len(COSTS))
HOUR_SLOTS = HOUR_COSTS.stop


def hour_from_json(h):
    """(hour start, sums) of a stored hour [start, *sums] (a session's part, kept: report/parts.py); ValueError unless
    every slot is what hours() writes."""
    if type(h) is not list or len(h) != 1 + HOUR_SLOTS or any(type(x) not in (int, float) for x in h[:3]) \
            or any(type(x) is not int for x in h[3:]):
        raise ValueError("not an hour's sums")
    return h[0], h[1:]


def hours(priced, into=None):
    """The requests with a time, summed per clock hour (issue 20: a window's edges are whole hours, so an hour is
    never split, and the windows of many sessions come from their hours without walking their requests again):
    {hour start: [first ts, last ts, requests, priced, the token buckets, the pico-dollar buckets]} (HOUR_*)."""
    out = {} if into is None else into
    for p in priced:
        r = p.r
        ts = r.ts
        if ts is None:
            continue
        h = ts - ts % HOUR
        b = out.get(h)
        if b is None:
            b = out[h] = [ts, ts, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        elif ts < b[0]:
            b[0] = ts
        elif ts > b[1]:
            b[1] = ts
        b[2] += 1
        b[4] += r.input
        b[5] += r.cw5m
        b[6] += r.cw1h
        b[7] += r.cache_read
        b[8] += r.output
        c = p.costs
        if c is not None:
            b[3] += 1
            b[9] += c[0]
            b[10] += c[1]
            b[11] += c[2]
            b[12] += c[3]
            b[13] += c[4]
            b[14] += c[5]
    return out


def add_hours(into, other):
    """Add one set of `hours` to another (the hours of two sessions: the hours of both)."""
    for h, o in other.items():
        b = into.get(h)
        if b is None:
            into[h] = list(o)
            continue
        if o[0] < b[0]:
            b[0] = o[0]
        if o[1] > b[1]:
            b[1] = o[1]
        for i in range(HOUR_REQUESTS, HOUR_SLOTS):
            b[i] += o[i]
    return into


def windows(priced, length=BLOCK_SECONDS, gap_rule=True, now=None, raw=None, by_hour=None):
    """The windows of `priced` (priced.Priced, any order; requests without a time are left out), oldest first — or
    of `by_hour` (`hours()` of them) when given. `raw`: a list to which each window's [start, first, last, pico] is
    added — what `reclock` needs to redo the clock's fields at another time."""
    out = []
    cur = None
    start = last = None
    for h, b in sorted((by_hour if by_hour is not None else hours(priced)).items()):
        # Within an hour no gap reaches a window's length, and no window edge falls: the rule per request (a new
        # window when a request is `length` past its start, or more than `length` after the one before) is the
        # rule per hour, decided at the hour's first request.
        first = b[HOUR_FIRST]
        if cur is None or first - start >= length or (gap_rule and first - last > length):
            start = h
            cur = {"start": start, "first": first, "requests": 0, "priced": 0, "pico": 0,
                   "tokens": [0] * len(TOKENS), "buckets": [0] * len(COSTS)}
            out.append(cur)
        last = b[HOUR_LAST]
        cur["last"] = last
        cur["requests"] += b[HOUR_REQUESTS]
        cur["priced"] += b[HOUR_PRICED]
        cur["tokens"] = [x + y for x, y in zip(cur["tokens"], b[HOUR_TOKENS])]
        cur["buckets"] = [x + y for x, y in zip(cur["buckets"], b[HOUR_COSTS])]
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


def is_active(start, last, length, now):
    """Is a window that starts at `start`, its last request at `last`, active at `now`? (None: no clock.)"""
    return now is not None and start <= now < start + length and now - last < length


def _clocked(start, first, last, pico, length, now):
    """The fields of a window that depend on the clock: is it active at `now`, time left, projection to its end."""
    end = start + length
    span = last - first
    burn = _burn(pico, span)
    active = is_active(start, last, length, now)
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
    inp, w5, w1, read, out = (dict(zip(TOKENS, w["tokens"]))[k] for k in ("input", "cw5m", "cw1h", "read", "output"))
    c_in, c_w5, c_w1, c_read, c_out, c_web = (dict(zip(COSTS, w["buckets"]))[k] for k in COSTS)
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
