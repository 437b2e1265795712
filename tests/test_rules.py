"""Issue 31 item 2: one rule book. The per-line rules — usage numbers, the cache split, which copy wins, the cost in
pico-dollars, timestamps, the next request — live in py_core/core/rules.py, which the analyzer and the status line's
running summary both import; no rule is written twice."""

import ast
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from py_core.core import rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ("text_or_none", "too_deep", "checked", "numbers", "web_searches", "speed", "beats", "costs", "usd",
         "parse_ts", "iso", "utc_day", "next_turn")
# The old second copies (issue 31's list): running.py had _num, _beats, _parse_ts, _iso, _picos' rule, _next_turn,
# _utc_day, _depth, _text; analyzer.py too_deep, _str_or_none, _preview_speed and the number checks.
OLD_COPIES = ("_num", "_text", "_depth", "_beats_record", "_parse_ts", "_iso", "_next_turn", "_utc_day",
              "_str_or_none", "_preview_speed")


def test_no_rule_is_defined_twice():
    """Intent: the rules are defined in rules.py only; no other module defines a function of the same name, nor the
    second copies the status line had."""
    defined = {}
    for f in (ROOT / "py_core").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.FunctionDef) and node.col_offset == 0:
                defined.setdefault(node.name, []).append(str(f.relative_to(ROOT)))
    twice = {n: where for n, where in defined.items() if n in RULES and where != ["py_core/core/rules.py"]}
    assert twice == {}
    readers = ("py_core/state/running.py", "py_core/core/analyzer.py")
    assert [(n, w) for n in OLD_COPIES for w in defined.get(n, []) if w in readers] == []


def test_the_analyzer_and_the_running_summary_read_lines_through_the_rules():
    """Intent: both readers of a line import the rule book."""
    for name in ("py_core/core/analyzer.py", "py_core/state/running.py", "py_core/core/dedup.py",
                 "py_core/core/priced.py", "py_core/report/live.py"):
        tree = ast.parse((ROOT / name).read_text())
        froms = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module in ("rules", "core")
                 or isinstance(n, ast.ImportFrom) and (n.module or "").endswith("rules")]
        assert froms, name


def _general(value):
    """A stamp through datetime, as a reference."""
    dt = datetime.fromisoformat(value[:-1] + "+00:00")
    return dt.timestamp()


@settings(max_examples=3000, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       st.sampled_from(["seconds", "milliseconds", "microseconds"]))
def test_claude_codes_stamps_read_by_arithmetic_equal_datetime(dt, spec):
    """Intent: the arithmetic path (no datetime import: the status line) gives the float datetime gives, and iso() the
    stamp datetime's isoformat gives, for every stamp of Claude Code's shape."""
    stamp = dt.isoformat(timespec=spec) + "Z"
    ts = rules.parse_ts(stamp)
    assert ts == _general(stamp)
    ref = datetime.fromtimestamp(ts, timezone.utc)
    assert rules.iso(ts) == ref.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert rules.utc_day(ts) == ref.strftime("%Y-%m-%d").rjust(10, "0")


def test_numbers_split_the_cache_and_name_what_they_ignore():
    """Intent: the cache split (a total above the split is a 5-minute write; no split, all 5-minute) and the untrusted
    counts (ignored, named) — one rule for every reader."""
    u = {"input_tokens": 10, "output_tokens": 2.0, "cache_read_input_tokens": -1, "cache_creation_input_tokens": 500,
         "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 300}}
    assert rules.numbers(u) == (10, 2, 200, 300, 0, ["cache_read_input_tokens"])
    assert rules.numbers({"cache_creation_input_tokens": 7}) == (0, 0, 7, 0, 0, [])


def test_which_copy_wins():
    """Intent: main thread first, then the largest total, then the earliest place."""
    assert rules.beats(False, 1, "b", 9, True, 99, "a", 1)
    assert rules.beats(False, 5, "b", 9, False, 4, "a", 1)
    assert rules.beats(False, 5, "a", 1, False, 5, "a", 2) and not rules.beats(False, 5, "a", 2, False, 5, "a", 1)
