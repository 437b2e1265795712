"""`tokenscope statusline`: one line for Claude Code's status line (issue 15; shared/docs/statusline.md).

Claude Code pipes a JSON object to this command on every render (about every 300 ms) and shows the first line it
prints. From `transcript_path` (and the session's subagent files) read through the store — so only new bytes are
read — it prints: session cost, context and its share of the window, what the next request costs, how long the
prompt cache has left (or what the next request rewrites once it expired), and the plan's 5-hour and 7-day usage
with their pace when Claude Code sends them. Whatever arrives (no JSON, missing fields, a transcript that does not
exist, a broken store), it prints one line and exits 0: a non-zero exit or a traceback would blank the line.
"""

import argparse
import json
import os
import re
import sys
import time

DEFAULT_FORMAT = "{model} · {cost} · {context} · {next} · {cache} · {limits}"
# {hit}: Claude Code's prompt-cache hit ratio (2.1.251+), for a longer --format (issue 23).
FIELDS = ("model", "cost", "context", "next", "cache", "limits", "hit")
# Claude Code's words for why the cache last missed (prompt_cache.last_miss_cause.causes; statusline.md).
CAUSES = {"system_prompt_changed": "system prompt changed", "tools_changed": "tools changed",
          "model_changed": "model changed", "messages_rewritten": "messages rewritten",
          "ttl_expired_5m": "TTL expired (5m)", "ttl_expired_1h": "TTL expired (1h)",
          "likely_server_side": "likely server side", "unknown": "cause unknown"}
RECENT_MISS = 600  # a miss this many seconds old or less is named on the line
MAX_INPUT = 1 << 20
DEFAULT_WINDOW = 200_000
_PLACEHOLDER = re.compile(r"(\{[a-z]+\})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
COLORS = {"good": "32", "warn": "33", "bad": "31", "dim": "2", "bold": "1"}


def _parser():
    p = argparse.ArgumentParser(prog="tokenscope statusline",
                                description="One status line for Claude Code (reads its JSON on stdin).")
    p.add_argument("--format", default=DEFAULT_FORMAT,
                   help="the line as a template of {" + "}, {".join(FIELDS) + "}; text between two fields is "
                        f"dropped when either is empty (default: {DEFAULT_FORMAT!r})")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="ANSI colours: auto = only when stdout is a terminal and NO_COLOR is unset")
    p.add_argument("--prices", metavar="FILE", action="append", default=[],
                   help="extra or overriding prices, as for a report (the session folder's .tokenscope.json too)")
    p.add_argument("--cache-dir", metavar="DIR", help="the store's folder (default: as for a report)")
    p.add_argument("--no-cache", action="store_true", help="read the transcript whole each time")
    p.add_argument("--now", type=float, help=argparse.SUPPRESS)  # tests: the clock
    return p


def main(argv=None, stdin=None, stdout=None):
    stdout = stdout or sys.stdout
    try:
        args = _parser().parse_args(argv)
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
    stdout.write(_CONTROL.sub("", line) if args.color == "never" or not _color_on(args, stdout) else line)
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
    from .analyzer import too_deep
    if not raw.strip() or too_deep(raw):
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _color_on(args, stdout):
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    try:
        return stdout.isatty()
    except (AttributeError, ValueError):
        return False


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
    from .text import for_terminal
    return for_terminal(v) if isinstance(v, str) else None


