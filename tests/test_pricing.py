"""Pricing rules of shared/docs/pricing.md, each pinned with a hand-computed figure."""

import json

import pytest

from py_core.shells.cli import main
from py_core.state.loader import LoadError, load_prices
from py_core.core.pricing import PriceTable, normalise_model
from tests.conftest import analyze, asst, jsonl

M = 1_000_000


def cost_of(line, **opts):
    rep = analyze(jsonl(line), tz="UTC", **opts)
    return rep["totals"]["cost_usd"], rep


def preview(ts, inp, out, marker):
    """An Opus 4.6 line of the fast-mode research preview: `usage.research_preview_2026_02`, no `speed`."""
    return asst(model="claude-opus-4-6", inp=inp, out=out, ts=ts, extra={"message": {
        "id": f"mp-{ts}-{marker}", "model": "claude-opus-4-6", "role": "assistant", "content": [],
        "usage": {"input_tokens": inp, "output_tokens": out, "research_preview_2026_02": marker}}})


# (name, line, expected USD, arithmetic in $/MTok)
CASES = [
    ("sonnet-4.5 plain", asst(model="claude-sonnet-4-5-20250929", inp=100_000, out=M), 15.3, "100k x 3 + 1M x 15"),
    ("opus-4.7 1h vs 5m writes from cache_creation",
     asst(model="claude-opus-4-7", inp=0, out=0, cw5m=M, cw1h=M), 16.25, "1M x 6.25 + 1M x 10 (ccusage #899)"),
    ("old logs without the split bill 5m", asst(model="claude-opus-4-7", inp=0, out=0, cw=M), 6.25, "1M x 6.25"),
    ("cache read", asst(model="claude-opus-4-5-20251101", inp=0, out=0, cr=M), 0.5, "1M x 0.50"),
    ("long context: sonnet-4.5 over 200k, whole request at premium",
     asst(model="claude-sonnet-4-5-20250929[1m]", inp=1, out=1000, cr=200_000), 0.142506,
     "200,001 prompt: 1 x 6 + 1000 x 22.50 + 200,000 x 0.60 = 0.000006+0.0225+0.12"),
    ("long context: exactly 200k stays standard",
     asst(model="claude-sonnet-4-5-20250929", inp=0, out=1000, cr=200_000), 0.075, "1000 x 15 + 200k x 0.30"),
    ("long context not for sonnet-4.6", asst(model="claude-sonnet-4-6", inp=0, out=1000, cr=300_000), 0.105,
     "1000 x 15 + 300k x 0.30"),
    ("haiku-5.5 over 100k: whole request at the upper tier",
     asst(model="claude-haiku-5-5", inp=100_001, out=M), 2.5500005, "100,001 x 0.50 + 1M x 2.50"),
    ("haiku-5.5 at 100k", asst(model="claude-haiku-5-5", inp=100_000, out=M), 0.51, "100k x 0.10 + 1M x 0.50"),
    ("web search $10 per 1000", asst(model="claude-haiku-4-5-20251001", inp=0, out=0, web=3), 0.03, "3 x 0.01"),
    ("fast mode opus-4.6 is 6x from 2026-02-17",
     asst(model="claude-opus-4-6", inp=0, out=M, speed="fast", ts="2026-02-17T00:00:00.000Z"), 150.0, "1M x 25 x 6"),
    # Issue 23: the research preview marked fast responses only with research_preview_2026_02, at 3x ($15/$75)
    # through 2026-02-16 (UTC), 6x from 2026-02-17 (pricing.md).
    ("preview marker opus-4.6 is $15/$75 through 2026-02-16", preview("2026-02-16T23:59:59.000Z", M, M, "active"),
     90.0, "1M x 15 + 1M x 75"),
    ("preview marker opus-4.6 is 6x from 2026-02-17", preview("2026-02-17T00:00:01.000Z", 0, M, "active"),
     150.0, "1M x 25 x 6"),
    ("preview marker absent: standard", asst(model="claude-opus-4-6", inp=0, out=M, ts="2026-02-10T00:00:00.000Z"),
     25.0, "1M x 25"),
    ("preview marker not 'active': standard", preview("2026-02-10T00:00:00.000Z", 0, M, "off"), 25.0, "1M x 25"),
    ("fast mode opus-4.8 is 2x", asst(model="claude-opus-4-8", inp=0, out=M, speed="fast"), 50.0, "1M x 25 x 2"),
    ("fast mode opus-5.5 is $8/$40", asst(model="claude-opus-5-5", inp=M, out=M, speed="fast"), 48.0, "8 + 40"),
    ("US-only inference 1.1x", asst(model="claude-opus-4-6", inp=M, out=0, geo="us"), 5.5, "1M x 5 x 1.1"),
    ("global inference 1x", asst(model="claude-opus-4-6", inp=M, out=0, geo="global"), 5.0, "1M x 5"),
    ("sonnet-5.5 cache read before the change",
     asst(model="claude-sonnet-5-5", inp=0, out=0, cr=M, ts="2026-10-06T23:59:59.000Z"), 0.2, "1M x 0.20"),
    ("sonnet-5.5 cache read from 2026-10-07",
     asst(model="claude-sonnet-5-5", inp=0, out=0, cr=M, ts="2026-10-07T00:00:00.000Z"), 0.1, "1M x 0.10"),
    ("fable-5.1 cache read is not 0.1x", asst(model="claude-fable-5-1", inp=0, out=0, cr=M), 0.25, "dagger row"),
    ("opus-4 old price", asst(model="claude-opus-4-20250514", inp=M, out=M), 90.0, "15 + 75"),
    ("3.5 haiku", asst(model="claude-3-5-haiku-20241022", inp=M, out=M, cw=M, cr=M), 5.88, "0.8+4+1+0.08"),
    ("alias claude-opus-4-0", asst(model="claude-opus-4-0", inp=M, out=0), 15.0, "explicit alias"),
    ("bedrock id", asst(model="us.anthropic.claude-sonnet-4-20250514-v1:0", inp=100_000, out=0), 0.3,
     "normalised; 100k x 3"),
]


