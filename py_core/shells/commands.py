"""Every command of tokenscope and every option, declared once (issue 31 item 3).

A command is a row of COMMANDS: its name, what it does, the function that runs it, and its options — shared groups
(GROUPS: the paths, the prices, the store, the clock, the filters…) and its own. The argparse parsers are built from
this table (`parser`), `tokenscope --help` lists every command from it, and the status line's hand-made parse (no
argparse on its common path) reads which of its options take a value from it too. Adding a command is one row; an
option shared by several commands is one entry of a group. Light: nothing is imported until a parser is built.
"""

from collections import namedtuple

Opt = namedtuple("Opt", "flags kw")
Command = namedtuple("Command", "name summary run groups own")
SUPPRESS = "==SUPPRESS=="  # argparse.SUPPRESS, without importing argparse


def opt(*flags, **kw):
    return Opt(flags, kw)


def exclusive(*opts):
    """Options of which one at most may be given."""
    return Opt(None, {"exclusive": opts})


USER_PRICE_FILE = ".tokenscope.json"
# Options two groups share, declared once (issue 33: the ccusage-style tables take them too).
JSON = opt("--json", action="store_true", help="the full report as JSON (schema version 1)")
WIDE = opt("--wide", action="store_true",
           help="terminal report at full length (default: COLUMNS, else the terminal's width, else 80)")
ALL = opt("--all", action="store_true", help="every row of the terminal's long tables (sessions, projects, blocks)")
LIMIT = opt("--limit", type=int, metavar="N", help="N rows of the terminal's long tables")
COLOR = opt("--color", choices=("auto", "always", "never"), default="auto",
            help="colour in the terminal: auto = only on a terminal, and not with NO_COLOR set")
GROUPS = {
    "paths": (
        opt("paths", nargs="*", metavar="PATH",
            help="log files or folders (recursive *.jsonl), or state files; '-' reads stdin. Default: "
                 "$CLAUDE_CONFIG_DIR (comma list) or ~/.claude/projects and ~/.config/claude/projects"),
    ),
    "prices": (
        opt("--prices", metavar="FILE", action="append", default=[],
            help=f"extra or overriding prices, LiteLLM field names (a report also reads ./{USER_PRICE_FILE})"),
    ),
    "store": (
        opt("--cache-dir", metavar="DIR",
            help="where the store of what was read is kept (default: $XDG_CACHE_HOME/tokenscope, else "
                 "~/.cache/tokenscope); `tokenscope cache info|clear` manages it"),
        opt("--no-cache", action="store_true", help="read every file whole and store nothing (no history either)"),
    ),
    "clock": (
        opt("--now", type=float, help=SUPPRESS),  # tests: the clock, in epoch seconds
    ),
    "filters": (
        opt("--since", metavar="DATE", help="only requests on or after DATE (YYYY-MM-DD, in --tz)"),
        opt("--until", metavar="DATE", help="only requests on or before DATE (YYYY-MM-DD, in --tz)"),
        opt("--tz", metavar="ZONE", help="time zone for days: IANA name, UTC or +HH:MM (default: local)"),
        opt("--project", metavar="DIR", help="only the sessions of this project (its working directory)"),
        opt("--session", metavar="ID", help="only this session (a unique prefix of its id, or a unique part of its title)"),
        opt("--latest", action="store_true", help="only the session with the latest activity"),
        opt("--entrypoint", metavar="NAME",
            help="only requests Claude Code started from NAME: cli, sdk-cli (claude -p), claude-desktop"),
    ),
    "views": (
        exclusive(
            JSON,
            opt("--csv", action="store_true", help="one CSV row per billed request"),
            opt("--share", action="store_true",
                help="a privacy-safe summary (aggregate numbers only) as Markdown, with a link to its card"),
        ),
        opt("--html", metavar="FILE", help="also write a standalone HTML page with the charts to FILE"),
        opt("--share-url", metavar="URL", default="http://127.0.0.1:8000/",
            help="the tokenscope page the --share link opens (default: the local `python serve.py`)"),
        opt("--card", metavar="FILE", help="with --share: also write the summary card as SVG to FILE"),
        opt("--by", choices=("day", "week", "month"),
            help="spend per day, ISO week or month: a table in the terminal, `periods` in --json"),
        WIDE,
        opt("--no-curve", action="store_true", help="leave the per-request context curve out of --json"),
        ALL, LIMIT, COLOR,
    ),
    "table": (  # issue 33: ccusage's daily, weekly, monthly, session, blocks
        opt("--json", action="store_true", help="the table as JSON, with ccusage's key names (inputTokens, totalCost…)"),
        opt("--breakdown", action="store_true", help="a row per model under each row"),
        opt("--order", choices=("asc", "desc"), default="asc",
            help="oldest first (asc, the default) or newest first (desc)"),
        WIDE, ALL, LIMIT, COLOR,
    ),
    "run": (
        opt("--jobs", type=int, metavar="N", help="processes to read files with (default: all cores, at most 256)"),
        opt("--no-history", action="store_true",
            help="leave out files deleted since they were stored (Claude Code deletes logs after 30 days)"),
        opt("--save-state", metavar="FILE",
            help="also write what was analysed as a state file (no prompt text) that any tokenscope merges: give it "
                 "as a PATH, here or on another machine"),
        opt("--label", metavar="NAME",
            help="with --save-state: the name the state file carries (a team view shows spend per label)"),
        opt("--redact", action="store_true",
            help="with --save-state: project paths, session ids and file names as keyed hashes (key: "
                 "$TOKENSCOPE_REDACT_KEY, else one kept in the store's folder)"),
        opt("--engine", choices=("local", "dask"), default="local",
            help="dask: analyse on a Dask cluster (pip install 'tokenscope[dask]'); PATH may be an fsspec URL"),
        opt("--scheduler", metavar="ADDRESS",
            help="with --engine dask: the scheduler to use (default: a LocalCluster on this machine)"),
    ),
}

