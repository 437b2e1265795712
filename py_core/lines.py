"""Split a byte stream, fed in chunks of any size, into lines."""

BOM = b"\xef\xbb\xbf"


class LineSplitter:
    """Incremental splitter: a line (or a UTF-8 character) may span chunks.

    Yields (line_no, line_bytes) with the trailing CR removed (CRLF logs from
    Windows editors) and a leading UTF-8 BOM dropped from the first line.
    Pieces of an unfinished line are kept in a list and joined once, so a
    100 MB line costs one copy, not a quadratic series of concatenations.
    """

    __slots__ = ("_pending", "_line_no", "_started", "bytes_read", "_bom")

    def __init__(self):
        self._pending = []
        self._line_no = 0
        self._started = False
        self.bytes_read = 0
        self._bom = False

    @property
    def lines(self):
        """Lines framed so far."""
        return self._line_no

    @classmethod
    def resumed(cls, offset, lines):
        """A splitter that continues a stream at byte `offset`, the end of its line number `lines` (issue 14: a
        log that grew is read from its last complete line, not from the start)."""
        sp = cls()
        if offset > 0:
            sp._started = True  # a BOM can only open the stream
        sp._line_no = lines
        sp.bytes_read = offset
        return sp

    @property
    def complete_bytes(self):
        """Bytes of the stream up to the end of its last complete line (what a later read resumes from); 0 before
        the first line ends (a BOM is then read again with it)."""
        if self._line_no == 0:
            return 0
        return self.bytes_read - sum(len(p) for p in self._pending)

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
                self._pending = [head]
                return []
            self._pending = []
            self._started = True
            self._bom = head.startswith(BOM)
            chunk = head[3:] if self._bom else head
            if not chunk:
                return []
        last = chunk.rfind(b"\n")
        if last == -1:
            self._pending.append(chunk)
            return []
        out = []
        start = 0
        if self._pending:
            first = chunk.find(b"\n") + 1
            self._pending.append(chunk[:first])
            joined = b"".join(self._pending)
            self._pending = []
            out.append((joined, 0, len(joined)))
            start = first
        if start <= last:
            out.append((chunk, start, last + 1))
        if last + 1 < len(chunk):
            self._pending.append(chunk[last + 1:])
        return out

    def spans(self, chunk):
        """The complete lines this chunk finishes, as (line_no, buf, start, end): the line is buf[start:end],
        newline and trailing CR (CRLF logs from Windows editors) excluded, never copied out of the chunk."""
        n = self._line_no
        try:
            for buf, pos, stop in self.regions(chunk):
                find = buf.find
                while pos < stop:
                    end = find(b"\n", pos, stop)
                    n += 1
                    yield n, buf, pos, end - 1 if end > pos and buf[end - 1] == 13 else end
                    pos = end + 1
        finally:
            self._line_no = n

    def close_spans(self):
        """The last line when the input has no final newline, as `spans` gives lines."""
        if not self._pending:
            return
        line = b"".join(self._pending)
        self._pending = []
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
