"""Issue 32 in the page: Claude Code's own figure, /context's categories, what each prompt and loop cost, why the
cache missed, who the spend was for, sessions by title — from lines of the documented shapes (tests/claude_shapes.py),
analysed in the page with nothing uploaded, the same figures as the CLI, looked at in screenshots at 375 and 1280 px,
light and dark."""

import pytest

from claude_shapes import (CWD, SID, cost_state, fire, fired, instructions, log, notification, prompt, reply, skills,
                           snapshot, title)
from tests.browser import SHOTS, Page, cli_json
from tests.test_web import OVERFLOW, TEXT_OUTSIDE, set_filter

OTHER = "5e55f00d-0000-4000-8000-000000000002"
HOSTILE_TITLE = '<img src=x onerror="document.body.dataset.pwned=1">checkout'


def folder(tmp_path):
    """Two sessions: one of Claude Code 2.1.27x with everything issue 32 reads, one older without any of it."""
    root = tmp_path / "projects" / "-home-dev-shop"
    root.mkdir(parents=True)
    (root / (SID + ".jsonl")).write_text(log(
        snapshot(0, "a1", mcp=(("github", "create_issue"),)), instructions(0, "a2", CWD + "/CLAUDE.md", "pnpm. " * 80),
        skills(0, "a3", "- pdf: read pdfs\n" * 20),
        prompt(1, "u1", "Why does checkout fail on empty carts?"), reply(2, "m1", read=0, w5=20_000, out=300),
        reply(3, "m2", read=20_000, w5=500, out=400, attributionSkill="pdf"), notification(4, "n1"),
        prompt(700, "u2", "Now add a test"), reply(701, "m3", read=0, w5=20_900, out=400),
        fire(2000, "t1"), fired(2000, "f1", "t1"), reply(2001, "m4", read=0, w5=21_300, out=100),
        title("ai-title", "Fix checkout"), title("custom-title", HOSTILE_TITLE),
        cost_state(0.5, {"claude-sonnet-4-5-20250929": [12, 1200, 20_000, 82_700, 0.45],
                         "claude-haiku-4-5-20251001": [5000, 300, 0, 0, 0.0065]})))
    (root / (OTHER + ".jsonl")).write_text(log(
        prompt(0, "v1", "Docs pass", sid=OTHER, entrypoint="sdk-cli"),
        reply(5, "n1", read=0, w5=8000, out=200, sid=OTHER, entrypoint="sdk-cli")))
    return root.parent


def check(p, rep):
    """The page's new sections hold the CLI's figures, as text."""
    page = p.page
    cc = rep["totals"]["claude_code"]
    assert page.locator("#ledger-section").is_visible()
    assert page.inner_text("#l-cc") == "$0.50" and page.inner_text("#l-unlogged").startswith("$0.0")
    assert "auxiliary models" in page.inner_text("#ledger-why")
    assert cc["unlogged_cost_usd"] > 0
    cats = [r.split("\t")[0] for r in page.locator("#cats-table tbody tr").all_inner_texts()]
    assert cats == [c["category"] for c in rep["context_categories"]] and cats[0] == "System prompt"
    turns = page.inner_text("#turns-table")
    assert "Why does checkout fail on empty carts?" in turns and "Now add a test" in turns
    assert page.locator("#turns-table tbody tr").count() == len(rep["turns"]["costliest"]) == 3
    assert "*/20 * * * * check the deploy" in page.inner_text("#loops-table")
    causes = page.inner_text("#causes-table")
    assert "cache expired (idle)" in causes
    assert page.locator("#who-section").is_visible() and "pdf" in page.inner_text("#who-tables")
    assert "sdk-cli" in page.inner_text("#who-tables")  # two entry points: the table is shown
    # The session's title is shown as text (a log's markup never runs).
    assert HOSTILE_TITLE in page.inner_text("#sessions-table")
    assert page.locator("#results img").count() == 0 and page.get_attribute("body", "data-pwned") is None


def test_the_page_shows_what_claude_code_knows(web, tmp_path):
    """Intent: a drop of 2.1.27x logs shows Claude Code's own figure, the context's categories first in what fills
    it, the costliest prompts with their first words, the loop, the cache misses by cause and spend by skill and
    entry point — the CLI's figures; a session is found by its title and by its entry point."""
    root = folder(tmp_path)
    rep = cli_json(root, "--no-cache")
    web.page.set_input_files("#folder-input", str(root))
    web.wait_results()
    check(web, rep)
    # Categories first in "What fills it".
    order = web.page.evaluate("""() => [...document.querySelectorAll('#sources-section h4')].map((h) => h.textContent)""")
    assert order[0].startswith("From the start")
    # The session filter finds a session by a part of its title; the entry point filter keeps sdk-cli's.
    set_filter(web.page, "f-session", "CHECKOUT")
    web.wait_results()
    assert web.page.get_attribute("#sessions-table", "data-rows") == "1"
    assert HOSTILE_TITLE in web.page.inner_text("#sessions-table")
    set_filter(web.page, "f-session", "")
    web.wait_results()
    assert web.page.get_attribute("#f-entry-label", "hidden") is None
    assert web.page.locator("#f-entrypoint option").all_text_contents() == ["All", "cli", "sdk-cli"]
    set_filter(web.page, "f-entrypoint", "sdk-cli")
    web.wait_results()
    assert web.page.get_attribute("#sessions-table", "data-rows") == "1"
    assert web.page.inner_text("#h-cost") == "$" + f"{cli_json(root, '--no-cache', '--entrypoint', 'sdk-cli')['totals']['cost_usd']:.2f}"


@pytest.mark.parametrize("width", [375, 1280])
def test_what_claude_code_knows_fits_a_phone_and_a_desktop_light_and_dark(browser, site, tmp_path, width):
    """Intent: at 375 and 1280 px, light and dark, the new cards and tables fit the screen (nothing wider than the
    viewport, chart text inside its chart, no two ledger figures overlapping); screenshots to look at."""
    root = folder(tmp_path)
    p = Page(browser, site, viewport={"width": width, "height": 900}).boot()
    p.page.set_input_files("#folder-input", str(root))
    p.wait_results()
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        p.page.emulate_media(color_scheme=scheme)
        assert p.page.evaluate(OVERFLOW) == [], f"{width} px ({scheme}) overflows"
        assert p.page.evaluate(TEXT_OUTSIDE) == []
        boxes = [p.page.locator(f"#ledger-section dl > div:nth-child({i})").bounding_box() for i in (1, 2, 3)]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
        for section in ("ledger-section", "sources-section", "turns-section", "loops-section", "causes-section",
                        "who-section"):
            p.page.locator(f"#{section}").screenshot(path=str(SHOTS / f"claude-{section}-{width}-{scheme}.png"))
        p.page.screenshot(path=str(SHOTS / f"claude-{width}-{scheme}.png"), full_page=True)
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()