@pytest.mark.parametrize("name, line, expected, arithmetic", CASES, ids=[c[0] for c in CASES])
def test_price(name, line, expected, arithmetic):
    got, rep = cost_of(line)
    assert rep["unpriced_models"] == []
    assert got == pytest.approx(expected, abs=1e-9), arithmetic


def test_long_context_premium_decided_once_per_request():
    """Intent: the premium is not per bucket (tokscale #862): every bucket of the big request is premium."""
    _, rep = cost_of(asst(model="claude-sonnet-4-20250514", inp=1, out=M, cw5m=100_000, cw1h=100_000, cr=10))
    b = rep["totals"]["cost_by_bucket_usd"]
    assert b["output"] == pytest.approx(22.5)
    assert b["cache_write_5m"] == pytest.approx(0.75)    # 100k x 7.50
    assert b["cache_write_1h"] == pytest.approx(1.2)     # 100k x 12
    assert b["cache_read"] == pytest.approx(0.000006)    # 10 x 0.60
    assert b["input"] == pytest.approx(0.000006)         # 1 x 6


@pytest.mark.parametrize("model", ["claude-opus-4-70", "claude-opus", "claude-sonnet-4-5-preview", "gpt-4o",
                                   "claude-new-model-9"])
def test_unknown_model_is_unpriced_never_zero_or_another_model(model):
    """Intent: new models are named and excluded from the total, never $0 silently (ccusage #1173, #1602)."""
    rep = analyze(jsonl(asst("m1", "r1", model=model, inp=100, out=50),
                        asst("m2", "r2", model="claude-haiku-4-5", inp=M, out=0)), tz="UTC")
    t = rep["totals"]
    assert rep["unpriced_models"] == [{"model": model, "requests": 1, "tokens": 150, "tokens_by_bucket": {
        "input": 100, "output": 50, "cache_write_5m": 0, "cache_write_1h": 0, "cache_read": 0, "total": 150}}]
    assert t["cost_usd"] == pytest.approx(1.0)  # only the haiku request
    assert t["cost_excludes_unpriced"] is True and t["unpriced_requests"] == 1
    assert t["requests"] == 2


def test_fast_mode_without_a_published_price_is_unpriced():
    """Intent: a fast-mode request on a model with no fast price is named, not priced at the standard rate."""
    rep = analyze(jsonl(asst(model="claude-opus-4-5", speed="fast")), tz="UTC")
    assert rep["unpriced_models"][0]["model"] == "claude-opus-4-5 (fast mode: no published price)"


