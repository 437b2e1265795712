"""What the report holds: per-session figures, context curve, compactions, pooled views, merging."""

import pytest

from py_core import Analyzer, build_report
from tests.conftest import analyze, asst, jsonl, user

M = 1_000_000
H45 = "claude-haiku-4-5-20251001"  # $1 in, $1.25 5m, $2 1h, $0.10 read, $5 out


def session_lines():
    """Three main turns growing context 1k -> 5k -> 9k, a compaction, then 2k; a subagent turn."""
    return jsonl(
        user("start", uuid="p1", ts="2026-01-10T10:00:00.000Z"),
        asst("m1", "r1", model=H45, inp=1000, out=100, ts="2026-01-10T10:00:10.000Z"),
        asst("m2", "r2", model=H45, inp=0, cw=4000, cr=1000, out=300, ts="2026-01-10T10:01:00.000Z"),
        asst("m3", "r3", model=H45, inp=0, cw=4000, cr=5000, out=200, ts="2026-01-10T10:02:00.000Z"),
        {"type": "system", "subtype": "compact_boundary", "sessionId": "s1", "uuid": "cb1", "parentUuid": None,
         "timestamp": "2026-01-10T10:03:00.000Z", "compactMetadata": {"trigger": "auto", "preTokens": 9200}},
        user("summary...", uuid="cs1", isCompactSummary=True, ts="2026-01-10T10:03:01.000Z"),
        asst("m4", "r4", model=H45, inp=0, cw=2000, cr=0, out=400, ts="2026-01-10T10:04:00.000Z"),
        asst("m5", "r5", model=H45, inp=0, cw=0, cr=3000, out=50, sidechain=True, agent="a1",
             ts="2026-01-10T10:05:00.000Z"),
    )


def test_context_curve_and_peak_average_final():
    """Intent: per main-thread request its context (input + cache write + cache read); subagents excluded."""
    s = analyze(session_lines(), tz="UTC")["sessions"][0]
    assert [p["context_tokens"] for p in s["context_curve"]] == [1000, 5000, 9000, 2000]
    assert (s["peak_context_tokens"], s["average_context_tokens"], s["final_context_tokens"]) == (9000, 4250.0, 2000)
    assert s["context_curve"][0] == {"timestamp": "2026-01-10T10:00:10.000Z", "context_tokens": 1000,
                                     "output_tokens": 100, "cost_usd": pytest.approx(0.0015), "model": H45}


def test_compaction_before_and_after():
    """Intent: compactions carry timestamp, trigger, tokens before, and after (from the next request if not logged)."""
    s = analyze(session_lines(), tz="UTC")["sessions"][0]
    assert s["compactions"] == [{"timestamp": "2026-01-10T10:03:00.000Z", "kind": "full", "trigger": "auto",
                                 "pre_tokens": 9200, "post_tokens": 2000, "post_tokens_from": "next request",
                                 "tokens_saved": None, "agent": "main"}]


def test_session_counts_duration_and_money():
    """Intent: turns main/subagent, prompts (compact summary excluded), duration, bucket costs by hand."""
    s = analyze(session_lines(), tz="UTC")["sessions"][0]
    assert (s["requests"], s["requests_main"], s["requests_subagent"], s["user_prompts"]) == (5, 4, 1, 1)
    assert s["duration_seconds"] == 300.0
    # input 1000 x $1 = 0.001; writes 10,000 x $1.25 = 0.0125; reads 9,000 x $0.10 = 0.0009;
    # output 1,050 x $5 = 0.00525; total 0.01965
    b = s["cost_by_bucket_usd"]
    assert (b["input"], b["cache_write"], b["cache_read"], b["output"]) == pytest.approx((0.001, 0.0125, 0.0009,
                                                                                          0.00525))
    assert s["cost_usd"] == pytest.approx(0.01965)
    assert s["resent_share"] == pytest.approx(0.0009 / 0.01965, abs=1e-6)
    # cache hit rate: reads 9,000 / prompt 1,000 + 10,000 + 9,000 = 0.45
    assert s["cache_hit_rate"] == 0.45


def test_next_turn_seed_formula():
    """Intent: next turn = final context x cache-read price + average main output x output price."""
    nt = analyze(session_lines(), tz="UTC")["sessions"][0]["next_turn"]
    # 2,000 x $0.10/M + 250 (=1000/4) x $5/M = 0.0002 + 0.00125
    assert nt["context_tokens"] == 2000 and nt["average_output_tokens"] == 250.0
    assert nt["cost_usd"] == pytest.approx(0.00145)


def test_top_requests_are_the_five_most_expensive():
    """Intent: the costliest requests, most expensive first, capped at five."""
    lines = [asst(f"m{i}", f"r{i}", model=H45, inp=0, out=1000 * i, ts=f"2026-01-10T10:0{i}:00.000Z")
             for i in range(1, 8)]
    top = analyze(jsonl(*lines), tz="UTC")["top_requests"]
    assert [t["output_tokens"] for t in top] == [7000, 6000, 5000, 4000, 3000]
    assert top[0]["cost_usd"] == pytest.approx(0.035)


