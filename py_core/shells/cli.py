"""`tokenscope [PATH ...]`: a thin shell that finds logs, streams their bytes to the core, prints a view."""

import os
import sys
import time

from ..version import __version__
from ..core.decode import decoder_key, decoder_name
from ..state.jobs import MAX_JOBS, default_jobs
from ..state import loader
from ..state.loader import LoadError
from ..state.paths import default_roots
from ..core.options import Options
from ..core.text import fail
from ..views.registry import VIEWS
from ..views.registry import render as render_view
from . import commands, term
from ..core.limits import TooLarge
from ..core.timeutil import TimeZoneError, parse_day, resolve_tz


def _version(argv):
    """`--version`, naming the decoder only when asked (issue 20: building it imports msgspec, 11 ms a run)."""
    print(f"tokenscope {__version__} (decoder: {decoder_name()})")
    return 0


def _write(path, text, what):
    """Write an output file; a path that cannot be written is a bad argument (exit 2), never a traceback."""
    try:
        with open(path, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError as exc:
        raise _Exit(fail(f"cannot write {what} {path}: {exc.strerror or exc}"))


class _Exit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def main(argv=None):
    """The CLI; every failure is one line on stderr and an exit code, never a traceback (issue 10)."""
    for stream in (sys.stdout, sys.stderr):
        # Valid output whatever the terminal's encoding: what cannot be written becomes "?" (issue 10).
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    try:
        return _main(argv)
    except _Exit as e:
        return e.code
    except LoadError as e:
        return fail(str(e), e.code)
    except TooLarge as e:
        return fail(str(e), 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        # `tokenscope | head`: the reader left; nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug of ours: still no traceback for the user, but what to report
        if os.environ.get("TOKENSCOPE_DEBUG"):
            raise
        return fail(f"internal error ({exc.__class__.__name__}: {exc}); please report it "
                     "(TOKENSCOPE_DEBUG=1 shows the traceback)", 3)


def _negative_values(argv):
    """`--tz -05:00` as `--tz=-05:00` (issue 30: argparse took the offset for an option and failed)."""
    out = []
    i = 0
    while i < len(argv):
        if argv[i] == "--tz" and i + 1 < len(argv) and argv[i + 1][:1] == "-" and argv[i + 1][1:2].isdigit():
            out.append(f"--tz={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def _main(argv):
    argv = _negative_values(sys.argv[1:] if argv is None else list(argv))
    if argv[:1] and argv[0] in commands.BY_NAME and argv[0] != "report":
        return commands.runner(argv[0])(argv[1:])  # the command table (commands.py): watch, statusline, cache, …
    return report(argv)


def report(argv, table=None):
    """`tokenscope [PATH ...]`: the report, in the view asked for (views/registry.py); `table`: one of ccusage's
    commands (daily, weekly, monthly, session, blocks — views/tables.py), the same report shown as its table."""
    if "--version" in argv:
        return _version(argv)
    args = commands.parser(table or "report").parse_args(argv)
    args.table = table
    if table:
        # The report's other options at their defaults: a table is the report, shown another way.
        for k, v in vars(commands.parser("report").parse_args([])).items():
            if not hasattr(args, k):
                setattr(args, k, v)
        from ..views.tables import BY
        args.by = BY.get(table)
        if args.limit is not None and args.limit < 1:
            return fail("--limit must be 1 or more")
    try:
        resolve_tz(args.tz)
        for d in (args.since, args.until):
            if d:
                parse_day(d)
    except TimeZoneError as exc:
        return fail(str(exc))
    except ValueError:
        return fail("dates must look like YYYY-MM-DD")
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        return fail(f"--jobs must be from 1 to {MAX_JOBS}")
    if args.paths.count("-") > 1:
        return fail("standard input ('-') can be read only once")
    prices = loader.load_prices(args.prices)

    explicit = bool(args.paths)
    roots = args.paths if explicit else default_roots()
    for p in roots:
        if explicit and p != "-" and not os.path.lexists(p) and not (args.engine == "dask" and "://" in p):
            return fail(f"no such file or folder: {p}")
    if (args.label or args.redact) and not args.save_state:
        return fail("--label and --redact go with --save-state")
    if args.label and (not args.label.strip() or "/" in args.label or len(args.label) > 200):
        return fail("--label must be a short name without '/'")
    if args.engine == "dask" and args.save_state:
        return fail("--save-state goes with the local engine (a Dask run keeps no per-file states)")
    if args.engine == "dask":
        from .dask import load as load_dask
        analyzer = load_dask(roots, explicit, args.scheduler, args.jobs)
        report = _report(args, analyzer, prices, args.now if args.now is not None else time.time())
        return _output(args, report, None, analyzer, prices)
    return _local(args, roots, explicit, prices)


def options_of(args):
    """The one Options value of a report's arguments (core/options.py): taken apart here, once."""
    return Options(tz=args.tz, since=args.since, until=args.until, session=args.session, latest=args.latest,
                   project=args.project, by=args.by or "day", curve=not args.no_curve or bool(args.html),
                   entrypoint=args.entrypoint)


def view_of(args):
    """The registry's view the arguments ask for (views/registry.py)."""
    if getattr(args, "table", None):
        return "table"
    return "csv" if args.csv else "share" if args.share else "json" if args.json else "text"


def _table_command(name):
    def run(argv):
        return report(argv, table=name)
    run.__doc__ = f"`tokenscope {name}`: the report as ccusage's `{name}` table (views/tables.py)."
    return run


daily, weekly, monthly, session, blocks = (_table_command(n) for n in ("daily", "weekly", "monthly", "session", "blocks"))


def _local(args, roots, explicit, prices):
    """The report of the roots, read here: through the store unless --no-cache, where a report kept for the same
    options and inputs is shown as it is (answers.py; issue 20)."""
    now = args.now if args.now is not None else time.time()
    notices = []
    store = None if args.no_cache else loader.open_store(args.cache_dir, notices)
    try:
        found = loader.collect(roots, explicit)
        logs, state_files = loader.split_states(found.files, roots if explicit else [])
        found = found._replace(files=logs)
        key = None
        if store is not None:
            from ..state import answers
            options, price_paths = _key_options(args), loader.price_files(args.prices)
        if store is not None and VIEWS[view_of(args)].needs == "report" and not args.save_state \
                and "-" not in roots and not found.fifos:
            prefixes = () if args.no_history else tuple(
                os.path.join(os.path.abspath(r), "") for r in loader.history_roots(roots, explicit))
            key = answers.key_of(found, state_files, roots, options, price_paths, prefixes, store)
            hit = answers.kept(store, key, now) if key else None
            code = None if hit is None else _show_kept(args, hit, prices)
            if code is not None:
                return code
        got = loader.load(roots, explicit, store=store, jobs=args.jobs or default_jobs(), history=not args.no_history,
                          keep_parts=bool(args.save_state), stdin=sys.stdin.buffer, found=found,
                          states=loader.load_states(state_files), notices=notices,
                          state_names=[label for label, _path in state_files])
        if args.save_state:
            key_bytes = loader.redact_key(args.cache_dir) if args.redact else None
            loader.save_state(args.save_state, got.analyzer, got.parts, args.label, key_bytes, got.found.files)
        clock = {}
        memo = None
        if store is not None and VIEWS[view_of(args)].needs == "report":
            pkey = answers.parts_key(options, price_paths)
            memo = answers.Parts(store, pkey, got.tokens) if pkey else None
        report = _report(args, got.analyzer, prices, now, clock, memo)
        text = None
        if memo is not None:
            memo.save()
        if key:
            text = answers.keep(store, key, report, clock)
        return _output(args, report, text, got.analyzer, prices)
    finally:
        if store is not None:
            store.close()
        for line in notices:
            fail(line)


def _show_kept(args, hit, prices):
    """Show a kept report (answers.Kept); None when its copy for this view does not decode (then it is built)."""
    if view_of(args) == "json" and not args.html and hit.requests:
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stream (embedding callers)
            sys.stdout.write(hit.text.decode("utf-8") + "\n")
        else:
            sys.stdout.flush()
            out.write(hit.text + b"\n")  # as kept: never decoded to be shown (issue 20)
        return 0
    # A view that draws no context curve decodes the copy kept without them (about half the size).
    try:
        shown = hit.report(curves=bool(args.html) or VIEWS[view_of(args)].curves)
    except (ValueError, RecursionError, TypeError, KeyError, IndexError):
        return None  # not what tokenscope keeps
    return _output(args, shown, hit.text.decode("utf-8"), None, prices)


def _key_options(args):
    """What a report depends on besides its inputs (answers.key_of): its options, the decoder, the local zone."""
    return dict(options=options_of(args).key(), decoder=decoder_key(),
                zone=[os.environ.get("TZ"), time.tzname, time.timezone, time.altzone])


def _report(args, analyzer, prices, now, clock=None, memo=None):
    from ..state.jobs import parts_mapper
    from ..report.build import build_report
    return build_report(analyzer, prices, options_of(args), now=now, clock=clock, memo=memo,
                        mapper=parts_mapper(args.jobs or default_jobs()))


def _output(args, report, text, analyzer, prices):
    """The report in the view asked for (views/registry.py), and the files asked for beside it (--html, --card); 1
    when nothing is billable. `text`: the report's JSON for the terminal (json_for_terminal) when it is at hand (a
    kept report); `analyzer`: for a view of rows (--csv: one row per billed request)."""
    from ..report.diagnostics import nothing_billable
    empty = nothing_billable(report, filtered=options_of(args).filtered())
    if empty:
        return fail(empty, 1)
    name = view_of(args)
    if args.html and name != "csv":
        _write(args.html, render_view("html", report), "the HTML page")
        if args.no_curve:
            for s in report["sessions"]:
                s["context_curve"] = []
            text = None
    if name == "share":
        if args.card:
            _write(args.card, render_view("card", report), "the card")
        from urllib.parse import urlsplit
        host = (urlsplit(args.share_url).hostname or "").lower()
        if host in ("localhost", "::1", "0.0.0.0") or host.startswith("127."):
            # Issue 25: the default link opens on this machine only; said on stderr, so the Markdown stays clean.
            fail("note: the link opens only where tokenscope is served at that address (this machine's "
                 "`python serve.py`); --share-url URL points it at a tokenscope page others can open")
    out = sys.stdout
    if name == "json" and text is not None:
        out.write(text)  # kept: as it was written
    else:
        view = VIEWS[name]
        subject = analyzer if view.needs == "rows" else report
        for chunk in view.render(subject, {"prices": prices, "options": options_of(args), "url": args.share_url,
                                           "width": _terminal_width(args), "periods": args.by is not None,
                                           "now": args.now if args.now is not None else time.time(),
                                           "color": term.color_on(args.color, out), "limit": _limit(args),
                                           "table": _table_options(args)}):
            out.write(chunk)
    if name == "json":
        out.write("\n")
    return 0


def _table_options(args):
    """What a ccusage-style table is asked for (views/tables.py), or None."""
    if not getattr(args, "table", None):
        return None
    return {"name": args.table, "json": args.json, "order": args.order, "breakdown": args.breakdown,
            "active": getattr(args, "active", False), "recent": getattr(args, "recent", False)}


def _limit(args):
    """Rows of the terminal's long tables: --all (every row), --limit N, else the default (None)."""
    return float("inf") if args.all else args.limit


def _terminal_width(args):
    """The terminal's width (COLUMNS, else the terminal's, else 80); None with --wide (issues 12, 33)."""
    return term.width(sys.stdout, args.wide)



def cache(argv):
    """`tokenscope cache info|clear [--before DATE] [--cache-dir DIR]` (issue 14)."""
    from datetime import datetime, timezone
    from ..state import running
    from ..state.store import Store, StoreError, default_dir
    p = commands.parser("cache")
    args = p.parse_args(argv)
    before = None
    if args.before:
        if args.action != "clear":
            return fail("--before goes with clear")
        try:
            d = parse_day(args.before)
        except ValueError:
            return fail("dates must look like YYYY-MM-DD")
        before = datetime.fromisoformat(d).replace(tzinfo=timezone.utc).timestamp()
    try:
        store = Store.open(args.cache_dir or default_dir())
    except StoreError as exc:
        return fail(str(exc))
    if store.notice:
        fail(store.notice)
    try:
        if args.action == "clear":
            n = store.clear(before)
            # The status line's running summaries (running.py) are rebuilt from the store on the next render: all
            # of them go, with or without --before.
            gone = running.clear(args.cache_dir or default_dir())
            print(f"forgot {n:,} file{'' if n == 1 else 's'}"
                  + (f" whose last request is before {args.before}" if before else "")
                  + f" ({store.path})" + (f" and {gone} status-line summar{'y' if gone == 1 else 'ies'}" if gone
                                          else ""))
            return 0
        i = store.info()
    finally:
        store.close()

    def day(ts):
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d") if ts is not None else "-"
    print(f"store:   {i['path']}")
    print(f"size:    {i['bytes']:,} bytes")
    metas = i['files'] - i['logs']
    print(f"files:   {i['logs']:,} log{'' if i['logs'] == 1 else 's'}, {metas:,} agent meta "
          f"file{'' if metas == 1 else 's'}; "
          f"{i['gone']:,} no longer on disk (history)")
    print(f"covers:  {day(i['oldest'])} to {day(i['newest'])} (UTC)")
    n = running.count(args.cache_dir or default_dir())
    print(f"status line: {n:,} session summar{'y' if n == 1 else 'ies'}")
    return 0
