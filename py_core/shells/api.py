"""The one entry point the browser uses: `handle(request_json, data=None) -> response_json`.

The web worker calls exactly this, and so do the tests. A request names an `op` and a `job`
(one analysis); file bytes travel beside the JSON, never inside it. Responses are plain JSON
strings, so no Python object leaks into JavaScript.

The operations are the table OPS at the end of this file, one handler each with its request in its docstring;
docs/ARCHITECTURE.md lists them with the page's and the reader's messages.
"""

import json
import time

from ..views import share
from ..core.analyzer import MAX_DEPTH, Analyzer, too_deep
from ..core.text import clean_text
from ..core.options import Options
from ..views.registry import render as render_view
from ..state.filestate import FileState, Reader, head_of
from ..state.statefile import MAGIC, StateFileError, is_state, merge_into, union
from ..state.statefile import loads as load_state_file
from ..core.pricing import PriceFileError, PriceTable
from ..report.diagnostics import nothing_billable
from ..report.parts import from_json
from ..report.build import build_report
from ..report.schema import conform_report
from ..views.svg import charts, context_curve, whatif_chart
from ..core import limits
from ..core.limits import check_sessions
from ..core.timeutil import TimeZoneError
from ..state.identity import answer_key, may_resume, prices_of_data

_jobs = {}
_FILTERS = ("tz", "since", "until", "session", "latest", "project", "by", "entrypoint")
MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 280, 1200, 640
_pasted = []  # the conformed --json report last pasted (the page holds only its view: op_charts)

# What the page draws every session's row from (its tables, the session choices, the latest session's next request,
# a share card's sums); the rest of a row — insights, models, agents, costliest requests, context sources — comes
# with the one session shown (`detail`). Issue 30: 20,000 whole rows (~90 MB) were copied to the page's thread.
VIEW_ROW = ("session_id", "title", "project", "cost_usd", "requests", "requests_main", "requests_subagent", "user_prompts",
            "peak_context_tokens", "resent_share", "cache_hit_rate", "compactions", "first_timestamp",
            "last_timestamp", "duration_seconds", "active_seconds", "next_turn")


def _view(rep):
    """The report as a page draws it: every session's row cut to VIEW_ROW."""
    return dict(rep, sessions=[{k: s[k] for k in VIEW_ROW if k in s} for s in rep["sessions"]])


def _detail(rep, sid):
    """The whole row of session `sid` (without its context curve: drawn apart), or None."""
    s = next((s for s in rep["sessions"] if s["session_id"] == sid), None)
    return None if s is None else dict(s, context_curve=[])


class _Remembered:
    """A source read into a state of its own (issue 14: the page keeps it), merged into the job when it ends; with
    `resume`, read on from a stored state (issue 15: a watched log that grew)."""

    __slots__ = ("job", "reader")

    def __init__(self, job, name, resume=None):
        self.job = job
        self.reader = Reader(name, resume)

    def feed(self, chunk):
        self.reader.feed(chunk)

    def close(self, whole=True):
        fs, a = self.reader.finish()
        self.job.analyzer.merge(a)
        if whole:  # issue 30: only a source read to its end is remembered (the page store, `reuse`)
            self.job.states[fs.label] = fs
            self.job.keep_source(fs.label, a)


