"""The terminal report: key numbers, the cost split as a text bar, sessions by cost, warnings."""


from ..core import present
from ..core.text import for_terminal

BAR_WIDTH = 40
# bucket, label, bar glyph: present.BUCKETS, labels in lower case after the first word's capital
SEGMENTS = tuple((b.key, b.label[0].lower() + b.label[1:], b.glyph) for b in present.BUCKETS)
money = present.money
pct = present.pct
tokens = present.tokens


def clean(text, width=None):
    """Log text is untrusted: no escape sequences reach the terminal."""
    s = for_terminal(text)
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


def render(report, width=80, max_sessions=15, periods=False, now=None, color=False, limit=None):
    """The terminal report, every line at most `width` characters (issue 12: lines ran to 232); `width=None` for
    everything at full length (--wide). `periods`: add the per-period table (--by). `color`: headings and the
    totals in colour (issue 33: a terminal, not a pipe). `limit`: rows of the long tables (sessions, blocks,
    projects; None: their defaults, inf: all)."""
    t = report["totals"]
    out = []
    styles = {}  # line index -> style: painted after the sanitiser (which would strip the escape)

    def add(line="", style=None):
        if style:
            styles[len(out)] = style
        out.append(line if width is None else _cut(line, width))

    def say(text, indent="", style=None):
        """Prose: wrapped to the width, continuation lines indented."""
        start = len(out)
        if width is None:
            out.append(indent + text)
        else:
            out.extend(wrap(text, width, indent, indent + "  "))
        if style:
            styles.update(dict.fromkeys(range(start, len(out)), style))

    add("tokenscope - where the money in your Claude Code sessions went", "head")
    say(clean(report["label"]), style="dim")
    add("")
    say(clean(report.get("covers") or ""))
    # Issue 33: one fact per line (they ran together when wrapped).
    say(f"{_plural(t['requests'], 'request')} (API calls: {t['requests_main']:,} main thread, "
        f"{t['requests_subagent']:,} subagent)")
    say(f"{_plural(t['user_prompts'], 'prompt')} (what you typed)")
    say(f"Estimated cost: {money(t['cost_usd'])}"
        + (f"  (excludes {_plural(t['unpriced_requests'], 'request')} of unpriced models)" if t["cost_excludes_unpriced"]
           else ""), style="bold")
    custom = present.prices_note(report)
    if custom:
        say(f"  ! {clean(custom)}, over the built-in list prices")
    _claude_code(add, say, t.get("claude_code"))
    add("")
    share = t["share_of_cost"]
    cost = t["cost_by_bucket_usd"]
    toks = t["tokens"]
    add("Where it went  " + bar(share))
    label_w = 30 if width is None or width >= 72 else max(12, width - 42)
    for b, label, g in SEGMENTS:
        extra = (f"{t['web_search_requests']:,} searches" if b == "web_search" else f"{tokens(toks[b])} tokens")
        add(f"  {g} {_cut(label, label_w):<{label_w}} {money(cost[b]):>10}  {pct(share.get(b)):>4}  {extra}")
    add("")
    say(f"Cache hit rate: {pct(t['cache_hit_rate'])} of input tokens were read from the cache")
    say(f"Re-sent context: {pct(t['resent_share_pooled'])} of the cost"
        + (f" (all sessions together; {pct(t['resent_share_median_session'])} in the median session)"
           if t["sessions"] > 1 else ""))
    sessions = report["sessions"]
    if sessions:
        say(f"Peak context: {tokens(max(s['peak_context_tokens'] for s in sessions))} tokens in one request")
    nr = report.get("next_request")
    if nr:
        say(_next_request_text(nr, now))
    acts = report.get("actions") or []
    if acts:
        add("")
        add("What to change first (estimates; the sections below say how):", "bold")
        for i, a in enumerate(acts, 1):
            say(f"{i}. {clean(a['text'])}", "  ")
    _projects_table(add, report.get("projects") or [], t, width, limit)
    if sessions:
        _sessions_table(add, sessions, max_sessions if limit is None else limit, width)
    if periods and report.get("periods"):
        by = (report.get("options") or {}).get("by") or "day"
        add("")
        add(f"Spend per {by}:", "bold")
        add(f"  {'period':<10}  {'cost':>10}  {'requests':>8}  {'share':>5}")
        total = t["cost_usd"] or 0
        for p in report["periods"]:
            add(f"  {clean(p['period']):<10}  {money(p['cost_usd']):>10}  {p['requests']:>8,}  "
                f"{pct(p['cost_usd'] / total if total else None):>5}")
    _team_table(add, report.get("team") or [])
    _blocks_table(add, say, report.get("blocks") or [], limit)
    if report["models"]:
        add("")
        add("Models:")
        for m in report["models"]:
            add(f"  {money(m['cost_usd']):>10}  {m['requests']:>6} req  {clean(m['model'])}"
                + ("" if m["priced_as"] else "  (no price: excluded from the total)"))
    _categories(add, report.get("context_categories") or [], width)
    _context_sources(add, say, report.get("context_sources") or [], width)
    _turns(add, say, report.get("turns"), report.get("loops") or [], report.get("cache_misses"), width)
    _attribution(add, report.get("attribution") or {})
    ins = report.get("insights")
    if ins and sessions:
        add("")
        say("What to change (estimates under stated assumptions; --json has them in full):")
        top = sessions[0]
        si = top["insights"]
        best = si["what_if_compaction"]["best"]
        say(f"Costliest session {clean(present.short_ids([x['session_id'] for x in sessions])[top['session_id']])}: "
            + (f"compacting at {tokens(best['threshold_tokens'])} tokens would have saved ~{money(best['saving_usd'])} "
               f"({_plural(best['compactions'], 'compaction')})" if best
               else "no compaction threshold would have saved money"),
            "  ")
        fresh = si["fresh_session"]
        if fresh["resets"]:
            say(f"Fresh sessions at its {_plural(len(fresh['resets']), 'longest idle gap')}: "
                f"{'saves' if fresh['saving_usd'] > 0 else 'costs'} ~{money(abs(fresh['saving_usd']))}", "  ")
        res = si["resident_context"]["largest"]
        if res:
            r0 = res[0]
            named = ", ".join(f"{source_name(x)} {tokens(x['tokens'])}" for x in r0.get("sources") or [])
            say(f"Largest resident addition: request {r0['turn']} added {tokens(r0['tokens'])} tokens"
                + (f" ({clean(named)}…)" if named else "") + f", re-read by {r0['later_turns']} later requests: "
                f"{money(r0['resident_cost_usd'])}", "  ")
        if len(sessions) > 1:
            pc = si["percentile"]
            say(f"Among your {len(sessions)} sessions it is at the {present.ordinal(pc['cost'])} percentile for "
                f"cost, {present.ordinal(pc['peak_context'])} for peak context, {present.ordinal(pc['turns'])} for "
                "requests", "  ")
        m = ins["idle_cache_misses"]
        if m["count"]:  # issue 25: nothing to say is not said
            say(f"{_plural(m['count'], 'cache miss', 'cache misses')} after idle cost {money(m['extra_cost_usd'])} "
                "more than cache hits would have", "  ")
        y, ref = ins["yours"], ins["reference"]
        if y["median_session_cost_usd"] is not None:
            say(f"Your median session: {money(y['median_session_cost_usd'])}, {y['median_session_turns']:.0f} "
                f"requests, peak {tokens(int(y['median_peak_context_tokens']))}; the reference set's (one heavy "
                f"user, not a census): {money(ref['median_session_cost_usd'])}, {ref['median_session_turns']} "
                f"requests, peak {tokens(ref['median_peak_context_tokens'])}", "  ")
    d = report["diagnostics"]
    # The report words every warning (structured: kind, numbers, text; issue 10/11); views only show them.
    if d["warnings"]:
        add("")
        add("Warnings:", "warn")
        for w in d["warnings"]:
            say("! " + clean(w["text"]), "  ", style="warn")
    add("")
    say(f"Read {_plural(d['files'], 'file')}, {_plural(d['lines_read'], 'line')}, {d['bytes_read'] / 1e6:.1f} MB; "
        f"{d['billed_requests']:,} billed requests from {d['usage_lines']:,} usage lines "
        f"({d['duplicate_lines_collapsed']:,} duplicate lines collapsed, "
        f"{d['synthetic_lines_skipped']:,} synthetic skipped). Times in {clean(report['options']['time_zone'])}.")
    # Every line once more through the one sanitiser (issue 21): no log string reaches the terminal unescaped even
    # where a field was not wrapped in `clean`.
    return "\n".join(paint(for_terminal(line), styles.get(i), color) for i, line in enumerate(out)) + "\n"