def render_line(data, args):
    """The line for Claude Code's JSON `data` (a dict, possibly empty)."""
    from .live import cache_left, countdown
    from .present import money, tokens
    now = args.now if args.now is not None else time.time()
    color = args.color == "always" or (args.color == "auto" and _color_on(args, sys.stdout))

    def paint(text, what):
        return f"\x1b[{COLORS[what]}m{text}\x1b[0m" if color and text and what else text

    status, note = _session(data, args)
    f = dict.fromkeys(FIELDS, "")
    # The model name may come from the transcript: through the sanitiser before any colour is added (issue 21).
    f["model"] = _str(_get(data, "model", "display_name")) or _str(status and status["model"]) or ""
    if status:
        f["cost"] = paint(money(status["cost_usd"]), "bold") + (" + unpriced" if status["unpriced"] else "")
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
    if nt:
        f["next"] = f"next ≈ {money(nt['cost_usd'])}"
    pc = data.get("prompt_cache")
    if isinstance(pc, dict) and (type(pc.get("warm")) is bool or _num(pc.get("expires_at")) is not None):
        # Claude Code 2.1.251+ says what its cache is (issue 23): the authority — a transcript cannot see a resumed
        # session's real cache state.
        f["cache"], f["hit"] = _claude_cache(pc, status, now, paint)
    elif nt:
        left = cache_left(nt, now)
        if left is not None:
            if left > 0:
                f["cache"] = paint(f"cache {countdown(left)} left", "warn" if left < 60 else "good")
            else:
                f["cache"] = paint(f"cache expired — next rewrites {tokens(nt['context_tokens'])} ≈ "
                                   f"{money(nt['cost_after_expiry_usd'])}", "bad")
    f["limits"] = _limits(data, now, paint)
    line = _fit(args.format, f, note and paint(note, "dim"), _columns())
    return line or "tokenscope: no session data"


def _claude_cache(pc, status, now, paint):
    """(cache field, hit field) from Claude Code's `prompt_cache`: its countdown to `expires_at`; when cold what
    the next request rewrites (`recache_tokens_if_cold` at the session model's cache-write price, plus its average
    output); the last miss's cause when recent."""
    from .live import countdown
    from .present import money, pct, tokens
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
    names = [n[1:-1] for n in _PLACEHOLDER.findall(template)]
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
            text += f" (pace {pace:.0%})"
            text = paint(text, "bad" if used / 100 > pace + 0.1 else "")
        out.append(text)
    if spent is not None:
        out.append(paint(f"spend {spent:.0f}%", "bad" if spent >= 100 else "warn" if spent >= 80 else ""))
    return " · ".join(out)


def _fill(template, fields):
    """The template with its fields: its leading and trailing text always, the text between two fields only when
    both are there (so a missing field leaves no dangling separator); unknown names are empty."""
    parts = _PLACEHOLDER.split(template)
    lits, names = parts[0::2], parts[1::2]
    values = [fields.get(n[1:-1], "") for n in names]
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


def _session(data, args):
    """(status or None, note or None) from the transcript through the store."""
    path = _raw(data.get("transcript_path"))
    if not path:
        return None, None
    from . import loader
    try:
        if not os.path.isfile(path):
            return None, "no transcript yet"
        files = loader.session_files(path)
    except OSError:
        return None, "transcript unreadable"
    # The prices of a report run in the session's folder: ./.tokenscope.json there, then --prices (issue 20).
    cwd = _raw(_get(data, "workspace", "current_dir")) or _raw(data.get("cwd"))
    try:
        prices = loader.load_prices(args.prices, cwd if cwd and os.path.isdir(cwd) else None)
    except loader.LoadError:
        return None, "bad price file (run tokenscope to see why)"
    analyzer = None
    note = None
    if not args.no_cache:
        try:
            from .cached import analyze_cached
            from .store import Store, default_dir
            store = Store.open(args.cache_dir or default_dir(), busy=1.0)
            try:
                analyzer, _outcome = analyze_cached(store, files, [], roots=(), jobs=1)
            finally:
                store.close()
        except Exception:  # noqa: BLE001 - a broken or locked store: read the files instead
            analyzer, note = None, "store unavailable"
    if analyzer is None:
        from .jobs import analyze_files
        analyzer = analyze_files(files, 1)
    from .live import session_status
    status = session_status(analyzer, prices, _raw(data.get("session_id")))
    return status, note