class _Sniffed:
    """A source its first bytes decide (issue 16): a tokenscope state file is kept whole and its files are merged
    when the report is asked for (one copy of a file several state files hold); anything else is read as a log."""

    __slots__ = ("job", "name", "remember", "head", "inner", "buf")

    def __init__(self, job, name, remember):
        self.job, self.name, self.remember = job, name, remember
        self.head = b""
        self.inner = None
        self.buf = None

    def feed(self, chunk):
        if self.inner is not None:
            self.inner.feed(chunk)
            return
        if self.buf is not None:
            self.buf.append(chunk)
            return
        self.head += chunk
        if len(self.head) < len(MAGIC) and MAGIC.startswith(self.head):
            return  # too few bytes to tell yet
        self._decide()

    def _decide(self):
        if is_state(self.head):
            self.buf = [self.head]
        else:
            self.inner = _Remembered(self.job, self.name) if self.remember else self.job.analyzer.open(self.name)
            self.inner.feed(self.head)
        self.head = b""

    def close(self, whole=True):
        if self.inner is None and self.buf is None:
            self._decide()
        if self.buf is None:
            if isinstance(self.inner, _Remembered):
                self.inner.close(whole)
            else:
                self.inner.close()
            return
        try:
            _label, entries = load_state_file(b"".join(self.buf), self.name)
        except StateFileError as exc:
            raise ValueError(f"bad state file {exc}") from None
        self.job.imported.extend(entries)


class RawJSON(str):
    """An answer that already is JSON text (a stored state): handed back as it is, not encoded again."""


class _MemoryParts:
    """The memo report.build_report takes (issue 20 item 5), in this worker's memory: the session parts of the last
    reports, kept per options and prices, handed out again where a session's signature is unchanged — a folder
    dropped again costs the sessions whose files changed. `tokens`: source -> the page's token of the file version
    it was read from (its size and modification time: what the page store trusts too); a source without one (a
    paste, a helper worker's part) makes its sessions be built."""

    KEEP = 4  # sets of options kept

    def __init__(self, key, tokens):
        self.key, self.tokens = key, tokens
        self.kept = _parts.get(key, {})
        self.seen = {}
        self.hits = 0

    def get(self, sid, sig):
        got = self.kept.get(sid)
        if got is None or got[0] != sig:
            return None
        part = got[1]
        if type(part) is dict:  # from the page's store (op_seed_parts): untrusted, checked here
            try:
                part = from_json(part, sid)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                return None
        self.seen[sid] = (sig, part)
        self.hits += 1
        return part

    def put(self, sid, sig, part):
        self.seen[sid] = (sig, part.kept())

    def save(self):
        global _dirty
        if len(self.seen) > limits.PAGE_KEEP_PARTS:
            # Issue 30: the parts of a report this large, kept in memory and written to IndexedDB as one text, were
            # most of the tab's memory; its sessions are built again next time.
            _parts.pop(self.key, None)
            _dirty = None if _dirty == self.key else _dirty
            return
        if set(self.seen) != set(self.kept) or any(self.kept[s][1] is not p for s, (_g, p) in self.seen.items()):
            _dirty = self.key  # the page stores it again (op_take_parts)
        _keep_parts(self.key, self.seen)  # the sessions of this report only


_parts = {}    # memo key -> {session: (signature, Part, or its JSON object as the page stored it)}
_dirty = None  # the memo key whose parts changed since the page last took them


def _keep_parts(key, sessions):
    """Keep `sessions` under `key` as the latest set; only the _MemoryParts.KEEP latest sets stay."""
    _parts.pop(key, None)
    _parts[key] = sessions
    while len(_parts) > _MemoryParts.KEEP:
        _parts.pop(next(iter(_parts)))


def _report(job, curve=True, curve_for=None, now=None, remember=True):
    """build_report of the job under its options, through this worker's memo of session parts (unless `remember` is
    off: the warm-up's sample must not take the place of the page's parts); (report, sessions taken from it)."""
    opts = job.options._replace(curve=curve, curve_for=curve_for)
    # The one answer key (state/identity.py): this code, the built-in table and the overrides used, the options
    # (issue 31: the key left out the version and the built-in table, so a reload after an upgrade that changed a
    # price served the old parts from IndexedDB).
    key = answer_key(opts._replace(curve_for=None).key(), job.prices_key)
    memo = _MemoryParts(key, job.tokens) if remember else None
    rep = build_report(job.analyzer, job.prices, opts, now=now, memo=memo, max_sessions=limits.PAGE_MAX_SESSIONS,
                       too_large=limits.PAGE_HINT)
    if memo is None:
        return rep, 0
    memo.save()
    return rep, memo.hits


