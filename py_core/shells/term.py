"""The terminal a view is written to (issue 33 item 6): its width and whether it takes colour — one rule for the
report, the ccusage-style commands and `watch`."""

import os

def width(stream, wide=False, default=80):
    """Columns to fit: None with --wide; `COLUMNS` when set (also when piped: `COLUMNS=120 tokenscope | less`), else
    the terminal's, else `default`. Never under 40."""
    if wide:
        return None
    try:
        n = int(os.environ.get("COLUMNS", ""))
        if n > 0:
            return max(40, n)
    except ValueError:
        pass
    if stream.isatty():
        import shutil
        return max(40, shutil.get_terminal_size((default, 24)).columns)
    return default


def color_on(choice, stream):
    """--color always|never|auto: auto is a terminal without NO_COLOR (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream without a terminal behind it, or one already closed
        return False
