"""Untrusted text made safe to show (issues 10 and 21): one place, imported by every view and shell.

Everything from a log, a state file or a store is untrusted. `clean_text` makes it valid Unicode (a lone surrogate
becomes U+FFFD, so every output is valid UTF-8). This module imports only `re`, so the status line's path can use
it without the analyzer.
"""

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(s):
    """Log text as valid Unicode: a lone surrogate (a `\\ud800` escape in a log, an undecodable byte in a
    file name) becomes U+FFFD, so every output is valid UTF-8 (issue 10)."""
    return s if s.isascii() else _SURROGATE.sub("\ufffd", s)
