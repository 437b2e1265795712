"""Issue 12: the views as a reader sees them — a real time axis, grouping by ISO week and month in the report's time
zone, filters, the terminal's width, the CSV's decimals, the card's footer, one vocabulary."""

import contextlib
import csv
import io
import json
import re

import pytest

from py_core.core import present

from py_core.views import share
from py_core.shells.cli import main
from py_core.views.svg import time_chart
from tests.conftest import analyze, asst, jsonl


def run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


# ---- the time axis --------------------------------------------------------------------------------------------

def bars(svg):
    return [(float(x), float(w), t) for x, w, t in
            re.findall(r'<rect class="ts-day" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" '
                       r'fill="[^"]+"><title>([^<]*)</title>', svg)]


def labels(svg):
    return re.findall(r'<line class="ts-tick"[^>]*/><text class="ts-text" x="[\d.]+" y="[\d.]+" '
                      r'text-anchor="middle" font-size="11" fill="currentColor">([^<]*)</text>', svg)


def days(*pairs):
    return [{"date": d, "cost_usd": c, "requests": 1} for d, c in pairs]


def test_days_sit_on_a_time_axis_with_gaps():
    """Intent: 3 active days over a month are placed by date: the gap between the 2nd and 3rd bar is 20 times
    the gap between the 1st and 2nd, as the dates are (issue 12: they were evenly spaced)."""
    svg = time_chart(days(("2026-03-01", 1.0), ("2026-03-02", 2.0), ("2026-03-22", 0.5)), "day", 640)
    (x1, _w, t1), (x2, _w2, _t2), (x3, _w3, _t3) = bars(svg)
    assert t1.startswith("2026-03-01: $1.00")
    assert x3 - x2 == pytest.approx(20 * (x2 - x1), rel=1e-3)


@pytest.mark.parametrize("pairs, unit, want", [
    ([("2025-12-30", 1), ("2026-01-02", 1)], "day", ["Dec 30 2025", "Dec 31", "Jan 1 2026", "Jan 2"]),
    # Ten months of days at 900 px: each day would be ~2.7 px, so the chart groups by week (issue 25).
    ([("2025-06-08", 1), ("2026-04-18", 1)], "day", ["Jul 2025", "Sep", "Nov", "Jan 2026", "Mar"]),
    ([("2025-11-01", 1), ("2026-02-01", 1)], "month", ["Nov 2025", "Dec", "Jan 2026", "Feb"]),
], ids=["days-across-new-year", "ten-months", "months"])
def test_axis_labels_name_the_year_where_it_changes(pairs, unit, want):
    """Intent: labels fall on round dates and carry the year on the first label and wherever it changes."""
    assert labels(time_chart(days(*pairs), unit, 900)) == want


def test_money_axis_starts_at_a_plain_zero():
    """Intent: the spend axis reads $0, never $0.0000 (issue 12)."""
    svg = time_chart(days(("2026-03-01", 0.0004), ("2026-03-02", 0.0002)), "day", 640)
    assert ">$0<" in svg and "$0.0000" not in svg


# ---- grouping by ISO week and month, in the report's time zone ----------------------------------------------

def test_weeks_are_iso_weeks_in_the_report_time_zone():
    """Intent: Sunday 2026-01-04 23:30 UTC is Monday in +01:00: week 2026-W01 in UTC, 2026-W02 in +01:00; ISO
    weeks start on Monday and a week's start is that Monday."""
    log = jsonl(asst("m1", "r1", ts="2026-01-04T23:30:00Z"), asst("m2", "r2", ts="2026-01-01T12:00:00Z"))
    utc = analyze(log, tz="UTC", by="week")["periods"]
    paris = analyze(log, tz="+01:00", by="week")["periods"]
    assert [(p["period"], p["start"], p["requests"]) for p in utc] == [("2026-W01", "2025-12-29", 2)]
    assert [(p["period"], p["start"], p["requests"]) for p in paris] == [("2026-W01", "2025-12-29", 1),
                                                                        ("2026-W02", "2026-01-05", 1)]


def test_months_follow_the_local_calendar_and_sum_to_the_total():
    """Intent: 2026-01-31 23:30 UTC is February in +01:00; the periods' costs add up to the total."""
    log = jsonl(asst("m1", "r1", ts="2026-01-31T23:30:00Z", out=1000), asst("m2", "r2", ts="2026-01-15T12:00:00Z"))
    rep = analyze(log, tz="+01:00", by="month")
    assert [(p["period"], p["start"]) for p in rep["periods"]] == [("2026-01", "2026-01-01"), ("2026-02", "2026-02-01")]
    assert sum(p["cost_usd"] for p in rep["periods"]) == pytest.approx(rep["totals"]["cost_usd"], abs=1e-9)


def test_cli_by_week_prints_the_table(tmp_path):
    """Intent: `--by week` adds the per-period table to the terminal report."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("m1", "r1", ts="2026-01-04T12:00:00Z"), asst("m2", "r2", ts="2026-01-06T12:00:00Z")))
    code, out, _ = run([f, "--tz", "UTC", "--by", "week"])
    assert code == 0 and "Spend per week:" in out
    assert re.search(r"2026-W01 +\$[\d.]+ +1 ", out) and re.search(r"2026-W02 +\$[\d.]+ +1 ", out)


# ---- filters ----------------------------------------------------------------------------------------------------

def test_project_filter_keeps_one_project_and_names_an_empty_one(tmp_path):
    """Intent: `--project` keeps the sessions of that working directory; one with none exits 1 with a line."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("m1", "r1", session="a", cwd="/w/one"), asst("m2", "r2", session="b", cwd="/w/two")))
    code, out, _ = run([f, "--json", "--project", "/w/two"])
    rep = json.loads(out)
    assert code == 0 and [s["session_id"] for s in rep["sessions"]] == ["b"] and rep["options"]["project"] == "/w/two"
    code, out, err = run([f, "--json", "--project", "/w/none"])
    assert code == 1 and "no session of project '/w/none'" in err


