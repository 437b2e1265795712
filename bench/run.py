"""The benchmark: `python bench/run.py` (50 MB and 500 MB, medians of 3) -> bench/RESULTS.md.

Measures side by side, on the same deterministic corpus (bench/corpus.py):
  1. the CLI on CPython (`--json`): wall time, MB/s, peak RSS, with 1 process and with every core;
  2. ccusage 20.0.24 (`ccusage claude session --offline --json`) when installed (bench/.tools or PATH);
  3. the web page in headless Chromium: page open to ready (cold profile, then warm), analysis of the dropped
     corpus, MB/s, renderer peak memory, the longest main-thread task while analysing;
  4. a plain JavaScript JSON.parse-per-line pass over the same files in the same browser (a worker).
  5. the store (issue 14): the first run that fills it, a warm re-run, and a warm re-run after appending 1 MB
     across ten files (against ccusage re-reading everything), the store's size on disk; the page's second drop
     of the same folder against its first.
Every other CLI figure is a cold read (`--no-cache`).
It also checks that every configuration gives the single-process report. Not a test: nothing here
asserts a speed. `--smoke` (CI) runs the 50 MB corpus once and writes to a temporary file.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CCUSAGE = "ccusage@20.0.24"
PICK_SECONDS = 1.0  # from "ready" to the drop: faster than any person picks a folder


def corpus_bytes(projects):
    return sum(p.stat().st_size for p in Path(projects).rglob("*.jsonl"))


def run_cmd(cmd, env=None):
    """Wall seconds and peak RSS (bytes; the largest of the process and its waited-for children)."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, env=env)
        _pid, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {p.stderr.read().decode()[-500:]}")
    return wall, usage.ru_maxrss * 1024


def median_of(n, fn):
    runs = [fn() for _ in range(n)]
    return tuple(statistics.median(x) for x in zip(*runs))


def cli_output(projects, jobs, decoder="", cache=None):
    store = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    r = subprocess.run([sys.executable, "-m", "py_core", str(projects), "--json", "--tz", "UTC", "--jobs", str(jobs),
                        *store], cwd=ROOT, capture_output=True, check=True,
                       env={**os.environ, "TOKENSCOPE_DECODER": decoder})
    return json.loads(r.stdout)


APPEND_FILES = 10
_MSG_ID = re.compile(rb'"id":"msg_[^"]*"')


def with_id(line, mid):
    """A log line with its (first) message id replaced: a new response, as far as dedup can tell."""
    return _MSG_ID.sub(f'"id":"{mid}"'.encode(), line, count=1)


def append_mb(projects, seq, mb=1.0):
    """Append `mb` MB of new responses across the ten largest logs (each a copy of the file's last usage line with
    a new message id, as a session that goes on writes them)."""
    logs = sorted(Path(projects).rglob("*.jsonl"), key=lambda p: (-p.stat().st_size, str(p)))[:APPEND_FILES]
    per_file = int(mb * 1e6 / len(logs))
    for k, path in enumerate(logs):
        data = path.read_bytes()
        line = next(ln for ln in reversed(data.splitlines()) if b'"usage"' in ln and b'"assistant"' in ln)
        out = []
        n = 0
        while sum(map(len, out)) < per_file:
            out.append(with_id(line, f"msg_bench_{seq}_{k}_{n}") + b"\n")
            n += 1
        with open(path, "ab") as fh:
            fh.write(b"".join(out))


