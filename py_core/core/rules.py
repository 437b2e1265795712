"""The per-line rules, in one light module (issue 31 item 2): what a usage object's numbers are, which copy of a
response wins, what a request costs in pico-dollars, what a timestamp is, and what the next request will cost.

The analyzer (every report) and the status line's running summary (state/running.py) both read lines through these
functions, so a rule has one home: there is no second copy to keep equal. Light on purpose — the status line renders
every few hundred milliseconds and imports this — : no re, datetime, argparse, sqlite3 or decimal at import (a rare
shape of timestamp imports datetime, a line with thousands of brackets re, when they come).
"""

import time

from .text import clean_text

# Token counts are untrusted (issue 10): a count above this, negative, fractional, not a number, NaN or infinite is
# ignored and reported, never billed (10^30 tokens would be a $10^24 "estimate"). A billion tokens is ~500x the
# largest context window of any model.
MAX_TOKENS = 10**9
MAX_WEB_SEARCHES = 10_000
# Deeper lines are "nested too deeply", decided before parsing (issue 10): the C scanner recurses per bracket, and
# Pyodide's stack ends in a fatal error long before CPython raises RecursionError. Claude Code's lines nest a few
# dozen levels.
MAX_DEPTH = 200
TTL_5M, TTL_1H = 300, 3600
FORMULA = "context x cache-read price + average output x output price"
PICO = 10**12
# The span a report can name (issue 30): years 1 to 9999; a time derived past it is shown at its edge.
MIN_TS = -62135596800.0   # 0001-01-01T00:00:00Z
MAX_TS = 253402300800.0   # 10000-01-01T00:00:00Z, the first instant past the span


# -- text ----------------------------------------------------------------------------------------------------------
def text_or_none(v):
    """A log's string field as valid Unicode (a lone surrogate as U+FFFD), or None when absent, empty or not text."""
    if type(v) is str and v:
        return v if v.isascii() else clean_text(v)
    return None


def too_deep(text, limit=MAX_DEPTH):
    """Does this JSON text nest brackets deeper than `limit`? (Brackets inside strings do not count.)"""
    if text.count("{") + text.count("[") <= limit:
        return False  # cannot nest deeper than it has brackets: the common case, two C-speed counts
    import re
    if '"' in text:
        # Issue 22: strings removed at C speed (the unrolled form), then only brackets are walked.
        text = re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text, flags=re.S)
        if text.count("{") + text.count("[") <= limit:
            return False  # the brackets were in strings
    depth = 0
    for c in re.sub(r"[^\[\]{}]+", "", text):
        if c == "{" or c == "[":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


# -- a usage object's numbers ------------------------------------------------------------------------------------------
def checked(v, cap=MAX_TOKENS):
    """(the count, ok) of an untrusted count: an in-range int as it is, an integral float in range as an int, absent
    as None (ok); anything else (negative, too large, fractional, not a number, NaN) None, not ok — ignored and
    reported (issue 10)."""
    if type(v) is int and 0 <= v <= cap:
        return v, True
    if v is None:
        return None, True
    if type(v) is float and v == v and 0 <= v <= cap and v == int(v):
        return int(v), True
    return None, False


def _count(v, cap, field, bad):
    """checked(), absent as 0, an ignored value's `field` added to `bad`."""
    got, ok = checked(v, cap)
    if not ok:
        bad.append(field)
    return got or 0


def numbers(usage):
    """(input, output, 5m write, 1h write, cache read, [ignored fields]) of a usage object. The cache split: the
    `cache_creation` object's 5-minute and 1-hour writes; a total above their sum is a 5-minute write (the rate older
    logs without the split bill at); without the object, the whole total is a 5-minute write."""
    get = usage.get
    bad = []
    inp = get("input_tokens")
    if type(inp) is not int or not 0 <= inp <= MAX_TOKENS:
        inp = _count(inp, MAX_TOKENS, "input_tokens", bad)
    out = get("output_tokens")
    if type(out) is not int or not 0 <= out <= MAX_TOKENS:
        out = _count(out, MAX_TOKENS, "output_tokens", bad)
    read = get("cache_read_input_tokens")
    if type(read) is not int or not 0 <= read <= MAX_TOKENS:
        read = _count(read, MAX_TOKENS, "cache_read_input_tokens", bad)
    cw_total = get("cache_creation_input_tokens")
    if type(cw_total) is not int or not 0 <= cw_total <= MAX_TOKENS:
        cw_total = _count(cw_total, MAX_TOKENS, "cache_creation_input_tokens", bad)
    cc = get("cache_creation")
    if type(cc) is dict:
        cw1h = cc.get("ephemeral_1h_input_tokens")
        if type(cw1h) is not int or not 0 <= cw1h <= MAX_TOKENS:
            cw1h = _count(cw1h, MAX_TOKENS, "cache_creation.ephemeral_1h_input_tokens", bad)
        cw5m = cc.get("ephemeral_5m_input_tokens")
        if type(cw5m) is not int or not 0 <= cw5m <= MAX_TOKENS:
            cw5m = _count(cw5m, MAX_TOKENS, "cache_creation.ephemeral_5m_input_tokens", bad)
        if cw_total > cw5m + cw1h:
            cw5m = cw_total - cw1h
    else:
        cw5m, cw1h = cw_total, 0
    return inp, out, cw5m, cw1h, read, bad


