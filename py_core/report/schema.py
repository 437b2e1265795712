"""The --json report's shape (schema 1), as data, and `conform`: a pasted report made safe to draw.

A report pasted into the page or given to the widget is untrusted text (issue 10: markup in a field the charts
draw reached an SVG). `conform` rebuilds it from this spec: every number is a finite number (not a bool, not a
string), every string a string, lists are lists, objects objects; what is missing gets its empty value, keys the
spec does not name are dropped. The views then see exactly the types a report built here has, and escape every
string they show.

Spec language: N number (0 when missing), N0 number or null, S string (""), S0 string or null, B bool,
[spec] a list, {key: spec} an object ("*" for any other key), Maybe(spec) an object or null. Issue 30: a figure
with a range is checked against it, and is null outside it (a pasted "Cache hit rate 500%"): R a share from 0 to 1,
P a percentage from 0 to 100, T an ISO time of years 1-9999, D a day `YYYY-MM-DD` of those years.
"""

N, N0, S, S0, B = "N", "N0", "S", "S0", "B"
R, P, T, D = "R", "P", "T", "D"


class Maybe:
    __slots__ = ("spec",)

    def __init__(self, spec):
        self.spec = spec


TOKENS = {k: N for k in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "total")}
BUCKET_KEYS = ("input", "output", "cache_write", "cache_write_5m", "cache_write_1h", "cache_read", "web_search")
SLIM = {"cost_usd": N, "requests": N, "tokens": TOKENS, "cost_by_bucket_usd": {k: N for k in BUCKET_KEYS}}
SUMMARY = dict(SLIM, share_of_cost={k: R for k in BUCKET_KEYS}, web_search_requests=N, cache_hit_rate=R)
REQUEST_ROW = {"timestamp": T, "session_id": S, "agent": S, "model": S, "cost_usd": N0, "context_tokens": N,
               "output_tokens": N, "source": S, "line": N}
MODEL_ROW = dict(SLIM, model=S, priced_as=S0, ids=[S])
SAVING = {"threshold_tokens": N, "compactions": N, "saving_usd": N}
# Issue 24: what fills the context.
SOURCE_ROW = {"kind": S, "source": S, "target": S0, "tokens": N, "requests": N, "reread_cost_usd": N}
NAMED_SOURCE = {"kind": S, "source": S, "target": S0, "tokens": N}
SESSION_INSIGHTS = {
    "what_if_compaction": {"compact_to_tokens": N, "thresholds": [SAVING], "best": Maybe(SAVING), "assumptions": S},
    "fresh_session": {"resets": [{"before_turn": N, "timestamp": T, "idle_seconds": N}], "saving_usd": N,
                      "assumptions": S},
    "idle_cache_misses": {"count": N, "extra_cost_usd": N, "assumptions": S,
                          "misses": [{"turn": N, "timestamp": T, "idle_seconds": N, "tokens_rewritten": N,
                                      "extra_cost_usd": N, "rewrite_cost_usd": N}]},
    "timer_wakes": Maybe({"wakes": N, "interval_seconds": N, "rewrite_cost_usd": N, "total_rewrite_cost_usd": N,
                          "text": S}),
    "resident_context": {"largest": [{"turn": N, "timestamp": T, "tokens": N, "later_turns": N,
                                      "resident_cost_usd": N, "sources": [NAMED_SOURCE]}], "assumptions": S},
    "percentile": {"cost": P, "peak_context": P, "turns": P},
}
NEXT_TURN = {"context_tokens": N, "average_output_tokens": N, "model": S, "cost_usd": N, "formula": S,
             "cache_ttl_seconds": N, "cache_expires_at": T, "cost_after_expiry_usd": N}
# Issue 32: what Claude Code itself knows.
LEDGER = {"cost_usd": N, "has_unknown_model_cost": B,
          "models": [{"model": S, "input_tokens": N, "output_tokens": N, "cache_read_tokens": N,
                      "cache_write_tokens": N, "web_search_requests": N, "cost_usd": N}],
          "logged_cost_usd": N, "difference_usd": N, "compared": B,
          "unlogged": [{"model": S, "tokens": {k: N for k in ("input", "output", "cache_read", "cache_write")},
                        "web_search_requests": N, "cost_usd": N0}],
          "unlogged_cost_usd": N0, "unpriced_unlogged_models": [S],
          "explanations": [{"kind": S, "cost_usd": N0, "text": S}]}
LEDGER_TOTALS = {"sessions": N, "cost_usd": N, "logged_cost_usd": N, "difference_usd": N, "unlogged_cost_usd": N0,
                 "explanations": [{"kind": S, "cost_usd": N0, "text": S}], "assumptions": S}