class _Job:
    __slots__ = ("analyzer", "sources", "report", "prices", "options", "view", "states", "imported", "tokens",
                 "prices_key", "by_source")

    def __init__(self, prices, prices_key=""):
        self.tokens = {}        # source -> the page's token of its file version (_MemoryParts)
        self.by_source = {}     # source -> its own analyzer, for a later job's `reuse` (sources with a token)
        self.prices_key = prices_key
        self.analyzer = Analyzer()
        self.imported = []      # (source, bytes, Analyzer) of dropped state files, merged before a report
        self.states = {}        # source -> FileState of a remembered source, until the page takes it
        self.sources = {}
        self.report = None      # the whole report (context curves included), built when first asked for
        self.prices = prices
        self.options = Options()
        self.view = None        # the last report a page drew from (no curves)

    def keep_source(self, source, a):
        """Keep a source's own analyzer (merged already) for a later job of this worker: only one with a token."""
        if source in self.tokens:
            self.by_source[source] = a


def _as_bytes(data):
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    # A buffer from the browser: Pyodide hands a Uint8Array over as a proxy with to_bytes().
    return data.to_bytes()


def _width(req):
    """The width the page's charts get (issue 12: drawn for it, never wider than the screen)."""
    w = req.get("width")
    if type(w) not in (int, float) or w != w:
        return DEFAULT_WIDTH
    return int(min(MAX_WIDTH, max(MIN_WIDTH, w)))


def _now(req):
    """The clock the active 5-hour block is judged by (issue 15): the request's `now` (epoch seconds), else this
    interpreter's (the browser's, in Pyodide)."""
    n = req.get("now")
    return float(n) if type(n) in (int, float) and n == n else time.time()


def _options(req):
    """The Options of a request's filters and grouping (core/options.py): taken apart here, once."""
    got = {k: req.get(k) for k in _FILTERS if req.get(k) not in (None, "")}
    return Options(**{k: v if k == "latest" else str(v) for k, v in got.items()})


def handle(request_json, data=None):
    """Never raises (issue 10): a bad request is an {"error"} answer, and so is a bug of ours, so the worker
    always gets a reply and the page shows a message instead of hanging."""
    try:
        if isinstance(request_json, str) and too_deep(request_json):
            # A pasted report nested thousands deep would overflow Pyodide's stack inside json.loads.
            raise ValueError(f"nested too deeply (more than {MAX_DEPTH} levels)")
        req = json.loads(request_json)
        if not isinstance(req, dict):
            raise ValueError("a request is a JSON object")
        result = _dispatch(req, _as_bytes(data))
        out = result if isinstance(result, RawJSON) else json.dumps(result, ensure_ascii=False)
    except (TimeZoneError, PriceFileError, ValueError, KeyError) as exc:
        return json.dumps({"error": clean_text(str(exc) or exc.__class__.__name__)})
    except Exception as exc:  # noqa: BLE001 - the boundary to JavaScript: nothing may escape
        return json.dumps({"error": f"internal error ({exc.__class__.__name__}: {clean_text(str(exc))})"})
    # Valid UTF-8 for JavaScript whatever a log held (lone surrogates are cleaned where read; this is the net).
    return out if out.isascii() else out.encode("utf-8", "replace").decode("utf-8")


def _filtered(job):
    return job.options._replace(project=None).filtered()


def _curve(job, session_id, width=DEFAULT_WIDTH):
    """The context-curve chart of one session, under the job's last filters."""
    if job.report is not None:
        s = next((s for s in job.report["sessions"] if s["session_id"] == session_id), None)
    else:
        rep = build_report(job.analyzer, job.prices, job.options._replace(session=session_id, latest=False))
        s = rep["sessions"][0] if rep["sessions"] and rep["sessions"][0]["session_id"] == session_id else None
    if s is None:
        raise KeyError(f"no session {session_id!r}")
    return context_curve(s, width)


