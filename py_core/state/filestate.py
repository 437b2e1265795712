"""The state of one log file, kept between runs so a run reads only what is new (issue 14).

Claude Code only ever appends to a log. A file's state is what its *complete* lines gave the analyzer, the byte
offset where they end, the bytes after it (an unfinished last line, analysed anew each time: it may still grow),
and a fingerprint of its first bytes. A file that grew and still starts with the same bytes is read from that
offset; anything else about it is read again whole. Merging the states of many files is the analyzer's merge,
global dedup included, so a report from states equals a report from the bytes (tests/test_store.py).

The value is plain JSON (below), the same for the CLI's SQLite store and the page's IndexedDB; it holds no path,
only the label the file was analysed under (labels feed dedup's tie-breaks and the report's names):

    {"format": 1, "v": <Analyzer.STATE_VERSION>, "label": str, "size": bytes seen, "offset": bytes of complete
     lines, "lines": their count, "head": [n, sha256 hex of the first n bytes], "tail": base64 of the bytes after
     `offset`, ["skip": true,] "state": Analyzer.export() of the complete lines}

`skip` (issue 20): the file ends inside a line longer than lines.MAX_LINE; `offset` is then the file's end (the
line's bytes are decided: skipped), `tail` is empty, and a later read goes on skipping until that line ends.
"""

import base64
import hashlib
import json
import zlib

from ..core.analyzer import Analyzer

FORMAT = 1
HEAD_BYTES = 4096       # the fingerprint: a rewritten log (new session at the same path) differs in its first line
MAX_BLOB = 1 << 30      # a stored state inflating past this is refused, not decompressed (a hostile store)


class StateError(ValueError):
    """A stored state that cannot be used: another version, corrupt or hostile. The file is read again."""


def head_of(data):
    """The fingerprint of a file's first bytes: [n, sha256 hex]."""
    head = bytes(data[:HEAD_BYTES])
    return [len(head), hashlib.sha256(head).hexdigest()]


class FileState:
    __slots__ = ("label", "size", "offset", "lines", "head", "tail", "state", "skip")

    def __init__(self, label, size, offset, lines, head, tail, state, skip=False):
        self.skip = skip
        self.label = label
        self.size = size
        self.offset = offset
        self.lines = lines
        self.head = head
        self.tail = tail
        # Analyzer.export() of the complete lines: a dict when loaded from a store, its JSON text when just read
        # (serialised at once: the analyzer goes on to frame the last line into the same containers).
        self.state = state

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def read(cls, label, chunks, resume=None, analyzer=None):
        """(state, analyzer) of the file `label` whose bytes `chunks` yields: see Reader."""
        reader = Reader(label, resume, analyzer)
        for chunk in chunks:
            reader.feed(chunk)
        return reader.finish()

    def analyzer_before_tail(self):
        state = json.loads(self.state) if isinstance(self.state, str) else self.state
        return Analyzer.from_export(state)

    def analyzer(self):
        """The analyzer of the whole file as it was: the complete lines' state plus the unfinished last line."""
        a = self.analyzer_before_tail()
        src = a.open(self.label, (self.offset, self.lines, self.skip))
        src.feed(self.tail)
        src.close()
        return a

    # -- the stored value ---------------------------------------------------------------------------------
    def to_json(self):
        state = self.state if isinstance(self.state, str) else json.dumps(
            self.state, ensure_ascii=False, separators=(",", ":"))
        head = json.dumps({
            "format": FORMAT, "v": Analyzer.STATE_VERSION, "label": self.label, "size": self.size,
            "offset": self.offset, "lines": self.lines, "head": self.head,
            "tail": base64.b64encode(self.tail).decode("ascii"), **({"skip": True} if self.skip else {}),
        }, ensure_ascii=False, separators=(",", ":"))
        return head[:-1] + ',"state":' + state + "}"

    def to_bytes(self):
        """Compressed JSON (zlib level 1: a fifth of the size for a fast warm read)."""
        return zlib.compress(self.to_json().encode("utf-8"), 1)

    @classmethod
    def from_json(cls, text):
        try:
            d = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise StateError(f"not JSON ({exc})") from None
        return cls.from_dict(d)

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("v") != Analyzer.STATE_VERSION:
            raise StateError("stored by another version of tokenscope")
        try:
            label, size, offset, lines, head = d["label"], d["size"], d["offset"], d["lines"], d["head"]
            tail = base64.b64decode(d["tail"], validate=True)
            state = d["state"]
            skip = d.get("skip", False)
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"malformed ({exc})") from None
        ok = (type(label) is str and all(type(x) is int and x >= 0 for x in (size, offset, lines))
              and offset + len(tail) == size and type(head) is list and len(head) == 2 and type(head[0]) is int
              and type(head[1]) is str and isinstance(state, dict) and state.get("v") == Analyzer.STATE_VERSION
              and type(skip) is bool and not (skip and tail))
        if not ok:
            raise StateError("malformed")
        return cls(label, size, offset, lines, head, tail, state, skip)

    @classmethod
    def from_bytes(cls, blob):
        try:
            d = zlib.decompressobj()
            text = d.decompress(blob, MAX_BLOB)
            if d.unconsumed_tail:
                raise StateError("too large")
            return cls.from_json(text.decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, TypeError) as exc:
            raise StateError(f"corrupt ({exc})") from None

    def check(self):
        """Load the analyzer state once (every field type-checked): a StateError if it is not usable."""
        try:
            self.analyzer()
        except ValueError as exc:
            raise StateError(str(exc)) from None
        return self


class Reader:
    """Reads one file into a FileState in chunks (the page's workers get a big file in several messages): from its
    start, or with `resume` (a FileState of the same file) from `resume.offset` on. `finish()` gives (state,
    analyzer): the analyzer holds the whole file, last line included; the state only its complete lines.
    `analyzer`: the fresh analyzer to read into (its decoder), when not resuming."""

    __slots__ = ("src", "analyzer", "head", "first")

    def __init__(self, label, resume=None, analyzer=None):
        if resume is not None:
            self.analyzer = resume.analyzer_before_tail()
            self.src = self.analyzer.open(label, (resume.offset, resume.lines, resume.skip))
            self.head = resume.head
        else:
            self.analyzer = analyzer if analyzer is not None else Analyzer()
            self.src = self.analyzer.open(label)
            self.head = None
        self.first = bytearray()

    def feed(self, chunk):
        if self.head is None and len(self.first) < HEAD_BYTES:
            self.first += chunk[:HEAD_BYTES - len(self.first)]
        self.src.feed(chunk)

    def finish(self):
        sp = self.src.splitter
        fs = FileState(self.src.name, sp.bytes_read, sp.complete_bytes, sp.lines, self.head or head_of(self.first),
                       sp.pending, None, sp.skipping)
        # Exported before the last line is framed: `close` adds it (and the file's totals) to the analyzer.
        fs.state = json.dumps(self.analyzer.export(), ensure_ascii=False, separators=(",", ":"))
        self.src.close()
        return fs, self.analyzer
