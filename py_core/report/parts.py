"""A session's part of the report (issue 20, item 2; issue 22): everything the report needs of one session, built
from that session's requests alone, and what the store keeps per session.

The report (report.py) is assembled from parts: a part holds the session's row (all but its percentile ranks, which
depend on the other sessions), its roll-up cells (model x agent type x day x unpriced label, integer pico-dollars),
its five costliest requests, its per-hour sums (the 5-hour and weekly windows are built from hours: their edges are
whole hours), its context-source sums, its spend per state-file label, and its share of the diagnostics (recovered
and history spend). Everything that spans sessions — totals, tables, ranks, windows, pooled rows — is computed from
parts, never by walking every request again. So a part that is known to be unchanged can be taken from the store
instead of being built (answers.Parts): its `signature` covers every input the part is built from.

A part travels as plain JSON (`to_json`/`from_json`); `from_json` checks the shape and the figures the report adds
up, so a damaged or hostile stored part is built again, never trusted into a wrong number.
"""

import hashlib
import heapq

from . import insights, live, misses, sources, turns
from .blocks import HOUR_REQUESTS, hour_from_json, hours
from ..core.priced import agent_key, project_of, usd
from ..core.records import COSTS, REPORT_TOKENS, TOKENS
from ..core.timeutil import iso as _iso

TOP_N = 5
UNPLACED_SAMPLES = 5
NO_LABEL = "(no label)"


# Agg.add and blocks.hours add a request's counts unrolled, in this order (each request passes there: no loop);
# everything else about the buckets is derived from the one list (core/records.py).
assert TOKENS == ("input", "cw5m", "cw1h", "read", "output") and COSTS == TOKENS + ("web",)
FLAT = 3 + len(TOKENS) + len(COSTS)  # Agg.flat(): requests, priced, web searches, the tokens, the costs


class Agg:
    """Running sums for one group (session, model, agent, day, project); money in pico-dollars.

    `tok` and `costs` follow the one bucket order (core/records.TOKENS, COSTS: input, 5m write, 1h write, cache read,
    output, + web).
    """

    __slots__ = ("requests", "priced", "tok", "costs", "web")

    def __init__(self):
        self.requests = 0
        self.priced = 0
        self.tok = [0] * len(TOKENS)
        self.costs = [0] * len(COSTS)
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
            for i in range(len(COSTS)):
                c[i] += cost[i]

    def tokens(self):
        out = dict(zip(REPORT_TOKENS, self.tok))
        return {"input": out["input"], "output": out["output"], "cache_write_5m": out["cache_write_5m"],
                "cache_write_1h": out["cache_write_1h"], "cache_read": out["cache_read"], "total": sum(self.tok)}

    def merge(self, o):
        self.requests += o.requests
        self.priced += o.priced
        self.web += o.web
        self.tok = [x + y for x, y in zip(self.tok, o.tok)]
        self.costs = [x + y for x, y in zip(self.costs, o.costs)]

    def flat(self):
        return [self.requests, self.priced, self.web, *self.tok, *self.costs]

    @classmethod
    def of(cls, flat):
        g = cls()
        g.requests, g.priced, g.web = flat[0], flat[1], flat[2]
        g.tok = list(flat[3:3 + len(TOKENS)])
        g.costs = list(flat[3 + len(TOKENS):FLAT])
        return g

    def summary(self):
        """The bucket split every group reports: tokens, cost, share of cost, cache hit rate."""
        c = dict(zip(COSTS, self.costs))
        t = dict(zip(TOKENS, self.tok))
        inp, w5, w1, read, out, web = (c[k] for k in ("input", "cw5m", "cw1h", "read", "output", "web"))
        total = sum(self.costs)
        by_bucket = {
            "input": usd(inp), "output": usd(out), "cache_write": usd(w5 + w1),
            "cache_write_5m": usd(w5), "cache_write_1h": usd(w1), "cache_read": usd(read), "web_search": usd(web),
        }
        return {
            "cost_usd": usd(total),
            "requests": self.requests,
            "tokens": self.tokens(),
            "cost_by_bucket_usd": by_bucket,
            "share_of_cost": {k: share(v, total) for k, v in
                              (("input", inp), ("output", out), ("cache_write", w5 + w1), ("cache_write_5m", w5),
                               ("cache_write_1h", w1), ("cache_read", read), ("web_search", web))},
            "web_search_requests": self.web,
            "cache_hit_rate": share(t["read"], t["input"] + t["cw5m"] + t["cw1h"] + t["read"]),
        }


