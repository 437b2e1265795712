"""Real Claude Code logs (../shared/fixtures/real): agree with ccusage 20.0.24, or with hand-checked answers.

Skipped only when the shared folder is absent (a user's clone).
"""

import json

import pytest

from py_core import Analyzer, build_report

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

# Files where SOURCES.md explains ccusage is wrong; each answer below was checked by hand.
HAND_CHECKED = {
    # Lines 2, 4, 9 are serialised with spaces (ccusage drops them); line 17 is the only one it keeps.
    # claude-3-sonnet: input 35+200+85=320 x $3, output 145+25+180=350 x $15 -> 0.00621;
    # claude-sonnet-4 (line 17): 168 x $3 + 85 x $15 -> 0.001779. Lines 13, 15, 16 are not objects.
    "iansherr__claude-code-log/edge_cases.jsonl":
        dict(input=488, output=435, cw=0, cr=0, cost=0.007989, requests=4, malformed=3),
    # Microsecond timestamps (ccusage drops them): 6 usage lines, 4 distinct (message.id, requestId) —
    # 1 main thread, 3 sidechain, each sidechain one written twice. Sonnet 4, no cache split:
    # 26 x 3 + 1037 x 15 + 15953 x 3.75 + 85688 x 0.30 ($/MTok) = 0.10116315
    "iansherr__claude-code-log/sidechain.jsonl":
        dict(input=26, output=1037, cw=15953, cr=85688, cost=0.10116315, requests=4, malformed=0),
    # Re-serialised with spaces after ':' (ccusage reads nothing); 2 '//' header lines are malformed.
    # 9 usage lines, 5 distinct requests (4 written twice). Opus 4.5:
    # 7 x 5 + 16 x 25 + 7189 x 6.25 + 99105 x 0.50 ($/MTok) = 0.09491875
    "moredip__session-share/fixtures/read-tool-variants.jsonl":
        dict(input=7, output=16, cw=7189, cr=99105, cost=0.09491875, requests=5, malformed=2),
    # Legacy lines carry costUSD; ccusage sums costUSD (0.12+0.34+0.56 = 1.02), we price tokens.
    # Sonnet 4: (100+300) x 3 + (50+125) x 15 + 25 x 3.75 + (10+40) x 0.30 = 0.00393375;
    # the Opus 4 line says speed "fast", which has no published Opus 4 price: unpriced, named.
    "ryoppippi__ccusage/project-alpha/session-alpha/chat.jsonl":
        dict(input=600, output=250, cw=75, cr=70, cost=0.00393375, requests=3, malformed=0, unpriced=1),
    # Haiku 4.5: (50+80) x 1 + (25+35) x 5 + (5+10) x 1.25 + (15+25) x 0.10 = 0.00045275
    "ryoppippi__ccusage/project-beta/session-beta/chat.jsonl":
        dict(input=130, output=60, cw=15, cr=40, cost=0.00045275, requests=2, malformed=0),
    # Not a ccusage fault: alone, this 2.1.14 parent file lacks its subagent's file, and line 7 (a progress
    # line) copies the subagent's response msg_01EwzvVEp8xhADrb1AKmgfNP: recovered (issue 10). ccusage's
    # 18/4/6682/32772 tokens ($0.0583385) plus that response, Opus 4.5: 3 x 5 + 11560 x 6.25 (5m write)
    # + 1 x 25 ($/MTok) = $0.07229 -> $0.1306285. With the subagent's file beside it, nothing is recovered.
    "moredip__session-share/4b2030ed-5563-49ea-b703-6a002f2d3cc8.jsonl":
        dict(input=21, output=5, cw=18242, cr=32772, cost=0.1306285, requests=3, malformed=0, recovered=1),
}


def report_for(real_dir, rel):
    a = Analyzer().feed_bytes(rel, (real_dir / rel).read_bytes())
    return build_report(a, tz="UTC")


def expected_files():
    from tests.conftest import REAL
    f = REAL / "ccusage-20.0.24-per-file.json"
    return sorted(json.loads(f.read_text())) if f.is_file() else []


