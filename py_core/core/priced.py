"""The priced request: the seam between the analysis and every view of it (issue 11).

`priced_requests(analyzer, prices, ...)` selects the billed requests (after global dedup, then the date and
session filters) and prices each one once; the report (report.py) and the CSV (export.py) are both built from it.
Rates and costs are named tuples in one bucket order, so no caller counts positions:

    Rates(input, cw5m, cw1h, read, output)        pico-dollars per token (pricing.PriceTable.rates)
    Costs(input, cw5m, cw1h, read, output, web)   pico-dollars of one request
"""

from collections import namedtuple

from .labels import label_parts
from .options import options
from .records import COSTS
from .pricing import PriceTable
from .rules import costs, usd, utc_day  # noqa: F401 - usd, utc_day: the rules (rules.py), named here for the report
from .timeutil import day_function, parse_day, resolve_tz, tz_label

Costs = namedtuple("Costs", COSTS)


class Priced:
    """One billed request with what the views need of its pricing: costs (None when unpriced), the rates it was
    priced at, why it is unpriced, its agent key and its day in the report's time zone."""

    __slots__ = ("r", "costs", "rates", "unpriced", "agent", "day")

    def __init__(self, r, costs, rates, unpriced, agent, day):
        self.r, self.costs, self.rates, self.unpriced, self.agent, self.day = r, costs, rates, unpriced, agent, day


Selection = namedtuple("Selection", "priced prompts kept since until note day_of")




def agent_key(r):
    """`main`, the subagent's id, or `sidechain` (a 1.0.x inline sidechain line without an agent id)."""
    if not r.sidechain and not r.agent_id:
        return "main"
    return r.agent_id or "sidechain"


def agent_types(a):
    """Agent id -> its type: from the Task/Agent tool call that started it, overridden by agent-*.meta.json."""
    types = {}
    for aid, (_sid, tool) in a.agent_links.items():
        if tool and tool in a.task_types:
            types[aid] = a.task_types[tool]
    types.update(a.agent_types)
    return types


def project_of(requests):
    """A session's project: its working directory (most requests; ties by name), else its log folder's name."""
    cwds = {}
    for r in requests:
        if r.cwd:
            cwds[r.cwd] = cwds.get(r.cwd, 0) + 1
    if cwds:
        return min(cwds.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    for source in sorted({r.source for r in requests}):
        project = label_parts(source)[0]
        if project:
            return project
    return "(unknown project)"


def match_projects(want, projects):
    """(the projects `want` names, suggestions) — issue 33: ccusage users type a project's name. A project is named
    by its whole path, else by a path suffix (`claude-code-log`, `work/claude-code-log`): every project it ends is
    chosen. Nothing matching: up to three close names (difflib) to suggest."""
    if want in projects:
        return {want}, []
    tail = want.strip("/").replace("\\", "/")
    chosen = {p for p in projects if tail and (p.replace("\\", "/").rstrip("/") == tail
                                                or p.replace("\\", "/").rstrip("/").endswith("/" + tail))}
    if chosen:
        return chosen, []
    import difflib
    names = {}
    for p in sorted(projects):
        names.setdefault(p.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1], p)
    close = difflib.get_close_matches(tail.rsplit("/", 1)[-1], list(names), n=3, cutoff=0.5)
    return set(), [names[c] for c in close]


def price(prices, r):
    """(Costs, Rates, None) for a priced request, or (None, None, the unpriced label)."""
    found, label = prices.request_rates(r.model, utc_day(r.ts) or "0000-00-00", r.context, r.speed, r.geo)
    if found is None:
        return None, None, label
    rates, web = found
    return Costs(*costs(rates, web, r.input, r.cw5m, r.cw1h, r.cache_read, r.output, r.web_search)), rates, None


class Selected:
    """The requests a report covers (after global dedup, then the filters), the prompts in range, and what the
    report says about the selection; `price(requests)` prices some of them (each session's part prices its own)."""

    __slots__ = ("requests", "prompts", "kept", "since", "until", "note", "day_of", "prices", "zone")

    def price(self, reqs):
        prices, day_of = self.prices, self.day_of
        out = []
        for r in reqs:
            costs, rates, unpriced = price(prices, r)
            out.append(Priced(r, costs, rates, unpriced, agent_key(r), day_of(r.ts)))
        return out