def session_log(projects, path, mb):
    """One session's log of `mb` MB: the largest corpus log's lines again and again, each response with its own id."""
    src = max(Path(projects).rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    lines = src.read_bytes().splitlines()
    target = int(mb * 1e6)
    n = 0
    with open(path, "wb") as fh:
        size = 0
        while size < target:
            for ln in lines:
                ln = with_id(ln, f"msg_sl_{n}") + b"\n"
                n += 1
                fh.write(ln)
                size += len(ln)
    return lines


def statusline_runs(projects, repeats):
    """`tokenscope statusline` as Claude Code runs it (a process, its JSON on stdin) on a 50 MB session log with a
    warm store, one response appended before each run; and `watch`'s CPU while nothing changes (issue 15)."""
    work = Path(tempfile.mkdtemp(prefix="tokenscope-bench-live-"))
    try:
        log = work / "projects" / "proj" / "session.jsonl"
        log.parent.mkdir(parents=True)
        lines = session_log(projects, log, 50)
        resp = next(ln for ln in reversed(lines) if b'"usage"' in ln and b'"assistant"' in ln)
        cache = work / "cache"
        cmd = [sys.executable, "-m", "py_core", "statusline", "--cache-dir", str(cache)]
        stdin = json.dumps({"session_id": "bench", "transcript_path": str(log)}).encode()
        # As installed (pip compiles the package): bytecode cached, even where PYTHONDONTWRITEBYTECODE is set
        # for the checkout (it is on the CI machines: every import would be compiled again on every render).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")

        def once():
            t0 = time.perf_counter()
            r = subprocess.run(cmd, input=stdin, capture_output=True, cwd=ROOT, env=env)
            wall = time.perf_counter() - t0
            if r.returncode != 0 or not r.stdout.strip():
                raise RuntimeError(f"statusline failed: {r.stderr.decode()[-300:]}")
            return wall
        fill = once()
        walls = []
        for i in range(max(10, repeats * 5)):
            with open(log, "ab") as fh:
                fh.write(with_id(resp, f"msg_sl_append_{i}") + b"\n")
            walls.append(once())
        floor = statistics.median(_wall([sys.executable, "-c", "pass"], env) for _ in range(5))
        out = {"fill": fill, "median": statistics.median(walls), "p90": sorted(walls)[int(len(walls) * 0.9) - 1],
               "runs": len(walls), "floor": floor, "log_bytes": log.stat().st_size}
        # watch: CPU seconds over 10 s of nothing changing, after its first view.
        p = subprocess.Popen([sys.executable, "-m", "py_core", "watch", str(projects), "--cache-dir", str(cache)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.readline()
        time.sleep(3)
        c0 = _cpu(p.pid)
        time.sleep(10)
        out["watch_idle_cpu"] = (_cpu(p.pid) - c0) / 10
        p.terminate()
        p.wait(timeout=10)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wall(cmd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env)
    return time.perf_counter() - t0


def _cpu(pid):
    """CPU seconds (user + system) a process has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dask_runs(projects, repeats, cores):
    """--engine dask on a LocalCluster of `cores` workers against --jobs (issue 16), and the figures of a scaling
    model measured here: map (analysing a batch) per MB, one merge of two batch states, the cluster's start-up."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return {"note": "dask[distributed] is not installed"}
    base = [sys.executable, "-m", "py_core", str(projects), "--json", "--tz", "UTC", "--no-curve"]
    dask_cmd = base + ["--engine", "dask", "--jobs", str(cores)]
    jobs_cmd = base + ["--no-cache", "--jobs", str(cores)]
    out = {"dask": statistics.median(run_cmd(dask_cmd)[0] for _ in range(repeats)),
           "jobs": statistics.median(run_cmd(jobs_cmd)[0] for _ in range(repeats))}
    out["identical"] = (subprocess.run(dask_cmd, cwd=ROOT, capture_output=True).stdout
                        == subprocess.run(jobs_cmd, cwd=ROOT, capture_output=True).stdout)
    from py_core.shells.dask import analyze_batch, list_files, merge
    from py_core.state.jobs import plan
    files, _metas, _problems = list_files([str(projects)])
    batches = plan(files, 8)
    t0 = time.perf_counter()
    parts = [analyze_batch(b) for b in batches]
    out["map_s_per_mb"] = (time.perf_counter() - t0) / (corpus_bytes(projects) / 1e6)
    t0 = time.perf_counter()
    m = parts[0]
    for p in parts[1:]:
        m = merge(m, p)
    out["merge_s"] = (time.perf_counter() - t0) / max(1, len(parts) - 1)
    out["batches"] = len(batches)
    from distributed import Client, LocalCluster
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None)
    Client(cluster).close()
    cluster.close()
    out["startup"] = time.perf_counter() - t0
    return out


def store_runs(projects, repeats, jobs):
    """The store (issue 14) on a copy of the corpus: cold (fills it), warm, and warm after 1 MB appended."""
    work = Path(tempfile.mkdtemp(prefix="tokenscope-bench-store-"))
    try:
        copy = work / "projects"
        shutil.copytree(projects, copy)
        cache = work / "cache"
        cmd = [sys.executable, "-m", "py_core", str(copy), "--json", "--tz", "UTC", "--jobs", str(jobs),
               "--cache-dir", str(cache)]
        res = {"fill": [], "warm": [], "append": []}
        for i in range(repeats):
            shutil.rmtree(cache, ignore_errors=True)
            res["fill"].append(run_cmd(cmd)[0])
            res["warm"].append(run_cmd(cmd)[0])
            append_mb(copy, i)
            res["append"].append(run_cmd(cmd)[0])
        out = {k: statistics.median(v) for k, v in res.items()}
        out["identical"] = cli_output(copy, jobs, cache=cache) == cli_output(copy, jobs)
        out["store_bytes"] = sum(p.stat().st_size for p in cache.iterdir())
        out["python"] = statistics.median(run_cmd([sys.executable, "-c", "import py_core.shells.cli"])[0]
                                          for _ in range(repeats))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def find_ccusage(install):
    local = HERE / ".tools" / "node_modules" / ".bin" / "ccusage"
    if local.exists():
        return str(local), None
    if shutil.which("ccusage"):
        return shutil.which("ccusage"), None
    if install and shutil.which("npm"):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(HERE / ".tools"), CCUSAGE],
                           capture_output=True, text=True)
        if r.returncode == 0 and local.exists():
            return str(local), None
        return None, f"npm install {CCUSAGE} failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}"
    return None, f"{CCUSAGE} is not installed (run without --no-install, or npm install it into bench/.tools)"


