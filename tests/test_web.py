"""End-to-end: the page in headless Chromium gives the CLI's numbers, uploads nothing, runs no log-borne script.

Debian's Chromium (/usr/bin/chromium) is used when present (Playwright cannot download browsers here);
elsewhere Playwright's own browser. Screenshots of the results view go to tests/screenshots/ (git-ignored).
"""

import contextlib
import gzip
import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from py_core.shells.cli import main as cli_main
from tests.conftest import asst, jsonl, user

from tests.browser import (BOOT_TIMEOUT, CHROMIUM_FLAGS, ROOT, SAMPLE, SHOTS, Page, assert_dom_matches,  # noqa: F401
                           chromium_path, cli_csv, cli_json)


def test_sample_gives_the_cli_numbers_in_dom_and_download(web):
    """Intent: "Try a sample" shows, and downloads as JSON, exactly what `--json` says on the same file."""
    web.page.click("#sample-button")
    web.wait_results()
    rep = cli_json(SAMPLE)
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep
    assert rep["options"]["decoder"] == "msgspec 0.23.0"  # issue 13: the page loaded msgspec's wasm wheel, as the CLI has it
    assert web.download("#download-csv").decode() == cli_csv(SAMPLE)
    assert web.page.locator("#curve-chart svg .ts-compaction").count() == 1
    # Issue 33: the sample's last request is weeks old: no next-request figure, its age instead.
    assert "ago: no next-request figure" in web.page.inner_text("#next-turn")


def paste_like_the_cli(web, tmp_path, text):
    """Paste `text`, wait for the results, and return the CLI's report of the same bytes (matched in the DOM)."""
    f = tmp_path / "pasted.jsonl"
    f.write_text(text)
    web.page.fill("#paste", text)
    web.page.click("#analyze-button")
    web.wait_results()
    rep = cli_json(f)
    assert_dom_matches(web.page, rep)
    return rep


def test_paste_gives_the_cli_numbers(web, tmp_path, real_dir):
    """Intent: pasted text takes the byte path and gives the CLI's report on the same bytes."""
    text = (real_dir / "chiphuyen__sniffly" / "ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl").read_text()
    rep = paste_like_the_cli(web, tmp_path, text)
    assert json.loads(web.download("#download-json")) == rep


def test_folder_of_real_logs_gives_the_cli_numbers(web, real_dir):
    """Intent: the whole real-log folder, picked as a folder, matches the CLI on that folder, to the byte of JSON."""
    web.page.set_input_files("#folder-input", str(real_dir))
    web.wait_results()
    rep = cli_json(real_dir)
    assert rep["totals"]["requests"] > 1000
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep
    assert "were not logs and were ignored" in web.page.inner_text("#warnings")  # SOURCES.md, the ccusage JSON


def test_two_workers_give_the_cli_report(browser, site, real_dir):
    """Intent: with a pool of two Pyodide workers (each parses half the files, states merge) the page
    downloads exactly the single-process CLI report (issue 4: identical in every configuration)."""
    p = Page(browser, site).boot("?workers=2")
    p.page.wait_for_selector('body[data-pool="2"]', timeout=BOOT_TIMEOUT)
    p.page.set_input_files("#folder-input", str(real_dir))
    p.wait_results()
    assert "2 workers" in p.page.evaluate("document.getElementById('progress-text').textContent")
    assert json.loads(p.download("#download-json")) == cli_json(real_dir)
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


def test_drop_of_real_logs_with_a_png_and_an_empty_file(web, real_dir, tmp_path):
    """Intent: a drop analyses the logs, and names the PNG, PDF and 0-byte file it skipped."""
    picks = ["d-kimuson__claude-code-viewer/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl",
             "moredip__session-share/fixtures/general-tool-calls.jsonl"]
    files = [(Path(p).name, (real_dir / p).read_bytes()) for p in picks] + [("empty.jsonl", b"")]
    for name, data in files:
        (tmp_path / name).write_bytes(data)
    web.drop(files + [("screenshot.png", b"\x89PNG\r\n\x1a\n" + bytes(64)), ("invoice.pdf", b"%PDF-1.7\n...")])
    web.wait_results()
    rep = cli_json(*(tmp_path / n for n, _ in files))
    assert_dom_matches(web.page, rep)
    warnings = web.page.inner_text("#warnings")
    assert "screenshot.png: not a Claude Code log (PNG image)" in warnings
    assert "invoice.pdf: not a Claude Code log (PDF document)" in warnings
    assert "1 empty file (0 bytes), nothing to read: empty.jsonl" in warnings
    got = json.loads(web.download("#download-json"))
    # The page names what it did not read in the report too; the CLI, given only the logs, has nothing to name.
    assert got["diagnostics"].pop("unreadable_files") == [
        {"file": "invoice.pdf", "reason": "not a Claude Code log (PDF document)"},
        {"file": "screenshot.png", "reason": "not a Claude Code log (PNG image)"}]
    assert got["diagnostics"]["warnings"].pop(0)["kind"] == "unreadable_files"
    rep["diagnostics"].pop("unreadable_files")
    assert got == rep


HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=2</script>",
    "<svg onload=window.__pwned=3>",
    "\"><iframe src=javascript:window.__pwned=4>",
]


def test_hostile_strings_are_shown_as_text_and_run_nothing(web):
    """Intent: markup in paths, models, sessions, agent types, file names and compaction triggers stays text."""
    h = HOSTILE
    log = jsonl(
        user("hi", session=h[2]),
        asst("m1", "r1", session=h[2], cwd=h[0], model=h[1], content=[
            {"type": "tool_use", "id": "t1", "name": "Task", "input": {"subagent_type": h[0], "prompt": h[3]}}]),
        asst("m2", "r2", session=h[2], cwd=h[0], model="claude-haiku-4-5", sidechain=True, agent=h[3]),
        {"type": "user", "sessionId": h[2], "uuid": "x", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "t1"}]}, "toolUseResult": {"agentId": h[3]}},
        {"type": "system", "subtype": "compact_boundary", "sessionId": h[2], "uuid": "c",
         "timestamp": "2026-01-10T10:00:05Z", "compactMetadata": {"trigger": h[0], "preTokens": 5}},
        {"type": h[1]}, "not json at all",
    )
    web.drop([(h[0] + ".jsonl", log)])
    web.wait_results()
    assert web.page.evaluate("window.__pwned") is None
    assert web.page.locator("#results img, #results iframe, #results script").count() == 0
    assert h[0] in web.page.inner_text("#sessions-table")
    assert h[1] in web.page.inner_text("#models-table")
    assert h[0] in web.page.inner_text("#agents-table")
    assert h[0] + ".jsonl: 1 unreadable line" in web.page.inner_text("#warnings")
    titles = web.page.locator("#curve-chart svg title").all_text_contents()
    assert any(h[1] in t for t in titles) and any(h[0] in t for t in titles)