def _close_sources(job):
    """Sources still open when a report or an export is asked for end there (a last line without newline); state
    files dropped so far are merged then, one copy per file (statefile.union), a log given beside them winning."""
    for src in job.sources.values():
        src.close()
    job.sources.clear()
    if job.imported:
        merge_into(job.analyzer, union(job.imported))
        job.imported = []


def _share(rep, url):
    summary = share.summarize(rep)
    fragment = share.to_fragment(summary)
    link = f"{url}#{fragment}" if url else None
    return {"summary": summary, "fragment": fragment, "link": link, "markdown": share.markdown(summary, link),
            "svg": share.card_svg(summary)}


# ---- the operations: one handler each; OPS below is the table (docs/ARCHITECTURE.md lists them) ----------------
# Handlers that need no job take (req, data); the others (job, req, data).

def op_begin(req, _data):
    """Start a job (one analysis), with optional extra prices {prices, prices_name}."""
    prices = PriceTable.builtin()
    if req.get("prices") is not None:
        prices = prices.with_overrides(req["prices"], req.get("prices_name", "price file"))
    _jobs[str(req.get("job", "default"))] = _Job(prices, prices_of_data(req.get("prices")))
    return {"ok": True}


def op_charts(req, _data):
    """{report?, session_id?, width}: the charts of a pasted --json report (no job), and the whole row of the session
    shown (`detail`). The report is untrusted (issue 10): conformed to the schema first; this worker keeps it (the
    page draws from its view, `report`, returned when one is given) and answers later calls without one from it."""
    if "report" in req:
        rep = conform_report(req["report"])
        check_sessions(len(rep["sessions"]), limits.PAGE_MAX_SESSIONS, limits.PAGE_HINT)
        _pasted[:] = [rep]
    elif _pasted:
        rep = _pasted[0]
    else:
        raise KeyError("no pasted report: send it with op 'charts' first")
    sid = req.get("session_id")
    width = _width(req)
    out = charts(rep, sid, width)
    if sid:
        s = next((s for s in rep["sessions"] if s["session_id"] == sid), None)
        out["curve"] = context_curve(s, width) if s else ""
        out["whatif"] = whatif_chart(s, width) if s else ""
    chosen = sid or out.get("curve_session")
    return {"charts": out, "detail": _detail(rep, chosen), **({"report": _view(rep)} if "report" in req else {})}


def op_pasted_json(_req, _data):
    """The pasted report as conformed (what Download JSON saves for it)."""
    if not _pasted:
        raise KeyError("no pasted report")
    return RawJSON(render_view("json", _pasted[0]))


def op_share_report(req, _data):
    """{url}: the share summary of the pasted --json report (no job)."""
    if not _pasted:
        raise KeyError("no pasted report")
    return _share(_pasted[0], req.get("url"))


def _token(job, req):
    """Note the page's token of a source's file version (`token`: its size and modification time), if it sent one."""
    tok = req.get("token")
    if type(tok) is str and len(tok) <= 200:
        job.tokens[req["source"]] = tok
    else:
        job.tokens.pop(req["source"], None)


def _opened(job, req):
    _token(job, req)
    return _Sniffed(job, req["source"], bool(req.get("remember")))


def op_open(job, req, _data):
    """{source, remember?}: start feeding a source in several `feed` calls. With `remember`, the source is read
    into a state of its own, which `take_state` gives once the source is closed (issue 14)."""
    job.sources[req["source"]] = _opened(job, req)
    job.report = None
    return {"ok": True}


def op_feed(job, req, data):
    """{source} + bytes: the next chunk of an open source (any size; a line may span chunks)."""
    job.sources[req["source"]].feed(data or b"")
    return {"ok": True}


