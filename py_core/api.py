"""The one entry point the browser uses: `handle(request_json, data=None) -> response_json`.

The web worker calls exactly this, and so do the tests. A request names an `op` and a `job`
(one analysis); file bytes travel beside the JSON, never inside it. Responses are plain JSON
strings, so no Python object leaks into JavaScript.

ops: begin · open {source} · feed {source} + bytes · close {source} · meta {agent_id} + bytes ·
     report {tz, since, until, session, latest, chart_session} · csv {...same filters} · chart {session_id} · end
"""

import json

from .analyzer import Analyzer
from .export import request_rows, to_csv
from .pricing import PriceFileError, PriceTable
from .report import build_report
from .svg import charts, context_curve
from .timeutil import TimeZoneError

_jobs = {}
_FILTERS = ("tz", "since", "until", "session", "latest")


class _Job:
    __slots__ = ("analyzer", "sources", "report", "prices")

    def __init__(self, prices):
        self.analyzer = Analyzer()
        self.sources = {}
        self.report = None
        self.prices = prices


def _as_bytes(data):
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    # A buffer from the browser: Pyodide hands a Uint8Array over as a proxy with to_bytes().
    return data.to_bytes()


def _filters(req):
    return {k: req.get(k) for k in _FILTERS if req.get(k) not in (None, "")}


def handle(request_json, data=None):
    try:
        req = json.loads(request_json)
        return json.dumps(_dispatch(req, _as_bytes(data)), ensure_ascii=False)
    except (TimeZoneError, PriceFileError, ValueError, KeyError) as exc:
        return json.dumps({"error": str(exc) or exc.__class__.__name__})


def _dispatch(req, data):
    op = req["op"]
    job_id = str(req.get("job", "default"))
    if op == "begin":
        prices = PriceTable.builtin()
        if req.get("prices") is not None:
            prices = prices.with_overrides(req["prices"], req.get("prices_name", "price file"))
        _jobs[job_id] = _Job(prices)
        return {"ok": True}
    job = _jobs.get(job_id)
    if job is None:
        raise KeyError(f"no job {job_id!r}: send op 'begin' first")
    if op == "open":
        job.sources[req["source"]] = job.analyzer.open(req["source"])
        job.report = None
        return {"ok": True}
    if op == "feed":
        job.sources[req["source"]].feed(data or b"")
        return {"ok": True}
    if op == "close":
        job.sources.pop(req["source"]).close()
        return {"ok": True}
    if op == "meta":
        job.analyzer.add_agent_meta(req["agent_id"], data or b"")
        return {"ok": True}
    if op == "report":
        for src in list(job.sources.values()):
            src.close()
        job.sources.clear()
        job.report = build_report(job.analyzer, job.prices, **_filters(req))
        return {"report": job.report, "charts": charts(job.report, req.get("chart_session"))}
    if op == "chart":
        rep = job.report or build_report(job.analyzer, job.prices)
        s = next((s for s in rep["sessions"] if s["session_id"] == req["session_id"]), None)
        if s is None:
            raise KeyError(f"no session {req['session_id']!r}")
        return {"session_id": s["session_id"], "curve": context_curve(s)}
    if op == "csv":
        return {"csv": to_csv(request_rows(job.analyzer, job.prices, **_filters(req)))}
    if op == "end":
        _jobs.pop(job_id, None)
        return {"ok": True}
    raise KeyError(f"unknown op {op!r}")