def test_median_session_and_pooled_resent_share_differ():
    """Intent: the median session's re-sent share and the pooled share answer different questions."""
    small = [jsonl(asst(f"a{i}", "r", model=H45, session=f"small{i}", inp=0, out=0, cr=100)) for i in range(2)]
    # two tiny sessions of pure cache read (share 1.0), one big one of pure output (share 0)
    big = jsonl(asst("b", "r", model=H45, session="big", inp=0, out=M))
    t = analyze(*small, big, tz="UTC")["totals"]
    assert t["resent_share_median_session"] == 1.0
    assert t["resent_share_pooled"] == pytest.approx(0.00002 / 5.00002, abs=1e-6)



@pytest.mark.parametrize("tz, day", [("UTC", "2026-01-10"), ("+01:00", "2026-01-11"), ("Europe/Paris", "2026-01-11"),
                                     ("America/New_York", "2026-01-10"), ("-05:00", "2026-01-10")])
def test_days_grouped_in_explicit_time_zone(tz, day):
    """Intent: 23:30 UTC is the next day in Paris (ccusage #349/#413 grouped in UTC only)."""
    rep = analyze(jsonl(asst(ts="2026-01-10T23:30:00.000Z")), tz=tz)
    assert [d["date"] for d in rep["days"]] == [day]


def test_since_until_filter_by_local_day():
    """Intent: --since/--until select days in the chosen zone, after dedup."""
    log = jsonl(asst("m1", "r1", ts="2026-01-09T12:00:00Z"), asst("m2", "r2", ts="2026-01-10T12:00:00Z"),
                asst("m3", "r3", ts="2026-01-11T12:00:00Z"))
    assert analyze(log, tz="UTC", since="2026-01-10")["totals"]["requests"] == 2
    assert analyze(log, tz="UTC", since="20260110", until="2026-01-10")["totals"]["requests"] == 1


def test_session_filter_and_latest():
    """Intent: --session takes an id or unique prefix; --latest picks the session active last."""
    log = jsonl(asst("m1", "r1", session="aaaa-1", ts="2026-01-09T12:00:00Z"),
                asst("m2", "r2", session="bbbb-2", ts="2026-01-10T12:00:00Z"))
    assert [s["session_id"] for s in analyze(log, tz="UTC", session="aaaa")["sessions"]] == ["aaaa-1"]
    assert [s["session_id"] for s in analyze(log, tz="UTC", latest=True)["sessions"]] == ["bbbb-2"]
    rep = analyze(log, tz="UTC", session="zzz")
    assert rep["sessions"] == []
    assert {"kind": "session_filter", "text": "no session matches 'zzz'"} in rep["diagnostics"]["warnings"]


def test_projects_models_agents_pooled():
    """Intent: across sessions: per project (cwd), per model, per agent type."""
    rep = analyze(jsonl(asst("m1", "r1", session="s1", cwd="/w/a", model=H45, inp=0, out=M),
                        asst("m2", "r2", session="s2", cwd="/w/b", model="claude-opus-4-7", inp=0, out=M),
                        asst("m3", "r3", session="s2", cwd="/w/b", model=H45, inp=0, out=M, sidechain=True,
                             agent="x")), tz="UTC")
    assert [(p["project"], p["sessions"], p["cost_usd"]) for p in rep["projects"]] == [("/w/b", 1, 30.0),
                                                                                       ("/w/a", 1, 5.0)]
    assert [(m["model"], m["priced_as"], m["requests"]) for m in rep["models"]] == [
        ("claude-opus-4-7", "claude-opus-4-7", 1), (H45, "claude-haiku-4-5", 2)]
    assert [(a["agent_type"], a["requests"]) for a in rep["agents"]] == [("main thread", 2),
                                                                         ("subagent (type not logged)", 1)]


def test_partial_reports_merge_to_the_whole():
    """Intent: analysing files in separate analyzers and merging equals one pass (workers, processes)."""
    files = [("p/a.jsonl", session_lines()),
             ("p/b.jsonl", jsonl(asst("m3", "r3", model=H45, inp=0, cw=4000, cr=5000, out=999,
                                      ts="2026-01-10T10:02:00.000Z"), user("again", uuid="p1"))),
             ("p/c.jsonl", jsonl(asst("z", "z", session="s2"), "garbage"))]
    whole = Analyzer()
    for name, data in files:
        whole.feed_bytes(name, data)
    parts = [Analyzer().feed_bytes(name, data) for name, data in files]
    merged = parts[2].merge(parts[0]).merge(parts[1])
    assert build_report(merged, tz="UTC") == build_report(whole, tz="UTC")


def test_honest_label_and_schema_contract():
    """Intent: the documented schema-1 keys exist and the report says it is an estimate, not a bill."""
    rep = analyze(session_lines(), tz="UTC")
    assert rep["schema_version"] == 1 and "not a bill" in rep["label"]
    t = rep["totals"]
    for k in ("cost_usd", "requests"):
        assert k in t
    assert set(t["tokens"]) >= {"input", "output", "cache_write_5m", "cache_write_1h", "cache_read"}
    assert set(t["cost_by_bucket_usd"]) >= {"input", "output", "cache_write", "cache_read", "web_search"}
    s = rep["sessions"][0]
    assert set(s) >= {"session_id", "project", "cost_usd", "requests", "peak_context_tokens", "compactions",
                      "context_curve"}
    assert set(s["compactions"][0]) >= {"timestamp", "trigger", "pre_tokens"}
    assert isinstance(rep["unpriced_models"], list) and isinstance(rep["diagnostics"], dict)