COLORS = {"bold": "1", "dim": "2", "warn": "33", "head": "1;36"}


def paint(text, style, on):
    """`text` in `style` (COLORS) when colour is on (issue 33: a terminal; never a pipe or NO_COLOR)."""
    return f"\x1b[{COLORS[style]}m{text}\x1b[0m" if on and style and text else text


def _next_request_text(nr, now):
    """The next request's one figure (issue 33 item 2: live.next_figure, as the page and the status line give it),
    saying which session and how long ago its last request was; past a day, when that was instead."""
    from ..core.timeutil import parse_iso
    from ..report.actions import session_name
    from ..report.live import next_figure
    nt = nr["next_turn"]
    name = session_name(nr)
    last = parse_iso(nr["last_timestamp"])
    f = next_figure(nt, last, now)
    when = clean(nr["last_timestamp"][:16].replace("T", " ")) + " UTC"
    if f is None or f["stale"]:
        return f"Latest request: {when} in session {clean(name)} — no next-request figure for a session idle over a day"
    age = f" (last request {present.ago(f['age'])})" if f["age"] is not None else ""
    return f"Next request in session {clean(name)}{age} ≈ {_next_text(nt, now)}"


def _projects_table(add, projects, t, width, limit):
    """Spend per project (issue 33 item 3: it was a cut-off column of the top sessions), right after the split."""
    if len(projects) < 2:
        return
    n = PROJECTS_SHOWN if limit is None else limit
    shown = projects[:n] if n != float("inf") else projects
    add("")
    more = f" (top {len(shown)} of {len(projects)}; --all for every one)" if len(shown) < len(projects) else ""
    add(f"Spend per project{more}:", "bold")
    total = t["cost_usd"] or 0
    room = None if width is None else max(10, width - 40)
    add(f"  {'cost':>10}  {'share':>5}  {'sessions':>8}  project")
    for p in shown:
        name = clean(p["project"]) if room is None else clean(p["project"], room)
        add(f"  {money(p['cost_usd']):>10}  {pct(p['cost_usd'] / total if total else None):>5}  "
            f"{p['sessions']:>8,}  {name}")


