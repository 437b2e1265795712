"""Issue 25, the first look: the number that matters first, an honest next request, no screen a person would
misread (the CLI's side; the page's is in tests/test_web.py)."""

import json

import pytest

from conftest import asst, jsonl, user
from py_core import Analyzer, build_report
from py_core.shells.cli import main
from py_core.core.present import short_ids
from py_core.views.terminal import render


def run(args, capsys):
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_prompts_without_any_usage_are_a_message_and_exit_1(tmp_path, capsys):
    """Intent: a transcript with prompts but no response usage gave "Estimated cost: $0.00" and exit 0; the README
    promises a message and exit 1."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(user("hello", uuid="p1"), user("again", uuid="p2"),
                        {"type": "assistant", "sessionId": "s1", "message": {"role": "assistant", "content": "hi"}}))
    code, out, err = run([f, "--no-cache"], capsys)
    assert code == 1 and out == "" and "2 prompts but no response with its usage" in err and err.count("\n") == 1


@pytest.mark.parametrize("ids, want", [
    (["session-alpha", "session-beta"], {"session-alpha": "session-a", "session-beta": "session-b"}),
    (["5a3c9e1d-7b2f", "9f00aa11-0000"], {"5a3c9e1d-7b2f": "5a3c9e1d", "9f00aa11-0000": "9f00aa11"}),
    (["abc", "abcdefghij", "abcdefghik"], {"abc": "abc", "abcdefghij": "abcdefghij", "abcdefghik": "abcdefghik"}),
    (["same", "same"], {"same": "same"}),
])
def test_ids_are_cut_to_their_shortest_unique_prefix(ids, want):
    """Intent: ids cut to 8 characters collided (`session-alpha`, `session-beta` -> `session-`)."""
    assert short_ids(ids) == want


def test_the_terminal_and_session_filter_use_unique_prefixes(tmp_path, capsys):
    """Intent: the sessions table shows a prefix the CLI's --session accepts."""
    f = tmp_path / "p" / "s.jsonl"
    f.parent.mkdir()
    f.write_bytes(jsonl(asst("m1", "r1", session="session-alpha", out=100),
                        asst("m2", "r2", session="session-beta", out=200)))
    code, out, _err = run([f.parent, "--no-cache"], capsys)
    assert code == 0 and "session-a " in out and "session-b " in out
    code, out, _err = run([f.parent, "--no-cache", "--json", "--session", "session-a"], capsys)
    assert code == 0 and [s["session_id"] for s in json.loads(out)["sessions"]] == ["session-alpha"]


def _report():
    # A 100k context written at 09:55 (5-minute cache) and read at 10:00: the cache lives until 10:05.
    a = Analyzer().feed_bytes("p/s.jsonl", jsonl(
        asst("w", "rw", inp=0, out=1000, cw5m=100_000, ts="2026-01-10T09:55:00.000Z"),
        asst("r", "rr", inp=0, out=1000, cr=100_000, ts="2026-01-10T10:00:00.000Z")))
    return build_report(a, tz="UTC")


@pytest.mark.parametrize("clock, says, not_says", [
    ("2026-01-10T10:04:59Z", "≈ $0.04 (100k context × cache-read price", "expired"),
    ("2026-01-10T10:05:01Z", "≈ $0.39 (its cache expired: 100k context rewritten at the cache-write price",
     "× cache-read"),
], ids=["cached", "expired"])
def test_the_next_request_is_priced_at_the_view_s_clock(clock, says, not_says):
    """Intent: the terminal said ≈ $0.07 for a session whose cache expired months ago; past the expiry the
    figure is what the next request rewrites ($0.39 = 100k × $3.75/M + 1000 × $15/M), with the cached price as the
    condition ("within 5 min of a request: $0.04")."""
    from py_core.core.timeutil import parse_iso
    text = " ".join(render(_report(), width=None, now=parse_iso(clock)).split())
    assert says in text and not_says not in text.split("Next request")[1].split("Sessions")[0]
    if "expired" in says:
        assert "within 5 min of a request: $0.04" in text


def test_watch_s_cap_alert_says_dollars():
    """Intent: the `watch --cap` alert lacked its "$" ("crossed $1.00: 1.50 so far")."""
    from py_core.report.live import snapshot
    from py_core.core.pricing import PriceTable
    a = Analyzer().feed_bytes("p/s.jsonl", jsonl(asst("m1", "r1", inp=0, out=100_000,
                                                      ts="2026-01-10T10:00:00.000Z")))
    snap = snapshot(a, PriceTable.builtin(), 1768039260.0, 1.0)
    texts = [x["text"] for x in snap["alerts"]]
    assert any("crossed $1.00: $1.50 so far" in t for t in texts), texts


