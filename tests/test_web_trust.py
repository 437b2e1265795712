"""Issue 30 on the page: never a wrong number, never a dead report.

A file that fails part way is named as read in part and never remembered; a file's identity is its size, time and a
fingerprint of its last bytes (a rewrite with its time put back is read again); NUL runs are read as the CLI reads
them; what the page says is what happened (a refused store, a log that mentions a share link, a report picked as a
file)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.browser import BOOT_TIMEOUT, cli_json
from tests.conftest import asst, jsonl, user


def big_log(path, mb):
    """A log of about `mb` MB: one session of many requests, each with a large tool result (what makes a log big)."""
    filler = "x" * 40_000
    lines = []
    size = i = 0
    while size < mb << 20:
        i += 1
        ts = f"2026-01-10T{10 + (i // 3600) % 10:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
        lines.append(json.dumps(user([{"type": "tool_result", "tool_use_id": f"t{i}", "content": filler}],
                                     uuid=f"u{i}", ts=ts)))
        lines.append(json.dumps(asst(f"m{i}", f"r{i}", out=10 + i % 7, cr=1000 + i, ts=ts)))
        size += len(lines[-1]) + len(lines[-2]) + 2
    path.write_text("\n".join(lines) + "\n")
    return path


def pick(web, path, wait=True):
    web.page.set_input_files("#file-input", str(path))
    if wait:
        web.wait_results()
    body = web.page.locator("body")
    return int(body.get_attribute("data-parsed") or 0), int(body.get_attribute("data-unchanged") or 0)


def reload(web):
    web.page.reload()
    web.page.wait_for_selector("body[data-ready]", timeout=BOOT_TIMEOUT)
    web.renders = 0


def race(web, path, spoil):
    """Pick `path`, and once some of it was parsed, `spoil` it (move it away, or append to it): the rest of its reads
    fail. Returns the report the page shows (downloaded)."""
    pick(web, path, wait=False)
    web.page.wait_for_function("() => document.getElementById('progress-bar').value > 0", timeout=BOOT_TIMEOUT)
    spoil()
    web.wait_results()
    return json.loads(web.download("#download-json"))


def test_a_file_that_fails_part_way_is_named_partial_and_never_remembered(web, tmp_path):
    """Intent: a log moved away (or appended to) while the page reads it counts what was read, says it was read only
    in part (not "not read"), and is read again on the next pick — in the same page (the worker's memory) and after a
    reload (IndexedDB) — giving the CLI's figures; it used to be stored as if whole and shown short forever."""
    log = big_log(tmp_path / "big.jsonl", 96)
    away = tmp_path / "away.jsonl"
    full = cli_json(log)

    def rename():
        os.rename(log, away)

    def put_back():
        os.rename(away, log)

    short = race(web, log, rename)
    put_back()
    assert 0 < short["totals"]["requests"] < full["totals"]["requests"]
    entry = short["diagnostics"]["unreadable_files"][0]
    assert entry["file"] == "big.jsonl" and 0 < entry["bytes_counted"] < log.stat().st_size
    warnings = web.page.inner_text("#warnings")
    assert "read only in part" in warnings and "not read and" not in warnings
    assert web.page.locator("body").get_attribute("data-partial") == "1"
    assert "read again next time" in web.page.inner_text("#store-note")
    # The same page: nothing of it was kept in the worker's memory either.
    assert pick(web, log) == (1, 0)
    assert json.loads(web.download("#download-json")) == full

    # A new page, an append while it reads (what a running session does): read again after a reload.
    web.page.click("#forget-button")
    web.page.wait_for_selector("#forget-note:has-text('Forgotten')")
    reload(web)
    stamp = log.stat().st_mtime_ns

    def append():
        with open(log, "ab") as fh:
            fh.write(b"\n")

    short = race(web, log, append)
    assert short["totals"]["requests"] < full["totals"]["requests"]
    reload(web)
    assert pick(web, log) == (1, 0)
    assert json.loads(web.download("#download-json"))["totals"] == cli_json(log)["totals"] == full["totals"]
    assert log.stat().st_mtime_ns != stamp


def test_a_log_rewritten_with_its_time_put_back_is_read_again(web, tmp_path):
    """Intent: the page's identity of a file is as strong as the CLI's: a log rewritten in place with the same size and
    its modification time put back shows the new figures (it showed the stored ones), in the same page and after a
    reload."""
    folder = tmp_path / "projects" / "proj"
    folder.mkdir(parents=True)
    log = folder / "s.jsonl"
    other = folder / "t.jsonl"
    other.write_bytes(jsonl(asst("m9", "r9", session="t", out=500)))

    def write(out):
        log.write_bytes(jsonl(user("go"), *(asst(f"m{i}", f"r{i}", out=out) for i in range(1, 4))))
        os.utime(log, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))

    def pick_folder():
        web.page.set_input_files("#folder-input", str(tmp_path / "projects"))
        web.wait_results()
        body = web.page.locator("body")
        return int(body.get_attribute("data-parsed")), int(body.get_attribute("data-unchanged"))

    write(1000)
    assert pick_folder() == (2, 0)
    size = log.stat().st_size
    write(9000)  # the same number of digits: the same size, and the same time
    assert log.stat().st_size == size
    assert pick_folder() == (1, 1)
    assert json.loads(web.download("#download-json")) == cli_json(tmp_path / "projects")
    write(5000)
    reload(web)
    assert pick_folder() == (1, 1)
    rep = json.loads(web.download("#download-json"))
    assert rep == cli_json(tmp_path / "projects") and rep["totals"]["tokens"]["output"] == 3 * 5000 + 500


