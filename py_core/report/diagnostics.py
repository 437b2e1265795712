"""The report's diagnostics and warnings: what was read, what could not be, and what a reader must know.

Warnings are structured (issue 10/11): `{kind, text, ...numbers}`; every view shows `text` and may pick by
`kind`, never by matching the sentence. Kinds: unpriced_models, missing_subagents, recovered_from_progress,
unreadable_files, malformed_lines, invalid_utf8, ignored_usage_values, empty_files, session_filter, history, timer_wakes.
"""

from ..core import present
from ..core.priced import usd

SHOWN = 5  # names listed in a warning before "and N more"


def _names(items, shown=SHOWN, sep=", "):
    """'a, b, c and 4 more' (log text: views escape it)."""
    items = list(items)
    if len(items) == shown + 1:
        shown += 1  # issue 25: "and 1 more" never said which: name it instead
    head = sep.join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def diagnostics(a, sel, agent_types, session_parts):
    """The report's `diagnostics`: what was read, what was made of it, and the warnings (issue 10). `sel`: the
    selection (priced.Selected); `session_parts`: its sessions' parts (parts.py), which hold their recovered and
    history spend."""
    kept, session_note = sel.kept, sel.note
    store = a.store
    own_agents = store.own_agents()
    missing = sorted(
        ({"session_id": sid, "agent_id": aid} for aid, (sid, _t) in a.agent_links.items() if aid not in own_agents),
        key=lambda d: (d["session_id"], d["agent_id"]),
    )
    # Spend recovered from progress lines (issue 10), over the requests the report covers.
    rec_agents = {}
    for part in session_parts:
        for aid, n, pico in part.recovered:
            rec_agents[(part.sid, aid)] = (n, pico)
    recovered = {
        "requests": sum(n for n, _p in rec_agents.values()), "cost_usd": usd(sum(p for _n, p in rec_agents.values())),
        "agents": [{"session_id": sid, "agent_id": aid, "agent_type": agent_types.get(aid), "requests": n,
                    "cost_usd": usd(pico)} for (sid, aid), (n, pico) in sorted(rec_agents.items())],
    }
    cut = store.cut_off(sel.requests)
    history = _history(a, session_parts)
    kinds = dict(sorted(a.kinds.items()))
    malformed_files = [
        {"file": name, "count": count, "first": [{"line": n, "reason": why} for n, why in samples]}
        for name, (count, samples) in sorted(a.malformed.items())
    ]
    utf8_files = [{"file": name, "count": count, "first": lines}
                  for name, (count, lines) in sorted(a.invalid_utf8.items())]
    # A file read in part (issue 30) says how much of it counts: it is not "not read".
    unreadable = [{"file": name, "reason": why, **({"bytes_counted": a.partial[name]} if name in a.partial else {})}
                  for name, why in sorted(a.unreadable.items())]
    ignored = dict(sorted(a.ignored_usage.items()))
    warnings = _warnings(missing, recovered, malformed_files, utf8_files, unreadable, ignored,
                         sorted(a.empty_files), session_note, history)
    unplaced = _unplaced(session_parts, sel.zone)
    if unplaced:
        warnings.append(unplaced)
    return {
        "files": len(a.files),
        "empty_files": sorted(a.empty_files),
        "unreadable_files": unreadable,
        "lines_read": a.lines_read,
        "bytes_read": a.bytes_read,
        "lines_by_kind": kinds,
        "usage_lines": store.usage_lines,
        "billed_requests": kept,
        "duplicate_lines_collapsed": store.usage_lines - len(store.by_key),
        "sidechain_replays_dropped": store.replays(),
        "progress_copies": store.progress_copies,
        "recovered_from_progress": recovered,
        "cut_off_mid_stream": {"requests": len(cut), "output_tokens": sum(r.output for r in cut)},
        "synthetic_lines_skipped": a.kinds.get("synthetic", 0),
        "blank_lines": a.kinds.get("blank", 0),
        "invalid_utf8_lines": a.invalid_utf8_lines,
        "invalid_utf8": utf8_files,
        "ignored_usage_values": {"count": sum(ignored.values()), "by_field": ignored},
        "unknown_line_types": dict(sorted(a.unknown_types.items())),
        "malformed": {"count": a.kinds.get("malformed", 0), "by_reason": dict(sorted(a.malformed_reasons.items())),
                      "files": malformed_files},
        "missing_subagents": missing,
        "history": history,
        "warnings": warnings,
    }


