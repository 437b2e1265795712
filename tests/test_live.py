"""Live views (issue 15): 5-hour blocks, the cache countdown, the timer pattern, caps, `statusline`, `watch`.

Every expected figure below is worked out by hand from Sonnet 4.5's list prices (pricing.md): input $3/M, output
$15/M, cache read $0.30/M, 5-minute write $3.75/M, 1-hour write $6/M.
"""

import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import asst, jsonl, user
from py_core import Analyzer, build_report
from py_core.core.pricing import PriceTable
from py_core.report.live import snapshot
from py_core.shells.statusline import main as statusline

ROOT = Path(__file__).resolve().parent.parent


def at(hh, mm=0, ss=0, day=10):
    return f"2026-01-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.000Z"


def epoch(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def rep(*lines, now=None, name="p/s1.jsonl"):
    a = Analyzer().feed_bytes(name, jsonl(*lines))
    return build_report(a, tz="UTC", now=now)


def out_only(mid, ts, out=100_000, **kw):
    """A request costing exactly $1.50 (100k output tokens) unless told otherwise."""
    return asst(mid, f"r{mid}", inp=0, out=out, ts=ts, **kw)


# (intent, request times, now, expected [(start, end, requests, cost)], active block's projection or None)
BLOCKS = [
    ("a block starts on the hour of its first request and holds what falls in its 5 hours",
     [at(10, 15), at(11), at(14, 59)], None,
     [("2026-01-10T10:00:00Z", "2026-01-10T15:00:00Z", 3, 4.5)], None),
    ("a request at the block's end instant opens the next block",
     [at(10, 15), at(15)], None,
     [("2026-01-10T10:00:00Z", "2026-01-10T15:00:00Z", 1, 1.5), ("2026-01-10T15:00:00Z", "2026-01-10T20:00:00Z", 1, 1.5)],
     None),
    ("a gap longer than 5 hours is not a block: the next request opens one on its own hour",
     [at(10, 15), at(14), at(19, 5)], None,
     [("2026-01-10T10:00:00Z", "2026-01-10T15:00:00Z", 2, 3.0), ("2026-01-10T19:00:00Z", "2026-01-11T00:00:00Z", 1, 1.5)],
     None),
    ("the active block is projected to its end at its burn rate: $3 over 10:00-11:00, 3 hours left at noon -> $12",
     [at(10), at(11)], epoch(at(12)),
     [("2026-01-10T10:00:00Z", "2026-01-10T15:00:00Z", 2, 3.0)], 12.0),
    ("a block whose last request is over 5 hours old is not active, even before its end",
     [at(10), at(11)], epoch(at(16)),
     [("2026-01-10T10:00:00Z", "2026-01-10T15:00:00Z", 2, 3.0)], None),
]


@pytest.mark.parametrize("intent,times,now,expect,projection", BLOCKS, ids=[b[0][:40] for b in BLOCKS])
def test_five_hour_blocks(intent, times, now, expect, projection):
    r = rep(*(out_only(f"m{i}", t) for i, t in enumerate(times)), now=now)
    got = [(b["start"], b["end"], b["requests"], round(b["cost_usd"], 6)) for b in r["blocks"]]
    assert got == expect, intent
    active = [b for b in r["blocks"] if b["active"]]
    if projection is None:
        assert active == [] or now is None
    else:
        assert len(active) == 1 and active[0]["projected_cost_usd"] == projection
        assert active[0]["burn_rate_usd_per_hour"] == 3.0 and active[0]["remaining_seconds"] == 3 * 3600


def test_weekly_windows_follow_the_same_rule_over_seven_days():
    """Intent: a weekly window opens at the first request's hour and holds 7 days, gaps included."""
    r = rep(out_only("a", at(10, 30, day=1)), out_only("b", at(9, day=7)), out_only("c", at(10, 30, day=8)))
    assert [(w["start"], w["requests"]) for w in r["weekly_windows"]] == [
        ("2026-01-01T10:00:00Z", 2), ("2026-01-08T10:00:00Z", 1)]


def session(one_hour=False):
    """A cache write of 100k tokens at 09:55, then a request at 10:00 reading them: context 100k, output 1000."""
    write = {"cw1h": 100_000} if one_hour else {"cw5m": 100_000}
    return [asst("w", "rw", inp=0, out=1000, ts=at(9, 55), **write), asst("r", "rr", inp=0, out=1000, cr=100_000,
                                                                          ts=at(10))]


@pytest.mark.parametrize("one_hour,ttl,expires,after", [
    (False, 300, "2026-01-10T10:05:00.000Z", 0.39),   # 100k x $3.75/M + 1000 x $15/M
    (True, 3600, "2026-01-10T11:00:00.000Z", 0.615),  # 100k x $6/M + 1000 x $15/M
])
def test_next_turn_carries_the_cache_expiry(one_hour, ttl, expires, after):
    """Intent: the report says when the cache expires (5 min, or 1 hour once 1-hour writes are used) and what the
    next request costs then; the warm cost is 100k x $0.30/M + 1000 x $15/M = $0.045."""
    nt = rep(*session(one_hour))["sessions"][0]["next_turn"]
    assert (nt["cost_usd"], nt["cache_ttl_seconds"], nt["cache_expires_at"], nt["cost_after_expiry_usd"]) == \
        (0.045, ttl, expires, after)


def run_statusline(data, *args):
    out = io.StringIO()
    stdin = io.StringIO(data if isinstance(data, str) else json.dumps(data))
    code = statusline(["--color", "never", *args], stdin=stdin, stdout=out)
    return code, out.getvalue()


@pytest.mark.parametrize("one_hour,now,says", [
    (False, at(10, 2, 30), "cache 2:30 left"),
    (False, at(10, 6), "next ≈ $0.39 · cache expired (next rewrites 100k)"),
    (True, at(10, 6), "cache 54:00 left"),
    (True, at(11, 0, 1), "next ≈ $0.61 · cache expired (next rewrites 100k)"),  # $0.615 as a float: $0.61
])
def test_statusline_counts_the_cache_down(tmp_path, one_hour, now, says):
    """Intent: the status line's countdown and expiry, from the transcript, at the clock's time."""
    t = tmp_path / "proj" / "s1.jsonl"
    t.parent.mkdir()
    t.write_bytes(jsonl(*session(one_hour)))
    code, line = run_statusline({"session_id": "s1", "transcript_path": str(t)}, "--now", str(epoch(now)),
                                "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and line.count("\n") == 1
    # Session cost: 100k x $3.75/M + 1000 x $15/M + 100k x $0.30/M + 1000 x $15/M = $0.435 (5m; the float below
    # it prints $0.43, as everywhere: present.money), $0.66 (1h); the next request $0.045 prints $0.04.
    # Issue 33: one next-request figure — past the cache's expiry, the re-write (as the page and the terminal).
    assert says in line and ("next ≈ $0.04 " in line) == ("expired" not in says)
    assert ("· $0.43 ·" if not one_hour else "· $0.66 ·") in line


FULL = {
    "session_id": "s1", "cwd": "/home/u/proj", "version": "2.1.30",
    "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
    "workspace": {"current_dir": "/home/u/proj", "project_dir": "/home/u/proj"},
    "cost": {"total_cost_usd": 0.5, "total_duration_ms": 1000},
    "context_window": {"current_usage": {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0,
                                         "cache_read_input_tokens": 149_990}, "context_window_size": 200_000},
    "rate_limits": {"five_hour": {"used_percentage": 42, "resets_at": 0}, "seven_day": {"used_percentage": 12.4,
                                                                                      "resets_at": 0}},
}


@pytest.mark.parametrize("case", ["full", "minimal", "garbage", "not an object", "no transcript", "deep",
                                  "hostile strings"])
def test_statusline_always_prints_one_line_and_exits_0(tmp_path, case):
    """Intent: whatever Claude Code (or anything else) sends, one line and exit 0 — never a traceback."""
    t = tmp_path / "proj" / "s1.jsonl"
    t.parent.mkdir()
    t.write_bytes(jsonl(*session()))
    now = epoch(at(10, 2))
    full = json.loads(json.dumps(FULL))
    full["transcript_path"] = str(t)
    full["rate_limits"]["five_hour"]["resets_at"] = now + 3 * 3600     # 2 of 5 hours gone: pace 40%
    full["rate_limits"]["seven_day"]["resets_at"] = now + 3.5 * 86400  # half the week gone: pace 50%
    data = {
        "full": full,
        "minimal": {"session_id": "s1"},
        "garbage": "}{ not json",
        "not an object": "[1, 2, 3]",
        "no transcript": {"transcript_path": str(tmp_path / "nope.jsonl"), "model": {"display_name": "Opus"}},
        "deep": "[" * 100_000,
        "hostile strings": {"transcript_path": 5, "model": {"display_name": "\x1b[31mred\x07"}, "rate_limits": "x",
                            "context_window": {"current_usage": {"input_tokens": 10 ** 400}}},
    }[case]
    code, line = run_statusline(data if isinstance(data, str) else json.dumps(data), "--now", str(now),
                                "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and line.count("\n") == 1 and line.strip()
    assert "\x1b" not in line and "\x07" not in line
    if case == "full":
        assert line.startswith("Sonnet 4.5 · $0.43 · ctx 150k (75%) · next ≈ $0.04 · cache 3:00 left")
        assert "5h 42% (40% of the window gone) · 7d 12% (50% of the window gone)" in line
    if case == "no transcript":
        assert line == "Opus · no transcript yet\n"


def test_statusline_as_claude_code_runs_it(tmp_path):
    """Intent: the real command (a process, stdin piped), with a template, colour forced, and a broken store."""
    t = tmp_path / "proj" / "s1.jsonl"
    t.parent.mkdir()
    t.write_bytes(jsonl(*session()))
    (tmp_path / "c").write_text("a file where the store's folder should be")
    r = subprocess.run([sys.executable, "-m", "py_core", "statusline", "--format", "[{cost}] {next}", "--color",
                        "always", "--cache-dir", str(tmp_path / "c"), "--now", str(epoch(at(10, 1)))],
                       input=json.dumps({"transcript_path": str(t)}), capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == "[\x1b[1m$0.43\x1b[0m] next ≈ $0.04 · \x1b[2mstore unavailable\x1b[0m\n"


def test_the_timer_pattern_is_named():
    """Intent: a session woken every 20 minutes (slower than the 5-minute cache), each time rewriting its 100k
    context ($0.375 + 1000 output x $15/M... the rewrite alone: 100k x $3.75/M = $0.375), is named with its interval
    and the cost of each rewrite; the same wakes at irregular gaps are not a timer."""
    lines = [user("start", uuid="p0", ts=at(9, 59))]
    for i in range(5):
        lines.append(asst(f"w{i}", f"r{i}", inp=0, out=1000, cw5m=100_000, ts=at(10 + (i * 20) // 60, (i * 20) % 60)))
    r = rep(*lines)
    timer = r["sessions"][0]["insights"]["timer_wakes"]
    assert timer["wakes"] == 4 and timer["interval_seconds"] == 1200 and timer["rewrite_cost_usd"] == 0.375
    assert timer["text"] == "woke 4 times, every ~20 min, each rewrite ≈ $0.38"
    w = [w for w in r["diagnostics"]["warnings"] if w["kind"] == "timer_wakes"]
    assert len(w) == 1 and "woke 4 times, every ~20 min" in w[0]["text"]
    irregular = [asst(f"w{i}", f"r{i}", inp=0, out=1000, cw5m=100_000, ts=t)
                 for i, t in enumerate([at(10), at(10, 20), at(11, 30), at(11, 40), at(14)])]
    assert rep(*irregular)["sessions"][0]["insights"]["timer_wakes"] is None


def test_watch_alerts_caps_wakes_and_timers():
    """Intent: watch's snapshot: the active session with its figures, an alert per event (a wake after expiry, a
    session and an agent past the cap, the timer), each with a key so it is announced once."""
    lines = []
    for i in range(4):
        lines.append(asst(f"w{i}", f"r{i}", inp=0, out=1000, cw5m=100_000, ts=at(10 + (i * 20) // 60, (i * 20) % 60)))
    lines.append(asst("sub", "rs", inp=0, out=200_000, ts=at(10, 59), agent="a1", sidechain=True))
    a = Analyzer().feed_bytes("p/s1.jsonl", jsonl(*lines))
    snap = snapshot(a, PriceTable.builtin(), epoch(at(11, 1)), cap=1.0)
    (s,) = snap["sessions"]
    assert s["session_id"] == "s1" and s["requests"] == 5
    # Over the last 15 minutes: the 11:00 wake ($0.39) and the subagent's $3.00 -> $3.39 in 15 min = $13.56/hour.
    assert s["burn_usd_per_hour"] == 13.56
    keys = {x["key"] for x in snap["alerts"]}
    assert keys == {"cap:s1", "cap:s1:a1", "wake:s1:4", "timer:s1:3"}
    wake = next(x for x in snap["alerts"] if x["key"] == "wake:s1:4")
    assert wake["text"] == "session s1 resumed after its cache expired (20 min idle): that request rewrote 100,000 " \
                           "tokens ≈ $0.38"
    assert snapshot(a, PriceTable.builtin(), epoch(at(12, 30)))["sessions"] == []  # idle for over an hour


def watch_once(path, cache, now):
    r = subprocess.run([sys.executable, "-m", "py_core", "watch", "--once", str(path), "--cache-dir", str(cache),
                        "--now", str(now)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_watch_once_shows_a_request_appended_between_two_calls(tmp_path):
    """Intent: `watch --once` twice, with a response appended in between: the second shows it (cost and the new
    cache countdown), read through the store from the first run's offset."""
    log = tmp_path / "p" / "s1.jsonl"
    log.parent.mkdir()
    log.write_bytes(jsonl(*session()))
    first = watch_once(log.parent, tmp_path / "c", epoch(at(10, 1)))
    assert "$0.43" in first and "4:00" in first
    with open(log, "ab") as fh:
        fh.write(jsonl(asst("n", "rn", inp=0, out=1000, cr=100_000, ts=at(10, 2))))
    second = watch_once(log.parent, tmp_path / "c", epoch(at(10, 3)))
    # + 100k x $0.30/M + 1000 x $15/M = $0.045 -> $0.48; the cache now lives until 10:07.
    assert "$0.48" in second and "4:00" in second and "5-hour block: $0.48 so far" in second


def test_blocks_and_cache_expiry_on_the_real_logs(real_dir):
    """Intent: the rules hold on logs never written for them: every priced request falls in exactly one 5-hour
    block (block costs and requests sum to the totals), blocks start on the hour, last 5 hours and never overlap,
    each holds its first and last request; every session's cache expiry is its last main-thread request plus the
    cache's life (1 hour exactly when the session wrote 1-hour cache)."""
    from py_core.shells.cli import main as cli_main
    import contextlib
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main([str(real_dir), "--json", "--tz", "UTC", "--no-cache"]) == 0
    r = json.loads(out.getvalue())
    blocks = r["blocks"]
    assert sum(b["requests"] for b in blocks) == r["totals"]["requests"]
    assert round(sum(b["cost_usd"] for b in blocks), 6) == round(r["totals"]["cost_usd"], 6)
    for a, b in zip(blocks, blocks[1:]):
        assert a["end"] <= b["start"]
    for b in blocks:
        start, end = epoch(b["start"]), epoch(b["end"])
        assert start % 3600 == 0 and end - start == 5 * 3600
        assert start <= epoch(b["first_timestamp"]) <= epoch(b["last_timestamp"]) < end
    checked = 0
    for s in r["sessions"]:
        nt = s["next_turn"]
        if not nt or not nt["cache_expires_at"]:
            continue
        last_main = s["context_curve"][-1]["timestamp"]
        # 1 hour only where the session wrote 1-hour cache (by its main thread: a subagent's alone leaves 5 min).
        assert nt["cache_ttl_seconds"] == 300 if not s["tokens"]["cache_write_1h"] else \
            nt["cache_ttl_seconds"] in (300, 3600)
        assert abs(epoch(nt["cache_expires_at"]) - epoch(last_main) - nt["cache_ttl_seconds"]) < 0.002
        assert nt["cost_after_expiry_usd"] >= nt["cost_usd"]
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("patch, absent", [
    ({"context_window": {"current_usage": {"input_tokens": -5}, "context_window_size": 200_000}}, "ctx -"),
    ({"context_window": {"current_usage": {"input_tokens": 10}, "context_window_size": 1e-320}}, "inf"),
    ({"context_window": {"current_usage": {"input_tokens": float("inf")}}}, "inf"),
    ({"rate_limits": {"five_hour": {"used_percentage": 1e14, "resets_at": 0}}}, "5h"),
    ({"rate_limits": {"seven_day": {"used_percentage": -3, "resets_at": 0}}}, "7d"),
    ({"cost": {"total_cost_usd": -1}}, "-$"),
], ids=["negative tokens", "window 0", "infinite tokens", "5h absurd", "7d negative", "negative cost"])
def test_statusline_leaves_out_values_out_of_their_range(tmp_path, patch, absent):
    """Intent (issue 21): Claude Code's values were printed as given (`ctx -5 (-0%)`, `(inf%)`, `5h 1e14%`): a value
    out of its range is left out; the rest of the line stays."""
    data = {"session_id": "s1", "model": {"display_name": "Opus"}, **patch}
    code, line = run_statusline(json.dumps(data).replace("Infinity", "1e999"), "--cache-dir", str(tmp_path / "c"))
    assert code == 0 and line.startswith("Opus") and absent not in line, line


def test_watch_redraws_once_when_a_file_is_deleted(tmp_path):
    """Intent (issue 21): `watch` reprinted the whole view every tick for ~10 s after a file was deleted (until the
    next listing): one change, then quiet."""
    from py_core.shells.watch import Follower
    p = tmp_path / "proj"
    p.mkdir()
    (p / "a.jsonl").write_bytes(jsonl(asst("m1", "r1", session="a")))
    (p / "b.jsonl").write_bytes(jsonl(asst("m2", "r2", session="b")))
    f = Follower([str(tmp_path)], True, None)
    f.start()
    assert f.analyzer.store.requests() and len(f.parts) == 2
    (p / "b.jsonl").unlink()
    assert f.poll() is True
    assert [f.poll() for _ in range(5)] == [False] * 5
    assert {r.session_id for r in f.analyzer.store.requests()} == {"a"}


# ---- issue 23: what Claude Code 2.1.251+ says about its own cache, spend limits, the width -------------------------

def _line_with(tmp_path, extra, *args, now=None, one_hour=False):
    t = tmp_path / "proj" / "s1.jsonl"
    t.parent.mkdir(exist_ok=True)
    t.write_bytes(jsonl(*session(one_hour)))
    data = {"session_id": "s1", "transcript_path": str(t), "model": {"display_name": "Sonnet 4.5"}, **extra}
    code, line = run_statusline(data, "--now", str(now if now is not None else epoch(at(10, 1))),
                                "--cache-dir", str(tmp_path / "c"), *args)
    assert code == 0 and line.count("\n") == 1
    return line[:-1]


NOW = epoch(at(10, 1))


@pytest.mark.parametrize("cache, says, why", [
    ({"warm": True, "ttl": "5m", "expires_at": NOW + 200}, "cache 3:20 left",
     "Claude Code's expires_at is the clock (the transcript alone says 4:00)"),
    ({"warm": True, "ttl": "1h", "expires_at": NOW + 3000}, "cache 50:00 left", "a 1-hour cache"),
    ({"warm": False, "ttl": "5m", "expires_at": NOW - 5, "recache_tokens_if_cold": 100_000},
     "cache cold — next rewrites 100k ≈ $0.39",
     "a resumed session the transcript calls hot: 100k x $3.75/M + 1000 avg output x $15/M"),
    ({"warm": False, "ttl": "1h", "recache_tokens_if_cold": 100_000}, "cache cold — next rewrites 100k ≈ $0.61",
     "1-hour writes: 100k x $6/M + 1000 x $15/M = $0.615"),
    ({"warm": False, "ttl": "5m"}, "cache cold", "no token count: no cost"),
    ({"warm": True, "expires_at": NOW + 100, "last_miss_at": NOW - 30,
      "last_miss_cause": {"causes": ["tools_changed"]}}, "cache 1:40 left (last miss: tools changed)",
     "a recent miss is named"),
    ({"warm": True, "expires_at": NOW + 100, "last_miss_at": NOW - 3600,
      "last_miss_cause": {"causes": ["tools_changed"]}}, "cache 1:40 left\n", "an hour-old miss is not"),
    ({"warm": True, "expires_at": NOW + 100, "last_miss_at": NOW - 1,
      "last_miss_cause": {"causes": ["\x1b[2Jnew_cause"]}}, "(last miss: cause unknown)",
     "a cause Claude Code has not documented is named as unknown, never printed"),
], ids=["warm-5m", "warm-1h", "cold", "cold-1h", "cold-no-tokens", "recent-miss", "old-miss", "odd-cause"])
def test_statusline_takes_claude_codes_cache_facts_as_the_authority(tmp_path, cache, says, why):
    """Intent: with `prompt_cache` (Claude Code 2.1.251+) the line counts down from its `expires_at`, says the cache
    is cold and what the next request rewrites at the session model's write price, names a recent miss."""
    line = _line_with(tmp_path, {"prompt_cache": cache}) + "\n"
    assert says in line, (why, line)
    assert "\x1b" not in line


def test_statusline_without_prompt_cache_keeps_the_transcript_estimate(tmp_path):
    """Intent: older Claude Code (no prompt_cache): the transcript's countdown, as before."""
    assert "cache 4:00 left" in _line_with(tmp_path, {})


def test_statusline_hit_ratio_and_spend_limit(tmp_path):
    """Intent: the hit ratio in a longer --format; the spend limit beside the plan windows, past 100% too."""
    line = _line_with(tmp_path, {"prompt_cache": {"warm": True, "expires_at": NOW + 60, "hit_ratio": 0.934},
                                 "rate_limits": {"spend_limit": {"used_percentage": 120}}},
                      "--format", "{cost} · {cache} · {hit} · {limits}")
    assert line == "$0.43 · cache 1:00 left · hit 93% · spend 120%", line
    bad = _line_with(tmp_path, {"prompt_cache": {"warm": True, "expires_at": NOW + 60, "hit_ratio": 7},
                                "rate_limits": {"spend_limit": {"used_percentage": -4}}},
                     "--format", "{cost} · {hit} · {limits}")
    assert bad == "$0.43", bad


@pytest.mark.parametrize("columns", [30, 45, 60, 200])
def test_statusline_fits_columns_by_dropping_fields_from_the_end(tmp_path, monkeypatch, columns):
    """Intent: Claude Code sets COLUMNS; a longer line wraps there. Fields are left out from the end of the format
    until the line fits; the first field always stays."""
    monkeypatch.delenv("COLUMNS", raising=False)
    full = _line_with(tmp_path, {"rate_limits": {"five_hour": {"used_percentage": 42}}})
    monkeypatch.setenv("COLUMNS", str(columns))
    line = _line_with(tmp_path, {"rate_limits": {"five_hour": {"used_percentage": 42}}})
    assert len(line) <= columns or line == "Sonnet 4.5"
    assert full.startswith(line) and line.startswith("Sonnet 4.5")
    assert (line == full) == (len(full) <= columns)


def test_statusline_counts_a_2_0_sessions_flat_agent_files(tmp_path):
    """Intent: Claude Code 2.0.x wrote subagents flat beside the session (`agent-<8hex>.jsonl`, linked only by their
    lines' sessionId): the line's cost is the folder report's cost of that session."""
    proj = tmp_path / "projects" / "-home-u-p"
    proj.mkdir(parents=True)
    sid = "9a3b1c2d-0000-4000-8000-000000000001"
    (proj / f"{sid}.jsonl").write_bytes(jsonl(asst("m1", "r1", session=sid, inp=0, out=100_000, ts=at(10))))
    (proj / "agent-1a2b3c4d.jsonl").write_bytes(jsonl(
        asst("m2", "r2", session=sid, sidechain=True, agent="1a2b3c4d", inp=0, out=4_000, ts=at(10, 0, 30))))
    (proj / "agent-ffff0000.jsonl").write_bytes(jsonl(
        asst("m3", "r3", session="another", sidechain=True, agent="ffff0000", inp=0, out=50_000, ts=at(10, 0, 40))))
    report = build_report(Analyzer().feed_bytes("p/a.jsonl", (proj / f"{sid}.jsonl").read_bytes())
                          .feed_bytes("p/agent-1a2b3c4d.jsonl", (proj / "agent-1a2b3c4d.jsonl").read_bytes())
                          .feed_bytes("p/agent-ffff0000.jsonl", (proj / "agent-ffff0000.jsonl").read_bytes()),
                          tz="UTC")
    cost = next(s["cost_usd"] for s in report["sessions"] if s["session_id"] == sid)
    assert cost == pytest.approx(1.56)  # 100k + 4k output at $15/M
    for cache in ("--no-cache", None):
        args = ["--now", str(epoch(at(10, 1))), "--format", "{cost}"]
        args += [cache] if cache else ["--cache-dir", str(tmp_path / "c")]
        code, line = run_statusline({"session_id": sid, "transcript_path": str(proj / f"{sid}.jsonl")}, *args)
        assert line == "$1.56\n", line
