"""Issue 30 item 7 and 8: each message says what actually happened, and figures are checked against their range
(pasted reports, share links, cards, --html)."""

import json
import re
import zlib

import pytest

from py_core.views import share
from py_core.shells.cli import main
from py_core.report.schema import conform_report
from tests.conftest import analyze, asst, jsonl


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_negative_offset_after_tz_is_a_zone(tmp_path, capsys):
    """Intent: `--tz -05:00` failed in argparse ("expected one argument"); only `--tz=-05:00` worked."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", ts="2026-01-10T03:00:00.000Z")))
    code, out, err = run([str(log), "--tz", "-05:00", "--json", "--no-cache"], capsys)
    assert code == 0, err
    rep = json.loads(out)
    assert rep["options"]["time_zone"] == "-05:00" and rep["days"][0]["date"] == "2026-01-09"


def test_an_empty_state_file_says_it_holds_no_logs(tmp_path, capsys):
    """Intent: a state file of no logs said "no Claude Code logs found" of the state file itself."""
    from py_core.version import STATE_VERSION
    doc = {"format": 1, "v": STATE_VERSION, "label": None, "redacted": False, "generator": "x", "files": []}
    st = tmp_path / "empty.tokenscope"
    st.write_bytes(b"TOKENSCOPE-STATE 1\n" + zlib.compress(json.dumps(doc).encode()))
    code, _out, err = run([str(st), "--no-cache"], capsys)
    assert code == 1 and "empty.tokenscope: a state file of no logs" in err


@pytest.mark.parametrize("jobs", ["0", "257", "100000"])
def test_jobs_has_bounds(tmp_path, capsys, jobs):
    """Intent: `--jobs 100000` forked a process per session; it is refused in one line."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1")))
    code, _out, err = run([str(log), "--jobs", jobs], capsys)
    assert code == 2 and "--jobs must be from 1 to 256" in err


def hostile_report():
    rep = analyze(jsonl(asst("m1", "r1", out=1000, cr=1000), asst("m2", "r2", out=10, cr=90_000,
                                                                    ts="2026-01-11T10:00:00.000Z")), tz="UTC")
    t = rep["totals"]
    t["cache_hit_rate"] = 5.0
    t["share_of_cost"] = {k: 9.99 for k in t["share_of_cost"]}
    t["resent_share_pooled"] = -3
    t["first_timestamp"] = "9999-99-99T00:00:00Z"
    t["first_day"] = "2026-02-31"
    rep["sessions"][0]["insights"]["percentile"]["cost"] = 500
    return rep


def test_a_pasted_report_has_its_figures_checked_against_their_range():
    """Intent: a pasted report showed "Cache hit rate 500%"; shares, percentiles, times and days outside what they can
    be are no figure (null), the rest kept."""
    rep = conform_report(hostile_report())
    t = rep["totals"]
    assert t["cache_hit_rate"] is None and t["resent_share_pooled"] is None
    assert set(t["share_of_cost"].values()) == {None}
    assert t["first_timestamp"] is None and t["first_day"] is None and t["last_day"] == "2026-01-11"
    assert rep["sessions"][0]["insights"]["percentile"]["cost"] is None
    assert t["requests"] == 2


def test_the_card_of_a_hostile_report_stays_in_range():
    """Intent: the share summary of a hostile report has no percentage above 100 and no impossible day; its link
    decodes (it would be refused otherwise)."""
    s = share.summarize(conform_report(hostile_report()))
    assert all(0 <= v <= 100 for v in s["split"]) and s["cache_hit_rate"] is None and s["first_day"] is None
    assert share.from_fragment(share.to_fragment(s)) == s


@pytest.mark.parametrize("fragment,why", [
    ("s1&c=1&r=999.9,0,0,0,0&t=1&n=1&p=1&h=&s=&m=&d=1&f=", "add up to 100%"),
    ("s1&c=1&r=50,50,50,0,0&t=1&n=1&p=1&h=&s=&m=&d=1&f=", "add up to 100%"),
    ("s1&c=1&r=100,0,0,0,0&t=1&n=1&p=1&h=120&s=&m=&d=1&f=", "above 100%"),
    ("s1&c=1&r=100,0,0,0,0&t=1&n=1&p=1&h=&s=&m=&d=1&f=&a=99999999", "not a real day"),
    ("s1&c=1&r=100,0,0,0,0&t=1&n=1&p=1&h=&s=&m=&d=1&f=&a=20260231", "not a real day"),
    ("s1&c=1&r=100,0,0,0,0&t=1&n=1&p=1&h=&s=&m=&d=1&f=&a=20260201&b=20260101", "out of order"),
])
def test_a_share_link_with_impossible_figures_is_refused(fragment, why):
    """Intent: the card accepted 999.9% splits and days like 9999-99-99."""
    with pytest.raises(ValueError, match=why):
        share.from_fragment(fragment)