def _history(a, session_parts):
    """What the report holds from files Claude Code has since deleted (issue 14): kept in the store, read no more.
    Requests and cost over what the report covers; `oldest` is the day of the earliest of them."""
    n = pico = 0
    oldest = None
    for part in session_parts:
        hn, hp, day = part.history
        n += hn
        pico += hp
        if day is not None and (oldest is None or day < oldest):
            oldest = day
    return {"files": len(a.history), "requests": n, "cost_usd": usd(pico), "oldest": oldest}


def _unplaced(session_parts, zone):
    """The warning of requests that cannot be placed on a day (issue 30): no timestamp, one that does not parse, or a
    time outside years 1-9999 in the report's zone. They count in every total, under the day "unknown"; each is named
    by its file and line."""
    n = sum(p.unplaced[0] for p in session_parts)
    if not n:
        return None
    samples = sorted(s for p in session_parts for s in p.unplaced[1])
    named = _names((f"{src} line {line} ({'no timestamp' if stamp is None else repr(stamp[:40])})"
                    for src, line, stamp in samples[:SHOWN]), sep="; ")
    if n > len(samples[:SHOWN]):
        named += f" and {n - len(samples[:SHOWN])} more"
    return {"kind": "unplaced_timestamps", "count": n,
            "text": f"{plural(n, 'request')} cannot be placed on a day in {zone}: counted in the totals under the "
                    f"day \"unknown\" — {named}"}


def plural(n, word, many=None):
    """'1 request', '3 requests' (issue 33: no "(s)")."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def unpriced_warning(unpriced_models):
    """The warning of models without a price (report.build_report puts it first)."""
    return {"kind": "unpriced_models", "count": sum(u["requests"] for u in unpriced_models),
            "text": "no price for " + _names(f"{u['model']} ({plural(u['requests'], 'request')}, {u['tokens']:,} tokens)"
                                             for u in unpriced_models)
                    + ": not in the total (the page prices with the built-in table; the CLI takes their prices "
                      "from --prices FILE or a .tokenscope.json where it runs)"}


def timer_warning(sessions):
    """Sessions woken on a timer slower than their cache's life (issue 15): each wake rewrote the whole context."""
    t = [(s["session_id"], s["insights"]["timer_wakes"]) for s in sessions]
    total = round(sum(w["total_rewrite_cost_usd"] for _sid, w in t), 10)
    return {"kind": "timer_wakes", "count": len(t), "cost_usd": total,
            "text": f"{plural(len(t), 'session was', 'sessions were')} woken on a schedule slower than the prompt cache lives, rewriting "
                    f"their whole context each time (${total:,.2f} of cache writes): "
                    + _names((f"{sid[:8]} {w['text']}" for sid, w in t), sep="; ")}