CATEGORY_ROW = {"category": S, "tokens": N, "reread_cost_usd": N,
                "items": [{"name": S, "tokens": N, "reread_cost_usd": N}], "more_items": N}
TURN_ROW = {"timestamp": T, "cost_usd": N, "requests": N, "prompt": S0}
TURNS = {"count": N, "cost_usd": N, "median_usd": N0, "p90_usd": N0, "max_usd": N0}
LOOP_ROW = {"task": S, "cron": S0, "prompt": S0, "fires": N, "cost_usd": N, "cost_per_fire_usd": N0,
            "cache_rewrites": N, "rewrite_cost_usd": N}
MISSES = {"count": N, "tokens_rewritten": N, "extra_cost_usd": N,
          "by_cause": [{"cause": S, "label": S, "count": N, "tokens_rewritten": N, "extra_cost_usd": N}]}
WHO_ROW = dict(SLIM, name=S)
SESSION = dict(
    SUMMARY, session_id=S, project=S, requests_main=N, requests_subagent=N, priced_requests=N, user_prompts=N,
    first_timestamp=T, last_timestamp=T, duration_seconds=N0, active_seconds=N0, cost_per_request_usd=N0,
    resent_share=R,
    peak_context_tokens=N, average_context_tokens=N, final_context_tokens=N,
    compactions=[{"timestamp": T, "kind": S0, "trigger": S0, "pre_tokens": N0, "post_tokens": N0,
                  "post_tokens_from": S0, "tokens_saved": N0, "agent": S}],
    next_turn=Maybe(NEXT_TURN),
    top_requests=[REQUEST_ROW], models=[MODEL_ROW],
    agents=[dict(SLIM, agent=S, agent_type=S0, recovered=B)],
    context_curve=[{"timestamp": T, "context_tokens": N, "output_tokens": N, "cost_usd": N0, "model": S}],
    insights=SESSION_INSIGHTS,
    context_sources=[SOURCE_ROW],
    title=S0, claude_code=Maybe(LEDGER), context_categories=[CATEGORY_ROW],
    turns=dict(TURNS, costliest=[TURN_ROW], outside_turns={"requests": N, "cost_usd": N}),
    loops=[LOOP_ROW],
    cache_misses=dict(MISSES, misses=[{"timestamp": T, "agent": S, "cause": S, "tokens_rewritten": N,
                                       "extra_cost_usd": N, "idle_seconds": N0}]),
)
WINDOW = {"start": S, "end": S, "first_timestamp": S, "last_timestamp": S, "requests": N, "priced_requests": N,
          "cost_usd": N, "tokens": TOKENS,
          "cost_by_bucket_usd": {k: N for k in ("input", "output", "cache_write", "cache_read", "web_search")},
          "burn_rate_usd_per_hour": N0, "active": B, "remaining_seconds": N0, "projected_cost_usd": N0}
