"""Insights (issue 6), each on a fixture whose answer is worked out by hand below.

Haiku 4.5 list prices per token, in pico-dollars: input 1e6, 5m write 1.25e6, 1h write 2e6, read 1e5, output 5e6.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import analyze, asst, jsonl

H = "claude-haiku-4-5"


def turns(*specs, session="s1"):
    """(clock 'HH:MM:SS', cache write, cache read[, '1h']) per main-thread turn; no fresh input, no output."""
    lines = []
    for i, spec in enumerate(specs):
        clock, cw, cr = spec[:3]
        kw = {"cw1h": cw} if len(spec) > 3 else {"cw5m": cw}
        lines.append(asst(f"m{i}", f"r{i}", model=H, inp=0, out=0, cr=cr, session=session,
                          ts=f"2026-01-10T{clock}.000Z", **kw))
    return analyze(jsonl(*lines), tz="UTC")


def ins(rep):
    return rep["sessions"][0]["insights"]


def test_idle_cache_miss_after_5_minutes():
    """Intent: a full re-write after an idle gap longer than the 5-minute cache is a miss; a small write is not."""
    rep = turns(("10:00:00", 10_000, 0), ("10:02:00", 1_000, 10_000),
                ("10:20:00", 11_500, 0),          # 18 min idle, all 11,500 tokens written again: a miss
                ("10:21:00", 500, 11_500),
                ("11:00:00", 2_000, 10_000))      # 39 min idle, but only 2,000 of 12,000 written: not a miss
    m = ins(rep)["idle_cache_misses"]
    # 11,500 x (1.25 - 0.10) $/MTok = 0.013225
    assert (m["count"], m["extra_cost_usd"]) == (1, pytest.approx(0.013225))
    assert m["misses"][0]["turn"] == 3 and m["misses"][0]["idle_seconds"] == 1080
    assert rep["insights"]["idle_cache_misses"] == {"count": 1, "extra_cost_usd": pytest.approx(0.013225)}


def test_idle_cache_miss_uses_the_1_hour_lifetime_once_1h_writes_appear():
    """Intent: with 1-hour cache writes, a 20-minute gap is no miss; a 2-hour one is."""
    rep = turns(("10:00:00", 10_000, 0, "1h"), ("10:20:00", 10_500, 0, "1h"), ("12:30:00", 11_000, 0, "1h"))
    m = ins(rep)["idle_cache_misses"]
    # only the third turn: 11,000 x (2.00 - 0.10) $/MTok = 0.0209
    assert (m["count"], m["extra_cost_usd"]) == (1, pytest.approx(0.0209))


def test_what_if_compaction_by_hand():
    """Intent: re-pricing with the context capped at 50k and compacted to 20k, worked turn by turn."""
    specs = [("10:00:00", 30_000, 0)] + [(f"10:0{i}:00", 15_000, 15_000 + 15_000 * i) for i in range(1, 8)]
    w = ins(turns(*specs))["what_if_compaction"]
    # contexts 30k 45k 60k 75k 90k 105k 120k 135k (each turn writes 15k and re-reads the rest)
    # cap 50k: turn 3 reaches 60k -> compact: -(60k x 0.1 + 3k x 5 + 20k x 1.25)/1e6 = -0.046, sim 20k
    #   turn 4: sim 35k vs 75k: 40k fewer read = +0.004;  turn 5: sim 50k vs 90k: +0.004
    #   turn 6: sim 65k vs 105k: +0.004, passes 50k -> compact: -(65k x 0.1 + 15k + 25k)/1e6 = -0.0465, sim 20k
    #   turn 7: sim 35k vs 120k: +0.0085;  turn 8: sim 50k vs 135k: +0.0085   => -0.0635, 2 compactions
    rows = {r["threshold_tokens"]: r for r in w["thresholds"]}
    assert set(rows) == {50_000, 80_000, 100_000}  # below the 135k peak, above the 20k it compacts to
    assert (rows[50_000]["compactions"], rows[50_000]["saving_usd"]) == (2, pytest.approx(-0.0635))
    assert w["best"] is None  # Haiku's cheap cache reads never repay a compaction here: say so, pick none
    assert "compacted to 20,000 tokens" in w["assumptions"]


def test_fresh_session_at_the_longest_idle_gap():
    """Intent: a reset at the 2-hour gap: the context drops to the first turn's 10k, written again."""
    f = ins(turns(("10:00:00", 10_000, 0), ("10:01:00", 5_000, 10_000), ("12:01:00", 5_000, 15_000),
                  ("12:02:00", 5_000, 20_000)))["fresh_session"]
    # reset before turn 3: write 10k again: -0.0125; turn 3 reads 10k fewer: +0.001; turn 4 too: +0.001
    assert [r["before_turn"] for r in f["resets"]] == [3] and f["resets"][0]["idle_seconds"] == 7200
    assert f["saving_usd"] == pytest.approx(-0.0105)