PROJECTS_SHOWN = 10


def _next_text(nt, now):
    """The next request's price at the view's clock (issue 25): once the cache has expired the context is rewritten,
    and the cached price is the condition it would take."""
    from ..core.timeutil import parse_iso
    exp = parse_iso(nt.get("cache_expires_at"))
    if now is not None and exp is not None and now >= exp:
        ttl = nt["cache_ttl_seconds"]
        within = f"{ttl // 3600} h" if ttl >= 3600 else f"{ttl // 60} min"
        return (f"{money(nt['cost_after_expiry_usd'])} (its cache expired: {tokens(nt['context_tokens'])} context "
                f"rewritten at the cache-write price + {nt['average_output_tokens']:.0f} avg output; within {within} "
                f"of a request: {money(nt['cost_usd'])})")
    return (f"{money(nt['cost_usd'])} ({tokens(nt['context_tokens'])} context × cache-read price + "
            f"{nt['average_output_tokens']:.0f} avg output × output price)")


BLOCKS_SHOWN = 5


def _plural(n, word, many=None):
    """`1 prompt`, `2 prompts` (issue 25: "1 prompts", "request(s)")."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
SOURCES_SHOWN = 8


def wrap(text, width, first="", rest=""):
    """Prose wrapped to `width`: words whole; a word longer than a line (a path) is broken after a `/` where it can
    be, mid-word only where it must (issue 25: paths broken mid-word at 80 columns)."""
    lines, cur, empty = [], first, True
    for word in text.split():
        room = max(8, width - len(rest))
        pieces = [word] if len(word) <= room else _pieces(word, room)
        for k, piece in enumerate(pieces):
            sep = "" if k or empty else " "
            if not empty and len(cur) + len(sep) + len(piece) > width:
                lines.append(cur)
                cur, sep = rest, ""
            cur += sep + piece
            empty = False
    lines.append(cur)
    return lines


def _pieces(word, n):
    """`word` in pieces of at most `n` characters, each ending after a `/` where one is near enough."""
    out = []
    while len(word) > n:
        cut = word.rfind("/", 0, n) + 1
        if cut <= n // 3:
            cut = n
        out.append(word[:cut])
        word = word[cut:]
    return out + [word] if word else out


def source_name(r):
    """`Read src/big_module.py`, `Bash pytest`, `subagent Explore`, `your prompts`…: one source in words."""
    words = {"subagent_result": "subagent ", "attachment": "attachment "}.get(r["kind"], "")
    return f"{words}{r['source']}" + (f" {r['target']}" if r.get("target") else "")


def _team_table(add, team):
    """Spend per person of labelled state files (issue 25: only --json and the page had it)."""
    if not team:
        return
    add("")
    add("Spend per person (labelled state files):")
    add(f"  {'cost':>10}  {'sessions':>8}  {'requests':>8}  label")
    for r in team:
        add(f"  {money(r['cost_usd']):>10}  {r['sessions']:>8,}  {r['requests']:>8,}  {clean(r['label'])}")


def _context_sources(add, say, rows, width):
    """What fills the context (issue 24): the sources whose tokens cost most to re-read, and the costliest files."""
    if not rows:
        return
    add("")
    say("What fills your context (new cache writes split by what the log shows arrived before each request, in "
        "proportion to size — an estimate; --json has them all):")
    total = sum(r["tokens"] for r in rows) or 1
    name_w = 40 if width is None or width >= 80 else max(16, width - 36)
    add(f"  {'source':<{name_w}}  {'tokens':>7}  {'share':>5}  {'re-read cost':>12}")
    for r in rows[:SOURCES_SHOWN]:
        add(f"  {_cut(clean(source_name(r)), name_w):<{name_w}}  {tokens(r['tokens']):>7}  "
            f"{pct(r['tokens'] / total):>5}  {present.money_cell(r['reread_cost_usd']):>12}")
    files = [r for r in rows if r["target"] and r["kind"] == "tool_result" and r["source"] not in ("Bash",)]
    if files:
        by_file = {}
        for r in files:
            cur = by_file.setdefault(r["target"], [0, 0.0])
            cur[0] += r["tokens"]
            cur[1] += r["reread_cost_usd"]
        top = sorted(by_file.items(), key=lambda kv: (-kv[1][1], kv[0]))[:5]
        say("Files that cost most to keep in context: " + ", ".join(
            f"{clean(f)} {money(c)}" for f, (_t, c) in top), "  ")


def _claude_code(add, say, cc):
    """Claude Code's own figure (issue 32): its ledger beside ours, and spend the log does not otherwise show."""
    if not cc:
        return
    say(f"Claude Code's own figure ({_plural(cc['sessions'], 'session')} with its cost ledger): "
        f"{money(cc['cost_usd'])}; this estimate for those sessions: {money(cc['logged_cost_usd'])}.")
    if cc["unlogged_cost_usd"]:
        say(f"Spend the log does not otherwise show (its tokens beyond the logged requests, at list prices): "
            f"≈ {money(cc['unlogged_cost_usd'])} — not in the estimate above.", "  ")
    for e in cc.get("explanations") or []:
        say("· " + clean(e["text"]) + (f": {money(e['cost_usd'])}" if e["cost_usd"] is not None else ""), "  ")


