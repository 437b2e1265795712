"""What fills the context (issue 24): each main-thread request's new cache writes, named by what arrived before it.

A main-thread request writes into the cache what it sends that was not cached yet (its 5-minute + 1-hour cache
writes: what `resident_context` counts as "added"). That growth is exact; what it consists of is not in the usage.
The analyzer records, from the bytes of the log between the previous main-thread response and this one, what
arrived and how large each piece is in the log (analyzer.arrivals: tool results by tool, with the file for file
tools and the program for Bash; prompts; the model's previous output; attachments by kind; subagent results by
type). The growth is split among them in proportion to those sizes — an estimate, and the report says so. The first
request of a session writes the system prompt and the tool definitions, which the log does not hold: its growth is
"system prompt and tools". A request with nothing logged before it: "unattributed".

Each source's re-read cost follows the resident-context rule: its tokens are re-read at every later request's
cache-read price until the context next drops. Only sizes are used: no text of a tool result or an attachment is
kept.
"""

from ..core.analyzer import SEP
from ..core.priced import usd

KINDS = ("tool_result", "prompt", "output", "attachment", "subagent_result", "other")
FIRST = "other" + SEP + "system prompt and tools" + SEP
# Issue 32: where Claude Code wrote a prompt_snapshot (analyzer.CONTEXT_KINDS), the request after it is split into
# /context's categories instead: the system prompt and each tool definition sized from the snapshot, memory files,
# skills, deferred tools, MCP tools, custom agents — and everything else that arrived with them as "Messages".
CONTEXT = "context" + SEP
SNAPSHOT = (CONTEXT + "System prompt" + SEP, CONTEXT + "System tools" + SEP)
MESSAGES = CONTEXT + "Messages" + SEP
CATEGORIES = ("System prompt", "System tools", "MCP tools", "Deferred tools", "Custom agents", "Memory files",
              "Skills", "Messages")
CATEGORY_ITEMS = 10  # items named per category (tools, MCP servers, memory files by path)
CATEGORY_ASSUMPTIONS = (
    "Where Claude Code wrote the whole system prompt and tool definitions into the log (a prompt_snapshot: at a cold "
    "start, after /compact and /clear), the next request's cache writes are split into /context's categories: "
    "tokens are estimated from each part's size in the log (characters; about 4 a token) and scaled so they add up "
    "to that request's cache writes exactly. Memory files are named by path, MCP tools by server. Each category's "
    "re-read cost follows the resident-context rule.")
NONE = "other" + SEP + "unattributed" + SEP
MAX_ROWS = 30       # a session's rows past this are one "other" row (the sums still hold; the report's: 100)
TOP_NAMED = 3       # sources named on each resident-context row
ASSUMPTIONS = ("Each main-thread request's new cache writes (measured exactly) are split among what the log shows "
               "arrived since the previous main-thread request — tool results by tool and file, your prompts, the "
               "model's previous output, attachments, subagent results — in proportion to their size in the log "
               "(an estimate: bytes are not tokens). A session's first request writes the system prompt and tool "
               "definitions, which the log does not hold. Re-read cost: those tokens re-read at each later request's "
               "cache-read price until the context next drops.")


def split(added, sizes):
    """[(key, tokens)] of `added` tokens split by `sizes` ({key: bytes}), integers summing exactly to `added`
    (largest remainder; ties by key)."""
    if len(sizes) == 1:
        for key, size in sizes.items():
            return [(key, added)] if size > 0 else [(NONE, added)]
    total = sum(sizes.values())
    if total <= 0:
        return [(NONE, added)]
    parts = []
    given = 0
    for key, size in sizes.items():
        q, r = divmod(added * size, total)
        parts.append([key, q, r])
        given += q
    if given < added:
        for p in sorted(parts, key=lambda p: (-p[2], p[0]))[:added - given]:
            p[1] += 1
    return [(k, t) for k, t, _r in parts if t]


