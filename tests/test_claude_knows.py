"""Issue 32: what Claude Code itself knows — its own cost ledger beside ours, the system prompt and tools in the
context, what each prompt and each loop cost, why each cache miss happened, sessions by their titles, who the spend
was for, and the other shapes of 2.1.24x+ read correctly.

No real log has these shapes yet: every test builds its lines from the documented shapes (tests/claude_shapes.py,
from ../shared/docs/claude-code-jsonl.md), so each rule is pinned, not a fixture.
"""

import json

import pytest

from claude_shapes import (CWD, SID, at, compact, cost_state, envelope, fire, fired, instructions, log,
                           notification, prompt, reply, skills, snapshot, title)
from conftest import analyze
from py_core.shells.cli import main

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh).
pytestmark = pytest.mark.decoder

SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
M = 1e-6  # USD per token of "$1 per million"


def report(text, *args, **kw):
    return analyze(("p/" + SID + ".jsonl", text.encode()), tz="UTC", **kw)


def run(capsys, *args):
    code = main([*map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def close(a, b):
    return a is not None and abs(a - b) < 1e-9


# -- 1. Claude Code's own figure ----------------------------------------------------------------------------------

def ledger_session(*extra, state=None):
    """Two logged Sonnet requests (1,000 output tokens in all) and Claude Code's ledger, re-appended: the last counts."""
    return log(prompt(0, "u1", "hello"), reply(1, "m1", inp=100, out=400), reply(2, "m2", inp=100, out=600),
               cost_state(0.01, {SONNET: [100, 400, 0, 0, 0.0072]}),
               state or cost_state(0.0251, {SONNET: [200, 1000, 0, 0, 0.0156], HAIKU: [5000, 300, 0, 0, 0.0065]}),
               *extra)


def test_the_ledger_stands_beside_the_estimate_and_names_what_the_log_does_not_show():
    """Intent: the last cost-state is Claude Code's figure; its tokens beyond the logged requests (a Haiku it never
    logged) are priced at list prices on a line of their own and never added to the estimate."""
    rep = report(ledger_session())
    s = rep["sessions"][0]
    cc = s["claude_code"]
    ours = 200 * 3 * M + 1000 * 15 * M
    assert close(s["cost_usd"], ours) and close(rep["totals"]["cost_usd"], ours)  # the estimate is the log's
    assert cc["cost_usd"] == 0.0251 and close(cc["logged_cost_usd"], ours) and close(cc["difference_usd"], 0.0251 - ours)
    assert [u["model"] for u in cc["unlogged"]] == [HAIKU]
    assert cc["unlogged"][0]["tokens"] == {"input": 5000, "output": 300, "cache_read": 0, "cache_write": 0}
    assert close(cc["unlogged_cost_usd"], 5000 * 1 * M + 300 * 5 * M)
    assert [e["kind"] for e in cc["explanations"]] == ["unlogged_requests"]
    assert [(m["model"], m["cost_usd"]) for m in cc["models"]] == [(SONNET, 0.0156), (HAIKU, 0.0065)]
    t = rep["totals"]["claude_code"]
    assert t["sessions"] == 1 and t["cost_usd"] == 0.0251 and close(t["unlogged_cost_usd"], cc["unlogged_cost_usd"])


@pytest.mark.parametrize("lines, state, kind, check", ids=["1h", "unknown", "unpriced", "behind"], argvalues=[
    # 1-hour writes: Claude Code under managed pricing counts them at the 5-minute rate.
    ([reply(3, "m3", inp=0, out=0, w1=10_000)], cost_state(0.06, {SONNET: [200, 1000, 0, 10_000, 0.05]}),
     "one_hour_writes", lambda e, cc: close(e["cost_usd"], 10_000 * (6 - 3.75) * M)),
    # A model Claude Code does not know: priced at its default model's rate.
    ([], cost_state(0.02, {SONNET: [200, 1000, 0, 0, 0.0156]}, unknown=True), "unknown_model",
     lambda e, cc: cc["has_unknown_model_cost"]),
    # A model without a list price in its ledger: named, never zeroed.
    ([], cost_state(0.03, {SONNET: [200, 1000, 0, 0, 0.0156], "claude-foo-9": [10, 10, 0, 0, 0.01]}),
     "unlogged_requests", lambda e, cc: cc["unpriced_unlogged_models"] == ["claude-foo-9"]
     and cc["unlogged"][0]["cost_usd"] is None and "claude-foo-9" in e["text"]),
    # A ledger written before the session's last requests.
    ([], cost_state(0.005, {SONNET: [100, 400, 0, 0, 0.0072]}), "ledger_behind",
     lambda e, cc: cc["unlogged"] == [] and cc["unlogged_cost_usd"] == 0),
])
def test_the_difference_is_explained_where_the_log_can(lines, state, kind, check):
    """Intent: each documented reason the two figures differ is named, with its amount where it has one."""
    cc = report(log(prompt(0, "u1", "hello"), reply(1, "m1", inp=100, out=400), reply(2, "m2", inp=100, out=600),
                    *lines, state))["sessions"][0]["claude_code"]
    got = {e["kind"]: e for e in cc["explanations"]}
    assert kind in got and check(got[kind], cc)


def test_no_ledger_says_nothing_and_a_date_filter_compares_nothing():
    """Intent: a session without a cost-state has no claude_code; a report narrowed by dates does not set a
    whole-session ledger against part of the session."""
    rep = report(log(prompt(0, "u1", "hi"), reply(1, "m1")))
    assert rep["sessions"][0]["claude_code"] is None and rep["totals"]["claude_code"] is None
    cc = report(ledger_session(), since="2026-11-02")["sessions"][0]["claude_code"]
    assert cc["compared"] is False and cc["unlogged"] == [] and cc["unlogged_cost_usd"] is None


# -- 2. The context, exactly -------------------------------------------------------------------------------------

def snapshot_session(*after):
    return log(snapshot(0, "a1", mcp=(("github", "create_issue"), ("github", "list_prs"), ("linear", "find"))),
               instructions(0, "a2", CWD + "/CLAUDE.md", "Use pnpm. " * 50),
               instructions(0, "a3", "/home/dev/.claude/CLAUDE.md", "Be brief. " * 20),
               skills(0, "a4", "- pdf: read pdfs\n" * 20),
               prompt(1, "u1", "fix the cart"), reply(2, "m1", read=0, w5=20_000, out=300),
               reply(3, "m2", read=20_000, w5=400, out=100), *after)


def test_a_prompt_snapshot_splits_the_first_write_into_contexts_categories():
    """Intent: with a prompt_snapshot, the first request's cache write is split into /context's categories (system
    prompt, system tools, MCP tools by server, memory files by path, skills, messages), summing to it exactly."""
    s = report(snapshot_session())["sessions"][0]
    cats = {c["category"]: c for c in s["context_categories"]}
    assert list(cats) == ["System prompt", "System tools", "MCP tools", "Memory files", "Skills", "Messages"]
    assert sum(c["tokens"] for c in cats.values()) == 20_000
    assert cats["System prompt"]["tokens"] > cats["System tools"]["tokens"] > 0
    assert [i["name"] for i in cats["MCP tools"]["items"]] == ["github", "linear"]
    assert [i["name"] for i in cats["System tools"]["items"]] == ["Bash", "Read"]
    assert {i["name"] for i in cats["Memory files"]["items"]} == {"CLAUDE.md", "/home/dev/.claude/CLAUDE.md"}
    assert all(c["reread_cost_usd"] > 0 for c in cats.values())  # each re-read by the second request
    assert not any(r["source"] == "system prompt and tools" for r in s["context_sources"])


def test_without_a_snapshot_the_first_request_keeps_todays_split():
    """Intent: sessions without a snapshot keep one "system prompt and tools" row and no categories."""
    s = report(log(skills(0, "a4", "- pdf\n"), prompt(1, "u1", "hi"), reply(2, "m1", w5=9000)))["sessions"][0]
    assert s["context_categories"] == []
    assert [(r["source"], r["tokens"]) for r in s["context_sources"]] == [("system prompt and tools", 9000)]


def test_a_new_snapshot_after_compact_starts_a_new_segment():
    """Intent: the snapshot written after /compact splits the request after it too."""
    s = report(snapshot_session(compact(10, "c1", 21_000, 3000), snapshot(11, "a9"),
                                reply(12, "m3", read=0, w5=12_000)))["sessions"][0]
    assert sum(c["tokens"] for c in s["context_categories"]) == 32_000


# -- 3. What each prompt cost ------------------------------------------------------------------------------------

def test_a_turn_is_a_typed_prompt_and_every_request_until_the_next_subagents_included():
    """Intent: a task notification is not a prompt (nor a turn); a subagent's request is in its prompt's turn; the
    costliest turns carry the prompt's first words; median / p90 / max are nearest-rank."""
    sub = reply(3, "s1", inp=0, out=2000, isSidechain=True, agentId="a1")
    text = log(prompt(0, "u1", "first   prompt\nwith words"), reply(1, "m1", inp=0, out=1000), sub,
               notification(5, "n1"), reply(6, "m2", inp=0, out=1000),
               prompt(10, "u2", "second"), reply(11, "m3", inp=0, out=3000),
               prompt(20, "u3", "third"), reply(21, "m4", inp=0, out=500))
    s = report(text)["sessions"][0]
    assert s["user_prompts"] == 3
    t = s["turns"]
    assert t["count"] == 3 and t["outside_turns"]["requests"] == 0
    assert [(r["prompt"], r["requests"], round(r["cost_usd"] / (15 * M))) for r in t["costliest"]] == [
        ("first prompt with words", 3, 4000), ("second", 1, 3000), ("third", 1, 500)]
    assert close(t["median_usd"], 3000 * 15 * M) and close(t["p90_usd"], 4000 * 15 * M)
    assert close(t["max_usd"], 4000 * 15 * M)


def test_requests_before_the_first_prompt_are_in_no_turn():
    """Intent: what no prompt started (a resumed session's first requests) is counted apart, not in a turn."""
    t = report(log(reply(0, "m0", inp=0, out=100), prompt(5, "u1", "go"), reply(6, "m1", inp=0, out=100)))
    t = t["sessions"][0]["turns"]
    assert t["count"] == 1 and t["outside_turns"]["requests"] == 1


# -- 4. What each loop cost --------------------------------------------------------------------------------------

def test_a_loop_is_costed_per_fire_with_its_expired_cache_rewrites():
    """Intent: each fire of a scheduled task is a turn of its loop (not a typed prompt); fires after the cache
    expired re-wrote it, and that is counted and priced."""
    text = log(prompt(0, "u1", "watch the deploy"), reply(1, "m1", read=0, w5=10_000, out=100),
               fire(1200, "t1"), fired(1200, "f1", "t1"), reply(1201, "m2", read=0, w5=10_200, out=100),
               fire(2400, "t1"), fired(2400, "f2", "t1"), reply(2401, "m3", read=0, w5=10_400, out=100),
               reply(2410, "m4", read=10_400, w5=100, out=100))
    rep = report(text)
    s = rep["sessions"][0]
    assert s["user_prompts"] == 1 and s["turns"]["count"] == 1
    (lp,) = s["loops"]
    assert lp["task"] == "t1" and lp["cron"] == "*/20 * * * *" and lp["fires"] == 2
    assert lp["prompt"] == "check the deploy"
    fires_cost = sum(x * 3 * M + y * 3.75 * M + z * 0.3 * M + o * 15 * M
                     for x, y, z, o in ((3, 10_200, 0, 100), (3, 10_400, 0, 100), (3, 100, 10_400, 100)))
    assert close(lp["cost_usd"], fires_cost) and close(lp["cost_per_fire_usd"], fires_cost / 2)
    assert lp["cache_rewrites"] == 2
    # What could have been read (the request before, 3 input tokens with its writes), written again.
    assert close(lp["rewrite_cost_usd"], (10_003 + 10_203) * 3.75 * M)
    assert rep["loops"][0]["fires"] == 2


# -- 5. Why each cache miss happened -----------------------------------------------------------------------------

def pair(second=None, gap=10, between=(), first=None, **kw):
    """Two requests `gap` seconds apart: the first writes 10,000 tokens; the second (by default) writes them again."""
    return log(prompt(0, "u1", "go"), first or reply(1, "m1", inp=0, read=0, w5=10_000), *between,
               prompt(gap, "u2", "next"), second or reply(1 + gap, "m2", inp=0, read=0, w5=10_100, **kw))


@pytest.mark.parametrize("text, cause", [
    (pair(reply(11, "m2", inp=0, read=10_000, w5=100)), None),
    (pair(reply(11, "m2", inp=0, read=8_500, w5=1_600)), None),
    (pair(gap=400), "cache_expired"),
    (pair(model="claude-opus-4-5-20251101"), "model_switch"),
    (pair(between=[compact(5, "c1", 10_000, 9_000)]), "compaction"),
    (pair(between=[snapshot(0, "s0"), snapshot(5, "s1", system="Another prompt. " * 300)]), "prompt_or_tools"),
    (pair(version="2.1.280"), "version_upgrade"),
    (pair(), "unknown"),
    (pair(gap=400, first=reply(1, "m1", inp=0, read=0, w1=10_000)), "unknown"),
    (pair(gap=4000, first=reply(1, "m1", inp=0, read=0, w1=10_000)), "cache_expired"),
], ids=["hit", "under-2000", "expired", "model", "compaction", "snapshot", "version", "unknown", "1h-alive",
        "1h-expired"])
def test_each_miss_is_counted_as_claude_code_does_and_given_its_likely_cause(text, cause):
    """Intent: a miss is more than 5% and at least 2,000 tokens that could have been read written again; its cause
    is the first the log shows; its cost the write price over the read price."""
    rep = report(text)
    m = rep["sessions"][0]["cache_misses"]
    if cause is None:
        assert m["count"] == 0 and rep["cache_misses"]["count"] == 0
        return
    (c,) = m["by_cause"]
    assert (c["cause"], c["count"], c["tokens_rewritten"]) == (cause, 1, 10_000)
    write, read = (6.25, 0.5) if cause == "model_switch" else (3.75, 0.3)  # the request's own model's prices
    assert close(c["extra_cost_usd"], 10_000 * (write - read) * M)
    assert rep["cache_misses"]["by_cause"][0]["cause"] == cause


# -- 6. Sessions by their titles ---------------------------------------------------------------------------------

OTHER = "5e55f00d-0000-4000-8000-000000000002"


@pytest.mark.parametrize("lines, want", ids=["ai", "custom", "agent-name", "none"], argvalues=[
    ([title("ai-title", "Fix cart"), title("ai-title", "Fix the empty cart")], "Fix the empty cart"),
    ([title("custom-title", "cart bug"), title("ai-title", "Fix the empty cart")], "cart bug"),
    ([title("agent-name", "night-shift"), title("ai-title", "later")], "night-shift"),
    ([], None),
])
def test_a_sessions_title_is_the_users_else_claude_codes_last(lines, want):
    """Intent: the last custom title (or agent name), else the last generated one, else none."""
    assert report(log(prompt(0, "u1", "hi"), reply(1, "m1"), *lines))["sessions"][0]["title"] == want


def test_a_session_is_found_by_its_title_and_shown_by_it(tmp_path, capsys):
    """Intent: --session takes a part of a title (any case); the terminal shows the title; two matches say so."""
    f = tmp_path / "p" / "a.jsonl"
    f.parent.mkdir()
    f.write_text(log(prompt(0, "u1", "hi"), reply(1, "m1"), title("custom-title", "Checkout bug hunt"),
                     prompt(0, "v1", "yo", sid=OTHER), reply(1, "n1", sid=OTHER), title("ai-title", "Docs", sid=OTHER)))
    code, out, _ = run(capsys, f, "--no-cache", "--json", "--session", "checkout BUG")
    rep = json.loads(out)
    assert code == 0 and [s["session_id"] for s in rep["sessions"]] == [SID]
    _code, out, _ = run(capsys, f, "--no-cache", "--wide")
    assert "Checkout bug hunt · " + CWD in out
    code, _out, err = run(capsys, f, "--no-cache", "--session", "o")  # in both titles ("Checkout", "Docs")
    assert code != 0 and "2 sessions have titles with 'o'" in err


# -- 7. Spend by who it was for; entrypoint as a filter --------------------------------------------------------------

def test_spend_by_skill_plugin_mcp_server_and_entrypoint():
    """Intent: the attribution fields group spend like agents; --entrypoint keeps one entrypoint's requests."""
    text = log(prompt(0, "u1", "go"), reply(1, "m1", inp=0, out=100, attributionSkill="pdf"),
               reply(2, "m2", inp=0, out=200, attributionPlugin="acme", attributionMcpServer="github"),
               reply(3, "m3", inp=0, out=400, entrypoint="sdk-cli"))
    rep = report(text)
    who = {k: [(r["name"], r["requests"]) for r in v] for k, v in rep["attribution"].items()}
    assert who == {"skills": [("pdf", 1)], "plugins": [("acme", 1)], "mcp_servers": [("github", 1)],
                   "entrypoints": [("sdk-cli", 1), ("cli", 2)]}
    only = report(text, entrypoint="sdk-cli")
    assert only["totals"]["requests"] == 1 and close(only["totals"]["cost_usd"], 400 * 15 * M)
    assert report(text, entrypoint="claude-desktop")["totals"]["requests"] == 0


# -- 8. The other shapes -----------------------------------------------------------------------------------------

def test_a_refusal_fallback_is_billed_at_its_top_level_usage():
    """Intent: the iterations of a refusal fallback are not added up: the top-level usage is the billed attempt."""
    iters = {"iterations": [{"type": "message", "model": "claude-opus-4-5-20251101", "input_tokens": 9000,
                             "output_tokens": 9000},
                            {"type": "fallback_message", "model": SONNET, "input_tokens": 10, "output_tokens": 100}]}
    text = log(prompt(0, "u1", "go"),
               envelope("system", 1, "rf", subtype="model_refusal_fallback", originalModel="claude-opus-4-5-20251101",
                        fallbackModel=SONNET, apiRefusalCategory="cyber", requestId="req_m1"),
               reply(2, "m1", inp=10, out=100, usage=iters))
    t = report(text)["totals"]
    assert t["requests"] == 1 and t["tokens"]["input"] == 10 and t["tokens"]["output"] == 100


def test_a_workflow_journal_is_a_file_without_usage(tmp_path, capsys):
    """Intent: <session>/subagents/workflows/wf_<id>/journal.jsonl is read as a file with no usage: no request, no
    agent, no malformed line."""
    root = tmp_path / "proj"
    (root / SID / "subagents" / "workflows" / "wf_1").mkdir(parents=True)
    (root / (SID + ".jsonl")).write_text(log(prompt(0, "u1", "go"), reply(1, "m1")))
    (root / SID / "subagents" / "workflows" / "wf_1" / "journal.jsonl").write_text(
        json.dumps({"type": "step", "runId": "1", "step": "plan", "status": "done", "timestamp": at(2)}) + "\n")
    code, out, _ = run(capsys, root, "--no-cache", "--json")
    rep = json.loads(out)
    assert code == 0 and rep["totals"]["requests"] == 1 and rep["diagnostics"]["malformed"]["count"] == 0
    assert [a["agent"] for a in rep["sessions"][0]["agents"]] == ["main"]


def test_a_spilled_tool_result_counts_as_the_tools_result_in_the_context():
    """Intent: a large output spilled to tool-results/*.txt leaves a reference in the transcript: what the model was
    sent, counted as that tool's result."""
    call = reply(1, "m1", w5=1000)
    call[-1]["message"]["content"] = [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                      "input": {"command": "pytest -x"}}]
    spilled = envelope("user", 2, "r1", message={"role": "user", "content": [{
        "type": "tool_result", "tool_use_id": "toolu_1",
        "content": "Output too large (812.4KB). Full output saved to: /home/dev/.claude/projects/p/" + SID +
                   "/tool-results/toolu_1.txt\n\nPreview (first 2KB):\n" + "x" * 2000}]})
    s = report(log(prompt(0, "u1", "run the tests"), call, spilled, reply(3, "m2", read=1000, w5=700)))["sessions"][0]
    assert ("tool_result", "Bash", "pytest") in {(r["kind"], r["source"], r["target"]) for r in s["context_sources"]}


# -- privacy: titles, prompt words, memory paths and snapshot text never leave ---------------------------------------

SECRETS = ("Checkout bug hunt", "fix the cart", "CLAUDE.md", "You are Claude Code", "check the deploy")


def test_redact_and_share_leak_no_title_prompt_words_memory_path_or_snapshot_text(tmp_path, capsys):
    """Intent: --redact state files, plain state files (prompt words) and every share output hold none of them."""
    import zlib
    f = tmp_path / "p" / (SID + ".jsonl")
    f.parent.mkdir()
    f.write_text(snapshot_session(title("custom-title", "Checkout bug hunt"), fire(100, "t1"),
                                  fired(100, "f1", "t1"), reply(101, "m9", read=0, w5=21_000)))
    code, out, _ = run(capsys, f, "--no-cache", "--json")
    assert code == 0 and "Checkout bug hunt" in out and "fix the cart" in out  # shown on this machine
    for extra in ((), ("--redact",)):
        st = tmp_path / ("r.state" if extra else "p.state")
        code, _out, err = run(capsys, f, "--no-cache", "--json", "--save-state", st, *extra)
        assert code == 0, err
        body = zlib.decompress(st.read_bytes().split(b"\n", 1)[1]).decode()
        leaked = [x for x in SECRETS if x in body]
        # A plain state file keeps the title and memory files' paths (like Read targets); --redact hashes them.
        assert leaked == ([] if extra else ["Checkout bug hunt", "CLAUDE.md"]), extra
        assert "fix the cart" not in body and "check the deploy" not in body
    card = tmp_path / "card.svg"
    code, out, _ = run(capsys, f, "--no-cache", "--share", "--card", card)
    assert code == 0
    for text in (out, card.read_text()):
        assert [x for x in SECRETS if x in text] == []


# -- 4. `watch` and the status line name the loop that woke an expired cache -----------------------------------------

def loop_log():
    return log(prompt(0, "u1", "watch the deploy"), reply(1, "m1", inp=0, read=0, w5=100_000, out=100),
               fire(1200, "t1"), fired(1200, "f1", "t1"), reply(1201, "m2", inp=0, read=0, w5=100_200, out=100))


def test_watch_names_the_loop_that_rewrote_the_cache():
    """Intent: watch's wake alert says which loop woke the session after its cache expired, and shows its title."""
    from py_core import Analyzer
    from py_core.core.pricing import PriceTable
    from py_core.report.live import snapshot as live_snapshot
    from py_core.core.rules import parse_ts
    a = Analyzer().feed_bytes("p/" + SID + ".jsonl", (loop_log() + log(title("ai-title", "Deploy watch"))).encode())
    snap = live_snapshot(a, PriceTable.builtin(), parse_ts(at(1260)))
    wake = next(x for x in snap["alerts"] if x["key"].startswith("wake:"))
    assert wake["text"].startswith("loop */20 * * * * woke session 5e55f00d after its cache expired (20 min idle)")
    assert snap["sessions"][0]["title"] == "Deploy watch"


@pytest.mark.parametrize("runs", [1, 2], ids=["full-path", "fast-path"])
def test_the_status_line_names_the_loop_that_rewrote_the_cache(tmp_path, runs):
    """Intent: when the latest request came from a loop's fire after the cache expired, the line names the loop and
    what the rewrite cost — on the full path (first render) and from the running summary (a render after it)."""
    import io
    from py_core.core.rules import parse_ts
    from py_core.shells.statusline import main as statusline
    t = tmp_path / "p" / (SID + ".jsonl")
    t.parent.mkdir()
    t.write_text(loop_log())
    for _ in range(runs):
        out = io.StringIO()
        data = json.dumps({"session_id": SID, "transcript_path": str(t)})
        code = statusline(["--color", "never", "--now", str(parse_ts(at(1260))), "--cache-dir", str(tmp_path / "c")],
                          stdin=io.StringIO(data), stdout=out)
    # 100,200 x $3.75/M + 100 x $15/M = $0.38
    assert code == 0 and "(loop */20 * * * * re-wrote 100k ≈ $0.38)" in out.getvalue()


def test_a_pasted_report_keeps_every_new_field_through_the_schema():
    """Intent: the schema names every field this issue adds (a pasted report of this version is drawn whole), and a
    hostile one is conformed (a title that is not a string is dropped, not drawn)."""
    from py_core.report.schema import conform_report
    text = snapshot_session(title("custom-title", "Cart"), fire(100, "t1"), fired(100, "f1", "t1"),
                            reply(101, "m9", read=0, w5=21_000, attributionSkill="pdf"),
                            cost_state(0.5, {SONNET: [1, 2, 3, 4, 0.4], HAIKU: [9, 9, 0, 0, 0.1]}))
    rep = json.loads(json.dumps(report(text)))
    assert conform_report(rep) == rep
    rep["sessions"][0]["title"] = {"<b>": 1}
    rep["turns"]["costliest"][0]["prompt"] = ["x"]
    got = conform_report(rep)
    assert got["sessions"][0]["title"] is None and got["turns"]["costliest"][0]["prompt"] is None