@pytest.mark.parametrize("raw, norm", [
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("claude-opus-4-6[1m]", "claude-opus-4-6"),
    ("claude-sonnet-4@20250514", "claude-sonnet-4"),
    ("anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku"),
    ("claude-opus-4-7", "claude-opus-4-7"),
])
def test_normalise_model(raw, norm):
    """Intent: only suffixes that do not change the price are stripped."""
    assert normalise_model(raw) == norm


def test_exact_matching_never_prefix():
    """Intent: claude-opus-4-7 resolves to itself; an unknown 4-9 resolves to nothing (ccusage #934)."""
    t = PriceTable.builtin()
    assert t.resolve("claude-opus-4-7") == "claude-opus-4-7"
    assert t.resolve("claude-opus-4-9") is None
    assert t.resolve("claude-opus-4-1-20250805") == "claude-opus-4-1"


def test_table_is_dated_and_sourced():
    """Intent: the vendored table says when and where its prices come from."""
    t = PriceTable.builtin()
    rep = analyze(jsonl(asst()), tz="UTC")
    assert t.version == "2026-12-06" == rep["prices"]["table_version"]
    assert rep["prices"]["sources"] == ["built-in"]


def test_user_price_file_extends_and_overrides(tmp_path, monkeypatch, capsys):
    """Intent: .tokenscope.json in the current folder and --prices FILE extend the table, same field names."""
    (tmp_path / ".tokenscope.json").write_text(json.dumps(
        {"models": {"claude-new-model-9": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}}))
    litellm_style = tmp_path / "litellm.json"
    litellm_style.write_text(json.dumps({"sample_spec": {"x": 1},
                                         "claude-haiku-4-5": {"output_cost_per_token": 1e-5}}))
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", model="claude-new-model-9", inp=M, out=M, cr=M),
                          asst("m2", "r2", model="claude-haiku-4-5-20251001", inp=0, out=M)))
    monkeypatch.chdir(tmp_path)
    assert main([str(log), "--json", "--prices", str(litellm_style)]) == 0
    rep = json.loads(capsys.readouterr().out)
    # new model: 1 + 2 + cache read derived at 0.1x input = 0.1; haiku output overridden to $10/MTok
    assert rep["totals"]["cost_usd"] == pytest.approx(1 + 2 + 0.1 + 10)
    assert rep["unpriced_models"] == []
    assert rep["prices"]["sources"] == ["built-in", str(tmp_path / ".tokenscope.json"), str(litellm_style)]
    assert "claude-new-model-9.cache_read_input_token_cost" in rep["prices"]["derived_rates"]


@pytest.mark.parametrize("content, field", [
    ('{"models": {"m": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-6}}}',
     "models.m.input_cost_per_token"),
    ('{"models": {"m": {"input_cost_per_token": 1e-6}}}', "models.m.output_cost_per_token"),
    ('{"models": {"m": {"input_cost_per_token": 1e300, "output_cost_per_token": 1e-6}}}',
     "models.m.input_cost_per_token"),
    ('{"models": {"claude-opus-4-7": {"fast_mode_multiplier": 1e9}}}',
     "models.claude-opus-4-7.fast_mode_multiplier"),
    ('{"models": {"claude-opus-4-7": {"cache_read_input_token_cost": -1}}}',
     "models.claude-opus-4-7.cache_read_input_token_cost"),
    ('{"models": []}', "models"),
    ('[1, 2]', "(top level)"),
    ('{"models": {', "(file)"),
    ('{"models": {"claude-opus-4-7": {"price_changes": [{"effective_from": "soon"}]}}}',
     "models.claude-opus-4-7.price_changes[0].effective_from"),
], ids=["string-rate", "missing-output", "absurd-rate", "absurd-multiplier", "negative", "models-list", "not-object", "bad-json", "bad-date"])
def test_malformed_price_file_names_file_and_field(tmp_path, content, field):
    """Intent: a bad price file is a clear error naming the file and the field, not a traceback."""
    f = tmp_path / "p.json"
    f.write_text(content)
    with pytest.raises(LoadError) as e:
        load_prices([str(f)], cwd=str(tmp_path))
    assert str(f) in str(e.value) and field in str(e.value)


def test_malformed_price_file_cli_exit_2(tmp_path, capsys):
    """Intent: the CLI says it in one line and exits 2."""
    f = tmp_path / "p.json"
    f.write_text('{"models": {"m": {"input_cost_per_token": null, "output_cost_per_token": 1e-6}}}')
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst()))
    assert main([str(log), "--prices", str(f)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "models.m.input_cost_per_token" in err
