"""`tokenscope [PATH ...]`: a thin shell that finds logs, streams their bytes to the core, prints a view."""

import argparse
import json
import os
import sys

from . import __version__
from .analyzer import Analyzer
from .paths import agent_id_from_meta_name, default_roots, discover
from .pricing import PriceFileError, PriceTable
from .report import build_report
from .timeutil import TimeZoneError, parse_day, resolve_tz

CHUNK = 1 << 20
USER_PRICE_FILE = ".tokenscope.json"


def _parser():
    p = argparse.ArgumentParser(
        prog="tokenscope",
        description="Where the money in your Claude Code sessions went: an estimate at API list prices "
                    "from local logs (not a bill). Nothing leaves your machine.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="log files or folders (recursive *.jsonl); '-' reads stdin. Default: $CLAUDE_CONFIG_DIR "
                        "(comma list) or ~/.claude/projects and ~/.config/claude/projects")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the full report as JSON (schema version 1)")
    fmt.add_argument("--csv", action="store_true", help="one CSV row per billed request")
    p.add_argument("--html", metavar="FILE", help="also write a standalone HTML page with the charts to FILE")
    fmt.add_argument("--share", action="store_true",
                     help="a privacy-safe summary (aggregate numbers only) as Markdown, with a link to its card")
    p.add_argument("--share-url", metavar="URL", default="http://127.0.0.1:8000/",
                   help="the tokenscope page the --share link opens (default: the local `python serve.py`)")
    p.add_argument("--card", metavar="FILE", help="with --share: also write the summary card as SVG to FILE")
    p.add_argument("--session", metavar="ID", help="only this session (a unique prefix of its id is enough)")
    p.add_argument("--latest", action="store_true", help="only the session with the latest activity")
    p.add_argument("--since", metavar="DATE", help="only requests on or after DATE (YYYY-MM-DD, in --tz)")
    p.add_argument("--until", metavar="DATE", help="only requests on or before DATE (YYYY-MM-DD, in --tz)")
    p.add_argument("--tz", metavar="ZONE", help="time zone for days: IANA name, UTC or +HH:MM (default: local)")
    p.add_argument("--prices", metavar="FILE", action="append", default=[],
                   help=f"extra or overriding prices, LiteLLM field names (also read: ./{USER_PRICE_FILE})")
    p.add_argument("--no-curve", action="store_true", help="leave the per-request context curve out of --json")
    p.add_argument("--jobs", type=int, metavar="N", help="processes to read files with (default: all cores)")
    p.add_argument("--version", action="version", version=f"tokenscope {__version__}")
    return p


def load_prices(files, cwd=None):
    """The built-in table, then ./.tokenscope.json, then each --prices FILE, in that order."""
    table = PriceTable.builtin()
    candidates = []
    local = os.path.join(cwd or os.getcwd(), USER_PRICE_FILE)
    if os.path.isfile(local):
        candidates.append(local)
    candidates.extend(files)
    for f in candidates:
        try:
            with open(f, "rb") as fh:
                data = json.loads(fh.read())
        except OSError as exc:
            raise PriceFileError(f, "(file)", exc.strerror or str(exc)) from exc
        except (ValueError, RecursionError) as exc:
            raise PriceFileError(f, "(file)", f"not valid JSON: {exc}") from exc
        table = table.with_overrides(data, f)
    return table


def _fail(msg, code=2):
    print(f"tokenscope: {msg}", file=sys.stderr)
    return code


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        resolve_tz(args.tz)
        for d in (args.since, args.until):
            if d:
                parse_day(d)
    except TimeZoneError as exc:
        return _fail(str(exc))
    except ValueError:
        return _fail("dates must look like YYYY-MM-DD")
    try:
        prices = load_prices(args.prices)
    except PriceFileError as exc:
        return _fail(f"bad price file: {exc}")

    explicit = bool(args.paths)
    roots = args.paths if explicit else default_roots()
    for p in roots:
        if explicit and p != "-" and not os.path.exists(p):
            return _fail(f"no such file or folder: {p}")
    stdin_analyzer = None
    files = []
    metas = []
    for root in roots:
        if root == "-":
            stdin_analyzer = Analyzer()
            src = stdin_analyzer.open("<stdin>")
            stream = sys.stdin.buffer
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                src.feed(chunk)
            src.close()
            continue
        if not os.path.exists(root):
            continue
        prefix = os.path.basename(os.path.normpath(root)) if os.path.isdir(root) and explicit and len(roots) > 1 else ""
        for label, path in discover(root):
            aid = agent_id_from_meta_name(label)
            if aid is not None:
                metas.append((aid, path))
                continue
            try:
                size = os.path.getsize(path)
            except OSError as exc:
                print(f"tokenscope: cannot read {path}: {exc.strerror}", file=sys.stderr)
                continue
            files.append((f"{prefix}/{label}" if prefix else label, path, size))
    n_logs = len(files) + (stdin_analyzer is not None)
    if n_logs == 0:
        return _fail("no Claude Code logs (*.jsonl) found in: " + ", ".join(roots), 1)

    from .jobs import analyze_files, default_jobs
    if args.jobs is not None and args.jobs < 1:
        return _fail("--jobs must be at least 1")
    analyzer = analyze_files(files, args.jobs or default_jobs())
    if stdin_analyzer is not None:
        analyzer.merge(stdin_analyzer)
    for aid, path in metas:
        with open(path, "rb") as fh:
            analyzer.add_agent_meta(aid, fh.read())

    opts = dict(tz=args.tz, since=args.since, until=args.until, session=args.session, latest=args.latest)
    out = sys.stdout
    if args.csv:
        from .export import request_rows, to_csv
        out.write(to_csv(request_rows(analyzer, prices, **opts)))
        return 0
    report = build_report(analyzer, prices, curve=not args.no_curve or bool(args.html), **opts)
    if args.html:
        from .render_html import render as render_html
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(render_html(report))
        if args.no_curve:
            for s in report["sessions"]:
                s["context_curve"] = []
    if args.share:
        from . import share
        summary = share.summarize(report)
        out.write(share.markdown(summary, f"{args.share_url}#{share.to_fragment(summary)}"))
        if args.card:
            with open(args.card, "w", encoding="utf-8") as fh:
                fh.write(share.card_svg(summary))
        return 0
    if args.json:
        # Compact: the C encoder (indent= falls back to pure Python, 4x slower on big reports).
        out.write(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
    else:
        from .render_text import render
        out.write(render(report))
    return 0
