"""The caps on what one run holds (issue 30: every input that multiplies objects is capped with a clear message
before memory runs out). Light: the CLI imports it at start-up."""

# A report's memory grows with its sessions (their rows: ~15 kB each at the peak in the CLI); a selection of more
# sessions than this is refused with a message before any row is built, instead of running until memory ends (a
# 6 MB state file of a million one-request sessions was killed at 24 GB).
MAX_SESSIONS = 100_000
# The page holds fewer: its worker's WebAssembly memory and the page's tables (api.py).
PAGE_MAX_SESSIONS = 20_000
# The page keeps the sessions' parts of a report (in memory and in IndexedDB, for the next drop) up to this many.
PAGE_KEEP_PARTS = 5_000


class TooLarge(ValueError):
    """A selection of more sessions than a report holds: the message says how many, and how to narrow it."""


CLI_HINT = "narrow it with a date range (--since, --until), a project or a session"
PAGE_HINT = (f"this page holds {PAGE_MAX_SESSIONS:,}: run `tokenscope` on these files in a terminal (it holds "
             f"{MAX_SESSIONS:,}), or give the page fewer of them")


def check_sessions(n, cap, hint=CLI_HINT):
    """Raise TooLarge when `n` sessions are more than `cap` (None: no cap), the message saying what to do."""
    if cap is not None and n > cap:
        raise TooLarge(f"{n:,} sessions: more than one report holds ({cap:,}); {hint}")