def share(part, whole):
    return round(part / whole, 6) if whole > 0 else None


def slim(summary):
    return {k: summary[k] for k in ("cost_usd", "requests", "tokens", "cost_by_bucket_usd")}


def group_rows(groups, key, prices=None):
    """Rows of {name: Agg}, costliest first. With `prices` (models): ids the price table resolves to one model — a
    dated and an undated id, `claude-sonnet-4` and `claude-sonnet-4-20250514` — are one row (issue 33: they were two),
    named by its costliest id, every id in `ids`."""
    if prices is not None:
        merged = {}
        for name, g in groups.items():
            canon = prices.resolve(name) if name else None
            merged.setdefault(canon if canon is not None else ("", name), []).append((name, g))
        rows = []
        for canon, members in merged.items():
            total = Agg()
            for _n, g in members:
                total.merge(g)
            members.sort(key=lambda ng: (-sum(ng[1].costs), -ng[1].requests, ng[0] or ""))
            row = {key: members[0][0], "priced_as": canon if type(canon) is str else None}
            row.update(slim(total.summary()))
            row["ids"] = sorted(n for n, _g in members if n is not None)
            rows.append(row)
    else:
        rows = []
        for name, g in groups.items():
            row = {key: name}
            row.update(slim(g.summary()))
            rows.append(row)
    rows.sort(key=lambda x: (-x["cost_usd"], x[key] or ""))
    return rows


def top_key(p):
    """Most expensive first; ties in a fixed order (heapq.nsmallest is sorted()[:n], without the full sort)."""
    return -sum(p.costs), p.r.source, p.r.line


def request_row(p):
    r = p.r
    return {
        "timestamp": r.timestamp, "session_id": r.session_id, "agent": p.agent, "model": r.model,
        "cost_usd": usd(sum(p.costs)) if p.costs is not None else None,
        "context_tokens": r.context, "output_tokens": r.output,
        "source": r.source, "line": r.line,
    }


def agent_name(ak, types):
    return "main thread" if ak == "main" else types.get(ak) or "subagent (type not logged)"


class Part:
    """One session's part of the report (see the module's docstring). `priced`: its priced requests when built
    here (None when taken from the store) — a page's curve for one chosen session is drawn from them."""

    __slots__ = ("sid", "row", "cells", "top", "hours", "sources", "team", "recovered", "history", "span", "pico",
                 "n", "main", "priced", "unplaced", "turn_costs", "loops", "misses", "who")

    def kept(self):
        """This part without its priced requests (what a memo in memory holds: the figures, not the records)."""
        p = Part()
        for name in self.__slots__:
            setattr(p, name, getattr(self, name))
        p.priced = None
        return p

    def to_json(self):
        return {"sid": self.sid, "row": self.row,
                "cells": [[m, a, d, u, g.flat()] for (m, a, d, u), g in self.cells.items()],
                "top": self.top, "hours": [[h, *b] for h, b in self.hours.items()], "sources": self.sources,
                "team": [[who, g.flat()] for who, g in self.team.items()], "recovered": self.recovered,
                "history": self.history, "span": self.span, "pico": self.pico, "n": self.n, "main": self.main,
                "unplaced": self.unplaced, "turn_costs": self.turn_costs, "loops": self.loops, "misses": self.misses,
                "who": [[k, name, g.flat()] for (k, name), g in self.who.items()]}


# Who a request was for (issue 32 item 7): the kinds of Request.who, in its order, as the report's tables name them.
WHO = ("entrypoints", "skills", "plugins", "mcp_servers")
NO_KNOWN = ((), {}, {}, ())