def test_a_log_with_nul_bytes_near_its_start_is_read_as_the_cli_reads_it(web, tmp_path):
    """Intent: a crash can leave a run of NUL bytes in an appended log; the page rejected the whole file as "binary
    data" when they were in its first 512 bytes, where the CLI counts its requests."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(b"\0" * 300 + b"\n" + jsonl(asst("m1", "r1", out=1000), asst("m2", "r2", out=2000)))
    assert pick(web, log) == (1, 0)
    rep = json.loads(web.download("#download-json"))
    assert rep == cli_json(log) and rep["totals"]["requests"] == 2


def test_a_store_that_refuses_is_said_not_remembered(web, tmp_path):
    """Intent: with the browser's storage full, the note says the files could not be remembered (it said "this page
    remembers them", and the next pick read them all again)."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", out=1000)))
    cdp = web.ctx.new_cdp_session(web.page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": web.site, "quotaSize": 1})
    pick(web, log)
    note = web.page.inner_text("#store-note")
    assert "could not be remembered" in note and "remembers them" not in note
    assert web.page.locator("body").get_attribute("data-unstored") == "1"


@pytest.mark.parametrize("prompt", ["see #s1&c=1&r=1,2,3,4,5 in the docs", "#s1&c=12.34"])
def test_a_pasted_log_that_mentions_a_share_link_is_analysed(web, tmp_path, prompt):
    """Intent: only a paste that is a share link (alone) opens a card; a small log whose prompt holds `#s1&` is a log
    (it was taken for "a damaged share link" and never analysed)."""
    text = jsonl(user(prompt), asst("m1", "r1", out=1000)).decode()
    (tmp_path / "pasted.jsonl").write_text(text)
    web.page.fill("#paste", text)
    web.page.click("#analyze-button")
    web.wait_results()
    assert json.loads(web.download("#download-json")) == cli_json(tmp_path / "pasted.jsonl")


def test_a_report_picked_as_a_file_is_shown_as_a_report(web, tmp_path):
    """Intent: a `--json` report chosen with "Choose files" (or dropped) is shown as when pasted (it said "Nothing to
    show")."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", out=1000)))
    rep = cli_json(log)
    (tmp_path / "report.json").write_text(json.dumps(rep))
    pick(web, tmp_path / "report.json")
    assert float(web.page.get_attribute("#h-cost", "data-value")) == rep["totals"]["cost_usd"]
    assert web.page.locator("#input-error").inner_text().strip() == ""


def test_copy_of_a_folder_is_one_read_then_unchanged(web, tmp_path, real_dir):
    """Intent: fingerprints cost no extra read on a first pick, and a second pick of an unchanged folder reads no
    file (each one small read of its last bytes) and shows the same report."""
    folder = tmp_path / "real"
    shutil.copytree(real_dir / "moredip__session-share", folder)
    logs = sorted(folder.rglob("*.jsonl"))
    web.page.set_input_files("#folder-input", str(folder))
    web.wait_results()
    first = json.loads(web.download("#download-json"))
    web.page.set_input_files("#folder-input", str(folder))
    web.wait_results()
    body = web.page.locator("body")
    assert (int(body.get_attribute("data-parsed")), int(body.get_attribute("data-unchanged"))) == (0, len(logs))
    assert json.loads(web.download("#download-json")) == first == cli_json(folder)


def test_a_state_file_of_more_sessions_than_the_page_holds_is_a_message(web, tmp_path):
    """Intent (issue 30 item 3): a small state file holding more sessions than the page holds crashed the tab after
    84 s; the worker refuses it before building any row, and the page says so and what to do."""
    from py_core.core import limits
    n = limits.PAGE_MAX_SESSIONS + 1
    log = tmp_path / "many.jsonl"
    with open(log, "w") as fh:
        for i in range(n):
            fh.write(json.dumps({"type": "assistant", "sessionId": f"s{i:06d}", "timestamp": "2026-01-10T10:00:00Z",
                                 "message": {"id": f"m{i}", "model": "claude-sonnet-4-5", "usage": {
                                     "input_tokens": 1, "output_tokens": 1}}}) + "\n")
    st = tmp_path / "many.tokenscope"
    from py_core.shells.cli import main
    assert main([str(log), "--no-cache", "--save-state", str(st), "--json"]) == 0  # the CLI holds them
    pick(web, st, wait=False)
    web.page.wait_for_selector("#input-error:has-text('more than one report holds')", timeout=BOOT_TIMEOUT)
    text = web.page.inner_text("#input-error")
    assert f"{n:,} sessions" in text and "tokenscope" in text
    assert web.page.locator("#results").is_hidden()


def test_a_report_larger_than_the_page_takes_is_refused_unread(web, tmp_path):
    """Intent: a --json report past the page's size is refused with its size, never parsed on the page's thread (a
    195 MB one crashed the tab)."""
    big = tmp_path / "report.json"
    with open(big, "w") as fh:
        fh.write('{"schema_version":1,"label":"' + "x" * (65 << 20) + '"}')
    pick(web, big, wait=False)
    web.page.wait_for_selector("#input-error:has-text('more than this page takes')", timeout=BOOT_TIMEOUT)
    assert web.page.locator("#results").is_hidden()


def test_a_pasted_report_is_drawn_from_its_view_and_downloads_whole(web, tmp_path):
    """Intent: the page holds a pasted report's view (its rows cut to what the page draws; issue 30), and Download
    JSON still gives the whole report as conformed, each session's insights shown from the one chosen."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(user("go"), asst("m1", "r1", out=1000, cr=5000),
                          asst("m2", "r2", session="s2", out=50, ts="2026-01-11T10:00:00.000Z")))
    rep = cli_json(log)
    web.page.fill("#paste", json.dumps(rep))
    web.page.click("#analyze-button")
    web.wait_results()
    assert float(web.page.get_attribute("#h-cost", "data-value")) == rep["totals"]["cost_usd"]
    assert json.loads(web.download("#download-json")) == rep
    assert "Compacting" in web.page.inner_text("#whatif-text") or "No compaction" in web.page.inner_text("#whatif-text")
    web.page.select_option("#session-select", "s2")
    web.page.wait_for_function("() => document.getElementById('session-select').value === 's2'")
    assert web.page.locator("#rank-text").count() == 1


