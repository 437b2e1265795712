"""Issue 30 item 2: no timestamp stops a view. Any parseable stamp from year 1 to 9999, in any zone, leap seconds
included, is analysed; what cannot be placed on a day is named in the warnings with its line; no view, state file
or status line fails on a time."""

import io
import json

import pytest

from py_core.shells.cli import main
from py_core.core.records import parse_ts
from py_core.shells.statusline import main as statusline
from py_core.core.timeutil import day_function, iso, resolve_tz
from tests.conftest import asst, jsonl

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

NORMAL = asst("m0", "r0", ts="2026-01-10T10:00:00.000Z", session="s")


def line(ts, mid="m1"):
    return asst(mid, "r" + mid, ts=ts, session="s", model="claude-opus-4-7")


# (the stamp, --tz, the day its request falls on or None when it has none there)
CASES = [
    ("9999-12-31T23:59:59Z", "UTC", "9999-12-31"),
    ("9999-12-31T23:59:59Z", "+14:00", None),          # year 10000 there: no day
    ("0001-01-01T00:00:00Z", "UTC", "0001-01-01"),
    ("0001-01-01T00:00:00Z", "-12:00", None),          # year 0 there
    ("2016-12-31T23:59:60Z", "UTC", "2017-01-01"),     # a leap second: the instant after 23:59:59, as POSIX counts
    ("2016-12-31T23:59:60.500+01:00", "UTC", "2016-12-31"),
    ("2026-13-45T99:00:00Z", "UTC", None),             # does not parse
]
VIEWS = {"text": ["--wide"], "json": ["--json"], "csv": ["--csv"], "share": ["--share"], "week": ["--by", "week"],
         "month": ["--by", "month", "--json"], "html": ["--html", "{tmp}/r.html"]}


def write(tmp_path, stamp):
    p = tmp_path / "proj" / "s.jsonl"
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(jsonl(NORMAL, line(stamp)))
    return p


@pytest.mark.parametrize("stamp,tz,day", CASES)
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_every_view_survives_any_stamp(tmp_path, capsys, stamp, tz, day, view):
    """Intent: the terminal, --json, --csv, --share, --by and --html all answer (exit 0), whatever the stamp."""
    p = write(tmp_path, stamp)
    args = [a.format(tmp=tmp_path) for a in VIEWS[view]]
    code = main([str(p), "--no-cache", f"--tz={tz}", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err and out


@pytest.mark.parametrize("stamp,tz,day", CASES)
def test_the_request_counts_and_lands_on_its_day(tmp_path, capsys, stamp, tz, day):
    """Intent: both requests are billed; the odd one is on its day (zero-padded), or under "unknown" with a warning
    naming its file and line; weeks and months hold every placed request."""
    p = write(tmp_path, stamp)
    assert main([str(p), "--no-cache", f"--tz={tz}", "--json", "--by", "week"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["totals"]["requests"] == 2
    days = {d["date"]: d["requests"] for d in rep["days"]}
    warns = [w for w in rep["diagnostics"]["warnings"] if w["kind"] == "unplaced_timestamps"]
    if day is None:
        assert days.get("unknown") == 1
        assert len(warns) == 1 and warns[0]["count"] == 1 and "s.jsonl line 2" in warns[0]["text"]
    else:
        assert days.get(day, 0) >= 1 and "unknown" not in days and not warns
    placed = sum(n for d, n in days.items() if d != "unknown")
    assert sum(w["requests"] for w in rep["periods"]) == placed


@pytest.mark.parametrize("stamp,tz,day", CASES)
def test_a_state_file_keeps_any_stamp(tmp_path, capsys, stamp, tz, day):
    """Intent: --save-state writes what tokenscope reads back (it refused a year-9999 time: "expected a time")."""
    p = write(tmp_path, stamp)
    st = tmp_path / "s.tokenscope"
    assert main([str(p), "--no-cache", f"--tz={tz}", "--json", "--save-state", str(st)]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert main([str(st), "--no-cache", f"--tz={tz}", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["totals"] == direct["totals"]


@pytest.mark.parametrize("stamp,tz,day", CASES)
def test_the_store_keeps_any_stamp(tmp_path, capsys, stamp, tz, day):
    """Intent: a warm run through the store gives the cold run's report."""
    p = write(tmp_path, stamp)
    cache = ["--cache-dir", str(tmp_path / "c")]
    outs = []
    for _ in range(2):
        assert main([str(p), *cache, f"--tz={tz}", "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0]["totals"] == outs[1]["totals"] and outs[0]["days"] == outs[1]["days"]


@pytest.mark.parametrize("stamp", sorted({c[0] for c in CASES}))
@pytest.mark.parametrize("cached", [True, False])
def test_the_status_line_and_watch_survive_any_stamp(tmp_path, capsys, stamp, cached):
    """Intent: the status line prints its line (never `tokenscope: ValueError`), twice (the second render takes the
    running summary), and `watch --once` answers."""
    p = write(tmp_path, stamp)
    data = json.dumps({"session_id": "s", "transcript_path": str(p)})
    cache = ["--cache-dir", str(tmp_path / "c")] if cached else ["--no-cache"]
    for _ in range(2):
        out = io.StringIO()
        assert statusline(["--color", "never", *cache], stdin=io.StringIO(data), stdout=out) == 0
        assert out.getvalue().startswith("claude-") and " · $0.0" in out.getvalue(), out.getvalue()
    assert main(["watch", "--once", *cache, str(p.parent)]) == 0
    assert "tokenscope watch" in capsys.readouterr().out


@pytest.mark.parametrize("value,expected", [
    ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000Z"),
    ("2016-12-31T23:59:60.250Z", "2017-01-01T00:00:00.250Z"),
    ("9999-12-31T23:59:59.500Z", "9999-12-31T23:59:59.500Z"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
    ("2026-01-10T10:00:61Z", None),
    ("2026-01-10T10:60:00Z", None),
])
def test_parse_ts(value, expected):
    """Intent: leap seconds parse (as POSIX time counts them); other impossible times do not."""
    ts = parse_ts(value)
    assert (iso(ts) if ts is not None else None) == expected


def test_times_past_the_span_are_shown_at_its_edge():
    """Intent: a time derived from a stamp (a cache expiring an hour after 9999-12-31T23:59:59Z) has a stamp."""
    assert iso(parse_ts("9999-12-31T23:59:59Z") + 3600) == "9999-12-31T23:59:59.999Z"
    assert iso(parse_ts("0001-01-01T00:00:00Z") - 3600) == "0001-01-01T00:00:00.000Z"


@pytest.mark.parametrize("tz,ts,day", [
    ("UTC", parse_ts("0001-01-01T00:00:00Z"), "0001-01-01"),
    ("-12:00", parse_ts("0001-01-01T00:00:00Z"), None),
    ("+14:00", parse_ts("9999-12-31T23:59:59Z"), None),
    ("Pacific/Kiritimati", parse_ts("9999-12-31T09:00:00Z"), "9999-12-31"),
    (None, parse_ts("2026-01-10T10:00:00Z"), "2026-01-10"),
])
def test_day_function_zero_pads_and_says_none_outside_the_span(tz, ts, day):
    """Intent: year 1 is `0001-01-01` (strftime gave `1-01-01`); a time with no day in the zone is None."""
    assert day_function(resolve_tz(tz))(ts) == day
