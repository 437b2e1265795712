"""`tokenscope statusline`: one line for Claude Code's status line (issue 15; shared/docs/statusline.md).

Claude Code pipes a JSON object to this command on every render (about every 300 ms) and shows the first line it
prints. From `transcript_path` (and the session's subagent files) — through the session's running summary
(running.py: only the new bytes are read, nothing heavy is imported), else through the store — it prints: session cost, context and its share of the window, what the next request costs, how long the
prompt cache has left (or what the next request rewrites once it expired), and the plan's 5-hour and 7-day usage
with their pace when Claude Code sends them. Whatever arrives (no JSON, missing fields, a transcript that does not
exist, a broken store), it prints one line and exits 0: a non-zero exit or a traceback would blank the line.
"""

import json
import os
import sys
import time

from .commands import STATUSLINE_FORMAT as DEFAULT_FORMAT  # the one default (commands.py)
from ..core import rules
# {hit}: Claude Code's prompt-cache hit ratio (2.1.251+), for a longer --format (issue 23).
FIELDS = ("model", "cost", "context", "next", "cache", "limits", "hit")
# Claude Code's words for why the cache last missed (prompt_cache.last_miss_cause.causes; statusline.md).
CAUSES = {"system_prompt_changed": "system prompt changed", "tools_changed": "tools changed",
          "model_changed": "model changed", "messages_rewritten": "messages rewritten",
          "ttl_expired_5m": "TTL expired (5m)", "ttl_expired_1h": "TTL expired (1h)",
          "likely_server_side": "likely server side", "unknown": "cause unknown"}
RECENT_MISS = 600  # a miss this many seconds old or less is named on the line
WORKSPACE = "workspace prices"  # session()'s note when the workspace's .tokenscope.json priced the line
MAX_INPUT = 1 << 20
DEFAULT_WINDOW = 200_000
_STRIP = dict.fromkeys((*range(0x20), *range(0x7f, 0xa0)))  # without colours nothing but text is written
COLORS = {"good": "32", "warn": "33", "bad": "31", "dim": "2", "bold": "1"}


def _parser():
    from .commands import parser
    return parser("statusline")


class Args:
    """The options, as `_parser` defines them."""
    format = DEFAULT_FORMAT
    color = "auto"
    cache_dir = None
    no_cache = False
    workspace_prices = False
    now = None

    def __init__(self):
        self.prices = []


def parse_args(argv):
    """Args of `argv`, read by hand on the common path (argparse costs the status line more than its own work:
    issue 20) with the options the command table declares (commands.py); anything else — --help, an unknown or
    malformed option — goes to argparse, which prints and exits."""
    from .commands import takes_value
    args = Args()
    known = takes_value("statusline")
    items = list(sys.argv[1:] if argv is None else argv)
    i = 0
    while i < len(items):
        opt, eq, val = items[i].partition("=")
        if opt not in known:
            return _parser().parse_args(argv)
        if not known[opt]:
            if eq:
                return _parser().parse_args(argv)
            setattr(args, opt[2:].replace("-", "_"), True)
            i += 1
            continue
        if not eq:
            if i + 1 >= len(items):
                return _parser().parse_args(argv)
            val = items[i + 1]
            i += 1
        i += 1
        name = opt[2:].replace("-", "_")
        if opt == "--prices":
            args.prices.append(val)
        elif opt == "--color" and val not in ("auto", "always", "never"):
            return _parser().parse_args(argv)
        elif opt == "--now":
            try:
                args.now = float(val)
            except ValueError:
                return _parser().parse_args(argv)
        else:
            setattr(args, name, val)
    return args


def main(argv=None, stdin=None, stdout=None):
    stdout = stdout or sys.stdout
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help prints and exits 0; a bad flag must not blank the line either
        if exc.code not in (0, None):
            stdout.write("tokenscope: bad statusline arguments (see tokenscope statusline --help)\n")
        return 0
    try:
        line = render_line(_read(stdin or sys.stdin), args)
    except KeyboardInterrupt:
        return 0  # stopped while reading: nothing to show, and no traceback
    except Exception as exc:  # noqa: BLE001 - never a traceback, never a non-zero exit
        line = f"tokenscope: {exc.__class__.__name__}"
    stdout.write(line.translate(_STRIP) if args.color == "never" or not _color_on(args, stdout) else line)
    stdout.write("\n")
    stdout.flush()
    return 0


