"""Streaming input: chunks of any size, odd line endings, hostile lines never crash."""

import pytest

from py_core import Analyzer, build_report
from py_core.core.lines import LineSplitter
from tests.conftest import asst, jsonl


def split_all(data, size):
    s = LineSplitter()
    out = []
    for i in range(0, len(data), size):
        out += s.feed(data[i:i + size])
    return out + s.close()


@pytest.mark.parametrize("data, expected", [
    (b"a\nb\n", [b"a", b"b"]),                       # plain
    (b"a\r\nb\r\n", [b"a", b"b"]),                   # CRLF
    (b"\xef\xbb\xbfa\nb", [b"a", b"b"]),             # BOM, missing final newline
    (b"a\n\n\nb\n", [b"a", b"", b"", b"b"]),         # blank lines are kept (counted as blank)
    (b"", []),                                       # empty input
    (b"\xef\xbb\xbf", []),                           # only a BOM
    ("é€😀\n".encode(), ["é€😀".encode()]),          # multi-byte characters
    (b"a\r\r\nb\r\r", [b"a\r", b"b\r"]),             # one CR dropped per line, last line too
], ids=["plain", "crlf", "bom-no-final-newline", "blank", "empty", "bom-only", "utf8", "double-cr"])
def test_splitter_gives_same_lines_for_every_chunk_size(data, expected):
    """Intent: a line or a UTF-8 character split across chunks comes out whole, whatever the chunking."""
    for size in range(1, max(len(data), 1) + 2):
        got = [line for _n, line in split_all(data, size)]
        assert got == expected, f"chunk size {size}"


def test_line_numbers_count_physical_lines():
    """Intent: diagnostics name real line numbers, blank lines included."""
    got = split_all(b"x\n\ny\r\nz", 2)
    assert got == [(1, b"x"), (2, b""), (3, b"y"), (4, b"z")]


def test_report_identical_for_any_chunking():
    """Intent: the analysis of a log does not depend on how its bytes were chunked."""
    data = jsonl(asst("m1", "r1", out=5), asst("m1", "r1", out=50), asst("m2", "r2", cw=300, cr=1000),
                 {"type": "user", "message": {"content": "héllo"}, "uuid": "p", "sessionId": "s1"})
    ref = None
    for size in (1, 3, 7, 64, len(data)):
        a = Analyzer()
        src = a.open("p/s.jsonl")
        for i in range(0, len(data), size):
            src.feed(data[i:i + size])
        src.close()
        rep = build_report(a, tz="UTC")
        if ref is None:
            ref = rep
        assert rep == ref


@pytest.mark.parametrize("line, reason", [
    (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    (b"not json", "not valid JSON"),
    (b'"a string"', "not a JSON object"),
    (b"// comment line", "not valid JSON"),
    (b'{"type": 5}', "type is not a string"),
], ids=["deep-array", "deep-object", "garbage", "string", "comment", "numeric-type"])
def test_hostile_line_is_a_malformed_line_not_a_crash(line, reason):
    """Intent: json.loads raises RecursionError on deep nesting; it must land in diagnostics instead."""
    rep = build_report(Analyzer().feed_bytes("p/x.jsonl", line + b"\n" + jsonl(asst())), tz="UTC")
    d = rep["diagnostics"]
    assert d["malformed"]["by_reason"] == {reason: 1}
    assert d["malformed"]["files"][0]["first"] == [{"line": 1, "reason": reason}]
    assert rep["totals"]["requests"] == 1  # the good line after it still counts


def test_invalid_utf8_is_repaired_and_counted():
    """Intent: a stray invalid byte in a prompt does not lose the request on that line."""
    line = jsonl(asst()).replace(b'"ok"', b'"o\xff\xfek"')
    rep = build_report(Analyzer().feed_bytes("p/x.jsonl", line), tz="UTC")
    assert rep["totals"]["requests"] == 1
    assert rep["diagnostics"]["invalid_utf8_lines"] == 1


def test_a_100mb_line_is_read():
    """Intent: one huge line (a big tool result) is read whole and its usage counted."""
    big = "x" * (100 * 1024 * 1024)
    line = jsonl(asst(content=[{"type": "text", "text": big}], out=7))
    a = Analyzer()
    src = a.open("p/big.jsonl")
    for i in range(0, len(line), 1 << 20):
        src.feed(line[i:i + (1 << 20)])
    src.close()
    rep = build_report(a, tz="UTC")
    assert rep["totals"]["tokens"]["output"] == 7
    assert rep["diagnostics"]["bytes_read"] == len(line)