def web_searches(usage, bad):
    """Web searches of a usage object (checked on every line, like the token counts); an ignored value's field is
    added to `bad`."""
    stu = usage.get("server_tool_use")
    if type(stu) is not dict:
        return 0
    web = stu.get("web_search_requests")
    if type(web) is not int or not 0 <= web <= MAX_WEB_SEARCHES:
        web = _count(web, MAX_WEB_SEARCHES, "server_tool_use.web_search_requests", bad)
    return web


def speed(usage):
    """`fast`, `standard`… as logged; fast mode's research preview (February 2026) marked fast responses only with
    `usage.research_preview_2026_02: "active"`, no `speed` (issue 23; claude-code-jsonl.md, pricing.md)."""
    return text_or_none(usage.get("speed")) or ("fast" if usage.get("research_preview_2026_02") == "active" else None)


# -- which copy of a response wins ---------------------------------------------------------------------------------------
def beats(sidechain, total, source, line, k_sidechain, k_total, k_source, k_line):
    """Is a copy (these values) preferred to the kept copy (k_…) of the same response? The main-thread copy first,
    then the largest token total (the final streaming snapshot: claude-hud #698), then the earliest (source, line),
    so the answer never depends on input order (dedup.py has the whole rule)."""
    if sidechain != k_sidechain:
        return not sidechain
    if total != k_total:
        return total > k_total
    return (source, line) < (k_source, k_line)


# -- cost -------------------------------------------------------------------------------------------------------------
def costs(rates, web_fee, inp, cw5m, cw1h, read, out, web):
    """A request's cost per bucket in pico-dollars — (input, 5m write, 1h write, cache read, output, web search) —
    at `rates` (input, 5m write, 1h write, read, output: pricing.Rates) and the web-search fee."""
    return (inp * rates[0], cw5m * rates[1], cw1h * rates[2], read * rates[3], out * rates[4], web * web_fee)


def usd(picos):
    """Pico-dollars as the report's USD figure (10 decimals)."""
    return round(picos / PICO, 10)


# -- time -------------------------------------------------------------------------------------------------------------
_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def parse_ts(value):
    """An ISO-8601 stamp (ms or µs, `Z` or an offset) as epoch seconds; None when absent or unreadable. A leap second
    (`23:59:60`) is the instant after `23:59:59`, as POSIX time counts it (issue 30); years 1 to 9999. Claude Code's
    shape, `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z`, is read by arithmetic (the float datetime gives, without importing
    it); any other shape by datetime."""
    if type(value) is not str or len(value) < 10:
        return None
    n = len(value)
    if (n == 20 or n == 24 or n == 27) and value[-1] == "Z" and value[10] == "T" and value.isascii():
        digits = value[:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:19] + value[20:-1]
        if (digits.isdigit() and value[4] == "-" and value[7] == "-" and value[13] == ":" and value[16] == ":"
                and (n == 20 or value[19] == ".")):
            y, mo, dd = int(value[:4]), int(value[5:7]), int(value[8:10])
            hh, mi, ss = int(value[11:13]), int(value[14:16]), int(value[17:19])
            leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
            if not (y >= 1 and 1 <= mo <= 12 and 1 <= dd <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                                             30, 31)[mo - 1] and hh < 24 and mi < 60 and ss <= 60):
                return None
            frac = value[20:-1]
            us = int(frac) * (1000 if len(frac) == 3 else 1) if frac else 0
            yy = y - 1
            days = yy * 365 + yy // 4 - yy // 100 + yy // 400 + _DAYS_BEFORE[mo - 1] + (mo > 2 and leap) + dd - 1 \
                - 719162
            # timedelta.total_seconds: whole microseconds over 10**6 (datetime.timestamp of an aware datetime)
            return ((days * 86400 + hh * 3600 + mi * 60 + ss) * 10 ** 6 + us) / 10 ** 6
    return _parse_general(value)