def session_sources(main, arrivals):
    """(rows, by_turn, sums) of a session's main-thread priced requests `main` (in order): rows as the report gives
    them; by_turn {index in `main`: [(key, tokens), ...] largest first} for the resident rows; sums {key: [tokens,
    requests, re-read pico-dollars]} for the report's pooled rows."""
    n = len(main)
    reads = [0] * (n + 1)
    for k, p in enumerate(main):
        reads[k + 1] = reads[k] + (p.rates[3] if p.rates is not None else 0)
    end = [n] * n
    for i in range(n - 2, -1, -1):
        end[i] = i + 1 if main[i + 1].r.context < main[i].r.context else end[i + 1]
    agg = {}
    by_turn = {}
    get = arrivals.get
    for i, p in enumerate(main):
        r = p.r
        added = r.cw5m + r.cw1h
        if not added:
            continue
        got = get(r.message_id)
        sizes = got[2] if got else {}
        if sizes and any(k.startswith(SNAPSHOT) for k in sizes):
            sizes = _segment(sizes)
            parts = split(added, sizes)
        else:
            parts = [(FIRST, added)] if i == 0 else split(added, sizes)
        per_token = reads[end[i]] - reads[i + 1]
        for key, tokens in parts:
            a = agg.get(key)
            if a is None:
                agg[key] = [tokens, 1, tokens * per_token]
            else:
                a[0] += tokens
                a[1] += 1
                a[2] += tokens * per_token
        by_turn[i] = parts  # sorted only for the few resident rows that name them (named)
    return rows_of(agg), by_turn, agg


def _segment(sizes):
    """A snapshot request's arrivals: the context categories as they are, everything else one "Messages"."""
    out = {}
    for k, v in sizes.items():
        k = k if k.startswith(CONTEXT) else MESSAGES
        out[k] = out.get(k, 0) + v
    return out


def categories(agg):
    """/context's categories of {key: [tokens, requests, re-read pico]} (the context kind only), in its order, each
    with its largest items (tools by name, MCP tools by server, memory files by path)."""
    cats = {}
    for key, v in agg.items():
        if not key.startswith(CONTEXT):
            continue
        _kind, cat, target = key.split(SEP)
        c = cats.get(cat)
        if c is None:
            c = cats[cat] = [0, 0, {}]
        c[0] += v[0]
        c[1] += v[2]
        if target:
            c[2][target] = [c[2].get(target, [0, 0])[0] + v[0], c[2].get(target, [0, 0])[1] + v[2]]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    rows = []
    for cat, (tokens, pico, items) in sorted(cats.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
        top = sorted(items.items(), key=lambda kv: (-kv[1][0], kv[0]))[:CATEGORY_ITEMS]
        rows.append({"category": cat, "tokens": tokens, "reread_cost_usd": usd(pico),
                     "items": [{"name": n, "tokens": t, "reread_cost_usd": usd(p)} for n, (t, p) in top],
                     "more_items": max(0, len(items) - CATEGORY_ITEMS)})
    return rows


def rows_of(agg, limit=MAX_ROWS):
    """Report rows of {key: [tokens, requests, re-read pico-dollars]}, by re-read cost, largest first; past `limit`
    the rest is one row."""
    order = sorted(agg.items(), key=lambda kv: (-kv[1][2], -kv[1][0], kv[0]))
    if len(order) > limit:
        rest = order[limit - 1:]
        tail = [sum(v[0] for _k, v in rest), sum(v[1] for _k, v in rest), sum(v[2] for _k, v in rest)]
        # Issue 33: the rest is the last row, whatever its sum (it was sorted into the middle of the table).
        order = order[:limit - 1] + [("other" + SEP + f"{len(rest)} more sources" + SEP, tail)]
    return [row(k, v) for k, v in order]


def row(key, v):
    kind, source, target = key.split(SEP)
    return {"kind": kind, "source": source, "target": target or None, "tokens": v[0], "requests": v[1],
            "reread_cost_usd": usd(v[2])}


def pooled(aggs, with_categories=False):
    """The whole report's rows: every session's sums ({key: [tokens, requests, pico]}) added by kind, source and
    target (integers: merged in any order, the same figures); with_categories: (rows, categories(sums))."""
    out = {}
    for agg in aggs:
        for key, v in agg.items():
            a = out.get(key)
            if a is None:
                a = out[key] = [0, 0, 0]
            a[0] += v[0]
            a[1] += v[1]
            a[2] += v[2]
    return (rows_of(out, 100), categories(out)) if with_categories else rows_of(out, 100)


def named(parts):
    """The largest sources of one request, for its resident-context row."""
    out = []
    for key, tokens in sorted(parts, key=lambda kt: (-kt[1], kt[0]))[:TOP_NAMED]:
        kind, source, target = key.split(SEP)
        out.append({"kind": kind, "source": source, "target": target or None, "tokens": tokens})
    return out
