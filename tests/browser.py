"""The page in headless Chromium, for the end-to-end tests: the booted page with its record of every request, and
the CLI's answers to compare with. The fixtures `site`, `browser` and `web` (tests/conftest.py) stand on this.

Debian's Chromium (/usr/bin/chromium) is used when present (Playwright cannot download browsers here); elsewhere
Playwright's own browser. Screenshots go to tests/screenshots/ (git-ignored).
"""

import base64
import contextlib
import io
import json
import os
import shutil
from pathlib import Path

from py_core.shells.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
SAMPLE = ROOT / "web" / "sample.jsonl"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BOOT_TIMEOUT = 90_000


def chromium_path():
    for p in (os.environ.get("TOKENSCOPE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if p and os.path.exists(p):
            return p
    return None


class Page:
    """A booted page plus the record of every request its context made (workers included)."""

    def __init__(self, browser, site, **ctx_opts):
        self.site = site
        self.requests = []
        self.ctx = browser.new_context(timezone_id="UTC", accept_downloads=True, **ctx_opts)
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.renders = 0

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.site + "/"):
            route.continue_()
        else:
            route.abort()

    def boot(self, query=""):
        return self.start(query).ready()

    def start(self, query=""):
        """Open the page; Python boots on while the caller does something else (`ready` waits for it)."""
        self.page.goto(self.site + "/" + query, wait_until="commit")
        return self

    def ready(self):
        self.page.wait_for_selector("body[data-ready]", timeout=BOOT_TIMEOUT)
        return self

    def wait_results(self):
        self.renders += 1
        self.page.wait_for_selector(f'body[data-results="{self.renders}"]', timeout=BOOT_TIMEOUT)

    def download(self, button):
        with self.page.expect_download() as d:
            self.page.click(button)
        return Path(d.value.path()).read_bytes()

    def drop(self, files):
        """Dispatch a real drop event carrying these (name, bytes) files."""
        self.page.evaluate("""(files) => {
          const dt = new DataTransfer();
          for (const [name, b64] of files) {
            const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            dt.items.add(new File([bin], name));
          }
          document.getElementById("dropzone").dispatchEvent(
            new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""", [[n, base64.b64encode(b).decode()] for n, b in files])

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith(self.site + "/")]


def cli_json(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main([*map(str, args), "--json", "--tz", "UTC"]) == 0
    return json.loads(out.getvalue())


def cli_csv(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main([*map(str, args), "--csv", "--tz", "UTC"]) == 0
    return out.getvalue()


def assert_dom_matches(page, rep):
    t = rep["totals"]
    assert float(page.get_attribute("#h-cost", "data-value")) == t["cost_usd"]
    assert int(page.get_attribute("#h-requests", "data-value")) == t["requests"]
    assert int(page.get_attribute("#h-peak", "data-value")) == max(s["peak_context_tokens"] for s in rep["sessions"])
    assert float(page.get_attribute("#h-hit", "data-value")) == t["cache_hit_rate"]
    # The table's top rows are built, the rest when asked for (issue 30); it says how many it holds.
    assert page.get_attribute("#sessions-table", "data-rows") == str(len(rep["sessions"]))
    assert page.locator("#sessions-table tbody tr").count() == min(15, len(rep["sessions"]))
    assert page.inner_text("#covers") == rep["covers"]
    assert page.locator("#split-chart svg .ts-b-cache_read").count() >= (1 if t["cost_by_bucket_usd"]["cache_read"] else 0)
