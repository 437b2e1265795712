"""Issue 23: what Claude Code says now — micro-compactions, cut-off responses only on evidence, the fast-mode
preview (tests/test_pricing.py holds its prices)."""

import json

import pytest

from py_core import Analyzer, build_report
from tests.conftest import analyze, asst, jsonl


def ended(stop, *args, **kw):
    """An assistant line whose message carries `stop_reason` (None: the field is there, null)."""
    d = asst(*args, **kw)
    d["message"]["stop_reason"] = stop
    return d


@pytest.mark.parametrize("lines, cut, why", [
    ([ended(None, f"m{i}", f"r{i}", out=300 + i) for i in range(5)], 0,
     "2.1.14-2.1.49 wrote stop_reason null on every line: no evidence any response was cut off"),
    ([ended("end_turn", f"m{i}", f"r{i}") for i in range(4)] + [ended(None, "m9", "r9", out=2)], 1,
     "a session that records endings, one response without any: cut off"),
    ([ended(None, "m1", "r1", out=1), ended("tool_use", "m1", "r1", out=80), ended("end_turn", "m2", "r2")], 0,
     "a streaming copy without an ending, the final copy with one: ended"),
    ([ended("end_turn", "m1", "r1"), ended(None, "m2", "r2", out=3), ended(None, "m3", "r3", out=3)], 0,
     "most responses without an ending (1.0.x logged usage at the stream's start): no evidence"),
    ([asst("m1", "r1"), asst("m2", "r2")], 0, "no stop_reason field at all (old logs): ended"),
], ids=["all-null", "one-cut", "streaming", "mostly-null", "no-field"])
def test_a_response_counts_as_cut_off_only_on_evidence(lines, cut, why):
    """Intent: `cut_off_mid_stream` counts responses none of whose copies ended, in sessions whose Claude Code
    records endings for most responses — not every response of versions that never wrote one."""
    rep = analyze(jsonl(*lines), tz="UTC")
    assert rep["diagnostics"]["cut_off_mid_stream"]["requests"] == cut, why


def test_no_real_log_of_a_null_stop_reason_version_reports_cut_offs(real_dir):
    """Intent: on the real logs, sessions written by 2.1.14-2.1.49 (stop_reason null on every line: 70 of 70, 269
    of 269, 461 of 461 were flagged) report no cut-off response; the rule still finds some elsewhere."""
    def version_of(path):
        with open(path, "rb") as fh:
            for line in fh:
                v = json.loads(line).get("version") if line.strip().startswith(b"{") else None
                if v:
                    return v
        return None

    checked = found = 0
    for path in sorted(real_dir.rglob("*.jsonl")):
        v = version_of(path)
        a = Analyzer().feed_bytes(path.name, path.read_bytes())
        n = build_report(a, tz="UTC")["diagnostics"]["cut_off_mid_stream"]["requests"]
        if v and v.startswith("2.1.") and 14 <= int(v.split(".")[2]) <= 49 and "/subagents/" not in str(path):
            checked += 1
            assert n == 0, (path, v, n)
        found += n
    assert checked >= 3 and found > 0


def micro(uuid, ts, pre=50_000, saved=12_000, session="s1"):
    return {"type": "system", "subtype": "microcompact_boundary", "uuid": uuid, "sessionId": session,
            "timestamp": ts, "microcompactMetadata": {"trigger": "auto", "preTokens": pre, "tokensSaved": saved}}


def full(uuid, ts, pre=150_000, session="s1"):
    return {"type": "system", "subtype": "compact_boundary", "uuid": uuid, "sessionId": session, "timestamp": ts,
            "compactMetadata": {"trigger": "manual", "preTokens": pre}}


def compacted_session():
    return jsonl(asst("m1", "r1", cr=50_000, ts="2026-01-10T10:00:00.000Z"),
                 micro("u-micro", "2026-01-10T10:01:00.000Z"),
                 asst("m2", "r2", cr=38_000, ts="2026-01-10T10:02:00.000Z"),
                 full("u-full", "2026-01-10T10:03:00.000Z"),
                 asst("m3", "r3", cr=20_000, ts="2026-01-10T10:04:00.000Z"))