def _parse_general(value):
    from datetime import datetime, timezone
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    leap = 0.0
    if text[16:19] == ":60" and text[19:20] in ("", ".", "+", "-"):
        text, leap = text[:17] + "59" + text[19:], 1.0
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)  # Claude Code writes UTC; a naive stamp in a hand-made log is UTC too
    return dt.timestamp() + leap


def _civil(whole):
    """(year, month, day, hour, minute, second) of whole epoch seconds, UTC, any year (time.gmtime's range)."""
    t = time.gmtime(whole)
    return t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec


def iso(ts, timespec="milliseconds"):
    """Epoch seconds as the report's UTC stamp, `2026-01-10T10:00:00.000Z` (milliseconds truncated, as datetime's
    isoformat gives them; `timespec="seconds"` without them). A time outside years 1-9999 is shown at the span's edge
    (issue 30: a cache expiring an hour after 9999-12-31T23:59:59Z stopped every view)."""
    ts = MIN_TS if ts < MIN_TS else MAX_TS - 1e-4 if ts >= MAX_TS else ts
    whole = int(ts // 1)
    us = round((ts - whole) * 1e6)  # datetime.fromtimestamp's rounding of the fraction
    if us >= 1_000_000:
        whole, us = whole + 1, us - 1_000_000
    y, mo, d, h, mi, s = _civil(whole)
    head = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    return head + "Z" if timespec == "seconds" else f"{head}.{us // 1000:03d}Z"


def utc_day(ts):
    """The UTC day of a time, `YYYY-MM-DD` (dated price changes go by it); None without a time or outside years
    1-9999."""
    if ts is None or not MIN_TS <= ts < MAX_TS:
        return None
    y, mo, d = _civil(int(ts // 1))[:3]
    return f"{y:04d}-{mo:02d}-{d:02d}"


# -- the next request --------------------------------------------------------------------------------------------------
def next_turn(count, output_sum, one_hour, last_ts, last_context, last_model, rates):
    """`sessions[].next_turn` of a session whose main thread made `count` requests with `output_sum` output tokens,
    ending with a request at `last_ts` of `last_context` tokens priced at `rates` (input, 5m write, 1h write, read,
    output; None: unpriced): the next request re-sends that context from the cache (x cache-read price) plus the
    average output (x output price). The cache lives 5 minutes after the last request — 1 hour once the session
    writes 1-hour entries (pricing.md) —, and a request after that rewrites the context at the cache-write price.
    Returns (next_turn or None, the cache's expiry in epoch seconds or None)."""
    if rates is None or not count:
        return None, None
    avg_out = output_sum / count
    ttl = TTL_1H if one_hour else TTL_5M
    write = rates[2] if one_hour else rates[1]
    expires = last_ts + ttl if last_ts is not None else None
    return {
        "context_tokens": last_context, "average_output_tokens": round(avg_out, 1),
        "model": last_model, "cost_usd": usd(last_context * rates[3] + avg_out * rates[4]),
        "formula": FORMULA, "cache_ttl_seconds": ttl,
        "cache_expires_at": iso(expires) if expires is not None else None,
        "cost_after_expiry_usd": usd(last_context * write + avg_out * rates[4]),
    }, expires


def loop_woke(fire_ts, prev_ts, last_ts, one_hour):
    """Did a loop's fire (at `fire_ts`) wake the session's last main-thread request (at `last_ts`) after its cache
    expired (the request before it at `prev_ts`: a gap longer than the cache's life)? Issue 32: the status line and
    `watch` then name the loop — what nothing attributed cost to while it ran."""
    if fire_ts is None or prev_ts is None or last_ts is None:
        return False
    return prev_ts < fire_ts <= last_ts and last_ts - prev_ts > (TTL_1H if one_hour else TTL_5M)


STALE_SECONDS = 86_400  # issue 33: past a day since the last request, no next-request figure (its time instead)


def next_figure(nt, expires, last_ts, now):
    """The next request's one figure at the view's clock `now` (issue 33: the page's card and Context section, the
    terminal and the status line give the same): {stale: False, usd, expired, age} — past the cache's expiry
    (`expires`, epoch seconds) the context is re-written —; {stale: True, age} when the last request (`last_ts`) is
    more than a day old; None without a next turn. web/render.js `nextFigure` is its twin."""
    if not nt:
        return None
    age = None if last_ts is None or now is None else now - last_ts
    if age is not None and age > STALE_SECONDS:
        return {"stale": True, "age": age}
    expired = now is not None and expires is not None and now >= expires
    return {"stale": False, "age": age, "expired": expired,
            "usd": nt["cost_after_expiry_usd"] if expired else nt["cost_usd"]}