def build(sid, priced, prices, types, prompt_ts, comps, curve, arrivals, owners, history, known=NO_KNOWN):
    """The Part of session `sid` from its priced requests (priced.Priced, in the selection's order), the
    timestamps of its prompts, its compactions (analyzer tuples, in time order), the analyzer's arrivals, owners
    (source -> state-file label) and history (sources from deleted files). `known` (issue 32): what Claude Code wrote
    besides its requests — the session's turn starts (turns.starts_of), prompts' first words, loops' crons, and its
    events (what explains a cache miss)."""
    by_key = {}  # (model, agent key, day, unpriced label) -> Agg: each request added once (issue 22)
    recovered_agents = set()
    team = {}
    rec = {}
    hist = [0, 0, None]
    unplaced = [0, []]  # requests with no day in the report's zone (issue 30): how many, the first (source, line, stamp)
    attrib = {}
    for p in priced:
        r = p.r
        c = p.costs
        if r.who is not None:
            for k, name in zip(WHO, r.who):
                if name is not None:
                    g = attrib.get((k, name))
                    if g is None:
                        g = attrib[(k, name)] = Agg()
                    g.add(r, c)
        if p.day is None:
            unplaced[0] += 1
            if len(unplaced[1]) < UNPLACED_SAMPLES:
                unplaced[1].append([r.source, r.line, r.timestamp])
        key = (r.model, p.agent, p.day or "unknown", p.unpriced)
        g = by_key.get(key)
        if g is None:
            g = by_key[key] = Agg()
        g.add(r, c)
        if r.recovered:
            recovered_agents.add(p.agent)
            g = rec.get(r.agent_id)
            if g is None:
                g = rec[r.agent_id] = [0, 0]
            g[0] += 1
            if c is not None:
                g[1] += sum(c)
        if owners:
            who = owners.get(r.source, NO_LABEL)
            g = team.get(who)
            if g is None:
                g = team[who] = Agg()
            g.add(r, c)
        if r.source in history:
            hist[0] += 1
            if c is not None:
                hist[1] += sum(c)
            if p.day is not None and (hist[2] is None or p.day < hist[2]):
                hist[2] = p.day

    # The session's sums, its models and agents, and the report's cells (agents named by type) from those sums.
    agg = Agg()
    cells = {}
    models = {}
    agents = {}
    for (model, ak, day, unpriced), g in by_key.items():
        agg.merge(g)
        for groups, name in ((cells, (model, agent_name(ak, types), day, unpriced)), (models, model),
                             (agents, ak)):
            got = groups.get(name)
            if got is None:
                groups[name] = got = Agg()
            got.merge(g)
    part = Part()
    part.sid = sid
    part.priced = priced
    part.cells = cells
    part.team = team
    part.recovered = [[aid, n, pico] for aid, (n, pico) in rec.items()]
    part.history = hist
    part.unplaced = unplaced
    part.pico = sum(agg.costs)
    part.n = agg.requests
    top = heapq.nsmallest(TOP_N, (p for p in priced if p.costs is not None), key=top_key)
    part.top = [list(top_key(p)) for p in top]
    part.hours = hours(priced)
    stamps = [p.r.ts for p in priced if p.r.ts is not None]
    part.span = [min(stamps), max(stamps)] if stamps else [None, None]

    summ = agg.summary()
    main = [p for p in priced if p.agent == "main"]
    part.main = len(main)
    curve_src = main or priced  # what curve_requests(priced) gives, without filtering twice
    contexts = [p.r.context for p in curve_src]
    ts_all = stamps + [t for t in prompt_ts if t is not None]
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
    agent_rows = []
    for key, g in agents.items():
        row = {"agent": key, "agent_type": "main thread" if key == "main" else types.get(key)}
        row.update(slim(g.summary()))
        # Some of this agent's requests are copies from its parent's progress lines (issue 10): partial.
        row["recovered"] = key in recovered_agents
        agent_rows.append(row)
    agent_rows.sort(key=lambda x: (x["agent"] != "main", -x["cost_usd"], x["agent"]))
    main_n = len(main)
    # Unpriced turns cannot be re-priced: the insights follow the priced main-thread turns.
    main_turns = insights.turns_of(main)
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
        "active_seconds": active(ts_all),
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
        "next_turn": live.next_turn_of(main, prices),
        "top_requests": [request_row(p) for p in top],
        "models": group_rows(models, "model", prices),
        "agents": agent_rows,
        "context_curve": curve_points(curve_src) if curve else [],
    }
    row["insights"] = insights.session_insights(main_turns, row["peak_context_tokens"])
    # Issue 24: what fills the context — each priced main-thread request's cache writes named by what arrived
    # before it (the same requests as the insights' turns, so a resident row's turn is an index here too).
    row["context_sources"], by_turn, part.sources = sources.session_sources(
        [p for p in main if p.rates is not None], arrivals)
    for r in row["insights"]["resident_context"]["largest"]:
        r["sources"] = sources.named(by_turn.get(r["turn"] - 1, []))
    # Issue 32: /context's categories where Claude Code logged its prompt snapshot; what each prompt and each loop
    # cost; why each cache miss happened; who the spend was for.
    starts, words, crons, events = known
    row["context_categories"] = sources.categories(part.sources)
    row["cache_misses"], part.misses, missed = misses.session_misses(priced, comps, events)
    row["turns"], part.turn_costs, part.loops = turns.session_turns(priced, starts, words, crons, missed)
    row["loops"] = turns.loop_rows(part.loops, turns.LOOP_SAMPLES)
    part.who = attrib
    part.row = row
    return part