# ---------------------------------------------------------------- browser

def renderer_rss():
    """Memory of Chromium's renderer processes (the page and its workers live there), in bytes, two ways:
    (proportional set size, resident set size).

    PSS (smaps_rollup `Pss`) splits shared pages between the processes sharing them, so summing renderers does not
    count the shared libraries once per process; RSS counts every page each renderer maps, shared ones included
    (issue 13 asked for both: RSS is what a task manager shows).
    """
    total = rss = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if b"--type=renderer" not in cmd:
                continue
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total, rss


class Sampler:
    """Peaks of each value `fn` returns (a tuple), sampled every `every` seconds."""

    def __init__(self, fn, every=0.05):
        self.fn, self.every, self.peaks, self._stop = fn, every, None, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        now = self.fn()
        self.peaks = now if self.peaks is None else tuple(max(a, b) for a, b in zip(self.peaks, now))

    @property
    def peak(self):
        return self.peaks[0]

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self._sample()


LONGTASK_OBSERVER = """
window.__tsTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__tsTasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
"""
# Long tasks that start once the analysis has started (the start mark is set when our code gets the files);
# the task in which Chromium builds the FileList of a picked folder comes before it and is reported apart.
LONGEST = """() => {
  const s = performance.getEntriesByName("tokenscope:analyze:start")[0].startTime;
  const during = window.__tsTasks.filter(([t]) => t >= s).map(([, d]) => d);
  const before = window.__tsTasks.filter(([t, d]) => t < s && t + d >= s - 5).map(([, d]) => d);
  return [Math.max(0, ...during), Math.max(0, ...before)];
}"""

JSON_PARSE_PASS = """async (inputId) => {
  const files = [...document.getElementById(inputId).files].filter((f) => f.name.endsWith(".jsonl"));
  const code = `onmessage = async (e) => {
    const t0 = performance.now();
    let lines = 0, tokens = 0;
    for (const file of e.data) {
      const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
      let rest = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const parts = (rest + value).split("\\\\n");
        rest = parts.pop();
        for (const line of parts) {
          if (!line) continue;
          lines++;
          try {
            const o = JSON.parse(line);
            const u = o && o.message && o.message.usage;
            if (u) tokens += (u.input_tokens || 0) + (u.output_tokens || 0);
          } catch (err) {}
        }
      }
      if (rest) { lines++; try { JSON.parse(rest); } catch (err) {} }
    }
    postMessage({ ms: performance.now() - t0, lines, tokens });
  };`;
  const w = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
  const out = await new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(files); });
  w.terminate();
  return out;
}"""


def wait_as_a_person(page, workers):
    """A person takes seconds to pick a folder: let helper workers finish booting, and give the page the second
    after that it would have anyway (it warms its parser up on the sample then)."""
    page.wait_for_selector(f'body[data-pool="{workers}"]', timeout=120_000)
    time.sleep(PICK_SECONDS)


def pick_folder(page, projects, nth=1):
    """Pick the corpus folder in the page and wait for the (nth) results."""
    page.set_input_files("#folder-input", str(projects))
    page.wait_for_selector(f'body[data-results="{nth}"]', timeout=600_000)