def test_a_share_link_in_range_still_opens():
    """Intent: the checks refuse only what cannot be: rounding slack, a zero split, one day."""
    for r in ("66,20.1,13.9,0,0", "33.4,33.3,33.3,0,0", "0,0,0,0,0"):
        s = share.from_fragment(f"s1&c=1&r={r}&t=1&n=1&p=1&h=100&s=0&m=&d=1&f=o4.7&a=20260110&b=20260110")
        assert s["first_day"] == s["last_day"] == "2026-01-10"


def test_html_shows_no_bidi_override_and_wraps_long_words(tmp_path, capsys):
    """Intent: --html passed bidi overrides through, and a long unbreakable warning scrolled a phone's page."""
    long_name = "x" * 200
    log = tmp_path / f"proj\u202e{long_name}.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", cwd="/home/u/\u202eevil"), "{not json"))
    out = tmp_path / "r.html"
    code, _o, err = run([str(log), "--no-cache", "--html", str(out)], capsys)
    html = out.read_text()
    assert code == 0, err
    assert "\u202e" not in html and "/home/u/?evil" in html
    assert re.search(r"p,li,h2,h3\{overflow-wrap:anywhere\}", html)


# -- issue 30 item 3: what multiplies objects is capped, with a message -------------------------------------------------

def many_sessions(n):
    return jsonl(*(asst(f"m{i}", f"r{i}", session=f"s{i:05d}", out=10) for i in range(n)))


def test_a_report_of_more_sessions_than_it_holds_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    """Intent: a selection of more sessions than a report holds is refused before any row is built (a state file of
    a million one-request sessions ran until it was killed at 24 GB); a narrower selection of the same input works."""
    from py_core.core import limits
    monkeypatch.setattr(limits, "MAX_SESSIONS", 5)
    log = tmp_path / "s.jsonl"
    log.write_bytes(many_sessions(8))
    st = tmp_path / "s.tokenscope"
    code, _out, err = run([str(log), "--no-cache", "--json", "--save-state", str(st)], capsys)
    assert code == 2 and err.startswith("tokenscope: 8 sessions: more than one report holds (5); narrow it")
    code, _out, err = run([str(st), "--no-cache"], capsys)
    assert code == 2 and "8 sessions" in err
    code, out, _err = run([str(st), "--no-cache", "--json", "--session", "s00003"], capsys)
    assert code == 0 and json.loads(out)["totals"]["sessions"] == 1


def test_the_page_api_holds_fewer_sessions_and_says_what_to_do(monkeypatch):
    """Intent: the page's worker refuses a report of more sessions than the page holds, naming the CLI."""
    from py_core.shells import api
    from py_core.core import limits
    monkeypatch.setattr(limits, "PAGE_MAX_SESSIONS", 5)
    api.handle(json.dumps({"op": "begin", "job": "big"}))
    api.handle(json.dumps({"op": "file", "job": "big", "source": "p/s.jsonl"}), many_sessions(8))
    out = json.loads(api.handle(json.dumps({"op": "report", "job": "big", "tz": "UTC", "view": True})))
    api.handle(json.dumps({"op": "end", "job": "big"}))
    assert out["error"].startswith("8 sessions: more than one report holds (5)") and "tokenscope" in out["error"]


def test_json_output_written_a_session_at_a_time_is_the_same_text(real_dir):
    """Intent: --json is written a session at a time (a 100,000-session report's text was held whole), to exactly the
    bytes one json.dumps gives — C1 controls and bidi overrides escaped as before."""
    from py_core.core.text import json_chunks, json_for_terminal
    rep = analyze(*[(str(p.relative_to(real_dir)), p.read_bytes()) for p in sorted(real_dir.rglob("*.jsonl"))][:20],
                  jsonl(asst("m1", "r1", cwd="/home/\u202e\x9bx", session="s\u2066")), tz="UTC")
    assert "".join(json_chunks(rep)) == json_for_terminal(json.dumps(rep, ensure_ascii=False, separators=(",", ":")))
