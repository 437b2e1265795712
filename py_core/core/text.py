"""Untrusted text made safe to show (issues 10 and 21): one place, imported by every view and shell.

Everything from a log, a state file or a store is untrusted. `clean_text` makes it valid Unicode (a lone surrogate
becomes U+FFFD, so every output is valid UTF-8). `for_terminal` is the one sanitiser of every text view — the
terminal report, watch, the status line, CSV, Markdown and error lines (issue 21): no control character (ESC, BEL,
NUL, backspace, a newline, C1) and no bidirectional override survives, so nothing from a log can move the cursor,
set a title, clear the screen, split a line or reorder what a reader sees. This module imports nothing, so the
status line's path can use it (issue 20: no `re` there).
"""

# C0, DEL, C1, and the bidi marks/overrides/isolates ("Trojan Source", CVE-2021-42574).
_TERMINAL = dict.fromkeys((*range(0x20), *range(0x7f, 0xa0), 0x200e, 0x200f, 0x061c, *range(0x202a, 0x202f),
                           *range(0x2066, 0x206a)), "?")


def clean_text(s):
    """Log text as valid Unicode: a lone surrogate (a `\\ud800` escape in a log, an undecodable byte in a
    file name) becomes U+FFFD, so every output is valid UTF-8 (issue 10)."""
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:  # only lone surrogates fail to encode
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in s)


def for_terminal(s):
    """Text for a terminal, a CSV cell or a Markdown line: valid Unicode with every control character and bidi
    override shown as `?` (issue 21). Views add their own escapes (colours) after this, never before."""
    s = clean_text(str(s))
    return s.translate(_TERMINAL)


def fail(msg, code=2):
    """A shell's error: one line on stderr, through the sanitiser (a file name from a folder listing is untrusted
    too), and the exit code to return."""
    import sys
    print(f"tokenscope: {for_terminal(msg)}", file=sys.stderr)
    return code


_JSON_TERMINAL = {c: f"\\u{c:04x}" for c in (*range(0x7f, 0xa0), 0x200e, 0x200f, 0x061c, *range(0x202a, 0x202f),
                                             *range(0x2066, 0x206a))}


def json_for_terminal(text):
    """`json.dumps(..., ensure_ascii=False)` output with C1 controls and bidi overrides as `\\uXXXX` escapes: still
    the same JSON (these characters can only occur inside strings), and a terminal it is printed to reads no CSI
    (U+009B) from a log (issue 21). C0 controls are escaped by json.dumps itself."""
    if text.isascii() and "\x7f" not in text:
        return text  # the common case, decided at C speed (translate walks every character in Python: 0.15 s)
    import re
    return re.sub("[\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)


_PRINTABLE = bytes(range(0x20, 0x7f))


def json_for_terminal_bytes_ok(data):
    """Is `data` (UTF-8 bytes) text json_for_terminal could have written: no C0 control, DEL, C1 control or bidi
    override? Decided at C speed (issue 20: a kept report is shown without being decoded, and a store is untrusted):
    printable ASCII is deleted first, and what is left — every byte of a non-ASCII character stays next to its
    lead byte — is searched."""
    rest = data.translate(None, _PRINTABLE)
    if not rest:
        return True
    import re
    return re.search(rb"[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xd8\x9c|\xe2\x81[\xa6-\xa9]",
                     rest) is None


def json_chunks(report, big=("sessions",)):
    """The report's `--json` text (json_for_terminal of the compact dump) in pieces, each of the `big` lists one
    item at a time (issue 30: the whole text of a 100,000-session report, 400 MB and its encoder's copies, was held
    at once). The pieces join to exactly the text one json.dumps gives."""
    import json
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    yield "{"
    for i, (key, value) in enumerate(report.items()):
        head = ("," if i else "") + dumps(key) + ":"
        if key in big and type(value) is list:
            yield head + "["
            for j, item in enumerate(value):
                yield json_for_terminal(("," if j else "") + dumps(item))
            yield "]"
        else:
            yield head + json_for_terminal(dumps(value))
    yield "}"