def op_close(job, req, _data):
    """{source, token?, partial?}: the source has ended (its last line may lack a newline). `token`: its file
    version's (as for `open`), known once its last bytes are. `partial` ({bytes, reason}): it
    could not be read past `bytes` (issue 30: a file that changed or vanished while the page read it): what was fed
    counts, the report names it as read in part, and nothing of it is remembered — no state for the page store, no
    token for the memo or `reuse` — so the next analysis reads it again."""
    source = req["source"]
    partial = req.get("partial")
    whole = type(partial) is not dict
    if whole and "token" in req:
        _token(job, req)  # a file fed in several calls: its token comes with its last bytes (their fingerprint)
    job.sources.pop(source).close(whole)
    if not whole:
        counted = partial.get("bytes")
        job.analyzer.add_unreadable(source, str(partial.get("reason") or "read error"),
                                    counted if type(counted) is int and counted > 0 else 1)
        job.tokens.pop(source, None)
        job.by_source.pop(source, None)
        job.states.pop(source, None)
    job.report = None
    return {"ok": True}


def op_file(job, req, data):
    """{source, remember?} + bytes: a whole source in one call (open, feed and close: most logs fit one buffer)."""
    src = _opened(job, req)
    src.feed(data or b"")
    src.close()
    job.report = None
    return {"ok": True}


def op_unreadable(job, req, _data):
    """{source, reason}: a file the page could not read, or that is not a log: named in the report."""
    job.analyzer.add_unreadable(req["source"], req["reason"])
    job.report = None
    return {"ok": True}


def op_meta(job, req, data):
    """{agent_id} + bytes, or {agent_ids, sizes} + their bytes back to back: agent-*.meta.json files (a projects
    folder holds hundreds: one call)."""
    if "agent_ids" in req:
        pos = 0
        for aid, size in zip(req["agent_ids"], req["sizes"]):
            job.analyzer.add_agent_meta(aid, (data or b"")[pos:pos + size])
            pos += size
    else:
        job.analyzer.add_agent_meta(req["agent_id"], data or b"")
    job.report = None
    return {"ok": True}


def op_report(job, req, _data):
    """{tz, since, until, session, latest, project, by, chart_session, view, width, memo}: the report and its charts (drawn
    for `width`), `nothing`: why there is nothing to show (issue 10), or null, and `kept`: how many sessions' parts
    came from this worker's memo (issue 20). Filters and grouping re-run no parsing: the report is rebuilt from the
    job's state (issue 12). With `view`, what a page draws from: no context curves (issue 4: building them all was
    most of the report's time in wasm); the page asks for one curve at a time (`chart`) and for the whole report
    (`json`) when the user downloads it."""
    _close_sources(job)
    job.options = _options(req)
    job.report = None
    if req.get("view"):
        chosen = req.get("chart_session") or "top"
        rep, kept = _report(job, curve=False, curve_for=chosen, now=_now(req), remember=req.get("memo") is not False)
        out = charts(rep, None if chosen == "top" else chosen, _width(req))
        for s in rep["sessions"]:
            s["context_curve"] = []  # drawn above; the page needs no points
        job.view = rep
        return {"report": _view(rep), "detail": _detail(rep, out.get("curve_session")), "charts": out,
                "nothing": nothing_billable(rep, _filtered(job)), "kept": kept}
    job.report, kept = _report(job, now=_now(req))
    return {"report": job.report, "charts": charts(job.report, req.get("chart_session"), _width(req)),
            "nothing": nothing_billable(job.report, _filtered(job)), "kept": kept}


def op_json(job, _req, _data):
    """The last report, whole (context curves included): what Download JSON saves — the registry's json view, the
    CLI's --json to the byte."""
    if job.report is None:
        job.report = _report(job, now=time.time())[0]
    return RawJSON(render_view("json", job.report))


