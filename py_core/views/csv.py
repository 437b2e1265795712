"""Per-request rows (CSV export): the same selection and prices as the report."""

import csv
import io

from ..core.priced import agent_types, priced_requests, project_of, usd
from ..core.pricing import PriceTable
from ..core.text import for_terminal

CSV_FIELDS = (
    "timestamp", "date", "session_id", "project", "agent", "agent_type", "model", "priced_as",
    "input_tokens", "output_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "context_tokens", "web_search_requests", "speed", "inference_geo",
    "cost_input_usd", "cost_output_usd", "cost_cache_write_5m_usd", "cost_cache_write_1h_usd",
    "cost_cache_read_usd", "cost_web_search_usd", "cost_usd", "unpriced_reason", "source", "line",
    "recovered_from_progress",
)


def _cell(v):
    if type(v) is float:
        # Dollars as plain decimals: a spreadsheet or a reader gets 0.000012, never 1.2e-05 (issue 12). The
        # report rounds money to 10 decimals, so 10 places lose nothing.
        text = f"{v:.10f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if isinstance(v, str):
        # Log text is untrusted: no control character reaches a terminal the CSV is printed to (issue 21), and a
        # leading = + - @ would run as a formula in a spreadsheet.
        v = for_terminal(v)
        return "'" + v if v[:1] in ("=", "+", "-", "@") else v
    return v


def request_rows(analyzer, prices=None, opts=None, **kw):
    """One row per billed request: the report's selection (`opts`, an Options) and prices (priced.priced_requests),
    never re-run."""
    prices = prices or PriceTable.builtin()
    sel = priced_requests(analyzer, prices, opts, **kw)
    types = agent_types(analyzer)
    by_session = {}
    for p in sel.priced:
        by_session.setdefault(p.r.session_id, []).append(p.r)
    projects = {sid: project_of(reqs) for sid, reqs in by_session.items()}
    for p in sel.priced:
        r, cost = p.r, p.costs
        yield {
            "timestamp": r.timestamp, "date": p.day, "session_id": r.session_id,
            "project": projects[r.session_id], "agent": p.agent,
            "agent_type": "main thread" if p.agent == "main" else types.get(r.agent_id, ""),
            "model": r.model, "priced_as": prices.resolve(r.model) or "",
            "input_tokens": r.input, "output_tokens": r.output, "cache_write_5m_tokens": r.cw5m,
            "cache_write_1h_tokens": r.cw1h, "cache_read_tokens": r.cache_read, "context_tokens": r.context,
            "web_search_requests": r.web_search, "speed": r.speed or "", "inference_geo": r.geo or "",
            **({"cost_input_usd": usd(cost.input), "cost_output_usd": usd(cost.output),
                "cost_cache_write_5m_usd": usd(cost.cw5m), "cost_cache_write_1h_usd": usd(cost.cw1h),
                "cost_cache_read_usd": usd(cost.read), "cost_web_search_usd": usd(cost.web),
                "cost_usd": usd(sum(cost)), "unpriced_reason": ""} if cost is not None else
               {"cost_usd": "", "unpriced_reason": f"no price for {p.unpriced}"}),
            "source": r.source, "line": r.line,
            # 1: a copy from the parent's progress line, the subagent's own line absent (issue 10): partial.
            "recovered_from_progress": 1 if r.recovered else "",
        }


def to_csv(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()