def select_requests(a, prices=None, opts=None, **kw):
    """The billed requests of analyzer `a` under the filters of `opts` (an Options; keywords change it), not yet
    priced (a Selected).

    Filters apply after global dedup, so a copy outside the range never decides which copy inside it is kept. A
    project keeps the sessions whose project (project_of, over the session's requests in the date range) it is.
    """
    o = options(opts, **kw)
    tz, since, until, session, latest, project = o.tz, o.since, o.until, o.session, o.latest, o.project
    entrypoint = o.entrypoint
    day_of = day_function(resolve_tz(tz))
    kept = a.store.requests()
    since_d = parse_day(since) if since else None
    until_d = parse_day(until) if until else None

    def in_range(ts):
        if since_d is None and until_d is None:
            return True
        d = day_of(ts)
        if d is None:
            return False
        return (since_d is None or d >= since_d) and (until_d is None or d <= until_d)

    reqs = [r for r in kept if in_range(r.ts)]
    prompts = sorted(((sid, ts) for sid, ts in a.prompts.values() if in_range(ts)),
                     key=lambda p: (p[0], p[1] if p[1] is not None else 0.0))
    note = None
    if entrypoint:
        # Issue 32: only the requests Claude Code started from this entrypoint (the field on every line).
        reqs = [r for r in reqs if r.who is not None and r.who[0] == entrypoint]
        keep = {r.session_id for r in reqs}
        if not keep:
            note = f"no request from entrypoint {entrypoint!r} in the range"
        prompts = [p for p in prompts if p[0] in keep]
    if session:
        ids = {r.session_id for r in reqs} | {sid for sid, _ in prompts}
        match = [x for x in ids if x == session] or sorted(x for x in ids if x.startswith(session))
        why = f"{len(match)} sessions start with {session!r}; give more of the id"
        if not match:
            # Issue 32: a session found by its title (the user's, else Claude Code's), any part of it, any case.
            want = session.casefold()
            match = sorted(x for x in ids if x in a.titles and want in a.titles[x][3].casefold())
            why = f"{len(match)} sessions have titles with {session!r}; give more of the title or the id"
        if len(match) != 1:
            note = note or (f"no session matches {session!r}" if not match else why)
            match = []
        reqs = [r for r in reqs if r.session_id in match]
        prompts = [p for p in prompts if p[0] in match]
    if project:
        by_session = {}
        for r in reqs:
            by_session.setdefault(r.session_id, []).append(r)
        of = {sid: project_of(rs) for sid, rs in by_session.items()}
        chosen, close = match_projects(project, set(of.values()))
        keep = {sid for sid, p in of.items() if p in chosen}
        if not keep:
            note = note or (f"no session of project {project!r} in the range"
                            + (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""))
        reqs = [r for r in reqs if r.session_id in keep]
        prompts = [p for p in prompts if p[0] in keep]
    if latest and reqs:
        last = {}
        for r in reqs:
            if r.ts is not None and r.ts > last.get(r.session_id, float("-inf")):
                last[r.session_id] = r.ts
        if last:
            pick = max(last.items(), key=lambda kv: (kv[1], kv[0]))[0]
            reqs = [r for r in reqs if r.session_id == pick]
            prompts = [p for p in prompts if p[0] == pick]
    sel = Selected()
    sel.requests, sel.prompts, sel.kept, sel.since, sel.until, sel.note, sel.day_of = (
        reqs, prompts, len(kept), since_d, until_d, note, day_of)
    sel.prices = prices or PriceTable.builtin()
    sel.zone = tz_label(tz)
    return sel


def priced_requests(a, prices=None, opts=None, **kw):
    """The billed requests of analyzer `a` under the filters (select_requests), each priced once (a Selection)."""
    sel = select_requests(a, prices, opts, **kw)
    return Selection(sel.price(sel.requests), sel.prompts, sel.kept, sel.since, sel.until, sel.note, sel.day_of)