def active(stamps):
    """Seconds of activity (issue 25: a 22-request session "active" 105 h was its first-to-last span): the gaps
    between consecutive requests and prompts, each counted only when shorter than the idle threshold
    (insights.FRESH_GAP, 30 minutes)."""
    ts = sorted(t for t in stamps if t is not None)
    return round(sum(b - a for a, b in zip(ts, ts[1:]) if b - a < insights.FRESH_GAP), 3)


def curve_requests(priced):
    """The requests a context curve follows: the main thread's (all, when a session has none there)."""
    return [p for p in priced if p.agent == "main"] or priced


def curve_points(priced):
    """One curve point per request of `priced` (see curve_requests)."""
    return [{"timestamp": p.r.timestamp, "context_tokens": p.r.context, "output_tokens": p.r.output,
             "cost_usd": usd(sum(p.costs)) if p.costs is not None else None, "model": p.r.model} for p in priced]


# -- the signature: every input a part is built from ----------------------------------------------------------------

def signature(reqs, prompt_ts, comps, arrivals, types, owners, history, tokens, known=NO_KNOWN):
    """A digest of everything `build` reads for one session, or None when a source has no content token.

    `tokens`: source label -> a token that changes whenever that source's content may have (the store's stat key
    and the fingerprint of the bytes before its offset): a request is a function of its source's bytes and its
    line, so the same winners from unchanged sources are the same requests. Which copy won (dedup across files),
    the session's prompts and compactions, the arrivals its requests were split by, its agents' types, the
    state-file labels and history marks of its sources are all in the digest; the options, the prices and the
    version are in the key the caller keeps parts under (answers.Parts)."""
    out = []
    add = out.append
    seen = set()
    for r in reqs:
        src = r.source
        if src not in seen:
            tok = tokens.get(src)
            if tok is None:
                return None
            seen.add(src)
            add(f"S{src}\x1f{tok}\x1f{owners.get(src)}\x1f{src in history}")
        ak = agent_key(r)  # and the type it names (what agent_name looks up)
        add(f"{r.message_id}\x1f{src}\x1f{r.line}\x1f{r.recovered}\x1f{ak}\x1f{types.get(ak)}")
        got = arrivals.get(r.message_id) if r.message_id is not None else None
        if got is not None:
            a_src = got[0]
            tok = tokens.get(a_src)
            if tok is None:
                return None
            add(f"A{a_src}\x1f{tok}\x1f{got[1]}")
    add(repr(prompt_ts))
    add(repr(comps))
    starts, words, crons, events = known  # issue 32: turns (with their first words), loops, cache-miss causes
    add(repr(starts))
    add(repr([words.get(s[1]) for s in starts]))
    add(repr(sorted({crons.get(s[2]) or "" for s in starts if s[2] is not None})))
    add(repr(events))
    return hashlib.sha256("\n".join(out).encode("utf-8", "surrogatepass")).hexdigest()


# -- stored parts: checked before they are trusted ------------------------------------------------------------------

class BadPart(ValueError):
    """A stored part that does not check out (the caller builds the part again)."""


def _ints(xs, n):
    if type(xs) is not list or len(xs) != n or any(type(x) is not int for x in xs):
        raise BadPart("counts")
    return xs


