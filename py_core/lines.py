"""Split a byte stream, fed in chunks of any size, into lines."""

BOM = b"\xef\xbb\xbf"


class LineSplitter:
    """Incremental splitter: a line (or a UTF-8 character) may span chunks.

    Yields (line_no, line_bytes) with the trailing CR removed (CRLF logs from
    Windows editors) and a leading UTF-8 BOM dropped from the first line.
    Pieces of an unfinished line are kept in a list and joined once, so a
    100 MB line costs one copy, not a quadratic series of concatenations.
    """

    __slots__ = ("_pending", "_line_no", "_started", "bytes_read")

    def __init__(self):
        self._pending = []
        self._line_no = 0
        self._started = False
        self.bytes_read = 0

    def feed(self, chunk):
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
            chunk = head[3:] if head.startswith(BOM) else head
        if not chunk:
            return []
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            self._pending.append(chunk)
            return []
        out = []
        if self._pending:
            self._pending.append(parts[0])
            parts[0] = b"".join(self._pending)
            self._pending = []
        tail = parts.pop()
        if tail:
            self._pending.append(tail)
        n = self._line_no
        for line in parts:
            n += 1
            if line.endswith(b"\r"):
                line = line[:-1]
            out.append((n, line))
        self._line_no = n
        return out

    def close(self):
        """Flush the last line when the input has no final newline."""
        if not self._pending:
            return []
        line = b"".join(self._pending)
        self._pending = []
        if not self._started and line.startswith(BOM):
            line = line[3:]
        self._started = True
        if line.endswith(b"\r"):
            line = line[:-1]
        self._line_no += 1
        return [(self._line_no, line)]