def test_blocks_newest_first_with_their_total_and_no_rate_for_a_moment(tmp_path, capsys):
    """Intent: the CLI showed "latest 5 of 46" oldest first while the page showed newest first, neither gave a
    total; a 15-second block "burned" $22.29/h; `$0.00027` stood in a column of dollars."""
    lines = [asst(f"m{d}", f"r{d}", inp=0, out=100_000, ts=f"2026-01-{d:02d}T10:00:00.000Z") for d in range(1, 9)]
    lines.append(asst("tiny", "rt", inp=10, out=0, ts="2026-01-20T10:00:00.000Z"))
    lines.append(asst("tiny2", "rt2", inp=80, out=0, ts="2026-01-20T10:00:15.000Z"))
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(*lines))
    code, out, _err = run([f, "--no-cache", "--wide"], capsys)
    assert code == 0
    head = out.split("5-hour blocks")[1].splitlines()
    assert head[0] == ", UTC (latest 5 of 9, newest first; $12.00 in all):"
    assert head[2].split()[:2] == ["2026-01-20", "10:00"] and "<$0.01" in head[2] and head[2].split()[-1] == "-"
    rep = json.loads(run([f, "--no-cache", "--json"], capsys)[1])
    assert rep["blocks"][-1]["burn_rate_usd_per_hour"] is None  # 15 seconds of requests: no rate


def test_plural_words_and_the_team_in_the_terminal(tmp_path, capsys):
    """Intent: "1 prompts", "request(s)"; labelled state files printed no per-person split in the terminal."""
    for who in ("alice", "bob"):
        d = tmp_path / who / "p"
        d.mkdir(parents=True)
        (d / "s.jsonl").write_bytes(jsonl(user("hi", uuid=f"u-{who}", session=f"s-{who}"),
                                          asst(f"m-{who}", "r", session=f"s-{who}", out=1000)))
        assert run([d.parent, "--no-cache", "--json", "--save-state", tmp_path / f"{who}.state", "--label", who],
                   capsys)[0] == 0
    code, out, _err = run([tmp_path / "alice.state", tmp_path / "bob.state", "--no-cache", "--wide"], capsys)
    assert code == 0 and "2 requests (API calls" in out and "2 prompts (what you typed)" in out
    assert "Spend per person (labelled state files):" in out and " alice" in out and " bob" in out
    code, out, _err = run([tmp_path / "alice" / "p" / "s.jsonl", "--no-cache"], capsys)
    assert "1 request (API calls" in out and "1 prompt (what you typed)" in out and "(s)" not in out


@pytest.mark.parametrize("days, width, unit", [(300, 640, "week"), (300, 1200, "week"), (7, 360, "day"),
                                               (900, 360, "month"), (60, 1200, "day")])
def test_days_too_thin_to_see_are_grouped(days, width, unit):
    """Intent: over ten months the daily chart drew 1-2 px bars; while a day would be thinner than 4 px the chart
    groups by week (then month) and says so; bars are never thinner than that."""
    import datetime as dt
    import re
    from py_core.views.svg import MIN_SLOT, time_chart
    start = dt.date(2026, 1, 1)
    rows = [{"date": (start + dt.timedelta(days=i)).isoformat(), "cost_usd": 1.0, "requests": 1}
            for i in range(0, days, 3)]
    svg = time_chart(rows, "day", width)
    assert re.search(r'data-unit="(\w+)"', svg).group(1) == unit
    assert ("too thin" in svg) == (unit != "day")
    widths = [float(w) for w in re.findall(r'class="ts-day" x="[^"]+" y="[^"]+" width="([^"]+)"', svg)]
    assert widths and min(widths) >= MIN_SLOT * 0.8 - 0.01
    assert sum(float(c) for c in re.findall(r"\$([0-9.]+), ", svg)) == pytest.approx(len(rows))


@pytest.mark.parametrize("url, noted", [(None, True), ("http://127.0.0.1:9000/", True),
                                        ("https://tokenscope.example.org/", False)])
def test_a_share_link_to_this_machine_says_so(tmp_path, capsys, url, noted):
    """Intent (issue 25): the link's default origin is 127.0.0.1, which nobody else can open: said beside it (on
    stderr, so the Markdown on stdout stays as it is)."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("m1", "r1", out=100)))
    code, out, err = run([f, "--no-cache", "--share", *(["--share-url", url] if url else [])], capsys)
    assert code == 0 and "[Open the card](" in out
    assert ("opens only where tokenscope is served" in err) == noted


def test_terminal_prose_breaks_paths_after_a_slash_not_mid_word():
    """Intent (issue 25): at 80 columns paths were broken mid-word; a long path breaks after a `/`, words stay whole,
    and no line passes the width."""
    from py_core.views.terminal import wrap
    path = "/Users/someone/projects/very-long-project-name/src/deep/module/file_with_long_name.jsonl"
    lines = wrap(f"Warning: 3 lines of {path} could not be read because of reasons", 60, "! ", "    ")
    assert all(len(line) <= 60 for line in lines)
    assert "".join(line.strip() for line in lines if "/" in line) .startswith(path)
    assert all(line.rstrip().endswith("/") for line in lines if "/" in line and path not in line
               and not line.rstrip().endswith(".jsonl") and "could" not in line)
    assert [w for line in lines for w in line.split()][-4:] == ["read", "because", "of", "reasons"]