def test_bad_inputs_each_say_what_is_wrong(web, tmp_path):
    """Intent: an empty paste and a folder with no logs get a message, not a spinner."""
    web.page.click("#analyze-button")
    assert "Paste a session log first" in web.page.inner_text("#input-error")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("no logs here")
    web.page.set_input_files("#folder-input", str(tmp_path / "docs"))
    web.page.wait_for_selector("#input-error:has-text('No Claude Code logs')")
    assert web.page.locator("#results").is_hidden()


def test_cancel_stops_a_long_analysis(web):
    """Intent: Cancel stops reading a big input; the page says so and stays usable."""
    web.page.evaluate("""() => {
      const line = '{"type":"user","message":{"content":"x"}}\\n';
      const part = line.repeat(1 << 16);
      const blob = new Blob(Array(40).fill(part));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], "big.jsonl"));
      document.getElementById("dropzone").dispatchEvent(
        new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""")
    web.page.wait_for_selector("#progress:not([hidden])")
    web.page.click("#cancel-button")
    web.page.wait_for_selector("#input-error:has-text('Cancelled')", timeout=BOOT_TIMEOUT)
    web.page.click("#sample-button")
    web.wait_results()


def test_sessions_table_sorts_by_keyboard(web, real_dir):
    """Intent: the sort controls are buttons: Enter on "Requests" sorts by requests."""
    web.page.set_input_files("#folder-input", str(real_dir / "moredip__session-share"))
    web.wait_results()
    web.page.locator("#sessions-table th button", has_text="Requests").focus()
    web.page.keyboard.press("Enter")
    turns = [int(v) for v in web.page.locator("#sessions-table tbody tr td:nth-child(3)").evaluate_all(
        "tds => tds.map(td => td.dataset.value)")]
    assert turns == sorted(turns, reverse=True) and len(turns) > 1


def test_every_request_stays_on_the_page_origin(web):
    """Intent: the route sees worker requests too (the wasm), and none of them leave the origin."""
    web.page.click("#sample-button")
    web.wait_results()
    assert any(u.endswith("pyodide.asm.wasm") for u in web.requests)
    assert any(u.endswith(".whl") for u in web.requests)
    assert web.foreign_requests() == []


def test_boot_failure_is_a_message_with_the_fix(browser, site):
    """Intent: missing vendored files show what to do instead of spinning forever."""
    p = Page(browser, site)
    p.ctx.route("**/vendor/manifest.json", lambda r: r.fulfill(status=404, body="missing"))
    p.page.goto(site + "/")
    p.page.wait_for_selector('body[data-boot-error="TS-BOOT-VENDOR"]', timeout=BOOT_TIMEOUT)
    text = p.page.inner_text("#boot-error")
    assert "python serve.py" in text
    p.page.click("#sample-button")
    p.page.wait_for_selector("#input-error:has-text('could not start')", timeout=BOOT_TIMEOUT)
    assert p.foreign_requests() == []
    p.ctx.close()


@pytest.mark.parametrize("snapshot, booted_from_it", [
    (None, "1"),                                                     # as served: the start-up snapshot
    (lambda r: r.fulfill(status=404, body="missing"), "0"),          # missing: the slow start, same page
    (lambda r: r.fulfill(status=200, body=b"\x1f\x8bnot gzip"), "0"),  # corrupt: likewise
    (lambda r: r.fulfill(status=200, body=gzip.compress(bytes(range(256)) * 4096)), "0"),  # not a snapshot
])
def test_boot_uses_the_snapshot_and_survives_without_it(browser, site, snapshot, booted_from_it):
    """Intent: the page starts from serve.py's snapshot (issue 4), and a missing or broken one only costs time."""
    p = Page(browser, site)
    if snapshot:
        p.ctx.route("**/snapshot.bin.gz", snapshot)
    p.boot()
    assert p.page.get_attribute("body", "data-snapshot") == booted_from_it
    p.page.click("#sample-button")
    p.wait_results()
    assert json.loads(p.download("#download-json")) == cli_json(SAMPLE)
    assert p.errors == [] and p.foreign_requests() == []
    p.ctx.close()


# Issue 25: every chart's text lies inside its SVG (at 375 px the projects chart's labels were cut at its left edge).
TEXT_OUTSIDE = """() => [...document.querySelectorAll('#results svg text')].filter((t) => {
  if (!t.getClientRects().length) return false;
  const svg = t.ownerSVGElement;
  const vb = svg.viewBox.baseVal;
  const b = t.getBBox();
  return b.width > 0 && (b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5);
}).map((t) => `${t.ownerSVGElement.getAttribute('class')}: ${t.textContent}`).slice(0, 10)"""

OVERFLOW = """() => [...document.querySelectorAll('#results *')].filter((e) => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5);
}).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute('class') || ''}`).slice(0, 10)"""