def op_chart(job, req, _data):
    """{session_id, width}: the context curve and what-if chart of one session."""
    rep = job.report or job.view
    s = next((s for s in rep["sessions"] if s["session_id"] == req["session_id"]), None) if rep else None
    width = _width(req)
    return {"session_id": req["session_id"], "curve": _curve(job, req["session_id"], width),
            "whatif": whatif_chart(s, width) if s else "", "detail": _detail(rep, req["session_id"]) if rep else None}


def op_redraw(job, req, _data):
    """{width, session_id}: every chart of the last report again, for a new width (the page was resized)."""
    rep = job.report or job.view
    if rep is None:
        raise KeyError("no report to redraw: send op 'report' first")
    out = charts(rep, req.get("session_id"), _width(req))
    if req.get("session_id"):
        out["curve"] = _curve(job, req["session_id"], _width(req))
    return {"charts": out}


def op_share(job, req, _data):
    """{url}: the privacy-safe summary of the last report (card, link, Markdown)."""
    return _share(job.report or job.view or build_report(job.analyzer, job.prices, job.options), req.get("url"))


def op_csv(job, req, _data):
    """{tz, since, until, session, latest, project}: one CSV row per billed request (the registry's csv view; grouping
    does not apply)."""
    return {"csv": render_view("csv", job.analyzer, prices=job.prices, options=_options(req))}


def op_export(job, _req, _data):
    """This job's analysis as plain JSON ({state}), for another worker to import."""
    _close_sources(job)
    return {"state": job.analyzer.export()}


def op_import(job, req, _data):
    """{state} as `export` gave it, or {from: export's whole answer} (the page passes a helper's answer through
    untouched): merged into this job."""
    state = req["from"]["state"] if "from" in req else req["state"]
    job.analyzer.merge(Analyzer.from_export(state))
    job.report = None
    return {"ok": True}


def op_take_state(job, req, _data):
    """{source}: the state of a remembered, closed source (filestate.py's JSON, as the answer itself): the page
    keeps it in IndexedDB. Taken once."""
    fs = job.states.pop(req["source"], None)
    if fs is None:
        raise KeyError(f"no state of {req['source']!r}: open it with remember, and close it, first")
    return RawJSON(fs.to_json())


def op_load_state(job, req, _data):
    """{source, state}: a state `take_state` gave, for a file the page has not seen change: merged into the job
    instead of reading the file. {ok: false, why} when it cannot be used (another version, malformed, another
    file's): the page then reads the file."""
    try:
        fs = FileState.from_dict(req["state"])
        if fs.label != req["source"]:
            raise ValueError("the state of another file")
        a = fs.analyzer()
    except ValueError as exc:
        return {"ok": False, "why": clean_text(str(exc))}
    job.analyzer.merge(a)
    _token(job, req)
    job.keep_source(req["source"], a)
    job.report = None
    return {"ok": True}


def op_reuse(job, req, _data):
    """{from, source, token}: a source the job `from` of this worker read or loaded, at the same version (the same
    token): its analyzer merged again, nothing decoded (issue 20 item 5: a folder dropped again, or a watched one
    re-run when one file changed, costs the files that changed). {ok: false} when that job does not hold it at that
    version: the page then loads its stored state or reads it."""
    old = _jobs.get(str(req.get("from")))
    source, tok = req["source"], req.get("token")
    a = old.by_source.get(source) if old is not None else None
    if a is None or type(tok) is not str or old.tokens.get(source) != tok or source in job.tokens:
        return {"ok": False}
    job.analyzer.merge(a)
    job.tokens[source] = tok
    job.by_source[source] = a
    job.report = None
    return {"ok": True}


def op_held(job, _req, _data):
    """{held: {source: token}}: the sources this job can hand a later one (`reuse`), at their versions."""
    return {"held": {source: job.tokens[source] for source in job.by_source}}


