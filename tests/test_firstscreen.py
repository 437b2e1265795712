"""Issue 33: the first screen says what to change — the top three actions over everything shown, one honest
next-request figure (the same in the terminal, the status line and the page), spend per project near the top — and
the words a first-time user reads (no "(s)", one row per model, the covers line of what is shown)."""

import io
import json
import re
from pathlib import Path

import pytest

from conftest import asst, jsonl, user
from py_core.core.rules import parse_ts
from py_core.shells.cli import main
from py_core.shells.statusline import main as statusline

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args):
    code = main([*map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def at(minute, hour=10):
    return f"2026-03-02T{hour:02d}:{minute:02d}:00.000Z"


def session(tmp_path, *extra, name="s1.jsonl"):
    """A session whose context grows to 100k, then a request after a 20-minute gap (an idle cache miss)."""
    f = tmp_path / "p" / name
    f.parent.mkdir(exist_ok=True)
    lines = [user("go", uuid="u1", ts=at(0))]
    ctx = 0
    for i in range(6):
        add = 20_000
        lines.append(asst(f"m{i}", f"r{i}", inp=0, out=500, cw5m=add, cr=ctx, ts=at(1 + i)))
        ctx += add
    lines.append(asst("m9", "r9", inp=0, out=500, cw5m=ctx, ts=at(30)))
    f.write_bytes(jsonl(*lines, *extra))
    return f


def test_the_top_actions_rank_everything_by_dollars(tmp_path, capsys):
    """Intent: report.actions holds at most three actions, largest first, each with its dollars and the session it
    concerns; the terminal prints them near the top, before the sessions."""
    f = session(tmp_path)
    code, out, _ = run(capsys, f, "--json", "--tz", "UTC", "--no-cache")
    rep = json.loads(out)
    acts = rep["actions"]
    assert 1 <= len(acts) <= 3 and [a["usd"] for a in acts] == sorted((a["usd"] for a in acts), reverse=True)
    idle = next(a for a in acts if a["kind"] == "idle")
    assert idle["usd"] == rep["insights"]["idle_cache_misses"]["extra_cost_usd"] and idle["session_id"] == "s1"
    _code, text, _ = run(capsys, f, "--tz", "UTC", "--no-cache")
    first = text.index("What to change first")
    assert first < text.index("Sessions by cost") and "1. " in text[first:first + 300]


@pytest.mark.parametrize("minutes, says", [
    (32, "last request 2 min ago) ≈ $0.04"),      # the cache is warm: 120k x $0.30/M + 500 avg output x $15/M
    (40, "last request 10 min ago) ≈ $0.46"),     # expired: 120k re-written at $3.75/M + the output
])
def test_one_next_request_figure_in_the_terminal_and_the_status_line(tmp_path, capsys, minutes, says):
    """Intent: the terminal's next-request line names the session and how long ago its last request was, and gives
    the figure the status line gives at the same clock (past the cache's expiry, the re-write)."""
    f = session(tmp_path)
    now = parse_ts(at(minutes))
    _code, text, _ = run(capsys, f, "--tz", "UTC", "--no-cache", "--now", now, "--wide")
    line = next(x for x in text.splitlines() if x.startswith("Next request in session s1"))
    assert says in line
    out = io.StringIO()
    statusline(["--color", "never", "--now", str(now), "--cache-dir", str(tmp_path / "c")],
               stdin=io.StringIO(json.dumps({"session_id": "s1", "transcript_path": str(f)})), stdout=out)
    assert re.search(r"next ≈ (\$[0-9.]+)", out.getvalue()).group(1) == says.split("≈ ")[1]


def test_no_next_request_figure_past_a_day(tmp_path, capsys):
    """Intent: a session idle for over a day shows when its last request was, not a next-request price."""
    f = session(tmp_path)
    _code, text, _ = run(capsys, f, "--tz", "UTC", "--no-cache", "--now", parse_ts(at(31)) + 2 * 86400, "--wide")
    assert "Latest request: 2026-03-02 10:30 UTC in session s1 — no next-request figure" in text
    assert "Next request in" not in text


def test_spend_per_project_follows_the_cost_split(tmp_path, capsys):
    """Intent: the terminal has a project table right after the split, before the sessions."""
    session(tmp_path)
    other = tmp_path / "p" / "s2.jsonl"
    other.write_bytes(jsonl(asst("x1", "y1", session="s2", cwd="/home/u/other", ts=at(5))))
    _code, text, _ = run(capsys, tmp_path / "p", "--tz", "UTC", "--no-cache")
    assert text.index("Where it went") < text.index("Spend per project") < text.index("Sessions by cost")
    assert "/home/u/other" in text[text.index("Spend per project"):]


def test_watch_rows_name_the_project_and_alerts_keep_their_dollars(tmp_path):
    """Intent: at 60 columns a watch row names its project and an alert wraps rather than losing its dollars."""
    from py_core.shells.watch import render
    snap = {"block": None, "sessions": [{"session_id": "s1", "title": None, "project": "/home/u/shop",
                                         "cost_usd": 1.5, "requests": 3, "context_tokens": 100_000, "next_turn": None,
                                         "last_ts": 0, "cache_left": None, "burn_usd_per_hour": 0.5}]}
    text = "session s1 resumed after its cache expired (20 min idle): that request rewrote 100,000 tokens ≈ $0.38"
    lines = render(snap, 0, [(0, text)], 60)
    assert all(len(x) <= 60 for x in lines)
    assert any(x.rstrip().endswith("shop") for x in lines) and "$0.38" in " ".join(lines)


def test_no_plural_in_brackets_anywhere(tmp_path, capsys, real_dir):
    """Intent: no "(s)" in any view of the real logs or of a log with every warning."""
    bad = tmp_path / "w" / "bad.jsonl"
    bad.parent.mkdir()
    bad.write_bytes(b'{"type":"assistant","message":{"id":"m1","usage":{"output_tokens":-1}}}\n{not json\n\xff\n')
    (tmp_path / "w" / "empty.jsonl").write_bytes(b"")
    for root in (real_dir, bad.parent):
        for extra in ([], ["--json"], ["--html", tmp_path / "r.html"], ["daily"], ["--share"]):
            args = [root, "--no-cache", "--tz", "UTC", *extra] if extra[:1] != ["daily"] else ["daily", root, "--no-cache"]
            _code, out, err = run(capsys, *args)
            text = out + err + ((tmp_path / "r.html").read_text() if "--html" in map(str, extra) else "")
            assert not re.search(r"\w\((s|es|ies)\)", text), extra


def test_dated_and_undated_ids_of_one_model_are_one_row(tmp_path, capsys):
    """Intent: `claude-sonnet-4` and `claude-sonnet-4-20250514` (one price) are one model row, its ids listed."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("a", "1", model="claude-sonnet-4"), asst("b", "2", model="claude-sonnet-4-20250514"),
                        asst("c", "3", model="claude-sonnet-4-20250514")))
    rep = json.loads(run(capsys, f, "--json", "--no-cache")[1])
    (m,) = rep["models"]
    assert m["model"] == "claude-sonnet-4-20250514" and m["ids"] == ["claude-sonnet-4", "claude-sonnet-4-20250514"]
    assert m["requests"] == 3 and m["priced_as"] == "claude-sonnet-4"


def test_the_covers_line_describes_what_is_shown(tmp_path, capsys):
    """Intent: under a filter the covers line counts the files its requests come from, of those read."""
    session(tmp_path)
    (tmp_path / "p" / "s2.jsonl").write_bytes(jsonl(asst("x1", "y1", session="s2", cwd="/home/u/other", ts=at(5))))
    rep = json.loads(run(capsys, tmp_path / "p", "--json", "--no-cache", "--project", "other")[1])
    assert rep["covers"].startswith("1 session · 1 project") and rep["covers"].endswith("1 of 2 files")


def test_a_bash_program_after_a_bracket_is_named_whole(tmp_path, capsys):
    """Intent: `(source env.sh && pytest)` is the program "source", not "(source" (an unbalanced bracket)."""
    from py_core.core.analyzer import _program
    assert [_program(c) for c in ("(source env.sh && x)", "FOO=1 BAR=2 pytest -x", "{ make; }", "")] == \
        ["source", "pytest", "make", ""]


def test_the_embed_demo_is_the_samples_share_link(capsys):
    """Intent: web/embed.html's share-link demo shows the sample's real figures (it showed invented ones)."""
    _code, out, _ = run(capsys, ROOT / "web" / "sample.jsonl", "--share", "--tz", "UTC", "--no-cache")
    frag = re.search(r"#s1[^)\s]*", out).group(0)
    assert f'summary="{frag}"' in (ROOT / "web" / "embed.html").read_text()
