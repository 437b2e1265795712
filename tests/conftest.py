"""Builders for tiny inline log fixtures, and the path to the shared real logs."""

import json
import os
from pathlib import Path

import pytest

from py_core import Analyzer, build_report

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "real"


# A Python expression, for a child process to print its own peak memory in kB. On Linux not ru_maxrss: a child that
# subprocess starts with vfork inherits the parent's peak at exec (the old address space's high-water mark is copied
# into it), so a big pytest process made a small child look big; VmHWM is the child's own address space's. Where
# /proc is absent, ru_maxrss. It never reads 0: a missing VmHWM line raises in the child.
PEAK_KB = ("next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))"
           if os.path.exists("/proc/self/status") else
           "__import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss")


def asst(mid="msg_1", rid="req_1", *, model="claude-sonnet-4-5-20250929", inp=10, out=100, cw=0, cr=0,
         cw5m=None, cw1h=None, ts="2026-01-10T10:00:00.000Z", session="s1", sidechain=False, agent=None,
         type_="assistant", cwd="/home/u/proj", web=0, speed=None, geo=None, extra=None, content=None):
    """One assistant line with usage, as Claude Code writes it (defaults: a small Sonnet 4.5 turn)."""
    usage = {"input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": cw,
             "cache_read_input_tokens": cr}
    if cw5m is not None or cw1h is not None:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": cw5m or 0, "ephemeral_1h_input_tokens": cw1h or 0}
        usage["cache_creation_input_tokens"] = (cw5m or 0) + (cw1h or 0)
    if web:
        usage["server_tool_use"] = {"web_search_requests": web, "web_fetch_requests": 0}
    if speed:
        usage["speed"] = speed
    if geo:
        usage["inference_geo"] = geo
    msg = {"id": mid, "type": "message", "role": "assistant", "model": model,
           "content": content if content is not None else [{"type": "text", "text": "ok"}], "usage": usage}
    if mid is None:
        del msg["id"]
    d = {"parentUuid": None, "isSidechain": sidechain, "cwd": cwd, "sessionId": session, "version": "2.1.14",
         "message": msg, "uuid": f"u-{mid}-{rid}-{ts}", "timestamp": ts}
    if type_ is not None:
        d["type"] = type_
    if rid is not None:
        d["requestId"] = rid
    if agent:
        d["agentId"] = agent
    if extra:
        d.update(extra)
    return d


def user(text="hello", *, uuid="p1", session="s1", ts="2026-01-10T09:59:00.000Z", **extra):
    d = {"type": "user", "sessionId": session, "uuid": uuid, "timestamp": ts, "isSidechain": False,
         "cwd": "/home/u/proj", "message": {"role": "user", "content": text}}
    d.update(extra)
    return d


def jsonl(*objs):
    """Objects (dicts) or raw strings/bytes -> JSONL bytes."""
    out = []
    for o in objs:
        if isinstance(o, bytes):
            out.append(o)
        elif isinstance(o, str):
            out.append(o.encode())
        else:
            out.append(json.dumps(o).encode())
    return b"\n".join(out) + b"\n"


def analyze(*sources, **opts):
    """Report of one or more sources; each a bytes blob or (name, bytes)."""
    a = Analyzer()
    for i, s in enumerate(sources):
        name, data = s if isinstance(s, tuple) else (f"proj/file{i}.jsonl", s)
        a.feed_bytes(name, data)
    return build_report(a, **opts)


@pytest.fixture(scope="session")
def corpus50():
    """The benchmark's 50 MB corpus (bench/corpus.py: deterministic), built once — in bench/corpus/50, which the
    benchmark uses too, so a test run and a bench run share it (issue 31 item 7: it was built nine times a run)."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import corpus
    return Path(corpus.generate(str(Path(__file__).resolve().parent.parent / "bench" / "corpus" / "50"), 50))


@pytest.fixture
def real_dir():
    if not REAL.is_dir():
        pytest.skip("../shared/fixtures/real is absent (a user's clone): real-log tests skip")
    return REAL


def pytest_configure(config):
    os.environ.setdefault("TZ", "UTC")
    import tempfile
    import time
    time.tzset()  # the local zone the CLI defaults to follows TZ now, not only in later subprocesses
    # Module- and session-scoped fixtures run outside `_own_store` below: they too keep off the real ~/.cache.
    config._tokenscope_cache = os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tokenscope-test-cache-")


def pytest_unconfigure(config):
    import shutil
    folder = getattr(config, "_tokenscope_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)  # nothing of a test run is left in /tmp


@pytest.fixture(autouse=True)
def _own_store(tmp_path_factory, monkeypatch):
    """Every test gets an empty store of its own (issue 14): the CLI never writes to the real ~/.cache in tests, and
    no test sees another's stored states. Subprocesses inherit the variable."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    # The status line fits COLUMNS (issue 23): a terminal's width must not shorten the lines tests expect.
    monkeypatch.delenv("COLUMNS", raising=False)


# -- the page in Chromium (tests/browser.py): shared by every end-to-end test module --------------------------------
@pytest.fixture(scope="session")
def site():
    """The page served by serve.py on a free port, web/vendor set up first."""
    import threading

    import serve
    import vendor
    vendor.vendor(log=lambda *a: None)
    os.environ["TOKENSCOPE_QUIET"] = "1"
    srv = serve.make_server("127.0.0.1", 0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the run (Debian's when present: Playwright cannot download its own here)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_FLAGS, chromium_path
    with sync_playwright() as p:
        exe = chromium_path()
        b = p.chromium.launch(args=CHROMIUM_FLAGS, **({"executable_path": exe} if exe else {}))
        yield b
        b.close()


_SPARE = []  # the next test's page, booting while this test runs (issue 31 item 7: booting was most of their time)


@pytest.fixture
def web(browser, site):
    """A booted page (a fresh context: its own storage); afterwards, no request may have left its origin and no script
    error happened. The next test's page starts booting now, in its own context, and is ready by the time it runs."""
    from tests.browser import Page
    p = _SPARE.pop() if _SPARE and _SPARE[-1].site == site else Page(browser, site).start()
    p.ready()
    _SPARE[:] = [Page(browser, site).start()]
    yield p
    assert p.foreign_requests() == [], "a request left the page's origin"
    assert p.errors == []
    p.ctx.close()