# ---- the terminal -------------------------------------------------------------------------------------------

def test_terminal_report_fits_80_columns_unless_wide(real_dir):
    """Intent: not a terminal -> 80 columns (issue 12: lines ran to 232 characters); --wide prints them whole."""
    code, out, _ = run([real_dir, "--tz", "UTC"])
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    code, wide, _ = run([real_dir, "--tz", "UTC", "--wide"])
    assert code == 0 and max(len(line) for line in wide.splitlines()) > 80


def test_terminal_words_requests_and_prompts_with_their_meaning(tmp_path):
    """Intent: one vocabulary: "requests" (API calls, main + subagents) and "prompts" (what you typed)."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("m1", "r1")))
    _code, out, _ = run([f])
    # Issue 33: one fact per line.
    assert "1 request (API calls: 1 main thread, 0 subagent)\n0 prompts (what you typed)" in out
    assert "turn" not in out.lower().replace("next request", "")


# ---- money, CSV, card ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, text", [
    (19.81, "$19.81"), (1278.4, "$1,278.40"), (0.1513, "$0.15"), (0.01, "$0.01"), (0.0034, "$0.0034"),
    (0.000012, "$0.000012"), (0, "$0.00"), (-3.25, "-$3.25"), (None, "n/a"),
], ids=["dollars", "thousands", "cents", "one-cent", "below-a-cent", "tiny", "zero", "negative", "none"])
def test_one_money_format(x, text):
    """Intent: one rule everywhere (issue 12: "$0.1513 next to $19.81"): cents, and two significant digits below
    a cent."""
    assert present.money(x) == text


def test_csv_writes_plain_decimals(tmp_path):
    """Intent: the CSV never writes 1.2e-05 (issue 12): a spreadsheet gets 0.000012."""
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(asst("m1", "r1", inp=4, out=0, model="claude-3-haiku")))  # 4 x $0.25/MTok = $0.000001
    _code, out, _ = run([f, "--csv"])
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["cost_usd"] == "0.000001" and not re.search(r"\de-\d", out)


EVERY_FAMILY = ["claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5", "claude-opus-4-1", "claude-opus-4",
                "claude-sonnet-4-6", "claude-sonnet-4-5", "claude-sonnet-4", "claude-3-7-sonnet", "claude-haiku-4-5",
                "claude-3-5-haiku", "claude-3-haiku", "claude-fable-5", "claude-mythos-5", "claude-opus-5",
                "claude-sonnet-5", "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "my-own-model"]


def test_the_card_grows_to_hold_its_footer():
    """Intent: with every model family the footer wraps, the card grows, and its last line (dates and "not a
    bill") stays inside it (issue 12: it was cut off)."""
    rep = analyze(jsonl(*[asst(f"m{i}", f"r{i}", model=m, ts=f"2026-0{1 + i % 9}-1{i % 9}T10:00:00Z")
                          for i, m in enumerate(EVERY_FAMILY)]), tz="UTC")
    s = share.summarize(rep)
    svg = share.card_svg(s)
    height = int(re.search(r'viewBox="0 0 600 (\d+)"', svg).group(1))
    ys = [int(y) for y in re.findall(r'<text class="ts-card-muted" x="28" y="(\d+)"', svg)]
    assert height > 300 and max(ys) < height - 10
    assert "not a bill" in svg and "2026-01-10 → 2026-09-18" in svg
    footer = re.findall(r'y="\d+" font-family="system-ui,sans-serif" font-size="15" fill="#9aa4ae">([^<]*)<', svg)
    assert len(footer) >= 2 and all(present.text_width(line, 15) <= 600 - 2 * share.MARGIN for line in footer)
    # Issue 25: families wrapped over lines keep their separator; the small print is 15 px.
    families = [line for line in footer[1:] if not line.startswith("the cost") and "not a bill" not in line]
    assert len(families) >= 2 and all(line.endswith(",") for line in families[:-1])
    assert f"{rep['totals']['requests']:,} requests" in svg and "turns" not in svg


def test_the_card_says_it_leaves_out_unpriced_models():
    """Intent (issue 25): the Markdown said the cost leaves out unpriced models; the card did not."""
    rep = analyze(jsonl(asst("m1", "r1", out=1000), asst("m2", "r2", model="claude-unknown-9", out=5)), tz="UTC")
    s = share.summarize(rep)
    assert s["excludes_unpriced"] and "leaves out models with no published price" in share.card_svg(s)


def test_active_time_counts_gaps_under_the_idle_threshold():
    """Intent (issue 25): "Active 284 h" summed first-to-last spans (a 22-request session counted 105 h): active
    time is the sum of gaps under 30 minutes between a session's requests and prompts."""
    rep = analyze(jsonl(asst("m1", "r1", ts="2026-01-10T10:00:00.000Z"), asst("m2", "r2", ts="2026-01-10T10:20:00.000Z"),
                        asst("m3", "r3", ts="2026-01-14T10:00:00.000Z"), asst("m4", "r4", ts="2026-01-14T10:05:00.000Z")),
                  tz="UTC")
    assert rep["sessions"][0]["active_seconds"] == 25 * 60
    assert share.summarize(rep)["duration_s"] == 25 * 60