@pytest.mark.parametrize("rel", [r for r in expected_files() if r not in HAND_CHECKED] or ["(absent)"])
def test_agrees_with_ccusage(real_dir, rel):
    """Intent: on every file ccusage reads correctly, tokens match exactly and cost to a millionth of a dollar."""
    exp = json.loads((real_dir / "ccusage-20.0.24-per-file.json").read_text())[rel]
    rep = report_for(real_dir, rel)
    t = rep["totals"]["tokens"]
    assert (t["input"], t["output"], t["cache_write_5m"] + t["cache_write_1h"], t["cache_read"]) == (
        exp["input_tokens"], exp["output_tokens"], exp["cache_creation_tokens"], exp["cache_read_tokens"])
    assert rep["totals"]["cost_usd"] == pytest.approx(exp["cost_usd"], abs=1e-6)
    assert rep["unpriced_models"] == []


@pytest.mark.parametrize("rel", sorted(HAND_CHECKED))
def test_hand_checked_where_ccusage_is_wrong(real_dir, rel):
    """Intent: the five files SOURCES.md flags, and the one recovering a subagent's spend, get the answers
    worked out by hand above."""
    e = HAND_CHECKED[rel]
    rep = report_for(real_dir, rel)
    t = rep["totals"]
    tok = t["tokens"]
    assert (tok["input"], tok["output"], tok["cache_write_5m"] + tok["cache_write_1h"], tok["cache_read"]) == (
        e["input"], e["output"], e["cw"], e["cr"])
    assert t["requests"] == e["requests"]
    assert t["cost_usd"] == pytest.approx(e["cost"], abs=1e-9)
    assert rep["diagnostics"]["malformed"]["count"] == e["malformed"]
    assert len(rep["unpriced_models"]) == e.get("unpriced", 0)
    assert rep["diagnostics"]["recovered_from_progress"]["requests"] == e.get("recovered", 0)


def test_recovery_changes_nothing_when_the_subagent_file_is_there(real_dir):
    """Intent: with the session's folder (its subagents' own files) every progress copy has its own line."""
    parent = "moredip__session-share/4b2030ed-5563-49ea-b703-6a002f2d3cc8.jsonl"
    sub = "moredip__session-share/4b2030ed-5563-49ea-b703-6a002f2d3cc8/subagents/agent-a2018e5.jsonl"
    exp = json.loads((real_dir / "ccusage-20.0.24-per-file.json").read_text())
    a = Analyzer()
    for rel in (parent, sub):
        a.feed_bytes(rel, (real_dir / rel).read_bytes())
    rep = build_report(a, tz="UTC")
    assert rep["diagnostics"]["recovered_from_progress"]["requests"] == 0
    assert rep["diagnostics"]["missing_subagents"] == []
    assert rep["totals"]["cost_usd"] == pytest.approx(exp[parent]["cost_usd"] + exp[sub]["cost_usd"], abs=1e-9)


def test_whole_tree_lines_accounted_and_split_invariant(real_dir):
    """Intent: on all real logs together every line is accounted for, and a 3-way split merges to the same report."""
    files = sorted(p for p in real_dir.rglob("*.jsonl"))
    whole = Analyzer()
    parts = [Analyzer(), Analyzer(), Analyzer()]
    for i, p in enumerate(files):
        rel = str(p.relative_to(real_dir))
        data = p.read_bytes()
        whole.feed_bytes(rel, data)
        parts[i % 3].feed_bytes(rel, data)
    rep = build_report(whole, tz="UTC")
    d = rep["diagnostics"]
    assert sum(d["lines_by_kind"].values()) == d["lines_read"] == sum(len(p.read_bytes().splitlines())
                                                                     for p in files)
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert build_report(merged, tz="UTC") == rep
    assert d["billed_requests"] + d["duplicate_lines_collapsed"] == (
        d["usage_lines"] + d["recovered_from_progress"]["requests"])
