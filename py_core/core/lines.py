"""Split a byte stream, fed in chunks of any size, into lines."""

BOM = b"\xef\xbb\xbf"
# A line longer than this is skipped, not kept (issue 20: a 1 GB unterminated line cost 5.3 GB and 33 s on every
# run). Claude Code's longest real lines are tool results of a few tens of MB (a 100 MB line is still read: tests).
# No line carrying usage comes close. Peak memory for a longer line: about twice this.
MAX_LINE = 256 << 20
# What `spans` gives for a skipped line: an empty span of this very buffer (the analyzer counts it as too long).
TOO_LONG = bytes(b"\0too long")


class LineSplitter:
    """Incremental splitter: a line (or a UTF-8 character) may span chunks.

    Yields (line_no, line_bytes) with the trailing CR removed (CRLF logs from
    Windows editors) and a leading UTF-8 BOM dropped from the first line.
    Pieces of an unfinished line are kept in a list and joined once, so a
    100 MB line costs one copy, not a quadratic series of concatenations.
    """

    __slots__ = ("_pending", "_line_no", "_started", "bytes_read", "_bom", "_held", "skipping", "max_line")

    def __init__(self, max_line=None):
        self._pending = []
        self._line_no = 0
        self._started = False
        self.bytes_read = 0
        self._bom = False
        self._held = 0            # bytes in _pending
        self.skipping = False     # inside a line longer than max_line: its bytes are dropped until it ends
        self.max_line = MAX_LINE if max_line is None else max_line

    @property
    def lines(self):
        """Lines framed so far."""
        return self._line_no

    @classmethod
    def resumed(cls, offset, lines, skipping=False):
        """A splitter that continues a stream at byte `offset`, the end of its line number `lines` (issue 14: a
        log that grew is read from its last complete line, not from the start) — or, `skipping`, inside a line too
        long to keep that began after it."""
        sp = cls()
        if offset > 0:
            sp._started = True  # a BOM can only open the stream
        sp._line_no = lines
        sp.bytes_read = offset
        sp.skipping = skipping
        return sp

    @property
    def complete_bytes(self):
        """Bytes of the stream up to the end of its last complete line (what a later read resumes from); 0 before
        the first line ends (a BOM is then read again with it)."""
        if self.skipping:
            return self.bytes_read  # a skipped line's bytes are decided: a later read goes on from here
        if self._line_no == 0:
            return 0
        return self.bytes_read - self._held

    @property
    def pending(self):
        """The bytes after `complete_bytes`: an unfinished line, framed only by `close_spans` (with the BOM it
        began with, when no line has ended yet)."""
        return (BOM if self._bom and self._line_no == 0 else b"") + b"".join(self._pending)

    def regions(self, chunk):
        """The complete lines this chunk finishes, as (buf, start, stop) spans: buf[start:stop] is one or more
        lines, each ending in b"\n" (CRs are left for the reader to drop).

        The analyzer walks these spans with find() instead of splitting (issue 4): a line it can decide from a
        few bytes is never copied out of the chunk. The line counter is the caller's to advance.
        """
        if not chunk:
            return []
        self.bytes_read += len(chunk)
        if not self._started:
            # The BOM may itself arrive split across the first chunks.
            head = b"".join(self._pending) + chunk
            if len(head) < 3 and BOM.startswith(head):
                self._pending, self._held = [head], len(head)
                return []
            self._pending, self._held = [], 0
            self._started = True
            self._bom = head.startswith(BOM)
            chunk = head[3:] if self._bom else head
            if not chunk:
                return []
        last = chunk.rfind(b"\n")
        if last == -1:
            if not self.skipping:
                self._pending.append(chunk)
                self._held += len(chunk)
                if self._held > self.max_line:
                    self._pending, self._held, self.skipping = [], 0, True
            return []
        out = []
        start = 0
        if self._pending or self.skipping:
            first = chunk.find(b"\n") + 1
            if self.skipping:
                self.skipping = False
                out.append((TOO_LONG, 0, 1))
            elif self._held + first > self.max_line:
                out.append((TOO_LONG, 0, 1))
            else:
                self._pending.append(chunk[:first])
                joined = b"".join(self._pending)
                out.append((joined, 0, len(joined)))
            self._pending, self._held = [], 0
            start = first
        if start <= last:
            out.append((chunk, start, last + 1))
        if last + 1 < len(chunk):
            self._pending.append(chunk[last + 1:])
            self._held = len(chunk) - last - 1
            if self._held > self.max_line:
                self._pending, self._held, self.skipping = [], 0, True
        return out

    def spans(self, chunk):
        """The complete lines this chunk finishes, as (line_no, buf, start, end): the line is buf[start:end],
        newline and trailing CR (CRLF logs from Windows editors) excluded, never copied out of the chunk."""
        n = self._line_no
        try:
            for buf, pos, stop in self.regions(chunk):
                find = buf.find
                if buf is TOO_LONG:
                    n += 1
                    yield n, buf, 0, 0  # an empty span of TOO_LONG: the analyzer counts a line too long
                    continue
                while pos < stop:
                    end = find(b"\n", pos, stop)
                    n += 1
                    yield n, buf, pos, end - 1 if end > pos and buf[end - 1] == 13 else end
                    pos = end + 1
        finally:
            self._line_no = n

    def close_spans(self):
        """The last line when the input has no final newline, as `spans` gives lines."""
        if self.skipping:
            self.skipping = False
            self._line_no += 1
            yield self._line_no, TOO_LONG, 0, 0
            return
        if not self._pending:
            return
        line = b"".join(self._pending)
        self._pending, self._held = [], 0
        if not self._started and line.startswith(BOM):
            line = line[3:]
        self._started = True
        self._line_no += 1
        yield self._line_no, line, 0, len(line) - 1 if line.endswith(b"\r") else len(line)

    def feed(self, chunk):
        """The complete lines as (line_no, line) pairs (`spans`, copied out)."""
        return [(n, buf[s:e]) for n, buf, s, e in self.spans(chunk)]

    def close(self):
        """Flush the last line when the input has no final newline."""
        return [(n, buf[s:e]) for n, buf, s, e in self.close_spans()]