def analysis_seconds(page):
    return page.evaluate("""() => {
      const s = performance.getEntriesByName("tokenscope:analyze:start")[0];
      const e = performance.getEntriesByName("tokenscope:analyze:end")[0];
      return (e.startTime - s.startTime) / 1000; }""")


def same_report(a, b):
    """Reports equal but for which decoder ran (issue 13: the numbers must not depend on it)."""
    a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    a["options"].pop("decoder", None)
    b["options"].pop("decoder", None)
    return a == b


def browser_runs(projects, repeats, cli_report, workers=1, decoder=None):
    from playwright.sync_api import sync_playwright

    import serve
    import vendor
    vendor.vendor(log=lambda *a: None)
    os.environ["TOKENSCOPE_QUIET"] = "1"
    srv = serve.make_server("127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    exe = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None)
    size = corpus_bytes(projects)
    res = {"cold": [], "warm": [], "analyse": [], "mem": [], "mem_rss": [], "mem_after_rss": [], "longest": [],
           "select": [], "jsonparse": [], "redrop": [], "identical": True}
    query = [f"workers={workers}"] if workers > 1 else []
    if decoder:
        query.append(f"decoder={decoder}")  # json: the page does not load msgspec (the standard-library path)
    page_url = url + ("?" + "&".join(query) if query else "")
    try:
        with sync_playwright() as pw:
            for _ in range(repeats):
                browser = pw.chromium.launch(args=CHROMIUM_FLAGS, **({"executable_path": exe} if exe else {}))
                ctx = browser.new_context(timezone_id="UTC", accept_downloads=True)
                ctx.add_init_script(LONGTASK_OBSERVER)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(page_url)
                page.wait_for_selector("body[data-ready]", timeout=120_000)
                res["cold"].append(time.perf_counter() - t0)
                page.close()
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(page_url)
                page.wait_for_selector("body[data-ready]", timeout=120_000)
                res["warm"].append(time.perf_counter() - t0)
                wait_as_a_person(page, workers)
                page.evaluate("window.__tsTasks = []")
                # Timed without the memory probe: reading smaps of every renderer 20 times a second costs
                # the probe ~0.9 s of CPU during a 4 s analysis, and on 2 cores that slowed what it measured.
                pick_folder(page, projects)
                res["analyse"].append(analysis_seconds(page))
                during, before = page.evaluate(LONGEST)
                res["longest"].append(during)
                res["select"].append(before)
                with page.expect_download() as d:
                    page.click("#download-json")
                res["identical"] &= same_report(json.loads(Path(d.value.path()).read_text()), cli_report)
                # The same folder again (issue 14): every file's state comes from the page store.
                time.sleep(PICK_SECONDS)
                pick_folder(page, projects, 2)
                res["redrop"].append(analysis_seconds(page))
                res["identical"] &= page.get_attribute("body", "data-parsed") == "0"
                with page.expect_download() as d:
                    page.click("#download-json")
                res["identical"] &= same_report(json.loads(Path(d.value.path()).read_text()), cli_report)
                page.evaluate("""() => { const i = document.createElement("input"); i.type = "file";
                  i.id = "bench-files"; i.webkitdirectory = true; i.hidden = true; document.body.append(i); }""")
                page.set_input_files("#bench-files", str(projects))
                out = page.evaluate(JSON_PARSE_PASS, "bench-files")
                res["jsonparse"].append(out["ms"] / 1000)
                ctx.close()
                # Peak memory: the same analysis again, in a fresh context, with the probe on.
                ctx = browser.new_context(timezone_id="UTC")
                page = ctx.new_page()
                page.goto(page_url)
                wait_as_a_person(page, workers)
                with Sampler(renderer_rss) as mem:
                    pick_folder(page, projects)
                res["mem"].append(mem.peaks[0])
                res["mem_rss"].append(mem.peaks[1])
                time.sleep(2)  # what stays once the analysis is over
                res["mem_after_rss"].append(renderer_rss()[1])
                browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    med = {k: statistics.median(v) for k, v in res.items() if isinstance(v, list) and v}
    med["identical"] = res["identical"]
    med["mb_s"] = size / 1e6 / med["analyse"]
    med["jsonparse_mb_s"] = size / 1e6 / med["jsonparse"]
    return med


# ---------------------------------------------------------------- main

SESSION_COUNTS = (1_000, 10_000, 100_000)


def sessions_log(n):
    """A log of `n` one-request sessions (issue 30: memory per session), made once."""
    path = HERE / "corpus" / f"sessions-{n}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            for i in range(n):
                fh.write(json.dumps({
                    "type": "assistant", "sessionId": f"sess-{i:08d}", "cwd": f"/home/u/p{i % 50}",
                    "timestamp": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00.000Z",
                    "message": {"id": f"msg_{i:010d}", "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn",
                                "usage": {"input_tokens": 10, "output_tokens": 100, "cache_creation_input_tokens": 1000,
                                          "cache_read_input_tokens": 5000}}}, separators=(",", ":")) + "\n")
        tmp.rename(path)
    return path


def memory_runs(counts=SESSION_COUNTS):
    """Peak RSS of `--json` over logs of one-request sessions, cold without the store (one process) and through a
    new store: the memory a session costs is the slope between the smallest and the largest count (issue 30)."""
    out = {}
    for n in counts:
        log = sessions_log(n)
        _w, bare = run_cmd([sys.executable, "-m", "py_core", str(log), "--json", "--tz", "UTC", "--jobs", "1",
                            "--no-cache"])
        cache = tempfile.mkdtemp(prefix="tokenscope-bench-mem-")
        _w, stored = run_cmd([sys.executable, "-m", "py_core", str(log), "--json", "--tz", "UTC", "--jobs", "1",
                              "--cache-dir", cache])
        shutil.rmtree(cache)
        out[n] = {"no_cache": bare, "store": stored}
    lo, hi = min(counts), max(counts)
    out["per_session_kb"] = {k: (out[hi][k] - out[lo][k]) / (hi - lo) / 1024 for k in ("no_cache", "store")}
    return out


def page_many_runs(n=10_000):
    """The page on a log of `n` one-request sessions, then on its --json report picked as a file (issue 30: 20,000
    sessions crashed the tab; the page must stay responsive): the longest main-thread task of each, and the
    renderers' peak memory."""
    from playwright.sync_api import sync_playwright

    import serve
    import vendor
    vendor.vendor(log=lambda *a: None)
    os.environ["TOKENSCOPE_QUIET"] = "1"
    log = sessions_log(n)
    report = HERE / "corpus" / f"sessions-{n}.report.json"
    if not report.exists():
        r = subprocess.run([sys.executable, "-m", "py_core", str(log), "--json", "--tz", "UTC", "--no-cache"],
                           cwd=ROOT, capture_output=True, check=True)
        report.write_bytes(r.stdout)
    srv = serve.make_server("127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    exe = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None)
    out = {"sessions": n, "report_bytes": report.stat().st_size}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(args=CHROMIUM_FLAGS, **({"executable_path": exe} if exe else {}))
            ctx = browser.new_context(timezone_id="UTC")
            ctx.add_init_script(LONGTASK_OBSERVER)
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{srv.server_address[1]}/")
            wait_as_a_person(page, 1)
            for i, (what, path) in enumerate((("log", log), ("report", report)), 1):
                page.evaluate("window.__tsTasks = []")
                with Sampler(renderer_rss) as mem:
                    page.set_input_files("#file-input", str(path))
                    page.wait_for_selector(f'body[data-results="{i}"]', timeout=600_000)
                    time.sleep(1.5)  # the tables' rows are added in tasks of their own after the results show
                page.click("#sessions-all")  # the table's next thousand rows built (in tasks of their own)
                page.wait_for_function("() => document.querySelectorAll('#sessions-table tbody tr').length === 1000",
                                       timeout=600_000)
                out[what] = {"longest_task_ms": page.evaluate("Math.max(0, ...window.__tsTasks.map(([, d]) => d))"),
                             "renderer_peak": mem.peaks[1],
                             "rows": page.locator("#sessions-table tbody tr").count()}
                page.click("#sessions-all")
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    return out


def bench(mb, repeats, cores, install, browser):
    base = HERE / "corpus" / f"{mb:g}"
    projects = Path(corpus.generate(str(base), mb))
    size = corpus_bytes(projects)
    row = {"mb": mb, "bytes": size, "files": sum(1 for _ in projects.rglob("*.jsonl"))}
    single = cli_output(projects, 1)
    row["identical_cli"] = all(same_report(cli_output(projects, j, dec), single)
                               for j in sorted({1, 2, cores}) for dec in ("", "json"))
    for dec, suffix in (("", ""), ("json", "_json")):  # msgspec (when installed) and the standard library
        env = {**os.environ, "TOKENSCOPE_DECODER": dec}
        for jobs in sorted({1, cores}):
            wall, rss = median_of(repeats, lambda: run_cmd(
                [sys.executable, "-m", "py_core", str(projects), "--json", "--tz", "UTC", "--jobs", str(jobs),
                 "--no-cache"], env=env))
            row[f"cli{jobs}{suffix}"] = {"wall": wall, "rss": rss, "mb_s": size / 1e6 / wall}
    row["decoder"] = single["options"]["decoder"]
    row["cores"] = cores
    row["store"] = store_runs(projects, repeats, cores)
    row["dask"] = dask_runs(projects, repeats, cores)
    if mb == 50:
        row["statusline"] = statusline_runs(projects, repeats)
    exe, note = find_ccusage(install)
    if exe:
        cfg = tempfile.mkdtemp(prefix="tokenscope-ccusage-")
        os.symlink(projects, os.path.join(cfg, "projects"))
        env = {**os.environ, "CLAUDE_CONFIG_DIR": cfg, "TZ": "UTC"}
        wall, rss = median_of(repeats, lambda: run_cmd([exe, "claude", "session", "--offline", "--json"], env=env))
        row["ccusage"] = {"wall": wall, "rss": rss, "mb_s": size / 1e6 / wall}
        shutil.rmtree(cfg)
    else:
        row["ccusage_note"] = note
    if browser:
        row["page"] = browser_runs(projects, repeats, single)
        row["page_json"] = browser_runs(projects, repeats, single, decoder="json")
        if cores > 1 and repeats > 1:  # not in the smoke run (CI): two workers are a figure, not a check
            row["page2"] = browser_runs(projects, repeats, single, workers=2)
    return row


def _cpu_of(cmd, env=None, cwd=None):
    """User + system CPU seconds of one run (the process and its waited-for children)."""
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {p.stderr.read().decode()[-500:]}")
    return usage.ru_utime + usage.ru_stime


def cpu_compare(mb, ref, repeats):
    """Analysis CPU of the code at git `ref` and of this tree on the same corpus, runs alternating (issue 32's
    target: the new reading costs at most 10% more CPU). One process each, cold (--no-cache), --json."""
    projects = Path(corpus.generate(str(HERE / "corpus" / f"{mb:g}"), mb))
    work = Path(tempfile.mkdtemp(prefix="tokenscope-ref-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(work / "ref"), ref], check=True,
                   capture_output=True)
    try:
        cmd = [sys.executable, "-m", "py_core", str(projects), "--json", "--tz", "UTC", "--jobs", "1", "--no-cache"]
        got = {"before": [], "after": []}
        for _ in range(repeats):
            got["before"].append(_cpu_of(cmd, cwd=str(work / "ref")))
            got["after"].append(_cpu_of(cmd, cwd=str(ROOT)))
        before, after = statistics.median(got["before"]), statistics.median(got["after"])
        return {"mb": mb, "ref": ref, "repeats": repeats, "before_cpu_s": round(before, 2),
                "after_cpu_s": round(after, 2), "growth": round(after / before - 1, 4), "runs": got}
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "ref")],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def fmt_table(rows, repeats):
    mb = lambda b: f"{b / 1e6:,.0f} MB"  # noqa: E731
    lines = ["| corpus | measure | value | ratio |", "|---|---|---|---|"]
    for r in rows:
        c = f"{r['mb']:g} MB ({r['files']} files)"
        cc = r.get("ccusage")
        for suffix, dec in (("", r.get("decoder", "msgspec")), ("_json", "json (standard library)")):
            one, allc = r[f"cli1{suffix}"], r[f"cli{r['cores']}{suffix}"]
            lines.append(f"| {c} | CLI, {dec}, 1 process: wall / throughput / peak RSS | {one['wall']:.2f} s / "
                         f"{one['mb_s']:.0f} MB/s / {mb(one['rss'])} | |")
            ratio = f"ours / ccusage = {allc['wall'] / cc['wall']:.2f}" if cc else "ccusage not run"
            lines.append(f"| {c} | CLI, {dec}, {r['cores']} processes: wall / throughput / peak RSS (largest "
                         f"process) | {allc['wall']:.2f} s / {allc['mb_s']:.0f} MB/s / {mb(allc['rss'])} | {ratio} |")
        if cc:
            lines.append(f"| {c} | ccusage 20.0.24: wall / throughput / peak RSS | {cc['wall']:.2f} s / "
                         f"{cc['mb_s']:.0f} MB/s / {mb(cc['rss'])} | |")
        else:
            lines.append(f"| {c} | ccusage 20.0.24 | skipped: {r['ccusage_note']} | |")
        st = r.get("store")
        if st:
            vs = (lambda w: f"ours / ccusage = {w / cc['wall']:.2f}") if cc else (lambda w: "ccusage not run")
            lines.append(f"| {c} | store, {r['cores']} processes: first run (fills the store) / warm re-run, nothing "
                         f"changed | {st['fill']:.2f} s / {st['warm']:.2f} s | {vs(st['warm'])} |")
            lines.append(f"| {c} | store: warm re-run after appending 1 MB across {APPEND_FILES} files | "
                         f"{st['append']:.2f} s | {vs(st['append'])} |")
            lines.append(f"| {c} | store: size on disk / Python start-up with the CLI imported (the floor of any "
                         f"run) | {st['store_bytes'] / 1e6:.1f} MB / {st['python']:.2f} s | |")
        p = r.get("page")
        if p:
            lines.append(f"| {c} | page: ready, cold profile / warm | {p['cold']:.2f} s / {p['warm']:.2f} s | |")
        for key, label in (("page", "1 worker (default below 4 cores), msgspec"),
                           ("page_json", "1 worker, json (standard library, `?decoder=json`)"),
                           ("page2", "2 workers (`?workers=2`), msgspec")):
            q = r.get(key)
            if not q:
                continue
            lines.append(f"| {c} | page, {label}: analysis of the dropped folder | {q['analyse']:.2f} s, "
                         f"{q['mb_s']:.0f} MB/s | ours / JSON.parse = {q['mb_s'] / q['jsonparse_mb_s']:.2f} |")
            lines.append(f"| {c} | page, {label}: renderer peak memory, PSS / RSS (2 s after: RSS) / longest "
                         f"main-thread task while analysing | {mb(q['mem'])} / {mb(q['mem_rss'])} "
                         f"({mb(q['mem_after_rss'])}) / {q['longest']:.0f} ms | |")
        dk = r.get("dask")
        if dk and "dask" in dk:
            lines.append(f"| {c} | `--engine dask`, LocalCluster of {r['cores']} workers / `--jobs {r['cores']}` "
                         f"(no store; no context curves) | {dk['dask']:.2f} s / {dk['jobs']:.2f} s | dask / jobs = "
                         f"{dk['dask'] / dk['jobs']:.2f}; same report: {'yes' if dk['identical'] else '**NO**'} |")
            lines.append(f"| {c} | Dask scaling model, measured: map (analyse a batch) per MB / one merge of two "
                         f"batch states / cluster start-up | {dk['map_s_per_mb'] * 1000:.1f} ms per MB / "
                         f"{dk['merge_s'] * 1000:.0f} ms / {dk['startup']:.1f} s | "
                         f"T(V MB, W workers) ≈ start-up + V × map / W + ⌈log2 batches⌉ × merge + report |")
        elif dk:
            lines.append(f"| {c} | `--engine dask` | skipped: {dk['note']} | |")
        sl = r.get("statusline")
        if sl:
            lines.append(f"| {c} | `statusline` on a {sl['log_bytes'] / 1e6:.1f} MB session log, warm store, one "
                         f"response appended before each run (a whole process): median / p90 of {sl['runs']} | "
                         f"{sl['median'] * 1000:.0f} ms / {sl['p90'] * 1000:.0f} ms | first run (fills the store) "
                         f"{sl['fill']:.2f} s; `python -c pass` alone {sl['floor'] * 1000:.0f} ms |")
            lines.append(f"| {c} | `watch` while nothing changes: CPU | {sl['watch_idle_cpu'] * 100:.1f}% of one core | |")
        if p and "redrop" in p:
            lines.append(f"| {c} | page, 1 worker: the same folder dropped again (every file from the page store) | "
                         f"{p['redrop']:.2f} s | second / first drop = {p['redrop'] / p['analyse']:.2f} |")
        if p:
            lines.append(f"| {c} | page: Chromium building the FileList of the picked folder (before our code runs) "
                         f"| {p['select']:.0f} ms task | |")
            lines.append(f"| {c} | browser JSON.parse per line (one worker) | {p['jsonparse']:.2f} s, "
                         f"{p['jsonparse_mb_s']:.0f} MB/s | |")
        same = r["identical_cli"] and r.get("store", {}).get("identical", True) and \
            r.get("dask", {}).get("identical", True) and all(r[k]["identical"] for k in ("page", "page_json", "page2") if k in r)
        lines.append(f"| {c} | every configuration gives the single-process report | "
                     f"{'yes' if same else '**NO**'} | |")
    return "\n".join(lines)


def fmt_memory(m):
    """The memory table (issue 30): peak RSS per count of one-request sessions, and the slope per session."""
    counts = [k for k in m if isinstance(k, int)]
    lines = ["## Memory per session (issue 30; target <= 4 kB)", "",
             "One-request sessions, `--json --jobs 1`: peak RSS without the store and through a new store.", "",
             "| sessions | no store | store |", "|---|---|---|"]
    for n in counts:
        lines.append(f"| {n:,} | {m[n]['no_cache'] / 1e6:,.0f} MB | {m[n]['store'] / 1e6:,.0f} MB |")
    per = m["per_session_kb"]
    lines.append(f"| per session ({min(counts):,} to {max(counts):,}) | {per['no_cache']:.1f} kB | "
                 f"{per['store']:.1f} kB |")
    page = m.get("page")
    if page:
        lines += ["", f"The page on {page['sessions']:,} one-request sessions (target: no main-thread task over 200 ms):",
                  "", "| input | longest main-thread task | renderers' peak | table rows |", "|---|---|---|---|"]
        for what, label in (("log", "the log, analysed"), ("report", f"its --json report ({page['report_bytes'] / 1e6:,.0f} MB) picked")):
            r = page[what]
            lines.append(f"| {label} | {r['longest_task_ms']:,.0f} ms | {r['renderer_peak'] / 1e6:,.0f} MB | "
                         f"{r['rows']:,} |")
    return "\n".join(lines)


def machine():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        mem = f", {int(open('/proc/meminfo').readline().split()[1]) / 1024 / 1024:.0f} GiB"
    chromium = ""
    with contextlib.suppress(Exception):
        chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}){mem}; Python {platform.python_version()}; "
            f"{chromium or 'Chromium: n/a'}; {platform.system()} {platform.release()}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="50,500", help="corpus sizes in MB (default 50,500)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-install", action="store_true", help="do not npm-install ccusage when missing")
    ap.add_argument("--smoke", action="store_true", help="CI: 50 MB once, no ccusage install, output to a temp file")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--memory-only", action="store_true", help="only the memory per session (issue 30)")
    ap.add_argument("--compare", metavar="REF",
                    help="only analysis CPU: the code at git REF against this tree, on the largest --sizes corpus "
                         "(issue 32: before and after, in one run)")
    a = ap.parse_args(argv)
    if a.compare:
        got = cpu_compare(max(float(x) for x in a.sizes.split(",")), a.compare, a.repeats)
        print(json.dumps(got, indent=1))
        return 0
    if a.smoke:
        a.sizes, a.repeats, a.no_install = "50", 1, True
        if a.out == str(HERE / "RESULTS.md"):
            a.out = os.path.join(tempfile.mkdtemp(prefix="tokenscope-bench-"), "RESULTS.md")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = []
    for mb in (float(x) for x in a.sizes.split(",")) if not a.memory_only else ():
        print(f"bench: {mb:g} MB ...", file=sys.stderr)
        rows.append(bench(mb, a.repeats, cores, not a.no_install, not a.no_browser))
    print("bench: memory per session ...", file=sys.stderr)
    memory = memory_runs(SESSION_COUNTS[:2] if a.smoke else SESSION_COUNTS)
    if not a.no_browser and not a.smoke:
        memory["page"] = page_many_runs()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# tokenscope benchmark\n\n{when}, medians of {a.repeats}; machine: {machine()}.\n"
            f"Command: `python bench/run.py{' --smoke' if a.smoke else ''}`.\n\n{fmt_table(rows, a.repeats)}\n\n"
            f"{fmt_memory(memory)}\n")
    Path(a.out).write_text(text)
    json_out = Path(a.out).with_suffix(".json")
    json_out.write_text(json.dumps({"when": when, "machine": machine(), "rows": rows, "memory": memory}, indent=1))
    print(text)
    print(f"bench: wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
