"""Issue 33 in the page: what to change first on the first screen, one next-request figure (the card and the Context
section agree), spend per project right after the cost split, filters folded, and `--html` folded on a phone."""

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from tests.browser import ROOT, SHOTS, Page, cli_json
from tests.conftest import asst, jsonl, user
from tests.test_web import OVERFLOW


@pytest.mark.parametrize("width, height, screens", [(1280, 900, 1), (375, 800, 2)])
def test_what_to_change_is_on_the_first_screen(browser, site, real_dir, width, height, screens):
    """Intent: after dropping the real logs, the top action is within the first viewport at 1280x900 and the first
    two at 375x800 (it was 1.5-2.4 screens down); the actions are the report's, spend per project comes right after
    the cost split, and the filters are folded."""
    p = Page(browser, site, viewport={"width": width, "height": height}).boot()
    p.page.set_input_files("#folder-input", str(real_dir))
    p.wait_results()
    rep = cli_json(real_dir)
    items = p.page.locator("#actions li")
    assert items.all_inner_texts() == [a["text"] for a in rep["actions"]] and items.count() == 3
    p.page.evaluate("document.getElementById('res-h').scrollIntoView()")
    top = p.page.evaluate("document.getElementById('res-h').getBoundingClientRect().top")
    first = items.nth(0).bounding_box()
    assert first["y"] + first["height"] - top <= height * screens, "the top action is below the fold"
    ys = [p.page.locator(sel).bounding_box()["y"] for sel in ("#split-h", "#projects-h", "#curve-h")]
    assert ys == sorted(ys), "spend per project is not right after the cost split"
    assert p.page.evaluate("document.getElementById('filters-box').open") is False
    assert p.page.evaluate(OVERFLOW) == []
    # The overall figures the terminal prints are on the page too.
    assert "cache misses after idle cost" in p.page.inner_text("#actions-overall")
    SHOTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(SHOTS / f"firstscreen-{width}.png"))
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


def _stamp(t):
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize("idle, expired", [(60, False), (900, True)])
def test_the_card_and_the_context_section_give_one_next_request_figure(web, tmp_path, idle, expired):
    """Intent: for the same session and clock the headline card and the Context section show the same next-request
    figure (the card said $0.85 "cache expired" while the section led with $0.07), naming the session and how long
    ago its last request was."""
    last = time.time() - idle
    f = tmp_path / "s.jsonl"
    f.write_bytes(jsonl(user("go", uuid="u1", ts=_stamp(last - 120)),
                        asst("m1", "r1", inp=0, out=800, cw5m=50_000, ts=_stamp(last - 60)),
                        asst("m2", "r2", inp=0, out=800, cw5m=1000, cr=50_000, ts=_stamp(last))))
    web.page.set_input_files("#file-input", str(f))
    web.wait_results()
    card = float(web.page.get_attribute("#h-next", "data-value"))
    section = float(web.page.get_attribute("#next-turn", "data-usd"))
    nt = cli_json(f)["sessions"][0]["next_turn"]
    assert card == section == (nt["cost_after_expiry_usd"] if expired else nt["cost_usd"])
    assert web.page.get_attribute("#h-next", "data-expired") == str(expired).lower()
    sub = web.page.inner_text("#h-next-sub")
    assert sub.startswith("session s1, last request") and ("cache expired" in sub) == expired


def test_a_stale_session_shows_when_not_a_price(web):
    """Intent: logs whose last request is days old show no next-request price, and say when it was."""
    web.page.click("#sample-button")
    web.wait_results()
    assert web.page.inner_text("#h-next") == "–"
    assert web.page.inner_text("#h-next-sub").startswith("last request 2026-")


def test_the_html_page_is_folded_on_a_phone(browser, real_dir, tmp_path):
    """Intent (issue 33): `--html` at 375 px was 16,000 px long with every session and curve: long tables and the
    curves past three are folded behind <details> (shorter than the page unfolded), ids and paths are shortened
    with an ellipsis, and nothing is wider than the screen."""
    out = tmp_path / "r.html"
    subprocess.run([sys.executable, "-m", "py_core", str(real_dir), "--no-cache", "--html", str(out)], cwd=ROOT,
                   capture_output=True, check=True, timeout=120)
    ctx = browser.new_context(viewport={"width": 375, "height": 800})
    page = ctx.new_page()
    page.goto(out.as_uri())
    folded = page.evaluate("document.documentElement.scrollHeight")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("details").count() >= 2
    cut = page.evaluate("""() => [...document.querySelectorAll('td.p')].filter((td) => td.scrollWidth > td.clientWidth
      && getComputedStyle(td).textOverflow === 'ellipsis').length""")
    assert cut > 0  # long paths end in an ellipsis rather than breaking mid-word
    page.screenshot(path=str(SHOTS / "html-folded-375.png"))
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    assert folded < page.evaluate("document.documentElement.scrollHeight") * 0.6
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ctx.close()
    assert json.loads(json.dumps(cli_json(real_dir)["actions"]))  # the page's first screen has them