def op_resume(job, req, data):
    """{source, state, size} + the file's first `head[0]` bytes and the byte before the state's offset: when the
    file grew from the same beginning, open the source to be fed from the offset on (`feed`, then `close`, then
    `take_state`); else {ok: false} and the page reads the file whole (issue 15: a watched log costs its new bytes)."""
    try:
        fs = FileState.from_dict(req["state"])
        if fs.label != req["source"]:
            raise ValueError("the state of another file")
        data = data or b""
        n = fs.head[0]
        size = req.get("size")
        if type(size) is not int or not may_resume(fs, size, head_of(data[:n]), data[n:n + 1] if fs.offset else b""):
            return {"ok": False, "why": "the file changed, not only grew"}
        rem = _Remembered(job, req["source"], fs)
    except ValueError as exc:
        return {"ok": False, "why": clean_text(str(exc))}
    job.sources[req["source"]] = rem
    _token(job, req)
    job.report = None
    return {"ok": True, "offset": fs.offset}


def op_seed_parts(req, _data):
    """{parts}: the session parts a page stored (IndexedDB) as `take_parts` gave them, for this worker's memo (issue
    20 item 5: a reload does not build every session again). Untrusted: each part is checked when a report would
    use it (parts.from_json), and only where its signature — the tokens of its files' versions — matches. Parts
    already in memory for that key win."""
    got = req.get("parts")
    if type(got) is dict and type(got.get("key")) is str and type(got.get("sessions")) is dict \
            and got["key"] not in _parts:
        _keep_parts(got["key"], {sid: (v[0], v[1]) for sid, v in got["sessions"].items()
                                 if type(v) is list and len(v) == 2 and type(v[0]) is str and type(v[1]) is dict})
    return {"ok": True}


def op_take_parts(_req, _data):
    """The session parts of the last report whose parts changed, as JSON text for the page's store ({key,
    sessions: {id: [signature, part]}}), or null when none changed since they were last taken."""
    global _dirty
    key, _dirty = _dirty, None
    kept = _parts.get(key) if key is not None else None
    if kept is None:
        return None
    sessions = {sid: [sig, part if type(part) is dict else part.to_json()] for sid, (sig, part) in kept.items()}
    return RawJSON(json.dumps({"key": key, "sessions": sessions}, separators=(",", ":")))


def op_forget(_req, _data):
    """"Forget what this page stored": the session parts this worker keeps go (issue 20)."""
    global _dirty
    _parts.clear()
    _dirty = None
    return {"ok": True}


def op_end(req, _data):
    """Forget a job."""
    _jobs.pop(str(req.get("job", "default")), None)
    return {"ok": True}


# name -> (handler, needs a job)
OPS = {
    "begin": (op_begin, False), "end": (op_end, False), "charts": (op_charts, False),
    "pasted_json": (op_pasted_json, False),
    "seed_parts": (op_seed_parts, False), "take_parts": (op_take_parts, False), "forget": (op_forget, False),
    "open": (op_open, True), "feed": (op_feed, True), "close": (op_close, True), "file": (op_file, True),
    "unreadable": (op_unreadable, True), "meta": (op_meta, True),
    "report": (op_report, True), "json": (op_json, True), "chart": (op_chart, True), "redraw": (op_redraw, True),
    "share": (op_share, True), "csv": (op_csv, True), "export": (op_export, True), "import": (op_import, True),
    "take_state": (op_take_state, True), "load_state": (op_load_state, True), "resume": (op_resume, True),
    "reuse": (op_reuse, True), "held": (op_held, True),
}


def _dispatch(req, data):
    op = req["op"]
    if op == "share" and req.get("pasted"):
        return op_share_report(req, data)  # a pasted report's share card: no job
    if not isinstance(op, str) or op not in OPS:
        raise KeyError(f"unknown op {op!r}")
    handler, needs_job = OPS[op]
    if not needs_job:
        return handler(req, data)
    job_id = str(req.get("job", "default"))
    job = _jobs.get(job_id)
    if job is None:
        raise KeyError(f"no job {job_id!r}: send op 'begin' first")
    return handler(job, req, data)
