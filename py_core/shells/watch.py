"""`tokenscope watch [PATH ...]`: a terminal view that follows logs as they grow (issue 15; CLI side).

Every `--interval` seconds the files are stat'ed; only those that changed are read, from their last complete line
(cached.read_log, through the store), and the view is recomputed only then — an idle watch costs a few hundred
stat calls a second. It shows the sessions active in the last hour (cost, context, next request, cache countdown,
burn rate over 15 minutes), the active 5-hour block, and alerts: a session that resumed after its cache expired
(what that wake cost), a session or agent past `--cap`, and the timer pattern. On a terminal the screen is
redrawn; otherwise (or with `--once`) it prints plain lines. Ctrl-C ends it quietly.
"""

import os
import sys
import time

from ..core.text import fail, for_terminal

RESCAN_SECONDS = 10  # folders are listed again this often (new sessions); known files are stat'ed every tick


def _parser():
    from .commands import parser
    return parser("watch")


class Follower:
    """The per-file analyzers of the watched files, kept up to date by stat'ing them; read through the loader's
    store loop (cached.analyze_cached), with the rows it gave to resume from when there is no store."""

    def __init__(self, roots, explicit, store, static=None):
        self.roots, self.explicit, self.store = roots, explicit, store
        self.static = static or {}   # source -> (bytes, analyzer) of state files named (issue 16): never re-read
        self.files = []        # (label, path, size)
        self.parts = {}        # label -> analyzer of that file
        self.rows = {}         # path -> its Row as last read (resumed from)
        self.keys = {}         # label -> stat key when read
        self.listed = 0.0
        self.analyzer = None
        self.notices = []

    def _list(self):
        from ..state.loader import collect, split_states
        found = collect(self.roots, self.explicit)
        files, _states = split_states(found.files, self.roots if self.explicit else [])
        self.listed = time.monotonic()
        return files

    def _merged(self):
        from ..state.cached import merge_in_order
        from ..state.statefile import merge_into
        a = merge_in_order(self.parts, self.files)
        merge_into(a, self.static, skip=self.parts)
        return a

    def _read(self, files, jobs=1):
        from ..state.cached import analyze_cached
        _a, out = analyze_cached(self.store, files, [], roots=(), jobs=jobs,
                                 known=None if self.store is not None and not self.rows else self.rows)
        self.parts.update(out.parts)
        self.rows.update(out.rows)
        self.notices.extend(out.notices)

    def start(self):
        from ..state.jobs import default_jobs
        self.files = self._list()
        self._read(self.files, default_jobs())
        self.analyzer = self._merged()
        for label, path, _size in self.files:
            self.keys[label] = _key(path)

    def poll(self):
        """Read what changed; True when the analysis changed."""
        files = self._list() if time.monotonic() - self.listed >= RESCAN_SECONDS else self.files
        changed = False
        todo = []
        seen = set()
        sized = []
        for label, path, _size in files:
            key = _key(path)
            if key is None:
                # Deleted (or unreadable) since it was listed: gone from the view once, not re-read every tick.
                changed |= self.parts.pop(label, None) is not None
                self.keys[label] = None
                continue
            seen.add(label)
            sized.append((label, path, key[2]))
            if key != self.keys.get(label):
                todo.append((label, path, key[2]))
                self.keys[label] = key
        if todo:
            self._read(todo)
            changed = True
        for label in [lb for lb in self.parts if lb not in seen]:
            del self.parts[label]
            changed = True
        if changed:
            self.files = sized
            self.analyzer = self._merged()
        return changed


def _key(path):
    from ..state.identity import stat_key
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None