def _read(stream):
    try:
        raw = stream.buffer.read(MAX_INPUT) if hasattr(stream, "buffer") else stream.read(MAX_INPUT)
    except (OSError, ValueError):
        return {}
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not raw.strip():
        return {}
    if raw.count("{") + raw.count("[") > 200:  # cannot nest deeper than it has brackets: the common case
        from ..core.analyzer import too_deep
        if too_deep(raw):
            return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _color_on(args, stdout):
    from .term import color_on  # the one rule (term.py: os only, light for the status line)
    return color_on(args.color, stdout)


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _num(v, lo=0, hi=1e12):
    """A number from Claude Code's JSON within its range, else None: a value out of range is left out, never
    shown (issue 21: `ctx -5 (-0%)`, `(inf%)`, `5h 100000000000000%`)."""
    return v if type(v) in (int, float) and lo <= v <= hi else None


MAX_TOKENS = 1_000_000_000     # as for a log's token counts
MAX_WINDOW = 100_000_000


def _raw(v):
    """A string used as a key or a path (never shown): as given."""
    return v if isinstance(v, str) else None


def _str(v):
    """A string from Claude Code's JSON, through the one sanitiser (issue 21); None for anything else."""
    from ..core.text import for_terminal
    return for_terminal(v) if isinstance(v, str) else None


