"""The share summary (issue 5): aggregate numbers only, and a link that holds exactly them."""

import json

import pytest

from py_core.views import share
from py_core.shells.cli import main
from tests.conftest import analyze, asst, jsonl, user

SENTINELS = ["SENTINEL-PROJECT", "SENTINEL-CWD", "SENTINEL-PROMPT", "SENTINEL-TOOLINPUT", "SENTINEL-FILE",
             "SENTINEL-AGENT", "SENTINEL-SUMMARY", "SENTINEL-SESSION", "SENTINEL-MODEL", "SENTINEL-TOOLNAME"]


def sentinel_logs():
    """Every free-form place of a log carries a distinctive string."""
    sid = "SENTINEL-SESSION-1234"
    return jsonl(
        {"type": "summary", "summary": "SENTINEL-SUMMARY of the work", "leafUuid": "x"},
        user("SENTINEL-PROMPT: fix it", session=sid, cwd="/home/SENTINEL-CWD/SENTINEL-PROJECT"),
        asst("m1", "r1", session=sid, cwd="/home/SENTINEL-CWD/SENTINEL-PROJECT", model="claude-opus-4-7",
             inp=10, out=500, cr=20_000, cw5m=3_000, content=[
                 {"type": "tool_use", "id": "t1", "name": "SENTINEL-TOOLNAME",
                  "input": {"file_path": "/src/SENTINEL-FILE.py", "content": "SENTINEL-TOOLINPUT"}},
                 {"type": "tool_use", "id": "t2", "name": "Task", "input": {"subagent_type": "SENTINEL-AGENT"}}]),
        # Issue 24: tool results name their files and programs in the report's context sources: never shared.
        user([{"type": "tool_result", "tool_use_id": "t1", "content": "SENTINEL-TOOLINPUT result"}], uuid="tr1",
             session=sid, ts="2026-01-10T10:00:10.000Z"),
        asst("m3", "r3", session=sid, cwd="/home/SENTINEL-CWD/SENTINEL-PROJECT", model="claude-opus-4-7",
             inp=10, out=50, cr=23_000, cw5m=2_000, ts="2026-01-10T10:00:20.000Z", content=[
                 {"type": "tool_use", "id": "t3", "name": "Bash", "input": {"command": "SENTINEL-TOOLINPUT --go"}},
                 {"type": "tool_use", "id": "t4", "name": "mcp__SENTINEL-TOOLNAME__x", "input": {}}]),
        asst("m2", "r2", session=sid, model="SENTINEL-MODEL-9", agent="SENTINEL-AGENT-ID", sidechain=True,
             ts="2026-01-10T11:30:00.000Z"),
        {"type": "system", "subtype": "compact_boundary", "sessionId": sid, "uuid": "c",
         "timestamp": "2026-01-10T10:30:00.000Z", "compactMetadata": {"trigger": "SENTINEL-SUMMARY", "preTokens": 9}},
    )


def test_no_sentinel_in_any_share_output(tmp_path, capsys):
    """Intent: nothing free-form from the log — paths, prompts, tools, agents, models, ids, files — is shared."""
    log = tmp_path / "SENTINEL-FILE-log.jsonl"
    log.write_bytes(sentinel_logs())
    card = tmp_path / "card.svg"
    assert main([str(log), "--share", "--card", str(card), "--tz", "UTC"]) == 0
    outputs = capsys.readouterr().out + card.read_text()
    rep = analyze(("p/SENTINEL-FILE.jsonl", sentinel_logs()), tz="UTC")
    s = share.summarize(rep)
    outputs += share.markdown(s) + share.card_svg(s) + share.to_fragment(s) + json.dumps(s)
    assert any("SENTINEL" in r["source"] + (r["target"] or "") for r in rep["context_sources"])  # in the report...
    for sentinel in SENTINELS:
        assert sentinel not in outputs  # ...never shared
    assert "SENTINEL" not in outputs
    assert s["models"] == ["o4.7", "x"]  # the unknown model is only "other"


def test_link_holds_the_same_numbers_as_the_report():
    """Intent: share link -> card shows the same numbers as the report it came from."""
    rep = analyze(sentinel_logs(), tz="UTC")
    s = share.summarize(rep)
    back = share.from_fragment("#" + share.to_fragment(s))
    assert back == s
    t = rep["totals"]
    assert back["cost_usd"] == round(t["cost_usd"], 2) and back["requests"] == t["requests"]
    assert back["split"][0] == round(t["share_of_cost"]["cache_read"] * 100, 1)
    assert share.card_svg(back) == share.card_svg(s)
    assert f"${t['cost_usd']:,.2f}" in share.card_svg(back)


@pytest.mark.parametrize("fragment", [
    "", "#s2&c=1", "s1&c=1&r=1,2,3,4,5&t=1&n=1&p=1&d=1&f=o4.7&x=<script>",
    "s1&c=<img>&r=1,2,3,4,5&t=1&n=1&p=1&d=1&f=o4.7", "s1&c=1&r=1,2,3,4,5&t=1&n=1&p=1&d=1&f=gpt4",
    "s1&c=1&r=1,2,3&t=1&n=1&p=1&d=1&f=o4.7", "s1&c=1&c=2&r=1,2,3,4,5&t=1&n=1&p=1&d=1&f=o4.7",
    "s1&r=1,2,3,4,5&t=1&n=1&p=1&d=1&f=o4.7",
], ids=["empty", "version", "unknown-key", "markup", "free-text-model", "short-split", "repeated", "missing"])
def test_fragment_decoder_accepts_only_its_own_shapes(fragment):
    """Intent: a crafted link cannot carry text into the card."""
    with pytest.raises(ValueError):
        share.from_fragment(fragment)


@pytest.mark.parametrize("canonical, code, label", [
    ("claude-opus-4-7", "o4.7", "Opus 4.7"), ("claude-sonnet-4", "s4", "Sonnet 4"),
    ("claude-3-5-haiku", "h3.5", "Haiku 3.5"), ("claude-3-opus", "o3", "Opus 3"),
    ("claude-mythos-5-1", "m5.1", "Mythos 5.1"), (None, "x", "other"), ("my-own-model", "x", "other"),
])
def test_model_families(canonical, code, label):
    """Intent: models are shared as families from a fixed table, never as the log's text."""
    assert share.family_code(canonical) == code and share.family_label(code) == label


def test_cli_share_prints_markdown_and_link(tmp_path, capsys):
    log = tmp_path / "s.jsonl"
    log.write_bytes(sentinel_logs())
    assert main([str(log), "--share", "--share-url", "https://example.invalid/ts/"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**Claude Code spend: ~$") and "[Open the card](https://example.invalid/ts/#s1&c=" in out
