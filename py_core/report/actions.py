"""What to change first (issue 33 item 1): the top three actions over everything the report shows, each with its
dollars and the session, project or loop it concerns, worded once here for every view.

The candidates are the report's own figures, each an estimate under the assumption its section states:
  compaction    the sum of each session's best what-if compaction saving (the session with the most named);
  idle          cache misses after an idle gap (insights.idle_cache_misses: their extra cost);
  fresh         starting fresh sessions at the longest idle gaps, where it saves money;
  switch        cache re-written because the model, the system prompt or tools, or Claude Code's version changed
                mid-session (misses.py): avoidable, unlike a compaction's;
  loop          a loop whose fires re-wrote an expired cache (turns.py);
  resident      the context source that cost most to keep re-reading (sources.py).
They are ranked by dollars; below a cent nothing is said. The next request's figure is separate (`next_request`).
"""

from ..core import present

TOP = 3
MIN_USD = 0.01
ACTIONABLE_CONTEXT = {"MCP tools": "turn off the MCP servers a project does not use",
                      "Memory files": "trim what every request carries", "Skills": "turn off skills you do not use",
                      "Custom agents": "keep only the agents you use"}


def session_name(row):
    """A session as the actions and the next-request line name it: its title in quotes, else its id's first 8."""
    title = row.get("title")
    return f"\u201c{title}\u201d" if title else row["session_id"][:8]


def actions(report):
    """report["actions"]: up to TOP {kind, usd, text, session_id, project} by dollars, largest first."""
    sessions = report["sessions"]
    out = []

    def add(kind, usd, text, row=None, project=None):
        if usd is not None and usd >= MIN_USD:
            out.append({"kind": kind, "usd": round(usd, 10), "text": text,
                        "session_id": row["session_id"] if row else None,
                        "project": project if project is not None else (row["project"] if row else None)})

    money = present.money
    best = [(s["insights"]["what_if_compaction"]["best"], s) for s in sessions
            if s["insights"]["what_if_compaction"]["best"]]
    if best:
        total = sum(b["saving_usd"] for b, _s in best)
        top_b, top_s = max(best, key=lambda bs: (bs[0]["saving_usd"], bs[1]["session_id"]))
        add("compaction", total,
            f"Compact earlier: compacting at {present.tokens(top_b['threshold_tokens'])} tokens would have saved "
            f"~{money(top_b['saving_usd'])} in session {session_name(top_s)}"
            + (f" (~{money(total)} over {len(best)} sessions)" if len(best) > 1 else "")
            + " — /compact before the context grows past it.", top_s)
    idle = [(s["insights"]["idle_cache_misses"], s) for s in sessions if s["insights"]["idle_cache_misses"]["count"]]
    if idle:
        n = sum(m["count"] for m, _s in idle)
        total = sum(m["extra_cost_usd"] for m, _s in idle)
        _m, worst = max(idle, key=lambda ms: (ms[0]["extra_cost_usd"], ms[1]["session_id"]))
        add("idle", total,
            f"Mind the cache's 5 minutes: {n:,} request{'s' if n != 1 else ''} after an idle gap re-wrote the whole "
            f"context, ~{money(total)} more than reading it from the cache (most in session {session_name(worst)}) — "
            "/compact or start fresh before a long break.", worst)
    fresh = [(s["insights"]["fresh_session"], s) for s in sessions if s["insights"]["fresh_session"]["saving_usd"] > 0]
    if fresh:
        total = sum(f["saving_usd"] for f, _s in fresh)
        _f, worst = max(fresh, key=lambda fs: (fs[0]["saving_usd"], fs[1]["session_id"]))
        add("fresh", total,
            f"Start fresh after long breaks: a new session at the longest idle gaps would have saved ~{money(total)} "
            f"(most in session {session_name(worst)}).", worst)
    causes = {c["cause"]: c for c in (report.get("cache_misses") or {}).get("by_cause") or []}
    switch = [causes[c] for c in ("model_switch", "prompt_or_tools", "version_upgrade") if c in causes]
    if switch:
        total = sum(c["extra_cost_usd"] for c in switch)
        n = sum(c["count"] for c in switch)
        what = " and ".join(c["label"] for c in switch)
        add("switch", total,
            f"Keep the model and tools steady within a session: {n:,} cache miss{'es' if n != 1 else ''} "
            f"({what}) cost ~{money(total)} more than cache reads.")
    loops = [lp for lp in report.get("loops") or [] if lp["cache_rewrites"]]
    if loops:
        lp = max(loops, key=lambda x: (x["rewrite_cost_usd"], x["task"]))
        add("loop", lp["rewrite_cost_usd"],
            f"Loop {lp['cron'] or lp['task']} re-wrote an expired cache on {lp['cache_rewrites']:,} of its "
            f"{lp['fires']:,} fires (~{money(lp['rewrite_cost_usd'])}): fire it within the cache's lifetime or "
            "less often.")
    # The costliest source one can do something about: a tool's result, an attachment, a subagent's result, an MCP
    # server's tools, a memory file or a skill listing (not the system prompt, your prompts or the model's output).
    sources = [r for r in report.get("context_sources") or []
               if r["kind"] in ("tool_result", "attachment", "subagent_result")
               or (r["kind"] == "context" and r["source"] in ACTIONABLE_CONTEXT)]
    if sources:
        r = sources[0]
        name = (f"The output of `{r['target']}` commands" if r["source"] == "Bash" and r["target"]
                else r["source"] + (f" {r['target']}" if r["target"] else ""))
        fix = (ACTIONABLE_CONTEXT[r["source"]] if r["kind"] == "context"
               else "read less of it, or /compact after using it")
        add("resident", r["reread_cost_usd"],
            f"{name} stayed in the context: re-reading it cost ~{money(r['reread_cost_usd'])} over "
            f"{r['requests']:,} request{'s' if r['requests'] != 1 else ''} — {fix}.")
    out.sort(key=lambda a: (-a["usd"], a["kind"]))
    return out[:TOP]


def next_request(report):
    """report["next_request"]: the next request of the session active last — {session_id, title, project,
    last_timestamp, next_turn} — or None. Views price it at their own clock (present.next_figure): past its cache's
    expiry the context is re-written; more than a day after the last request no figure is shown."""
    rows = [s for s in report["sessions"] if s.get("next_turn") and s["last_timestamp"]]
    if not rows:
        return None
    s = max(rows, key=lambda r: (r["last_timestamp"], r["session_id"]))
    return {"session_id": s["session_id"], "title": s.get("title"), "project": s["project"],
            "last_timestamp": s["last_timestamp"], "next_turn": s["next_turn"]}