def render(snap, now, alerts, width=80):
    """The view as lines."""
    from ..report.live import cache_left, countdown
    from ..core.present import money, short_ids, tokens
    lines = [f"tokenscope watch · {time.strftime('%H:%M:%S', time.localtime(now))} · list-price estimate, not a bill"]
    b = snap["block"]
    if b:
        left = max(0, int(b["remaining_seconds"] or 0))
        lines.append(f"5-hour block: {money(b['cost_usd'])} so far, {left // 3600}h{left % 3600 // 60:02d}m left"
                     + (f", ≈ {money(b['projected_cost_usd'])} by its end" if b["projected_cost_usd"] is not None
                        else ""))
    else:
        lines.append("5-hour block: none active")
    if not snap["sessions"]:
        lines.append("No session active in the last hour.")
    else:
        lines.append(f"{'session':<9} {'cost':>9} {'context':>8} {'next':>8} {'cache':>8} {'$/hour':>8}")
        short = short_ids([x["session_id"] for x in snap["sessions"]])
        for s in snap["sessions"]:
            nt = s["next_turn"]
            left = cache_left(nt, now)
            cache = "-" if left is None else countdown(left) if left > 0 else "expired"
            row = (f"{short[s['session_id']]:<9} {money(s['cost_usd']):>9} {tokens(s['context_tokens']):>8} "
                   f"{money(nt['cost_usd']) if nt else '-':>8} {cache:>8} {money(s['burn_usd_per_hour']):>8}")
            # Issue 33: the project (its last folder); issue 32: the session's title — on the row where they fit,
            # else on a line of their own under it.
            where = _project_name(s.get("project")) + (f" · {s['title']}" if s.get("title") else "")
            if where and len(row) + 2 + len(where) <= width:
                lines.append(f"{row}  {where}")
            else:
                lines.extend([row] + ([f"  {where}"] if where else []))
            if left is not None and left <= 0 and nt:
                lines.append(f"  next request rewrites {tokens(nt['context_tokens'])} ≈ "
                             f"{money(nt['cost_after_expiry_usd'])}")
    out = [for_terminal(ln)[:width] for ln in lines]
    # Alerts are wrapped, never cut (issue 33: at 80 columns they lost their dollar figure).
    from ..views.terminal import wrap
    for when, text in alerts[-5:]:
        out.extend(wrap(for_terminal(f"! {time.strftime('%H:%M', time.localtime(when))} {text}"), width, "", "    "))
    # Session ids, agent ids and alert texts come from logs: through the one sanitiser (issue 21).
    return out


def _project_name(path):
    """A project as its last folder (the width a row has)."""
    parts = [p for p in str(path or "").split("/") if p]
    return parts[-1] if parts else ""


def main(argv=None):
    from ..state import loader
    from ..report.live import snapshot
    from ..state.paths import default_roots
    args = _parser().parse_args(argv)
    if args.interval <= 0:
        return fail("--interval must be more than 0")
    explicit = bool(args.paths)
    roots = args.paths if explicit else default_roots()
    for p in roots:
        if explicit and not os.path.lexists(p):
            return fail(f"no such file or folder: {p}")
    notices = []
    try:
        prices = loader.load_prices(args.prices)  # the same prices as a report (issue 20)
        states = loader.named_states(roots, explicit)
    except loader.LoadError as exc:
        return fail(str(exc), exc.code)
    store = None if args.no_cache else loader.open_store(args.cache_dir, notices)
    for line in notices:
        fail(line)
    follower = Follower(roots, explicit, store, states)
    follower.start()
    tty = sys.stdout.isatty() and not args.once
    alerted = set()
    shown_alerts = []
    snap = None
    try:
        while True:
            now = args.now if args.now is not None else time.time()
            changed = snap is None or follower.poll()
            if changed:
                snap = snapshot(follower.analyzer, prices, now, args.cap)
                for a in snap["alerts"]:
                    if a["key"] not in alerted:
                        alerted.add(a["key"])
                        shown_alerts.append((now, a["text"]))
            width = _width() if tty or os.environ.get("COLUMNS") else 200
            lines = render(snap, now, shown_alerts, width)
            if tty:
                sys.stdout.write("\x1b[H\x1b[2J" + "\n".join(lines) + "\n")
            elif changed:
                sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
            if args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        if tty:
            sys.stdout.write("\n")
        return 0
    finally:
        if store is not None:
            store.close()


def _width():
    from .term import width
    return width(sys.stdout)