FILE_LINES = {"file": S, "count": N, "first": [N]}
DIAGNOSTICS = {
    "files": N, "empty_files": [S], "unreadable_files": [{"file": S, "reason": S, "bytes_counted": N0}], "lines_read": N,
    "bytes_read": N, "lines_by_kind": {"*": N}, "usage_lines": N, "billed_requests": N,
    "duplicate_lines_collapsed": N, "sidechain_replays_dropped": N, "progress_copies": N,
    "recovered_from_progress": {"requests": N, "cost_usd": N,
                                "agents": [{"session_id": S, "agent_id": S, "agent_type": S0, "requests": N,
                                            "cost_usd": N}]},
    "cut_off_mid_stream": {"requests": N, "output_tokens": N},
    "synthetic_lines_skipped": N, "blank_lines": N, "invalid_utf8_lines": N, "invalid_utf8": [FILE_LINES],
    "ignored_usage_values": {"count": N, "by_field": {"*": N}}, "unknown_line_types": {"*": N},
    "malformed": {"count": N, "by_reason": {"*": N},
                  "files": [{"file": S, "count": N, "first": [{"line": N, "reason": S}]}]},
    "missing_subagents": [{"session_id": S, "agent_id": S}],
    "history": {"files": N, "requests": N, "cost_usd": N, "oldest": D},
    "warnings": [{"kind": S, "text": S, "*": N0}],
}
REPORT = {
    "schema_version": N, "generator": S, "label": S,
    "prices": {"table_version": S, "sources": [S], "derived_rates": [S]},
    "options": {"time_zone": S, "since": S0, "until": S0, "session": S0, "latest": B, "project": S0, "by": S,
                "entrypoint": S0, "decoder": S},
    "totals": dict(SUMMARY, requests_main=N, requests_subagent=N, priced_requests=N, unpriced_requests=N,
                   cost_excludes_unpriced=B, sessions=N, projects=N, user_prompts=N, first_timestamp=T,
                   last_timestamp=T, first_day=D, last_day=D, resent_share_pooled=R,
                   resent_share_median_session=R, claude_code=Maybe(LEDGER_TOTALS)),
    "sessions": [SESSION],
    "projects": [{"project": S, "sessions": N, "requests": N, "cost_usd": N}],
    "models": [MODEL_ROW],
    "agents": [dict(SLIM, agent_type=S0)],
    "days": [dict(SLIM, date=S)],
    "periods": [dict(SLIM, period=S, start=S, models=[dict(SLIM, model=S)])],
    "top_requests": [REQUEST_ROW],
    "unpriced_models": [{"model": S, "requests": N, "tokens": N, "tokens_by_bucket": TOKENS}],
    "team": [dict(SLIM, label=S, sessions=N)],
    "blocks": [WINDOW],
    "weekly_windows": [WINDOW],
    "diagnostics": DIAGNOSTICS,
    "context_sources": [SOURCE_ROW], "context_sources_assumptions": S0,
    "context_categories": [CATEGORY_ROW], "context_categories_assumptions": S0,
    "turns": dict(TURNS, costliest=[dict(TURN_ROW, session_id=S, title=S0)]),
    "loops": [LOOP_ROW],
    "cache_misses": dict(MISSES, assumptions=S),
    "attribution": {k: [WHO_ROW] for k in ("entrypoints", "skills", "plugins", "mcp_servers")},
    # Issue 33: what to change first; the next request of the session active last.
    "actions": [{"kind": S, "usd": N, "text": S, "session_id": S0, "project": S0}],
    "next_request": Maybe({"session_id": S, "title": S0, "project": S, "last_timestamp": T,
                           "next_turn": Maybe(NEXT_TURN)}),
    "insights": {
        "idle_cache_misses": {"count": N, "extra_cost_usd": N}, "what_if_compaction_saving_usd": N,
        "costliest_sessions": [{"session_id": S, "cost_usd": N}],
        "reference": {"label": S, "*": N0}, "yours": {"*": N0},
    },
    "covers": S,
}


# No figure of a real report comes near this (a year of heavy use is ~1e12 tokens); beyond it a pasted number is
# not a figure, and would overflow the views' arithmetic (1e308 * 100 is infinite).
MAX_NUMBER = 1e15


def _number(v):
    if type(v) in (int, float) and -MAX_NUMBER <= v <= MAX_NUMBER:  # NaN fails both comparisons
        return v
    return None


def _in(v, lo, hi):
    return v if type(v) in (int, float) and lo <= v <= hi else None


def _time(v):
    """An ISO time of years 1-9999 as it was given, else None."""
    if type(v) is not str or len(v) > 40:
        return None
    from ..core.records import parse_ts
    return v if parse_ts(v) is not None and v[:4].isdigit() else None


def _date(v):
    if type(v) is not str or len(v) != 10:
        return None
    from datetime import date
    try:
        date.fromisoformat(v)
    except ValueError:
        return None
    return v


def conform(value, spec=REPORT):
    """`value` rebuilt to `spec` (see the module docstring); never raises, whatever `value` is."""
    if spec == R:
        return _in(value, 0, 1)
    if spec == P:
        return _in(value, 0, 100)
    if spec == T:
        return _time(value)
    if spec == D:
        return _date(value)
    if spec == N:
        n = _number(value)
        return 0 if n is None else n
    if spec == N0:
        return _number(value)
    if spec == S:
        return value if type(value) is str else ""
    if spec == S0:
        return value if type(value) is str else None
    if spec == B:
        return value is True
    if isinstance(spec, Maybe):
        return conform(value, spec.spec) if type(value) is dict else None
    if isinstance(spec, list):
        return [conform(v, spec[0]) for v in value] if type(value) is list else []
    src = value if type(value) is dict else {}
    out = {k: conform(src.get(k), sub) for k, sub in spec.items() if k != "*"}
    rest = spec.get("*")
    if rest is not None:
        for k, v in src.items():
            if type(k) is str and k not in spec:
                out[k] = conform(v, rest)
    return out


def conform_report(report):
    """A pasted report (schema 1) conformed; warnings of older reports (plain sentences) kept as text."""
    if type(report) is not dict or type(report.get("schema_version")) is not int or report["schema_version"] != 1:
        raise ValueError("not a tokenscope --json report (schema version 1)")
    diag = report.get("diagnostics")
    if type(diag) is dict and type(diag.get("warnings")) is list:
        diag = dict(diag, warnings=[{"kind": "other", "text": w} if type(w) is str else w for w in diag["warnings"]])
        report = dict(report, diagnostics=diag)
    return conform(report)