def _num(x, none=True):
    if not (type(x) in (int, float) or (none and x is None)):
        raise BadPart("number")
    return x


def _str(x, none=False):
    if not (type(x) is str or (none and x is None)):
        raise BadPart("text")
    return x


def from_json(d, sid):
    """The Part of a stored JSON object (decoded), checked: types of every figure the report adds up, and the row's
    own figures against its sums."""
    if type(d) is not dict or d.get("sid") != sid or type(d.get("row")) is not dict:
        raise BadPart("shape")
    p = Part()
    p.sid = sid
    p.priced = None
    p.row = d["row"]
    p.cells = {}
    for c in d["cells"]:
        if type(c) is not list or len(c) != 5:
            raise BadPart("cell")
        p.cells[(_str(c[0], True), _str(c[1]), _str(c[2]), _str(c[3], True))] = Agg.of(_ints(c[4], FLAT))
    p.top = []
    for t in d["top"]:
        if type(t) is not list or len(t) != 3:
            raise BadPart("top")
        p.top.append([_ints([t[0]], 1)[0], _str(t[1]), _ints([t[2]], 1)[0]])
    p.hours = {}
    for h in d["hours"]:
        try:
            start, row = hour_from_json(h)
        except ValueError:
            raise BadPart("hour") from None
        p.hours[start] = row
    if type(d["sources"]) is not dict:
        raise BadPart("sources")
    for k, v in d["sources"].items():
        _ints(v, 3)
    p.sources = d["sources"]
    p.team = {}
    for who, flat in d["team"]:
        p.team[_str(who)] = Agg.of(_ints(flat, FLAT))
    p.recovered = [[_str(a, True), *_ints(rest, 2)] for a, *rest in d["recovered"]]
    h = d["history"]
    p.history = [*_ints(h[:2], 2), _str(h[2], True)]
    u = d["unplaced"]
    if type(u) is not list or len(u) != 2 or type(u[1]) is not list or len(u[1]) > UNPLACED_SAMPLES:
        raise BadPart("unplaced")
    p.unplaced = [_ints([u[0]], 1)[0], [[_str(x[0]), _ints([x[1]], 1)[0], _str(x[2], True)] for x in u[1]]]
    p.span = [_num(x) for x in d["span"]]
    if len(p.span) != 2:
        raise BadPart("span")
    p.pico, p.n, p.main = _ints([d["pico"], d["n"], d["main"]], 3)
    # Issue 32: turn costs (sorted pico-dollars), loops, cache misses by cause, who the spend was for.
    tc = d["turn_costs"]
    if type(tc) is not list or any(type(x) is not int or x < 0 for x in tc) or tc != sorted(tc):
        raise BadPart("turns")
    p.turn_costs = tc
    if type(d["loops"]) is not dict:
        raise BadPart("loops")
    p.loops = {}
    for task, v in d["loops"].items():
        if type(v) is not list or len(v) != 6:
            raise BadPart("loop")
        p.loops[_str(task)] = [*_ints(v[:4], 4), _str(v[4], True), _str(v[5], True)]
    if type(d["misses"]) is not dict or any(c not in misses.CAUSES for c in d["misses"]):
        raise BadPart("misses")
    p.misses = {c: _ints(v, 4) for c, v in d["misses"].items()}
    p.who = {}
    for w in d["who"]:
        if type(w) is not list or len(w) != 3 or w[0] not in WHO:
            raise BadPart("who")
        p.who[(w[0], _str(w[1]))] = Agg.of(_ints(w[2], FLAT))
    total = Agg()
    for g in p.cells.values():
        total.merge(g)
    row = p.row
    if (total.requests != p.n or sum(total.costs) != p.pico or row.get("cost_usd") != usd(p.pico)
            or row.get("requests") != p.n or row.get("requests_main") != p.main or row.get("session_id") != sid
            or type(row.get("insights")) is not dict or type(row.get("project")) is not str
            or type(row.get("peak_context_tokens")) is not int
            or not isinstance(row.get("resent_share"), (float, int, type(None)))
            or sum(b[HOUR_REQUESTS] for b in p.hours.values()) > p.n):
        raise BadPart("figures")
    return p