def _categories(add, rows, width):
    """/context's categories where Claude Code logged its prompt snapshot (issue 32)."""
    if not rows:
        return
    add("")
    add("What fills the context from the start (/context's categories):")
    name_w = 40 if width is None or width >= 80 else max(16, width - 36)
    add(f"  {'category':<{name_w}}  {'tokens':>7}  {'re-read cost':>12}")
    for r in rows:
        items = ", ".join(clean(i["name"]) for i in r["items"][:3])
        name = r["category"] + (f" ({items}{'…' if len(r['items']) > 3 or r['more_items'] else ''})" if items else "")
        add(f"  {_cut(clean(name), name_w):<{name_w}}  {tokens(r['tokens']):>7}  "
            f"{present.money_cell(r['reread_cost_usd']):>12}")


def _turns(add, say, turns, loops, misses, width):
    """What each prompt and each loop cost, and why the cache missed (issue 32)."""
    if turns and turns["count"]:
        add("")
        say(f"What each prompt cost ({_plural(turns['count'], 'prompt')} with every request until the next, "
            f"subagents included): median {money(turns['median_usd'])}, 90th percentile {money(turns['p90_usd'])}, "
            f"costliest {money(turns['max_usd'])}")
        for r in turns["costliest"][:3]:
            words = f" \"{clean(r['prompt'])}\"" if r.get("prompt") else ""
            say(f"{money(r['cost_usd']):>10}  {(r['timestamp'] or '')[:16].replace('T', ' ')}  "
                f"{_plural(r['requests'], 'request')}{words}", "  ")
    if loops:
        add("")
        add("Loops (scheduled tasks):")
        add(f"  {'cost':>10}  {'fires':>5}  {'per fire':>9}  {'re-wrote cache':>14}  loop")
        for r in loops[:5]:
            rew = f"{r['cache_rewrites']} ({money(r['rewrite_cost_usd'])})" if r["cache_rewrites"] else "0"
            add(f"  {money(r['cost_usd']):>10}  {r['fires']:>5,}  {present.money_cell(r['cost_per_fire_usd'] or 0):>9}"
                f"  {rew:>14}  {clean(r['cron'] or '')} {clean(r['task'])}")
    if misses and misses["count"]:
        add("")
        say(f"Cache misses, as Claude Code counts them: {misses['count']:,}, {money(misses['extra_cost_usd'])} "
            "more than reading from the cache would have cost — " + ", ".join(
                f"{c['label']} {c['count']:,} ({money(c['extra_cost_usd'])})" for c in misses["by_cause"]))