def render_line(data, args):
    """The line for Claude Code's JSON `data` (a dict, possibly empty)."""
    from ..core.present import countdown, money, tokens
    now = args.now if args.now is not None else time.time()
    color = args.color == "always" or (args.color == "auto" and _color_on(args, sys.stdout))

    def paint(text, what):
        return f"\x1b[{COLORS[what]}m{text}\x1b[0m" if color and text and what else text

    status, note = session(data, args)
    f = dict.fromkeys(FIELDS, "")
    # The model name may come from the transcript: through the sanitiser before any colour is added (issue 21).
    f["model"] = _str(_get(data, "model", "display_name")) or _str(status and status["model"]) or ""
    if status:
        f["cost"] = paint(money(status["cost_usd"]), "bold") + (" + unpriced" if status["unpriced"] else "")
        if note == WORKSPACE:
            # Issue 30: prices from the repository's own file are named beside the cost they made.
            f["cost"] += " (" + paint("workspace prices", "warn") + ")"
            note = None
    elif _num(_get(data, "cost", "total_cost_usd"), 0, 1e7) is not None:
        f["cost"] = money(_num(_get(data, "cost", "total_cost_usd"), 0, 1e7)) + " (Claude Code's)"
    # Context: what Claude Code says it sent last, else the transcript's last request.
    usage = _get(data, "context_window", "current_usage")
    ctx = None
    if isinstance(usage, dict):
        parts = [_num(usage.get(k), 0, MAX_TOKENS)
                 for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")]
        if any(p is not None for p in parts):
            ctx = int(sum(p or 0 for p in parts))
    if ctx is None and status:
        ctx = status["context_tokens"]
    window = _num(_get(data, "context_window", "context_window_size"), 1, MAX_WINDOW) or DEFAULT_WINDOW
    if ctx is not None:
        share = ctx / window if window else 0
        f["context"] = paint(f"ctx {tokens(ctx)} ({share:.0%})", "bad" if share >= 0.8 else "warn" if share >= 0.6
                             else "")
    nt = status and status["next_turn"]
    fig = rules.next_figure(nt, status.get("expires_at"), status.get("last_ts"), now) if nt else None
    if fig and not fig["stale"]:
        # Issue 33: the one next-request figure (rules.next_figure): past the cache's expiry, the re-write.
        f["next"] = f"next ≈ {money(fig['usd'])}"
    pc = data.get("prompt_cache")
    if isinstance(pc, dict) and (type(pc.get("warm")) is bool or _num(pc.get("expires_at")) is not None):
        # Claude Code 2.1.251+ says what its cache is (issue 23): the authority — a transcript cannot see a resumed
        # session's real cache state.
        f["cache"], f["hit"] = _claude_cache(pc, status, now, paint)
    elif nt:
        left = status["expires_at"] - now if status.get("expires_at") is not None else None
        if left is not None:
            if left > 0:
                f["cache"] = paint(f"cache {countdown(left)} left", "warn" if left < 60 else "good")
            else:
                f["cache"] = paint(f"cache expired (next rewrites {tokens(nt['context_tokens'])})", "bad")
    loop = status and status.get("loop")
    if loop and f["cache"]:
        # Issue 32: a loop's fire woke an expired cache — name the loop that paid for the rewrite.
        what = _str(loop["cron"] or loop["task"])[:40]
        cost = f" ≈ {money(loop['cost_usd'])}" if loop["cost_usd"] is not None else ""
        f["cache"] += paint(f" (loop {what} re-wrote {tokens(loop['context_tokens'])}{cost})", "warn")
    f["limits"] = _limits(data, now, paint)
    line = _fit(args.format, f, note and paint(note, "dim"), _columns())
    return line or "tokenscope: no session data"


def _claude_cache(pc, status, now, paint):
    """(cache field, hit field) from Claude Code's `prompt_cache`: its countdown to `expires_at`; when cold what
    the next request rewrites (`recache_tokens_if_cold` at the session model's cache-write price, plus its average
    output); the last miss's cause when recent."""
    from ..core.present import countdown, money, pct, tokens
    exp = _num(pc.get("expires_at"))
    if pc.get("warm") is False or (exp is not None and exp <= now):
        text = "cache cold"
        cold = _num(pc.get("recache_tokens_if_cold"), 0, MAX_TOKENS)
        if cold is not None:
            text += f" — next rewrites {tokens(int(cold))}"
            rates = status and status.get("rates")
            nt = status and status.get("next_turn")
            if rates:
                write = rates["cw1h"] if pc.get("ttl") == "1h" else rates["cw5m"]
                out = (nt["average_output_tokens"] if nt else 0) * rates["output"]
                text += f" ≈ {money(cold * write + out)}"
        field = paint(text, "bad")
    elif exp is None:
        field = paint("cache warm", "good")
    else:
        left = exp - now
        field = paint(f"cache {countdown(left)} left", "warn" if left < 60 else "good")
    at = _num(pc.get("last_miss_at"))
    causes = _get(pc, "last_miss_cause", "causes")
    if at is not None and -60 <= now - at <= RECENT_MISS and isinstance(causes, list):
        words = [CAUSES.get(c, "cause unknown") for c in causes if isinstance(c, str)][:2]
        if words:
            field += paint(f" (last miss: {', '.join(dict.fromkeys(words))})", "dim")
    ratio = _num(pc.get("hit_ratio"), 0, 1)
    return field, (f"hit {pct(ratio)}" if ratio is not None else "")


def _columns():
    """The terminal's width as Claude Code sets it in COLUMNS, else None (no limit)."""
    try:
        n = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return n if 10 <= n <= 10_000 else None


def _visible(text):
    """Characters a terminal shows: the line without the colour sequences this module adds (\x1b[...m)."""
    parts = text.split("\x1b[")
    return len(parts[0]) + sum(len(p) - p.find("m") - 1 for p in parts[1:])


def _fit(template, fields, note, columns):
    """The line at most `columns` wide (issue 23: Claude Code wraps a longer one): the note first, then fields
    from the end of the format, are left out until it fits."""
    fields = dict(fields)
    names = _split(template)[1]
    while True:
        line = _fill(template, fields)
        if note:
            line = (line + " · " if line else "") + note
        if columns is None or _visible(line) <= columns:
            return line
        if note:
            note = None
            continue
        shown = [n for n in names if fields.get(n)]
        if len(shown) <= 1:
            return line
        fields[shown[-1]] = ""


def _limits(data, now, paint):
    out = []
    # The spend limit (issue 23): a share of the plan's cap on extra spend, which can pass 100%.
    spend = _get(data, "rate_limits", "spend_limit")
    spent = _num(spend.get("used_percentage") if isinstance(spend, dict) else spend, 0, 100_000)
    for key, label, length in (("five_hour", "5h", 5 * 3600), ("seven_day", "7d", 7 * 86400)):
        used = _num(_get(data, "rate_limits", key, "used_percentage"), 0, 100)
        if used is None:
            continue
        text = f"{label} {used:.0f}%"
        resets = _num(_get(data, "rate_limits", key, "resets_at"), now, now + length)
        if resets is not None and resets > now:
            pace = min(1.0, max(0.0, 1 - (resets - now) / length))  # the window's elapsed share
            text += f" ({pace:.0%} of the window gone)"  # issue 33: "pace" was not explained
            text = paint(text, "bad" if used / 100 > pace + 0.1 else "")
        out.append(text)
    if spent is not None:
        out.append(paint(f"spend {spent:.0f}%", "bad" if spent >= 100 else "warn" if spent >= 80 else ""))
    return " · ".join(out)


def _split(template):
    """(literals, names) of a template: `{name}` with a lower-case name is a field; the literals around them (one
    more than the names)."""
    lits, names, cur, i = [], [], [], 0
    while i < len(template):
        j = template.find("}", i + 1) if template[i] == "{" else -1
        if j > i + 1 and template[i + 1:j].isascii() and template[i + 1:j].isalpha() and template[i + 1:j].islower():
            lits.append("".join(cur))
            names.append(template[i + 1:j])
            cur, i = [], j + 1
        else:
            cur.append(template[i])
            i += 1
    lits.append("".join(cur))
    return lits, names


def _fill(template, fields):
    """The template with its fields: its leading and trailing text always, the text between two fields only when
    both are there (so a missing field leaves no dangling separator); unknown names are empty."""
    lits, names = _split(template)
    values = [fields.get(n, "") for n in names]
    shown = [i for i, v in enumerate(values) if v]
    if not shown:
        return ""
    out = [lits[0]]
    for k, i in enumerate(shown):
        if k:
            out.append(lits[shown[k - 1] + 1])
        out.append(values[i])
    out.append(lits[-1])
    return "".join(out)


def session(data, args):
    """(status or None, note or None): from the session's running summary and the transcript's new bytes
    (running.py), else through the store (rebuilding the summary), else from the files. The note is WORKSPACE when
    the workspace's price file priced the status."""
    path = _raw(data.get("transcript_path"))
    if not path:
        return None, None
    from ..state import loader
    if not os.path.isfile(path):
        return None, "no transcript yet"
    # --prices, and the session folder's ./.tokenscope.json only when asked for (issue 30: any repository Claude Code
    # opened could reprice the line, unmarked; with --workspace-prices the line names them).
    cwd = _raw(_get(data, "workspace", "current_dir")) or _raw(data.get("cwd"))
    cwd = cwd if cwd and os.path.isdir(cwd) else None
    own = args.workspace_prices and cwd is not None
    files_ = loader.price_files(args.prices, cwd, workspace=own)
    used = WORKSPACE if own and len(files_) > len(args.prices) else None
    sid = _raw(data.get("session_id"))
    loaded = []

    def prices():
        if not loaded:
            loaded.append(loader.load_prices(args.prices, cwd, workspace=own))
        return loaded[0]
    if args.no_cache:
        try:
            files = loader.session_files(path)
            table = prices()
        except OSError:
            return None, "transcript unreadable"
        except loader.LoadError:
            return None, "bad price file (run tokenscope to see why)"
        from ..state.jobs import analyze_files
        from ..report.live import session_status
        return session_status(analyze_files(files, 1), table, sid), used
    from ..state import running
    from ..state.paths import cache_dir
    folder = args.cache_dir or cache_dir()
    summary = running.summary_path(folder, path)
    digest = running.price_digest(files_)
    d = running.load(summary, path, digest)
    verdicts = d["verdicts"] if d is not None else {}
    try:
        files = loader.session_files(path, verdicts)
    except OSError:
        return None, "transcript unreadable"
    if d is not None:
        try:
            if running.advance(d, files, prices):
                _save(running, summary, d)
            return running.status(d, sid), used
        except (running.Undecided, OSError, ValueError, TypeError, KeyError, IndexError):
            pass  # the full path answers, and writes a new summary
        except loader.LoadError:
            return None, "bad price file (run tokenscope to see why)"
    try:
        table = prices()
    except loader.LoadError:
        return None, "bad price file (run tokenscope to see why)"
    from ..report.live import session_status
    try:
        from ..state.cached import analyze_cached
        from ..state.store import Store
        store = Store.open(folder, busy=1.0)
        try:
            analyzer, outcome = analyze_cached(store, files, [], roots=(), jobs=1)
        finally:
            store.close()
    except Exception:  # noqa: BLE001 - a broken or locked store: read the files instead
        from ..state.jobs import analyze_files
        return session_status(analyze_files(files, 1), table, sid), "store unavailable"
    d = _rebuild(running, files, analyzer, outcome, table, verdicts)
    if d is not None:
        d.update(transcript=os.path.abspath(path), prices=digest)
        _save(running, summary, d)
    return session_status(analyzer, table, sid), used


def _rebuild(running, files, analyzer, outcome, table, verdicts):
    """A running summary from the store's rows of these files, when each ends with a complete line (an unfinished
    last line is read again on every run, so the summary waits until it ends); else None."""
    from ..state.filestate import FileState, StateError
    offsets = {}
    for _label, p, _size in files:
        row = outcome.rows.get(os.path.abspath(p))
        if row is None:
            return None
        try:
            fs = FileState.from_bytes(row.blob)
        except StateError:
            return None
        if fs.skip or bytes(fs.tail).strip():
            return None
        offsets[p] = (fs.offset, fs.lines)
    try:
        return running.build(files, analyzer, offsets, table, verdicts)
    except (OSError, running.Undecided):
        return None


def _save(running, summary, d):
    try:
        running.save(summary, d)
    except OSError:
        pass  # a read-only cache: the next render takes the full path again