def test_micro_compactions_are_their_own_kind():
    """Intent: `microcompact_boundary` lines are compactions of kind "micro" with `tokens_saved`; full ones stay
    "full"; both decoders and a merged state agree."""
    rep = analyze(compacted_session(), tz="UTC")
    comps = rep["sessions"][0]["compactions"]
    assert [(c["kind"], c["pre_tokens"], c["tokens_saved"], c["trigger"]) for c in comps] == [
        ("micro", 50_000, 12_000, "auto"), ("full", 150_000, None, "manual")]
    a = Analyzer().feed_bytes("p/s.jsonl", compacted_session())
    again = build_report(Analyzer.from_export(json.loads(json.dumps(a.export()))), tz="UTC")
    assert again["sessions"][0]["compactions"] == comps


@pytest.mark.parametrize("bad", [-1, "12", 10 ** 12, None])
def test_a_micro_compaction_with_a_bad_count_keeps_the_event(bad):
    """Intent: a tokensSaved out of range is ignored (counted as such), the compaction is still there."""
    line = micro("u1", "2026-01-10T10:01:00.000Z")
    line["microcompactMetadata"]["tokensSaved"] = bad
    rep = analyze(jsonl(asst("m1", "r1"), line), tz="UTC")
    assert [c["kind"] for c in rep["sessions"][0]["compactions"]] == ["micro"]
    assert rep["sessions"][0]["compactions"][0]["tokens_saved"] is None


def test_micro_compactions_are_drawn_and_counted_apart():
    """Intent: the context curve marks a micro-compaction apart from a full one (its own class and title); the
    terminal's sessions table counts them apart."""
    from py_core.views.terminal import render
    from py_core.views.svg import context_curve
    rep = analyze(compacted_session(), analyze_second := jsonl(asst("x1", "x2", session="s2", out=5)), tz="UTC")
    s = next(s for s in rep["sessions"] if s["session_id"] == "s1")
    svg = context_curve(s)
    assert svg.count('class="ts-compaction"') == 1 and svg.count('class="ts-microcompaction"') == 1
    assert "Micro-compaction (auto)" in svg and "12k saved" in svg
    text = render(rep, width=100)
    assert "1+1m" in text
    del analyze_second


def test_a_renamed_project_folder_is_named_by_the_lines_cwd(tmp_path, capsys):
    """Intent (issue 23): CLAUDE_CODE_PROJECT_DIR_NAME (2.1.234) lets a project's log folder be named anything:
    where the lines carry a cwd the project is that cwd — in sessions, projects, the --project filter and the CSV;
    a log without any cwd keeps its folder's name."""
    from py_core.shells.cli import main
    root = tmp_path / "projects"
    (root / "my-renamed-folder").mkdir(parents=True)
    (root / "-home-u-old").mkdir()
    (root / "my-renamed-folder" / "s1.jsonl").write_bytes(jsonl(asst("m1", "r1", session="s1", cwd="/home/u/real")))
    nocwd = asst("m2", "r2", session="s2")
    del nocwd["cwd"]
    (root / "-home-u-old" / "s2.jsonl").write_bytes(jsonl(nocwd))
    assert main([str(root), "--json", "--no-cache", "--tz", "UTC"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert {s["session_id"]: s["project"] for s in rep["sessions"]} == {"s1": "/home/u/real", "s2": "-home-u-old"}
    assert sorted(p["project"] for p in rep["projects"]) == ["-home-u-old", "/home/u/real"]
    assert main([str(root), "--json", "--no-cache", "--project", "/home/u/real"]) == 0
    only = json.loads(capsys.readouterr().out)
    assert [s["session_id"] for s in only["sessions"]] == ["s1"]
    assert main([str(root), "--csv", "--no-cache"]) == 0
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # A leading "-" gets the CSV's formula guard (a spreadsheet would read -home as a formula).
    assert {r["session_id"]: r["project"] for r in rows} == {"s1": "/home/u/real", "s2": "'-home-u-old"}
