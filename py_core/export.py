"""Per-request rows (CSV export): the same selection and prices as the report."""

import csv
import io

from .pricing import PriceTable
from .report import _agent_key, _price, _project_of, _resolve_agent_types, _usd, select
from .timeutil import day_function, resolve_tz

CSV_FIELDS = (
    "timestamp", "date", "session_id", "project", "agent", "agent_type", "model", "priced_as",
    "input_tokens", "output_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens",
    "context_tokens", "web_search_requests", "speed", "inference_geo",
    "cost_input_usd", "cost_output_usd", "cost_cache_write_5m_usd", "cost_cache_write_1h_usd",
    "cost_cache_read_usd", "cost_web_search_usd", "cost_usd", "unpriced_reason", "source", "line",
    "recovered_from_progress",
)


def _cell(v):
    # Log text is untrusted: a leading = + - @ would run as a formula in a spreadsheet.
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def request_rows(analyzer, prices=None, tz=None, since=None, until=None, session=None, latest=False):
    prices = prices or PriceTable.builtin()
    day_of = day_function(resolve_tz(tz))
    sel = select(analyzer, day_of, since, until, session, latest)
    types = _resolve_agent_types(analyzer)
    by_session = {}
    for r in sel["requests"]:
        by_session.setdefault(r.session_id, []).append((r, None))
    projects = {sid: _project_of(pairs) for sid, pairs in by_session.items()}
    for r in sel["requests"]:
        cost, why = _price(prices, r)
        ak = _agent_key(r)
        yield {
            "timestamp": r.timestamp, "date": day_of(r.ts), "session_id": r.session_id,
            "project": projects[r.session_id], "agent": ak,
            "agent_type": "main thread" if ak == "main" else types.get(r.agent_id, ""),
            "model": r.model, "priced_as": prices.resolve(r.model) or "",
            "input_tokens": r.input, "output_tokens": r.output, "cache_write_5m_tokens": r.cw5m,
            "cache_write_1h_tokens": r.cw1h, "cache_read_tokens": r.cache_read, "context_tokens": r.context,
            "web_search_requests": r.web_search, "speed": r.speed or "", "inference_geo": r.geo or "",
            **({"cost_input_usd": _usd(cost[0]), "cost_output_usd": _usd(cost[1]),
                "cost_cache_write_5m_usd": _usd(cost[2]), "cost_cache_write_1h_usd": _usd(cost[3]),
                "cost_cache_read_usd": _usd(cost[4]), "cost_web_search_usd": _usd(cost[5]),
                "cost_usd": _usd(sum(cost)), "unpriced_reason": ""} if cost is not None else
               {"cost_usd": "", "unpriced_reason": f"no price for {why}"}),
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