STATUSLINE_FORMAT = "{model} · {cost} · {context} · {next} · {cache} · {limits}"

COMMANDS = (
    Command("report", "the report of your logs (the default command: `tokenscope [PATH ...]`)",
            "py_core.shells.cli:report", ("paths", "views", "filters", "prices", "store", "run", "clock"), ()),
    *(Command(name, f"{what} (as ccusage `{name}`): token columns, cost, a totals row",
              f"py_core.shells.cli:{name}", ("paths", "table", "filters", "prices", "store", "clock"), own)
      for name, what, own in (
          ("daily", "spend per day", ()), ("weekly", "spend per ISO week", ()),
          ("monthly", "spend per month", ()), ("session", "spend per session", ()),
          ("blocks", "5-hour blocks", (
              opt("--active", action="store_true", help="only the active block, with its projection"),
              opt("--recent", action="store_true", help="only the blocks of the last three days"))))),
    Command("watch", "follow the logs live: active sessions, the 5-hour block, alerts",
            "py_core.shells.watch:main", ("paths", "prices", "store", "clock"), (
                opt("--interval", type=float, default=1.0, metavar="S", help="seconds between checks (default 1)"),
                opt("--once", action="store_true", help="print one view and exit"),
                opt("--cap", type=float, metavar="USD", help="alert when a session or an agent passes this cost"),
            )),
    Command("statusline", "one line for Claude Code's status line (reads its JSON on stdin)",
            "py_core.shells.statusline:main", ("prices", "store", "clock"), (
                opt("--format", default=STATUSLINE_FORMAT,
                    help="the line as a template of {model}, {cost}, {context}, {next}, {cache}, {limits}, {hit}; "
                         "text between two fields is dropped when either is empty"),
                opt("--color", choices=("auto", "always", "never"), default="auto",
                    help="ANSI colours: auto = only when stdout is a terminal and NO_COLOR is unset"),
                opt("--workspace-prices", action="store_true",
                    help="also read the .tokenscope.json of the folder Claude Code works in (off by default: any "
                         "repository could reprice your line; when on, the line says so)"),
            )),
    Command("cache", "what tokenscope keeps between runs: `cache info`, `cache clear [--before DATE]`",
            "py_core.shells.cli:cache", (), (
                opt("action", choices=("info", "clear"),
                    help="info: where the store is, its size, files and days; clear: forget what it holds"),
                opt("--before", metavar="DATE",
                    help="with clear: only files whose last request is before DATE (YYYY-MM-DD, UTC)"),
                opt("--cache-dir", metavar="DIR", help="the store's folder (default: as for a report)"),
            )),
)
BY_NAME = {c.name: c for c in COMMANDS}


def options_of(name):
    """Every Opt of a command, groups first, exclusive groups flattened."""
    c = BY_NAME[name]
    out = []
    for o in [o for g in c.groups for o in GROUPS[g]] + list(c.own):
        out.extend(o.kw["exclusive"] if o.flags is None else [o])
    return out


def takes_value(name):
    """{flag: does it take a value} of a command's options (the status line parses its own by hand)."""
    return {f: o.kw.get("action") not in ("store_true", "store_false")
            for o in options_of(name) for f in o.flags if f.startswith("-")}


def parser(name, prog="tokenscope"):
    """The argparse parser of command `name`, built from the table; the report's `--help` lists every command."""
    import argparse
    c = BY_NAME[name]
    report = name == "report"
    p = argparse.ArgumentParser(
        prog=prog if report else f"{prog} {name}",
        description=("Where the money in your Claude Code sessions went: an estimate at API list prices from local "
                     "logs (not a bill). Nothing leaves your machine." if report else c.summary),
        epilog=("commands:\n" + "\n".join(f"  {x.name:<11} {x.summary}" for x in COMMANDS) +
                f"\n\n`{prog} COMMAND --help` says more of each." if report else None),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    for o in [o for g in c.groups for o in GROUPS[g]] + list(c.own):
        if o.flags is None:
            group = p.add_mutually_exclusive_group()
            for x in o.kw["exclusive"]:
                group.add_argument(*x.flags, **x.kw)
        else:
            kw = dict(o.kw)
            if kw.get("help") == SUPPRESS:
                kw["help"] = argparse.SUPPRESS
            p.add_argument(*o.flags, **kw)
    return p


def runner(name):
    """The function that runs command `name` (imported now: only the command asked for is)."""
    import importlib
    module, func = BY_NAME[name].run.split(":")
    return getattr(importlib.import_module(module), func)