WHO_TITLES = (("skills", "Spend by skill"), ("plugins", "Spend by plugin"), ("mcp_servers", "Spend by MCP server"),
              ("entrypoints", "Spend by entrypoint"))


def _attribution(add, attribution):
    """Spend by who it was for (issue 32): skill, plugin, MCP server, entrypoint — tables like the models'."""
    for key, head in WHO_TITLES:
        rows = attribution.get(key) or []
        if not rows or (key == "entrypoints" and len(rows) == 1):
            continue  # one entrypoint for everything says nothing
        add("")
        add(f"{head}:")
        for r in rows[:8]:
            add(f"  {money(r['cost_usd']):>10}  {r['requests']:>6,} req  {clean(r['name'])}")


def _blocks_table(add, say, blocks, limit=None):
    """The latest 5-hour blocks (issue 15), the active one with its projection."""
    if not blocks:
        return
    add("")
    # Newest first, as on the page, with the total of all of them (issue 25).
    n = BLOCKS_SHOWN if limit is None else limit
    shown = (blocks[-n:] if n != float("inf") else blocks)[::-1]
    total = sum(b["cost_usd"] for b in blocks)
    more = (f"latest {len(shown)} of {len(blocks)}, newest first; " if len(blocks) > len(shown)
            else f"{_plural(len(blocks), 'block')}, " if len(blocks) > 1 else "")
    add(f"5-hour blocks, UTC ({more}{money(total)} in all):")
    add(f"  {'start':<16}  {'cost':>10}  {'requests':>8}  {'$/hour':>9}")
    for b in shown:
        rate = present.money_cell(b["burn_rate_usd_per_hour"]) if b["burn_rate_usd_per_hour"] is not None else "-"
        add(f"  {clean(b['start'])[:16].replace('T', ' '):<16}  {present.money_cell(b['cost_usd']):>10}  "
            f"{b['requests']:>8,}  {rate:>9}" + ("  active" if b["active"] else ""))
    act = next((b for b in blocks if b["active"]), None)
    if act is not None:
        left = act["remaining_seconds"] or 0
        say(f"Active block: {money(act['cost_usd'])} so far, {left // 3600}h{left % 3600 // 60:02d}m left"
            + (f", ≈ {money(act['projected_cost_usd'])} by its end at this rate" if act["projected_cost_usd"] is not None
               else "") + " (list-price estimate, not the plan's meter)", "  ")


def _cut(text, width):
    return text if len(text) <= width else text[:width - 1] + "…"


def _sessions_table(add, sessions, max_sessions, width):
    """Sessions by cost: short ids (8 characters), dates, the compactions column only when there are any, the
    project cut from the left to what is left of the width."""
    add("")
    shown = sessions[:max_sessions] if max_sessions != float("inf") else sessions
    more = f" (top {len(shown)} of {len(sessions)}; --all for every one)" if len(shown) < len(sessions) else ""
    add(f"Sessions by cost{more}:", "bold")
    compact = any(s["compactions"] for s in sessions)
    short = present.short_ids([s["session_id"] for s in sessions])
    id_w = max([8] + [len(short[s["session_id"]]) for s in shown])
    head = f"  {'cost':>10}  {'reqs':>6}  {'peak':>6}  {'re-sent':>7}  " + (f"{'compact':>7}  " if compact else "") \
        + f"{'started':<10}  "
    room = None if width is None else max(10, width - len(head) - id_w - 1)
    add(head + f"{'session':<{id_w}} project")
    for s in shown:
        # Issue 32: the session's title (the user's, else Claude Code's) before its project.
        where = (s.get("title") + " · " if s.get("title") else "") + s["project"]
        project = clean(where) if room is None else _cut(clean(where), room)
        add(f"  {money(s['cost_usd']):>10}  {s['requests']:>6,}  {tokens(s['peak_context_tokens']):>6}  "
            f"{pct(s['resent_share']):>7}  " + (f"{present.compaction_text(s['compactions']):>7}  " if compact else "")
            + f"{(s['first_timestamp'] or '')[:10]:<10}  {clean(short[s['session_id']]):<{id_w}} {project}")