def test_a_pasted_report_with_impossible_ratios_shows_no_figure(web, tmp_path):
    """Intent (issue 30): a pasted hostile report showed "Cache hit rate 500%"; a ratio outside 0-1 is no figure."""
    log = tmp_path / "s.jsonl"
    log.write_bytes(jsonl(asst("m1", "r1", out=1000, cr=5000)))
    rep = cli_json(log)
    rep["totals"]["cache_hit_rate"] = 5.0
    rep["totals"]["resent_share_pooled"] = 9.0
    web.page.fill("#paste", json.dumps(rep))
    web.page.click("#analyze-button")
    web.wait_results()
    assert web.page.inner_text("#h-hit") == "n/a" and web.page.inner_text("#h-resent") == "n/a"
    assert "500" not in web.page.inner_text(".headline")


@pytest.mark.parametrize("change", ["prices", "version"])
def test_the_page_after_an_upgrade_shows_the_new_figure(browser, tmp_path, change):
    """Intent (issue 31 item 1): the page's session parts (its worker's memo, seeded from IndexedDB after a reload) are
    kept under the one answer key — this code, the built-in price table, the options: after an upgrade that changed a
    price (or the version), a reload and the same drop show the new figure (it showed $4.17 where a fresh read said
    $8.33)."""
    import threading
    import zipfile

    import serve
    import vendor
    from tests.browser import Page
    from tests.test_upgrade import logs, upgraded
    vendor.vendor(log=lambda *a: None)  # the wheel of this code, before the copy
    root = logs(tmp_path)
    web_copy = tmp_path / "web"
    shutil.copytree(Path(serve.WEB), web_copy)
    srv = serve.make_server("127.0.0.1", 0, directory=str(web_copy))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        p = Page(browser, site).boot()

        def drop():
            p.page.set_input_files("#folder-input", str(root))
            p.wait_results()
            rep = json.loads(p.download("#download-json"))
            return (rep["totals"]["cost_usd"], len(rep["sessions"][0]["top_requests"]),
                    int(p.page.get_attribute("body", "data-sessions-kept")))

        first = drop()
        reload(p)
        assert drop() == (first[0], first[1], 1)  # the same code: the session's part comes from IndexedDB
        # The upgrade: the wheel the page loads now holds the changed code (same name, as a new release would).
        new_code = upgraded(tmp_path, change)
        manifest = json.loads((web_copy / "vendor" / "manifest.json").read_text())
        wheel = web_copy / manifest["core_wheel"]
        with zipfile.ZipFile(wheel) as z:
            entries = [(i, z.read(i.filename)) for i in z.infolist()]
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in entries:
                name = info.filename
                if name.startswith("py_core/") and (new_code / name).is_file():
                    data = (new_code / name).read_bytes()
                z.writestr(info, data)
        reload(p)
        after = drop()
        assert after[2] == 0 and after[:2] != first[:2]
        assert p.foreign_requests() == [] and p.errors == []
        p.ctx.close()
    finally:
        srv.shutdown()
        srv.server_close()