@pytest.mark.parametrize("width", [375, 768, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_is_wider_than_the_screen(browser, site, real_dir, width, scheme):
    """Intent: at 375, 768 and 1280 px, light and dark, the sample and a drop of the real logs render every chart
    (drawn for the width it gets) and no element of the results extends past the viewport (issue 12: at 375 px
    every chart was cut off). Screenshots go to tests/screenshots/ for a person to look at."""
    p = Page(browser, site, viewport={"width": width, "height": 900}, color_scheme=scheme).boot()
    SHOTS.mkdir(exist_ok=True)
    for name, start in (("sample", lambda: p.page.click("#sample-button")),
                        ("real", lambda: p.page.set_input_files("#folder-input", str(real_dir)))):
        start()
        p.wait_results()
        for box in ("split-chart", "curve-chart", "whatif-chart"):
            assert p.page.locator(f"#{box} svg").count() == 1, box
            svg_w = float(p.page.get_attribute(f"#{box} svg", "viewBox").split()[2])
            assert svg_w <= width, f"{box} drawn {svg_w} wide for a {width} px screen"
        assert p.page.evaluate(OVERFLOW) == [], f"{name} at {width} px ({scheme}) overflows"
        assert p.page.evaluate(TEXT_OUTSIDE) == [], f"{name} at {width} px: chart text outside its chart"
        assert p.page.evaluate("document.documentElement.scrollWidth") <= width
        p.page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
        # Issue 25: the estimated cost is on the first screen after the results' heading, the disclaimer one line
        # with "Read more", and a long sessions table shows its top 15 rows until asked for all.
        p.page.evaluate("document.getElementById('res-h').scrollIntoView()")
        top = p.page.evaluate("document.getElementById('res-h').getBoundingClientRect().top")
        assert p.page.locator("#h-cost").bounding_box()["y"] - top < 900 * 0.75
        assert p.page.locator("#honest-more summary").is_visible()
        n = int(p.page.get_attribute("#sessions-table", "data-rows"))
        shown = p.page.locator("#sessions-table tbody tr:visible").count()
        assert shown == min(n, 15) and p.page.locator("#sessions-all").is_visible() == (n > 15)
        if n > 15:
            p.page.click("#sessions-all")
            p.page.wait_for_function(f"() => document.querySelectorAll('#sessions-table tbody tr').length === {n}")
            p.page.click("#sessions-all")
            assert p.page.locator("#sessions-table tbody tr:visible").count() == 15
        # Issue 24: what fills the context, readable at every width (its own screenshot to look at).
        assert p.page.locator("#sources-table tbody tr").count() >= 3
        assert p.page.locator("#sources-kind-table tbody tr").count() >= 2
        p.page.locator("#sources-section").screenshot(path=str(SHOTS / f"sources-{name}-{width}-{scheme}.png"))
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


@pytest.mark.parametrize("width", [375, 768, 1280])
def test_the_html_page_fits_the_screen(browser, real_dir, tmp_path, width):
    """Intent (issue 25): the `--html` page of the real logs was 729 px wide on a 375 px screen; nothing of it is
    wider than the viewport, and every chart's text lies inside its chart."""
    out = tmp_path / "r.html"
    subprocess.run([sys.executable, "-m", "py_core", str(real_dir), "--no-cache", "--html", str(out)], cwd=ROOT,
                   capture_output=True, check=True, timeout=120)
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.goto(out.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(TEXT_OUTSIDE.replace("#results svg text", "svg text")) == []
    page.screenshot(path=str(SHOTS / f"html-{width}.png"))
    ctx.close()


def test_charts_are_redrawn_when_the_window_narrows(browser, site):
    """Intent: after a resize the charts are drawn again for the new width (never scaled past legibility)."""
    p = Page(browser, site, viewport={"width": 1280, "height": 900}).boot()
    p.page.click("#sample-button")
    p.wait_results()
    wide = float(p.page.get_attribute("#split-chart svg", "viewBox").split()[2])
    p.page.set_viewport_size({"width": 375, "height": 900})
    p.page.wait_for_function("() => Number(document.querySelector('#split-chart svg').getAttribute('viewBox')"
                             ".split(' ')[2]) < 400", timeout=30_000)
    assert wide > 900 and p.page.evaluate(OVERFLOW) == []
    p.ctx.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("heavy", [False, True], ids=["every-family", "heavy-team"])
def test_the_share_card_holds_every_line_with_every_model_family(web, width, heavy):
    """Intent: a report with every model family wraps the card's footer and grows the card: every text of the
    card (the dates and "not a bill" included) lies inside it, drawn by share.js as by share.py. Issues 30 and 33:
    a heavy team's line ran off the right edge (626 of 600 px) and the legend ran into itself with the default Linux
    font: no two of its texts and colour squares overlap, at a phone's width and a desktop's."""
    from py_core.views import share
    from tests.test_views import EVERY_FAMILY
    from tests.conftest import analyze
    web.page.set_viewport_size({"width": width, "height": 900})
    rep = analyze(jsonl(*[asst(f"m{i}", f"r{i}", model=m, ts=f"2026-0{1 + i % 9}-1{i % 9}T10:00:00Z")
                          for i, m in enumerate(EVERY_FAMILY)]), tz="UTC")
    summary = share.summarize(rep)
    if heavy:
        summary.update(cost_usd=987_654_321.98, requests=123_456_789_012, sessions=987_654, peak_context=999_999,
                       split=[46.1, 20.1, 13.9, 19.8, 0.1], cache_hit_rate=99.9)
    got = web.page.evaluate("""async (s) => {
      const m = await import("/share.js");
      const box = document.createElement("div");
      box.style.width = "100%";
      box.innerHTML = m.cardSvg(s);  // share.js escapes every string; a test page, the summary is ours
      document.body.append(box);
      const svg = box.querySelector("svg");
      svg.style.width = "100%";
      svg.style.height = "auto";
      const [, , w, h] = svg.getAttribute("viewBox").split(" ").map(Number);
      const texts = [...svg.querySelectorAll("text")].map((t) => t.getBBox());
      const outside = texts.filter((b) => b.x < 0 || b.y < 0 || b.x + b.width > w - 20 || b.y + b.height > h).length;
      const legend = [...svg.querySelectorAll(".ts-card-swatch, .ts-card-legend")].map((e) => e.getBBox());
      let overlaps = 0;
      legend.forEach((a, i) => legend.slice(i + 1).forEach((b) => {
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps += 1;
      }));
      box.remove();
      return [outside, overlaps, legend.length];
    }""", summary)
    assert got[:2] == [0, 0] and got[2] == 2 * sum(1 for v in summary["split"] if v > 0)
    assert web.page.evaluate("async (s) => (await import('/share.js')).cardSvg(s)", summary) == share.card_svg(summary)


def set_filter(page, field, value):
    page.evaluate("([id, v]) => { const e = document.getElementById(id); e.value = v;"
                  " e.dispatchEvent(new Event('change')); }", [field, value])


def test_filters_and_grouping_give_the_cli_numbers(web, real_dir):
    """Intent: the page's date range, project, session and grouping rebuild the report in the worker (no parsing)
    and give what the CLI gives with --since/--until, --project, --session and --by."""
    web.page.set_input_files("#folder-input", str(real_dir))
    web.wait_results()
    set_filter(web.page, "f-since", "2025-09-01")
    web.wait_results()
    set_filter(web.page, "f-until", "2025-12-31")
    web.wait_results()
    rep = cli_json(real_dir, "--since", "2025-09-01", "--until", "2025-12-31")
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep
    set_filter(web.page, "f-by", "month")
    web.wait_results()
    rep = cli_json(real_dir, "--since", "2025-09-01", "--until", "2025-12-31", "--by", "month")
    assert json.loads(web.download("#download-json")) == rep
    assert web.page.inner_text("#days-h") == "Spend per month"
    web.page.click("#f-clear")
    web.wait_results()
    project = cli_json(real_dir)["projects"][1]["project"]
    web.page.select_option("#f-project", project)
    web.wait_results()
    rep = cli_json(real_dir, "--project", project)
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep
    web.page.click("#f-clear")
    web.wait_results()
    sid = rep["sessions"][0]["session_id"]
    set_filter(web.page, "f-session", sid[:8])
    web.wait_results()
    rep = cli_json(real_dir, "--session", sid[:8])
    assert_dom_matches(web.page, rep)
    assert web.download("#download-csv").decode() == cli_csv(real_dir, "--session", sid[:8])
    set_filter(web.page, "f-since", "2031-01-01")
    web.page.wait_for_selector("#filter-note:has-text('Nothing to show')")
    assert web.page.locator("#results-body").is_hidden()
    assert web.page.inner_text("#covers").strip() == ""  # issue 25: no stale "1 session · 1 project · …" above it


def test_share_outputs_hold_no_log_text_and_the_link_opens_as_a_card(browser, site, web):
    """Intent: Share gives Markdown, a link, an SVG and a PNG card without any sentinel from the log; opening
    the link renders the card from the fragment alone, never loading Python (no wasm request)."""
    from py_core.views import share
    from tests.test_share import sentinel_logs
    web.drop([("SENTINEL-FILE.jsonl", sentinel_logs())])
    web.wait_results()
    web.page.click("#share-button")
    web.page.wait_for_selector("#share-panel:not([hidden]) #share-card svg")
    markdown = web.page.input_value("#share-markdown")
    link = web.page.input_value("#share-link")
    # Issue 25: served from 127.0.0.1, the link is said to open only where tokenscope is served at that address.
    assert "this machine's own tokenscope" in web.page.inner_text("#share-link-note")
    svg = web.download("#share-svg").decode()
    png = web.download("#share-png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"tEXt" not in png and b"iTXt" not in png
    for out in (markdown, link, svg, png.decode("latin-1")):
        assert "SENTINEL" not in out
    assert link.startswith(site + "/#s1&") and f"({link})" in markdown
    summary = share.from_fragment(link.split("#", 1)[1])
    assert svg == share.card_svg(summary)

    p = Page(browser, site)
    p.page.goto(link)
    p.page.wait_for_selector("body[data-card] #card-view-card svg")
    assert share.headline(summary) == p.page.inner_text("#card-view-headline")
    assert f"${summary['cost_usd']:,.2f}" in p.page.inner_text("#card-view-card")
    # The page has decided not to start Python (it says so); no fixed wait (issue 31 item 7).
    p.page.wait_for_selector("#boot-status:has-text('Python starts when you give it logs')")
    p.page.wait_for_load_state("networkidle")
    assert not any(u.endswith(".wasm") or u.endswith(".whl") for u in p.requests)
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


CARD_FRAGMENTS = [
    "s1&c=0&r=0,0,0,0,0&t=0&n=0&p=0&h=&s=&m=&d=0&f=",
    "s1&c=1278.4&r=66,20,14,0,0&t=1270&n=1&p=1125000&h=98.2&s=66&m=&d=52340&f=o4.7&a=20250608&b=20250609",
    "s1&c=1234567.89&r=0.1,99.8,0.1,0,0&t=999999&n=1000&p=12500&h=0.5&s=2.5&m=50.5&d=3600&f=s4-h3.5-m5.1-x&a=20260101"
    "&b=20261231&u=1",
    "s1&c=4.17&r=36.9,38.9,24,0,0.2&t=50&n=1&p=141305&h=94.7&s=36.9&m=&d=2728&f=h4.5-o4.7&a=20261102&b=20261102",
]


@pytest.mark.parametrize("fragment", CARD_FRAGMENTS)
def test_javascript_card_is_byte_identical_to_python(web, fragment):
    """Intent: web/share.js (cards without Python) and py_core/views/share.py draw the very same SVG."""
    from py_core.views import share
    js = web.page.evaluate("""async (frag) => {
      const m = await import("/share.js");
      return [m.cardSvg(m.fromFragment(frag)), m.headline(m.fromFragment(frag))];
    }""", fragment)
    summary = share.from_fragment(fragment)
    assert js == [share.card_svg(summary), share.headline(summary)]


def test_pasted_share_link_shows_the_card(web):
    """Intent: the paste box tells a share link from a log and shows the card without analysing anything."""
    web.page.fill("#paste", "look: http://example.invalid/#" + CARD_FRAGMENTS[1])
    web.page.click("#analyze-button")
    web.page.wait_for_selector("body[data-card] #card-view-card svg")
    assert "$1,278.40" in web.page.inner_text("#card-view-card")
    assert web.page.locator("#results").is_hidden()


@pytest.fixture
def docs_site(tmp_path):
    """A second local origin, standing for someone's docs site, serving tmp_path."""
    import functools
    import http.server
    class Quiet(http.server.SimpleHTTPRequestHandler):  # a plain static server, no CSP of ours
        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def widget_page(browser, url):
    p = Page(browser, url.split("/docs")[0])
    p.ctx.unroute("**/*")
    p.ctx.route("**/*", lambda route: (p.requests.append(route.request.url), route.continue_()))
    p.page.goto(url)
    return p


def test_widgets_from_another_origin_render_the_right_totals(browser, site, docs_site):
    """Intent: a docs page on one origin embeds widget.js from another: a JSONL widget (Python, through a
    blob trampoline) and a report widget both show the CLI's cost; the page's own content shows meanwhile."""
    from py_core.views import share
    folder, docs = docs_site
    rep = cli_json(SAMPLE)
    (folder / "report.json").write_text(json.dumps(rep))
    (folder / "log.json").write_bytes(SAMPLE.read_bytes())  # issue 30: a JSONL log served as .json is a log
    (folder / "docs.html").write_text(f"""<!doctype html><meta charset="utf-8">
      <script type="module" src="{site}/widget.js"></script>
      <tokenscope-report id="log" src="{site}/sample.jsonl">static log text</tokenscope-report>
      <tokenscope-report id="rep" src="report.json">static report text</tokenscope-report>
      <tokenscope-report id="logjson" src="log.json">static log text</tokenscope-report>
      <tokenscope-report id="bad" src="missing.json">static fallback</tokenscope-report>""")
    p = widget_page(browser, f"{docs}/docs.html")
    for wid in ("log", "rep", "logjson"):
        p.page.wait_for_selector(f'#{wid}[data-state="ready"]', timeout=BOOT_TIMEOUT)
    p.page.wait_for_selector('#bad[data-state="error"]', timeout=BOOT_TIMEOUT)
    want = share.summarize(rep)
    for wid in ("log", "rep", "logjson"):
        assert float(p.page.get_attribute(f"#{wid}", "data-cost")) == want["cost_usd"]
        assert p.page.locator(f"#{wid} svg.ts-card").count() == 1  # locators pierce the open shadow root
        assert p.page.get_attribute(f"#{wid}", "aria-label") == share.headline(want)
    assert "static fallback" in p.page.inner_text("#bad")  # its own content stays, with the reason beside it
    assert "missing.json: HTTP 404" in p.page.locator("#bad .error").inner_text()
    assert sum(u.endswith("pyodide.asm.wasm") for u in p.requests) == 1  # one Python for the page
    assert p.errors == []
    p.ctx.close()


def test_report_and_summary_widgets_never_load_python(browser, site, docs_site):
    """Intent: widgets given a --json report or a share summary draw in JavaScript: no wasm, no wheel."""
    folder, docs = docs_site
    (folder / "report.json").write_text(json.dumps(cli_json(SAMPLE)))
    (folder / "docs.html").write_text(f"""<!doctype html><meta charset="utf-8">
      <script type="module" src="{site}/widget.js"></script>
      <tokenscope-report id="rep" src="report.json">r</tokenscope-report>
      <tokenscope-report id="sum" summary="#{CARD_FRAGMENTS[1]}">s</tokenscope-report>""")
    p = widget_page(browser, f"{docs}/docs.html")
    p.page.wait_for_selector('#rep[data-state="ready"]', timeout=BOOT_TIMEOUT)
    p.page.wait_for_selector('#sum[data-state="ready"]', timeout=BOOT_TIMEOUT)
    # Ready means drawn: a widget decides to start Python (a raw log) before it can be ready, so none will start now.
    p.page.wait_for_load_state("networkidle")
    assert p.page.get_attribute("#sum", "data-cost") == "1278.4"
    assert not any(u.endswith((".wasm", ".whl", "worker.mjs")) for u in p.requests)
    assert p.errors == []
    p.ctx.close()


def test_embed_page_examples_render(browser, site):
    """Intent: web/embed.html's live examples render under the page's own strict CSP."""
    p = Page(browser, site)
    p.page.goto(site + "/embed.html")
    for wid in ("example-summary", "example-report", "example-log"):
        p.page.wait_for_selector(f'#{wid}[data-state="ready"]', timeout=BOOT_TIMEOUT)
    assert p.page.get_attribute("#example-report", "data-cost") == p.page.get_attribute("#example-log", "data-cost")
    SHOTS.mkdir(exist_ok=True)
    p.page.screenshot(path=str(SHOTS / "embed.png"), full_page=True)
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


def test_javascript_summary_of_a_report_equals_python(web, real_dir):
    """Intent: widgets summarise --json reports in JavaScript exactly as py_core.views.share.summarize does."""
    from py_core.views import share
    for rep in (cli_json(SAMPLE), cli_json(real_dir)):
        js = web.page.evaluate("""async (rep) => (await import("/share.js")).summarize(rep)""", rep)
        assert js == share.summarize(rep)


def test_pasted_json_report_renders_without_reanalysis(web):
    """Intent: the paste box tells a --json report from a log and shows it as is (charts drawn from it)."""
    rep = cli_json(SAMPLE)
    web.page.fill("#paste", json.dumps(rep))
    web.page.click("#analyze-button")
    web.wait_results()
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep
    assert web.page.locator("#curve-chart svg .ts-compaction").count() == 1
    web.page.click("#download-csv")
    assert "CSV needs the logs" in web.page.inner_text("#input-error")
    web.page.click("#share-button")
    web.page.wait_for_selector("#share-panel:not([hidden]) #share-card svg")
    assert "$4.17" in web.page.input_value("#share-markdown")


def test_insights_on_the_page_match_the_json(web, real_dir):
    """Intent: issue 6's insights appear on the page with the numbers --json gives, and their assumptions."""
    web.page.set_input_files("#folder-input", str(real_dir / "iansherr__claude-code-log" / "real_projects"))
    web.wait_results()
    rep = cli_json(real_dir / "iansherr__claude-code-log" / "real_projects")
    top = rep["sessions"][0]["insights"]
    best = top["what_if_compaction"]["best"]
    text = web.page.inner_text("#whatif-text")
    assert (f"saved ~${best['saving_usd']:,.2f}" in text) if best else ("No compaction threshold" in text)
    assert web.page.locator("#whatif-chart svg .ts-whatif-bar").count() == len(top["what_if_compaction"]["thresholds"])
    m = top["idle_cache_misses"]
    if m["count"]:
        assert web.page.inner_text("#misses-text").startswith(f"{m['count']} cache miss")
    else:  # issue 25: an empty part is hidden, not "0 cache misses … $0.00" over an empty table
        assert web.page.locator("#misses-text").is_hidden() and web.page.locator("#misses-table").is_hidden()
    assert web.page.locator("#resident-table tbody tr").count() == len(top["resident_context"]["largest"])
    assert "not a census" in web.page.inner_text("#reference-label")
    assert "$4.08" in web.page.inner_text("#reference-table")
    assert web.page.locator("#assumptions li").count() == 4
    latest = max(rep["sessions"], key=lambda s: s["last_timestamp"] or "")
    # Issue 33: these logs' last request was months ago: no next-request price, only when it was.
    assert web.page.inner_text("#h-next") == "–" and web.page.get_attribute("#h-next", "data-value") == ""
    assert web.page.inner_text("#h-next-sub").startswith(
        f"last request {latest['last_timestamp'][:16].replace('T', ' ')} UTC")
    assert web.page.locator("#projects-chart svg .ts-project").count() == min(len(rep["projects"]), 12)


# ---- issue 10: unusable and hostile input ------------------------------------------------------------------

@pytest.mark.parametrize("text, says", [
    ("just some words\nnot a log at all\n", "2 lines are not log lines"),
    (json.dumps({"type": "summary", "summary": "x"}) + "\n", "none carries API usage"),
    (json.dumps(asst(model="<synthetic>", inp=0, out=0)) + "\n", "placeholder line"),
    (json.dumps(user("hello", uuid="p1")) + "\n", "1 prompt but no response with its usage"),  # issue 25
], ids=["garbage", "metadata-only", "placeholders-only", "prompts-only"])
def test_a_paste_with_nothing_billable_is_an_error_not_a_dashboard(web, text, says):
    """Intent: a paste with no billable request shows one message beside the input (what was read, why nothing
    counts) and no $0 dashboard."""
    web.page.fill("#paste", text)
    web.page.click("#analyze-button")
    web.page.wait_for_selector("#input-error:has-text('Nothing to show')", timeout=BOOT_TIMEOUT)
    err = web.page.inner_text("#input-error")
    assert "no billable requests" in err and says in err
    assert web.page.locator("#results").is_hidden()


def test_a_line_nested_thousands_deep_is_counted_and_the_rest_analysed(web, tmp_path):
    """Intent: Pyodide's stack is smaller than CPython's: the page counts the line as nested too deeply, exactly
    as the CLI does, and goes on."""
    text = "[" * 20000 + "]" * 20000 + "\n" + '{"a":' * 3000 + "1" + "}" * 3000 + "\n" + SAMPLE.read_text()
    rep = paste_like_the_cli(web, tmp_path, text)
    assert rep["diagnostics"]["malformed"]["by_reason"] == {"nested too deeply": 2}
    assert "nested too deeply" in web.page.inner_text("#warnings")


def test_a_pasted_report_with_markup_is_drawn_as_text(web):
    """Intent: a --json report carrying markup in fields the charts and tables draw, and strings where numbers
    belong, renders (from the report Python conformed) without running or inserting anything."""
    rep = cli_json(SAMPLE)
    h = HOSTILE
    rep["sessions"][0]["project"] = h[0]
    rep["projects"][0]["project"] = h[2]
    rep["sessions"][0]["compactions"][0]["trigger"] = h[3]
    rep["models"][0]["model"] = h[1]
    rep["days"][0]["date"] = h[0]
    rep["projects"][0]["sessions"] = h[2]          # a string where a number belongs
    rep["sessions"][0]["peak_context_tokens"] = h[0]
    rep["totals"]["requests"] = "12<b>"
    web.page.fill("#paste", json.dumps(rep))
    web.page.click("#analyze-button")
    web.wait_results()
    assert web.page.evaluate("window.__pwned") is None
    assert web.page.locator("#results img, #results iframe, #results script, #results b").count() == 0
    assert h[0] in web.page.inner_text("#sessions-table")
    assert web.page.get_attribute("#h-requests", "data-value") == "0"
    titles = web.page.locator("#curve-chart svg title").all_text_contents()
    assert any(h[3] in t for t in titles)


def test_a_pasted_report_without_percentiles_says_no_nullth(web, tmp_path):
    """Intent (issue 21): a pasted report whose percentiles are missing read "the nullth percentile"; the rank line
    is left out, and ranks read as ordinals (1st, 2nd, 3rd, 11th) where they are there."""
    p = tmp_path / "proj"
    p.mkdir()
    (p / "a.jsonl").write_bytes(jsonl(asst("m1", "r1", session="a", out=5000)))
    (p / "b.jsonl").write_bytes(jsonl(asst("m2", "r2", session="b", out=100)))
    rep = cli_json(p)
    for s in rep["sessions"]:
        del s["insights"]["percentile"]
    web.page.fill("#paste", json.dumps(rep))
    web.page.click("#analyze-button")
    web.wait_results()
    text = web.page.inner_text("#results")
    assert "null" not in text and "undefined" not in text and "NaN" not in text
    got = web.page.evaluate("""async () => { const { ordinal } = await import("/format.js");
      return [1, 2, 3, 4, 11, 12, 13, 21, 22, 100, 101, 50.5, null].map(ordinal); }""")
    assert got == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "100th", "101st", "50.5th",
                   None]
    from py_core.core.present import ordinal
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 100, 101, 50.5)] == got[:-1]


def test_nested_workflow_subagents_in_a_dropped_folder(web, tmp_path):
    """Intent: `<session>/subagents/workflows/<run>/agent-*.jsonl` in a dropped folder are read, as by the CLI."""
    p = tmp_path / "projects" / "proj"
    (p / "s1" / "subagents" / "workflows" / "run-1").mkdir(parents=True)
    (p / "s1.jsonl").write_bytes(jsonl(asst("m1", "r1", session="s1")))
    (p / "s1" / "subagents" / "workflows" / "run-1" / "agent-w1.jsonl").write_bytes(
        jsonl(asst("m2", "r2", session="s1", sidechain=True, agent="w1")))
    web.page.set_input_files("#folder-input", str(tmp_path / "projects"))
    web.wait_results()
    rep = cli_json(tmp_path / "projects")
    assert rep["totals"]["requests"] == 2
    assert_dom_matches(web.page, rep)
    assert json.loads(web.download("#download-json")) == rep


def test_a_second_drop_of_the_same_folder_reads_nothing(web, real_dir, tmp_path):
    """Intent: the page store (issue 14): picking the same folder again parses no file and shows the same numbers;
    a file that grew is read again, and the numbers follow it; "Forget what this page stored" empties the store."""
    folder = tmp_path / "real"
    shutil.copytree(real_dir, folder)
    logs = sorted(folder.rglob("*.jsonl"))
    body = web.page.locator("body")

    def pick():
        web.page.set_input_files("#folder-input", str(folder))
        web.wait_results()
        return int(body.get_attribute("data-parsed")), int(body.get_attribute("data-unchanged"))

    assert pick() == (len(logs), 0)
    first = json.loads(web.download("#download-json"))
    assert first == cli_json(folder)
    assert pick() == (0, len(logs))
    assert "unchanged since this page last read them" in web.page.inner_text("#store-note")
    assert json.loads(web.download("#download-json")) == first
    with open(logs[0], "ab") as fh:
        fh.write(b'{"type":"assistant","sessionId":"grown","timestamp":"2026-01-10T10:00:00.000Z","message":'
                 b'{"id":"msg_grown","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":10,'
                 b'"output_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}\n')
    assert pick() == (1, len(logs) - 1)
    grown = json.loads(web.download("#download-json"))
    assert grown == cli_json(folder) and grown["totals"]["requests"] == first["totals"]["requests"] + 1
    web.page.click("#forget-button")
    web.page.wait_for_selector("#forget-note:has-text('Forgotten')")
    assert pick() == (len(logs), 0)


def test_after_a_reload_a_drop_takes_each_sessions_part_from_the_page_store(web, tmp_path):
    """Intent (issue 20 item 5): the worker keeps each session's part of the report in IndexedDB: after a reload,
    dropping the same folder builds no session (every part kept) and shows the CLI's numbers; a log that grew builds
    its own session only."""
    proj = tmp_path / "projects" / "proj"
    proj.mkdir(parents=True)
    for i in range(3):
        (proj / f"s{i}.jsonl").write_bytes(jsonl(user("go", uuid=f"p{i}", session=f"s{i}"),
                                                 asst(f"m{i}", f"r{i}", session=f"s{i}", out=1000 * (i + 1))))
    body = web.page.locator("body")

    def pick():
        web.page.set_input_files("#folder-input", str(tmp_path / "projects"))
        web.wait_results()
        return int(body.get_attribute("data-parsed")), int(body.get_attribute("data-sessions-kept"))

    assert pick() == (3, 0)
    web.page.reload()
    web.page.wait_for_selector("body[data-ready]", timeout=BOOT_TIMEOUT)
    web.renders = 0
    assert pick() == (0, 3)
    assert json.loads(web.download("#download-json")) == cli_json(tmp_path / "projects")
    with open(proj / "s1.jsonl", "ab") as fh:
        fh.write(jsonl(asst("m1b", "r1b", session="s1", out=5000, ts="2026-01-10T11:00:00.000Z")))
    assert pick() == (1, 2)
    assert json.loads(web.download("#download-json")) == cli_json(tmp_path / "projects")


def test_a_damaged_stored_record_costs_one_read_not_every_drop(web, tmp_path):
    """Intent (issue 21): a damaged IndexedDB record made every later drop of that file fail ("Analysis failed:
    Unterminated string...") until "Forget": the file is read whole instead, the numbers are the CLI's, and its
    record is stored anew (the next drop reads nothing)."""
    proj = tmp_path / "projects" / "proj"
    proj.mkdir(parents=True)
    (proj / "s1.jsonl").write_bytes(jsonl(user("go", uuid="p1"), asst("m1", "r1", out=1000)))
    (proj / "s2.jsonl").write_bytes(jsonl(asst("m2", "r2", session="s2", out=2000)))
    body = web.page.locator("body")

    def pick():
        web.page.set_input_files("#folder-input", str(tmp_path / "projects"))
        web.wait_results()
        return int(body.get_attribute("data-parsed")), int(body.get_attribute("data-unchanged"))

    assert pick() == (2, 0)
    damaged = web.page.evaluate("""() => new Promise((resolve, reject) => {
      const req = indexedDB.open("tokenscope");
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const tx = req.result.transaction("files", "readwrite");
        const files = tx.objectStore("files");
        const all = files.getAllKeys();
        all.onsuccess = () => {
          const key = all.result.find((k) => String(k).endsWith("s1.jsonl"));
          const get = files.get(key);
          get.onsuccess = () => {
            const r = get.result;
            r.state = r.state.slice(0, r.state.length >> 1) + '","op":"end';  // cut short, an op appended
            files.put(r, key);
          };
        };
        tx.oncomplete = () => resolve(true);
      };
    })""")
    assert damaged
    # A new page (the worker holds the files of its last analysis in memory, and would not look at the store).
    web.page.reload()
    web.page.wait_for_selector("body[data-ready]", timeout=BOOT_TIMEOUT)
    web.renders = 0
    assert pick() == (1, 1)
    assert web.page.locator("#input-error").inner_text().strip() == ""
    assert json.loads(web.download("#download-json")) == cli_json(tmp_path / "projects")
    assert pick() == (0, 2)


def test_watching_a_folder_follows_a_growing_log(web, tmp_path):
    """Intent: issue 15's live page: a watched folder (a folder of the Origin Private File System, handed to the
    same entry the picker uses) is re-read when a log grows: the headline changes without a re-drop, the grown
    log is read only from its last complete line, the others not at all, and nothing leaves the page; on a phone
    the live line fits the screen."""
    web.page.set_viewport_size({"width": 375, "height": 800})
    # Recent stamps: a session idle for over a day has no next-request figure to watch (issue 33).
    import time as _time
    from datetime import datetime, timezone

    def ago(seconds):
        return datetime.fromtimestamp(_time.time() - seconds, timezone.utc).isoformat(timespec="milliseconds") \
            .replace("+00:00", "Z")
    first = jsonl(user("go", uuid="p1", ts=ago(120)), asst("m1", "r1", inp=0, out=100_000, ts=ago(90)))
    other = jsonl(asst("o1", "ro", inp=0, out=100_000, session="s2", ts=ago(3600)))
    web.page.evaluate("""async ([a, b]) => {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle("projects", { create: true });
      const proj = await dir.getDirectoryHandle("proj", { create: true });
      for (const [name, text] of [["s1.jsonl", a], ["s2.jsonl", b]]) {
        const w = await (await proj.getFileHandle(name, { create: true })).createWritable();
        await w.write(text); await w.close();
      }
      window.tokenscopeWatch(dir);
    }""", [first.decode(), other.decode()])
    web.wait_results()
    assert float(web.page.get_attribute("#h-cost", "data-value")) == 3.0  # two requests of $1.50
    web.page.wait_for_selector("#watch-text:has-text('Watching “projects”')")
    web.page.evaluate("""async (line) => {
      const root = await navigator.storage.getDirectory();
      const proj = await (await root.getDirectoryHandle("projects")).getDirectoryHandle("proj");
      const h = await proj.getFileHandle("s1.jsonl");
      const size = (await h.getFile()).size;
      const w = await h.createWritable({ keepExistingData: true });
      await w.seek(size); await w.write(line); await w.close();
    }""", jsonl(asst("m2", "r2", inp=0, out=100_000, ts=ago(30))).decode())
    web.wait_results()
    assert float(web.page.get_attribute("#h-cost", "data-value")) == 4.5
    body = web.page.locator("body")
    assert (body.get_attribute("data-parsed"), body.get_attribute("data-appended"),
            body.get_attribute("data-unchanged")) == ("1", "1", "1")
    assert "next request ≈" in web.page.inner_text("#watch-text")
    # Issue 23: the countdown is the log's; Claude Code's own cache facts reach only its status line.
    assert "reaches only its status line" in web.page.inner_text("#watch-text")
    assert web.page.evaluate("document.documentElement.scrollWidth") <= 375
    box = web.page.locator("#watch-status").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    web.page.click("#watch-stop")
    assert web.page.get_attribute("body", "data-watching") is None


def test_watch_button_says_what_to_use_without_the_api(browser, site):
    """Intent: where the File System Access API is missing, "Watch a folder" says what to use instead."""
    p = Page(browser, site)
    p.ctx.add_init_script("delete window.showDirectoryPicker")
    p.boot()
    p.page.click("#watch-button")
    p.page.wait_for_selector("#input-error:has-text('tokenscope watch')")
    assert p.foreign_requests() == [] and p.errors == []
    p.ctx.close()


def test_dropped_labelled_state_files_show_the_team_table(web, tmp_path):
    """Intent: issue 16's team view: two developers' labelled state files dropped on the page give the per-label
    table with each one's spend (Sonnet 4.5 output $15/M: 100k output tokens = $1.50) and their sum, as the CLI;
    on a phone nothing of it is wider than the screen."""
    web.page.set_viewport_size({"width": 375, "height": 800})
    states = []
    for who, n in (("alice", 1), ("bob", 2)):
        d = tmp_path / who / "proj"
        d.mkdir(parents=True)
        (d / "s.jsonl").write_bytes(jsonl(*(asst(f"{who}{i}", f"r{who}{i}", session=f"{who}-s", inp=0, out=100_000,
                                                 ts=f"2026-01-10T10:0{i}:00.000Z") for i in range(n))))
        path = tmp_path / f"{who}.tokenscope"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli_main([str(d.parent), "--json", "--no-cache", "--save-state", str(path), "--label", who]) == 0
        states.append(path)
    web.drop([(p.name, p.read_bytes()) for p in states])
    web.page.wait_for_selector('body[data-results="1"], #input-error:not(:empty)', timeout=90_000)
    assert web.page.inner_text("#input-error") == ""
    web.renders += 1
    rows = web.page.locator("#team-table tbody tr")
    assert rows.count() == 2
    assert [r.inner_text().split("\t") for r in rows.all()] == [["bob", "1", "2", "$3.00"], ["alice", "1", "1", "$1.50"]]
    assert float(web.page.get_attribute("#h-cost", "data-value")) == 4.5
    assert web.page.evaluate(OVERFLOW) == [] and web.page.evaluate("document.documentElement.scrollWidth") <= 375
    assert json.loads(web.download("#download-json"))["team"] == cli_json(*states)["team"]


def test_a_reload_offers_to_watch_the_same_folder_again(web):
    """Intent: the watched folder's handle is remembered: after a reload the page offers to watch it again, asks
    the browser's permission (granted here: a folder of the Origin Private File System), and watches."""
    web.page.evaluate("""async (text) => {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle("again", { create: true });
      const w = await (await dir.getFileHandle("s.jsonl", { create: true })).createWritable();
      await w.write(text); await w.close();
      await window.tokenscopeWatch(dir);
    }""", jsonl(asst("m1", "r1", inp=0, out=100_000)).decode())
    web.wait_results()
    web.page.reload()
    web.page.wait_for_selector("body[data-ready]", timeout=BOOT_TIMEOUT)
    web.page.wait_for_selector("#watch-again:has-text('Watch “again” again')")
    web.page.click("#watch-again")
    web.renders = 0
    web.wait_results()
    assert float(web.page.get_attribute("#h-cost", "data-value")) == 1.5
    assert web.page.get_attribute("body", "data-watching") == "again"
