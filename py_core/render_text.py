"""The terminal report: key numbers, the cost split as a text bar, sessions by cost, warnings."""

import re

from . import present

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
BAR_WIDTH = 40
# bucket, label, bar glyph: present.BUCKETS, labels in lower case after the first word's capital
SEGMENTS = tuple((b.key, b.label[0].lower() + b.label[1:], b.glyph) for b in present.BUCKETS)
money = present.money_terminal
pct = present.pct
tokens = present.tokens


def clean(text, width=None):
    """Log text is untrusted: no escape sequences reach the terminal."""
    s = _CONTROL.sub("?", str(text))
    if width and len(s) > width:
        s = "…" + s[-(width - 1):]
    return s


def bar(shares):
    """A fixed-width bar, one glyph per bucket, widths by largest remainder (sums exactly)."""
    parts = [(g, (shares.get(b) or 0) * BAR_WIDTH) for b, _l, g in SEGMENTS]
    widths = [int(w) for _g, w in parts]
    left = BAR_WIDTH - sum(widths) if any(w for _g, w in parts) else 0
    order = sorted(range(len(parts)), key=lambda i: -(parts[i][1] - widths[i]))
    for i in order[:left]:
        widths[i] += 1
    return "[" + "".join(g * w for (g, _), w in zip(parts, widths)) + "]"


def render(report, max_sessions=15):
    t = report["totals"]
    out = []
    add = out.append
    add("tokenscope - where the money in your Claude Code sessions went")
    add(clean(report["label"]))
    add("")
    span = ""
    if t["first_timestamp"]:
        span = f" · {t['first_timestamp'][:10]} → {t['last_timestamp'][:10]}"
    add(f"{t['sessions']} session(s) · {t['requests']:,} requests ({t['requests_main']:,} main thread, "
        f"{t['requests_subagent']:,} subagent) · {t['user_prompts']:,} prompts{span}")
    add(f"Estimated cost: {money(t['cost_usd'])}"
        + (f"  (excludes {t['unpriced_requests']} request(s) of unpriced models)" if t["cost_excludes_unpriced"] else ""))
    add("")
    share = t["share_of_cost"]
    cost = t["cost_by_bucket_usd"]
    toks = t["tokens"]
    add("Where it went  " + bar(share))
    tok_of = {"cache_read": toks["cache_read"], "cache_write_5m": toks["cache_write_5m"],
              "cache_write_1h": toks["cache_write_1h"], "output": toks["output"], "input": toks["input"],
              "web_search": None}
    for b, label, g in SEGMENTS:
        extra = f"{t['web_search_requests']} searches" if b == "web_search" else f"{tokens(tok_of[b])} tokens"
        add(f"  {g} {label:<30} {money(cost[b]):>10}  {pct(share.get(b)):>4}  {extra}")
    add("")
    add(f"Cache hit rate (token-weighted): {pct(t['cache_hit_rate'])}   "
        f"Re-sent context share: {pct(t['resent_share_pooled'])} pooled"
        + (f", {pct(t['resent_share_median_session'])} in the median session" if t["sessions"] > 1 else ""))
    sessions = report["sessions"]
    if sessions:
        latest = max(sessions, key=lambda s: s["last_timestamp"] or "")
        nt = latest.get("next_turn")
        add(f"Peak context: {tokens(max(s['peak_context_tokens'] for s in sessions))} tokens"
            + (f"   Next turn in the latest session ≈ {money(nt['cost_usd'])} "
               f"({tokens(nt['context_tokens'])} context × cache-read price + "
               f"{nt['average_output_tokens']:.0f} avg output × output price)" if nt else ""))
        add("")
        add(f"Sessions by cost{' (top %d of %d)' % (max_sessions, len(sessions)) if len(sessions) > max_sessions else ''}:")
        add(f"  {'cost':>10}  {'reqs':>6}  {'peak ctx':>8}  {'re-sent':>7}  {'compact':>7}  {'started':<16}  session / project")
        for s in sessions[:max_sessions]:
            add(f"  {money(s['cost_usd']):>10}  {s['requests']:>6}  {tokens(s['peak_context_tokens']):>8}  "
                f"{pct(s['resent_share']):>7}  {len(s['compactions']):>7}  "
                f"{(s['first_timestamp'] or '')[:16].replace('T', ' '):<16}  "
                f"{clean(s['session_id'])[:13]} {clean(s['project'], 40)}")
    if report["models"]:
        add("")
        add("Models:")
        for m in report["models"]:
            add(f"  {money(m['cost_usd']):>10}  {m['requests']:>6} req  {clean(m['model'])}"
                + ("" if m["priced_as"] else "  (no price: excluded from the total)"))
    ins = report.get("insights")
    if ins and sessions:
        add("")
        add("What to change (estimates under stated assumptions; --json has them in full):")
        top = sessions[0]
        si = top["insights"]
        best = si["what_if_compaction"]["best"]
        add(f"  Costliest session {clean(top['session_id'])[:13]}: "
            + (f"compacting at {tokens(best['threshold_tokens'])} tokens would have saved ~{money(best['saving_usd'])} "
               f"({best['compactions']} compaction(s))" if best else "no compaction threshold would have saved money"))
        fresh = si["fresh_session"]
        if fresh["resets"]:
            add(f"  Fresh sessions at its {len(fresh['resets'])} longest idle gap(s): "
                f"{'saves' if fresh['saving_usd'] > 0 else 'costs'} ~{money(abs(fresh['saving_usd']))}")
        res = si["resident_context"]["largest"]
        if res:
            r0 = res[0]
            add(f"  Largest resident addition: turn {r0['turn']} added {tokens(r0['tokens'])} tokens, re-read by "
                f"{r0['later_turns']} later turns: {money(r0['resident_cost_usd'])}")
        if len(sessions) > 1:
            pc = si["percentile"]
            add(f"  Among your {len(sessions)} sessions it is at the {pc['cost']:g}th percentile for cost, "
                f"{pc['peak_context']:g}th for peak context, {pc['turns']:g}th for turns")
        m = ins["idle_cache_misses"]
        add(f"  {m['count']} cache miss(es) after idle cost {money(m['extra_cost_usd'])} more than cache hits would have")
        y, ref = ins["yours"], ins["reference"]
        if y["median_session_cost_usd"] is not None:
            add(f"  Your median session: {money(y['median_session_cost_usd'])}, {y['median_session_turns']:.0f} turns, "
                f"peak {tokens(int(y['median_peak_context_tokens']))}; the reference set's (one heavy user, not a "
                f"census): {money(ref['median_session_cost_usd'])}, {ref['median_session_turns']} turns, "
                f"peak {tokens(ref['median_peak_context_tokens'])}")
    d = report["diagnostics"]
    # The report words every warning (structured: kind, numbers, text; issue 10/11); views only show them.
    warnings = [w["text"] for w in d["warnings"]]
    if warnings:
        add("")
        add("Warnings:")
        for w in warnings:
            add("  ! " + clean(w))
    add("")
    add(f"Read {d['files']} file(s), {d['lines_read']:,} lines, {d['bytes_read'] / 1e6:.1f} MB; "
        f"{d['billed_requests']:,} billed requests from {d['usage_lines']:,} usage lines "
        f"({d['duplicate_lines_collapsed']:,} duplicate lines collapsed, "
        f"{d['synthetic_lines_skipped']:,} synthetic skipped). Times in {clean(report['options']['time_zone'])}.")
    return "\n".join(out) + "\n"