def _warnings(missing, recovered, malformed_files, utf8_files, unreadable, ignored, empty, session_note, history):
    """Structured warnings (issue 10/11): a kind, its numbers, and the sentence every view shows."""
    out = []
    if history["files"]:
        out.append({"kind": "history", "count": history["files"], "requests": history["requests"],
                    "cost_usd": history["cost_usd"],
                    "text": f"{plural(history['files'], 'file')} deleted since they were stored "
                            f"{'is' if history['files'] == 1 else 'are'} kept from history: "
                            f"{plural(history['requests'], 'request')}, ${history['cost_usd']:,.2f}"
                            + (f", oldest {history['oldest']}" if history["oldest"] else "")
                            + " (--no-history leaves them out)"})
    if missing:
        rec_ids = {g["agent_id"] for g in recovered["agents"]}
        got = [m for m in missing if m["agent_id"] in rec_ids]
        text = (f"{plural(len(missing), 'subagent is', 'subagents are')} named in the logs but none of their own lines "
                "were given "
                f"({_names(m['agent_id'] for m in missing)})")
        if got:
            text += (f": {recovered['requests']:,} of their requests ({present.money(recovered['cost_usd'])}) were recovered "
                     "from progress lines — partial; add the session's folder for exact numbers")
            if len(got) < len(missing):
                text += f"; the spend of the other {len(missing) - len(got)} is missing from these totals"
        else:
            text += ": their spend is missing from these totals"
        out.append({"kind": "missing_subagents", "count": len(missing), "recovered_requests": recovered["requests"],
                    "recovered_cost_usd": recovered["cost_usd"], "text": text})
    elif recovered["requests"]:
        out.append({"kind": "recovered_from_progress", "count": recovered["requests"],
                    "cost_usd": recovered["cost_usd"],
                    "text": f"{plural(recovered['requests'], 'subagent request')} "
                            f"({present.money(recovered['cost_usd'])}) {'was' if recovered['requests'] == 1 else 'were'} "
                            "recovered from progress lines — partial; add the session's folder for exact numbers"})
    unread = [u for u in unreadable if "bytes_counted" not in u]
    partial = [u for u in unreadable if "bytes_counted" in u]
    if unread:
        out.append({"kind": "unreadable_files", "count": len(unread),
                    "text": f"{plural(len(unread), 'file was', 'files were')} not read and "
                            f"{'is' if len(unread) == 1 else 'are'} not in these totals: "
                            + _names((f"{u['file']}: {u['reason']}" for u in unread), sep="; ")})
    if partial:
        out.append({"kind": "partial_files", "count": len(partial),
                    "bytes_counted": sum(u["bytes_counted"] for u in partial),
                    "text": f"{plural(len(partial), 'file was', 'files were')} read only in part: the lines before "
                            "the error count, the rest is not in these totals, and nothing of "
                            f"{'it' if len(partial) == 1 else 'them'} is remembered (read again next time) — "
                            + _names((f"{u['file']}: {u['reason']}" for u in partial), sep="; ")})
    if malformed_files:
        n = sum(f["count"] for f in malformed_files)
        out.append({"kind": "malformed_lines", "count": n, "files": len(malformed_files),
                    "text": f"{plural(n, 'line')} could not be read: " + _names((
                        f"{f['file']}: {plural(f['count'], 'unreadable line')}, first at "
                        f"{'line' if len(f['first']) == 1 else 'lines'} "
                        f"{', '.join(str(x['line']) for x in f['first'])} ({f['first'][0]['reason']})"
                        for f in malformed_files), sep="; ")})
    if utf8_files:
        n = sum(f["count"] for f in utf8_files)
        out.append({"kind": "invalid_utf8", "count": n, "files": len(utf8_files),
                    "text": f"{plural(n, 'line')} held bytes that are not UTF-8 and were read with replacement characters: "
                            + _names((f"{f['file']}: {plural(f['count'], 'line')}, first at "
                                      f"{'line' if len(f['first']) == 1 else 'lines'} "
                                      f"{', '.join(map(str, f['first']))}" for f in utf8_files), sep="; ")})
    if ignored:
        n = sum(ignored.values())
        out.append({"kind": "ignored_usage_values", "count": n,
                    "text": f"{plural(n, 'usage value was', 'usage values were')} ignored (negative, absurdly large or not a "
                            "whole number) and "
                            "counted as 0: " + _names(f"{k} ×{v}" for k, v in ignored.items())})
    if empty:
        out.append({"kind": "empty_files", "count": len(empty),
                    "text": f"{plural(len(empty), 'empty file')} (0 bytes), nothing to read: " + _names(empty)})
    if session_note:
        out.append({"kind": "session_filter", "text": session_note})
    return out


def nothing_billable(report, filtered=False):
    """Why a report has nothing to show (issue 10: an error, not a $0 report), in one line; None when it has.

    Shared by the CLI (exit 1 with this line) and the page (this line beside the input, no dashboard).
    """
    t = report["totals"]
    if t["requests"]:
        return None  # issue 25: prompts without any billed request are still a $0 report nobody should read
    d = report["diagnostics"]
    for w in d["warnings"]:
        if w["kind"] == "session_filter":
            return w["text"]
    read = (f"{plural(d['files'], 'file')}, {plural(d['lines_read'], 'line')} read"
            + (f", {len(d['unreadable_files'])} could not be read" if d["unreadable_files"] else ""))
    if filtered:
        o = report["options"]
        span = " ".join(x for x in (f"from {o['since']}" if o["since"] else "",
                                     f"to {o['until']}" if o["until"] else "") if x)
        return f"no requests {span or 'match the filters'} ({read})"
    why = []
    if d["malformed"]["count"]:
        n = d['malformed']['count']
        why.append(plural(n, "line is not a log line", "lines are not log lines"))
    if d["empty_files"]:
        why.append(plural(len(d['empty_files']), 'empty file'))
    if d["unreadable_files"]:
        why.append("; ".join(f"{u['file']}: {u['reason']}" for u in d["unreadable_files"][:SHOWN]))
    if d["synthetic_lines_skipped"]:
        why.append(f"{plural(d['synthetic_lines_skipped'], 'placeholder line')} (API errors, usage-limit notices)")
    if t["user_prompts"]:
        why.insert(0, f"{plural(t['user_prompts'], 'prompt')} but no response with its usage (a transcript exported "
                      "without token counts, or a session stopped before any reply)")
    return (f"no billable requests: {read}, and none carries API usage (Claude Code logs each response with its "
            "token counts on an assistant line)" + (f" — {'; '.join(why)}" if why else ""))