def test_resident_cost_of_early_context():
    """Intent: tokens written early are re-read by every later turn until the context drops."""
    r = ins(turns(("10:00:00", 30_000, 0), ("10:01:00", 15_000, 30_000), ("10:02:00", 15_000, 45_000),
                  ("10:03:00", 20_000, 0),        # a compaction: the context drops to 20k
                  ("10:04:00", 1_000, 20_000)))["resident_context"]["largest"]
    # turn 1's 30k is read by turns 2 and 3: 2 x 30k x 0.1/1e6 = 0.006; turn 2's 15k by turn 3: 0.0015;
    # turn 4's 20k by turn 5: 0.002; turn 3 and 5 are followed by a drop or nothing: 0
    assert [(x["turn"], x["later_turns"], x["resident_cost_usd"]) for x in r[:3]] == [
        (1, 2, pytest.approx(0.006)), (4, 1, pytest.approx(0.002)), (2, 1, pytest.approx(0.0015))]


def test_sessions_ranked_among_the_users_own():
    """Intent: each session's percentile among the user's sessions, by cost, peak context and turns."""
    lines = []
    for n, sid in ((1, "a"), (2, "b"), (3, "c")):
        lines += [asst(f"{sid}{i}", "r", model=H, inp=0, out=1_000 * n, cr=10_000 * n, session=sid) for i in range(n)]
    rep = analyze(jsonl(*lines), tz="UTC")
    got = {s["session_id"]: s["insights"]["percentile"] for s in rep["sessions"]}
    assert got["a"] == {"cost": 33.3, "peak_context": 33.3, "turns": 33.3}
    assert got["c"] == {"cost": 100.0, "peak_context": 100.0, "turns": 100.0}
    assert [s["session_id"] for s in rep["insights"]["costliest_sessions"]] == ["c", "b", "a"]


def test_reference_set_compares_only_median_and_pooled():
    """Intent: the reference set is labelled as one user's data and compared on the figures it publishes."""
    rep = turns(("10:00:00", 10_000, 0), ("10:01:00", 1_000, 10_000))
    ref = rep["insights"]["reference"]
    assert "one heavy user's data, not a census" in ref["label"]
    assert ref["median_session_cost_usd"] == 4.08 and ref["resent_share_pooled"] == 0.60
    yours = rep["insights"]["yours"]
    assert set(yours) == set(ref) - {"label", "mean_peak_context_tokens", "max_peak_context_tokens"}
    assert yours["median_session_turns"] == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 5_000), st.integers(0, 50_000),
                          st.sampled_from([100_000, 300_000])), max_size=30))
def test_resident_cost_equals_its_definition(specs):
    """Intent: the linear computation equals the definition turn by turn: tokens added at a turn are paid at
    each later turn's read price until the context first drops."""
    from py_core.report.build import insights
    turns = [insights.Turn(float(i), None, 0, w5, w1, read, 0, (0, 0, 0, pread, 0))
             for i, (w5, w1, read, pread) in enumerate(specs)]
    want = []
    for i, t in enumerate(turns):
        if not t.w5 + t.w1:
            continue
        cost = later = 0
        for j in range(i + 1, len(turns)):
            if turns[j].context < turns[j - 1].context:
                break
            cost += (t.w5 + t.w1) * turns[j].rates[3]
            later += 1
        want.append((i + 1, later, insights._usd(cost)))
    want.sort(key=lambda r: (-r[2], r[0]))
    got = [(r["turn"], r["later_turns"], r["resident_cost_usd"]) for r in insights.resident_context(turns)["largest"]]
    assert got == want[:insights.TOP_RESIDENT]


@given(st.lists(st.integers(0, 20), min_size=1, max_size=30), st.integers(0, 20))
def test_percentile_rank_counts_sessions_at_or_below(values, v):
    """Intent: the bisection gives the share of sessions at or below, as counting them does."""
    from py_core.report.build import insights
    want = round(100 * sum(1 for x in values if x <= v) / len(values), 1)
    assert insights.percentile_rank(sorted(values), v) == want
