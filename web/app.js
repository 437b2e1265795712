// The page's wiring: what each control does, the analysis run across the worker pool, the page's state.
// Modules: pool.js (workers, via client.js), input.js (drops, pickers, paste), render.js (drawing a report),
// sharing.js (cards), dom.js and format.js (helpers). docs/ARCHITECTURE.md has the map.
// Everything from a log is untrusted: it reaches the page only through textContent, and charts are SVG that
// py_core built with every string escaped.

import { $, download, el, putSvg } from "./dom.js";
import { MAX_REPORT, filesFromDrop, filesFromFolderInput, looksLikeReport, partition, pastedReport,
  shareFragmentIn } from "./input.js";
import { configure, forgetMemory, part, request, split, startPool, status, workersFor } from "./pool.js";
import { MORE_ROWS, TOP_ROWS, cacheText, nextFigure, render, showAllText, showInsights, showNextTurn } from "./render.js";
import { money as fmtMoney, shortIds } from "./format.js";
import { fromFragment, isFragment } from "./share.js";
import { downloadPng, showCard } from "./sharing.js";
import { forget, loadHandle, saveHandle, summary } from "./store.mjs";

let current = null; // {report, pasted?, share?}
let running = null; // {ids: [[worker, id], ...]} of the analysis in flight

function showBootError(msg) {
  $("boot-status").textContent = "Python could not start.";
  $("boot-error").hidden = false;
  $("boot-error-message").textContent = `${msg.message} [${msg.code}]`;
  $("boot-error-fix").textContent = msg.fix ? `Fix: ${msg.fix}` : "";
  document.body.dataset.bootError = msg.code;
}

configure({
  onStatus: (text) => {
    $("boot-status").textContent = text;
  },
  onReady: (msg) => {
    $("boot-status").textContent = "Ready: the analysis runs in this tab.";
    document.body.dataset.ready = "1";
    document.body.dataset.snapshot = msg.snapshot ? "1" : "0"; // booted from serve.py's snapshot (tests)
  },
  onBootError: showBootError,
});

// ---------- running an analysis ----------

function setError(text) {
  $("input-error").textContent = text || "";
}

function fmtBytes(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

// What the page store did for the last analysis (issue 14): "612 files unchanged, 3 read" — and what it could not
// keep (issue 30: a refused store or a file read in part said "this page remembers them" all the same).
const plural = (n, word, many = `${word}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;

function showStoreNote(results, remember) {
  const sum = (key) => results.reduce((a, r) => a + (r[key] || 0), 0);
  const unchanged = sum("unchanged");
  const parsed = sum("parsed");
  const appended = sum("appended");
  const unstored = sum("unstored");
  const partial = results.reduce((a, r) => a + (r.skipped || []).filter((s) => s.partial).length, 0);
  document.body.dataset.unchanged = String(unchanged); // tests and the benchmark read these
  document.body.dataset.parsed = String(parsed);
  document.body.dataset.appended = String(appended);
  document.body.dataset.unstored = String(unstored);
  document.body.dataset.partial = String(partial);
  if (!remember) {
    $("store-note").textContent = "";
    return;
  }
  let text = unchanged
    ? `${plural(unchanged, "file")} unchanged since this page last read them (not read again), ${parsed} new or changed` +
      (appended ? ` (${appended} read only from where they had grown).` : ".")
    : `${plural(parsed, "file")} read.`;
  if (parsed && !unstored) text += unchanged ? "" : " This page remembers them, so dropping them again reads only what changed.";
  if (unstored) {
    text += ` ${plural(unstored, "file")} could not be remembered (the browser refused to store ${unstored === 1 ? "it" : "them"}:` +
      " its storage may be full, or this is a private window), so dropping them again reads them whole.";
  }
  if (partial) text += ` ${plural(partial, "file was", "files were")} read only in part (see the warnings): read again next time.`;
  $("store-note").textContent = text;
}

async function run(items, { folder = false, remember = false } = {}) {
  setError("");
  startPool();
  const { files, metas, ignored } = partition(items);
  if (files.length === 1 && !metas.length && !items[0].fromFolder && await looksLikeReport(files[0].file)) {
    // A --json report picked or dropped as a file: shown as a pasted one is (issue 30).
    showPastedReport(files[0].file); // read in the worker: the page never holds its text (issue 30)
    return;
  }
  if (!files.length) {
    setError(folder || ignored
      ? "No Claude Code logs (.jsonl files) in what you gave. They live in ~/.claude/projects/."
      : "Nothing to analyse.");
    return;
  }
  if (running !== null) return;
  if (!status.ready && !status.booting) {
    setError("Python could not start, so nothing can be analysed (see the message above).");
    return;
  }
  $("progress").hidden = false;
  $("progress-bar").value = 0;
  $("progress-text").textContent = status.ready ? "Reading…" : "Waiting for Python to start…";
  resetFilters();
  const options = filterOptions();
  const workers = workersFor(files.length);
  const batches = split(files, workers.length);
  const progress = new Array(workers.length).fill(0);
  const totals = new Array(workers.length).fill(0);
  let shown = 0;
  const show = () => {
    const bytes = progress.reduce((a, b) => a + b, 0);
    const totalBytes = totals.reduce((a, b) => a + b, 0);
    // The byte total grows while files are still being listed: the bar never moves backwards (issue 12).
    shown = Math.max(shown, totalBytes ? bytes / totalBytes : 0);
    $("progress-bar").value = shown;
    $("progress-text").textContent = `${fmtBytes(bytes)} of ${fmtBytes(totalBytes)} · ${files.length} file${files.length === 1 ? "" : "s"}` +
      (workers.length > 1 ? ` · ${workers.length} workers` : "");
  };
  running = { ids: [] };
  document.body.dataset.busy = "1";
  performance.clearMarks("tokenscope:analyze:start");
  performance.clearMarks("tokenscope:analyze:end");
  performance.mark("tokenscope:analyze:start"); // bench/run.py reads these
  try {
    const parts = [];
    for (let i = 0; i < workers.length; i++) {
      const p = part(workers[i], batches[i], { keep: i === 0, metas: i === 0 ? metas : [], remember }, (m) => {
        progress[i] = m.bytes;
        totals[i] = m.total_bytes;
        show();
      });
      running.ids.push([workers[i], p.id]);
      parts.push(p.done);
    }
    const results = await Promise.all(parts);
    if (results.some((r) => r.type === "cancelled")) {
      setError("Cancelled.");
      return;
    }
    showStoreNote(results, remember);
    const states = results.slice(1).map((r) => r.state);
    const msg = await request({ type: "finish", job: results[0].job, states, options }).done;
    document.body.dataset.sessionsKept = String(msg.kept || 0); // sessions whose part was kept (issue 20; tests)
    if (msg.nothing) {
      // Nothing billable (issue 10): one message beside the input saying what was read, and no $0 dashboard.
      $("results").hidden = true;
      current = null;
      setError(`Nothing to show: ${msg.nothing}.`);
      return;
    }
    current = { report: msg.report, ignored };
    lastWidth = options.width;
    fillFilterChoices(msg.report);
    $("filters").hidden = false;
    render(msg.report, msg.charts, ignored, msg.detail);
  } catch (err) {
    setError(`Analysis failed: ${err.message}`);
  } finally {
    running = null;
    delete document.body.dataset.busy;
    $("progress").hidden = true;
  }
}

// ---------- watching a folder (issue 15) ----------
// File System Access API (Chromium): the chosen folder is listed every few seconds; when a file's size or time
// changed, the analysis runs again through the page store, so unchanged files cost nothing and a grown log only
// its new bytes. Nothing is sent anywhere: the files are read in this tab as when dropped.

const WATCH_MS = 3000;
let watching = null; // {handle, sig, timer, checked}

async function listHandle(dir, prefix = "", out = []) {
  for await (const [name, h] of dir.entries()) {
    if (h.kind === "directory") await listHandle(h, `${prefix}${name}/`, out);
    else if (name.endsWith(".jsonl") || /^agent-.+\.meta\.json$/.test(name)) {
      out.push({ name: prefix + name, file: await h.getFile(), fromFolder: true });
    }
  }
  return out;
}

function showWatch() {
  if (!watching) return;
  const when = watching.checked ? new Date(watching.checked).toLocaleTimeString() : "…";
  let live = "";
  if (current && !current.pasted && current.report.sessions.length) {
    const nr = current.report.next_request;
    const nt = nr && nr.next_turn;
    const fig = nt ? nextFigure(nt, nr.last_timestamp) : null;
    // The cache countdown here is the transcript's estimate: Claude Code's own cache facts (prompt_cache, 2.1.251+)
    // reach only the status line's JSON, never the page (issue 23), so the line says so. Issue 33: the one figure.
    if (fig && !fig.stale) live = ` · latest session ${nr.title || nr.session_id.slice(0, 8)}: next request ≈ ${fmtMoney(fig.usd)}.${cacheText(nt)}` +
      (nt.cache_expires_at ? " (From the log; Claude Code's own cache state reaches only its status line.)" : "");
  }
  $("watch-text").textContent = `Watching “${watching.handle.name}” · checked ${when}${live}`;
}

async function watchTick() {
  if (!watching) return;
  if (running === null) {
    let items;
    try {
      items = await listHandle(watching.handle);
    } catch (err) {
      stopWatching(`Stopped watching: ${err.message}`);
      return;
    }
    const sig = items.map((i) => `${i.name}\u0000${i.file.size}\u0000${i.file.lastModified}`).sort().join("\n");
    watching.checked = Date.now();
    if (sig !== watching.sig) {
      watching.sig = sig;
      await run(items, { folder: true, remember: true });
    }
  }
  showWatch();
}

function stopWatching(note) {
  if (watching) clearInterval(watching.timer);
  if (watching) clearInterval(watching.clock);
  watching = null;
  delete document.body.dataset.watching;
  $("watch-status").hidden = !note;
  $("watch-text").textContent = note || "";
  $("watch-stop").hidden = true;
}

export async function watchFolder(handle) {
  stopWatching();
  watching = { handle, sig: null, checked: 0 };
  document.body.dataset.watching = handle.name;
  $("watch-status").hidden = false;
  $("watch-stop").hidden = false;
  $("watch-again").hidden = true;
  saveHandle(handle);
  await watchTick();
  if (!watching) return;
  watching.timer = setInterval(watchTick, WATCH_MS);
  watching.clock = setInterval(showWatch, 1000); // the cache countdown
}
// The same entry the picker uses, for tests with a folder of the Origin Private File System (no picker dialog).
window.tokenscopeWatch = watchFolder;

async function offerWatchAgain() {
  if (!("showDirectoryPicker" in window)) return;
  const handle = await loadHandle();
  if (!handle || watching) return;
  const again = $("watch-again");
  again.textContent = `Watch “${handle.name}” again`;
  again.hidden = false;
  $("watch-status").hidden = false;
  $("watch-stop").hidden = true;
  again.onclick = async () => {
    try {
      const ok = (await handle.requestPermission({ mode: "read" })) === "granted";
      if (ok) await watchFolder(handle);
      else setError("The browser did not allow reading that folder again.");
    } catch (err) {
      setError(`Cannot watch that folder again: ${err.message}`);
    }
  };
}

// ---------- a pasted --json report ----------

const tooBig = (bytes) => `That report is ${fmtBytes(bytes)}: more than this page takes (${fmtBytes(MAX_REPORT)}). ` +
  "Run tokenscope --html FILE on it, or analyse the logs it was made from.";

// `input`: the pasted text, or a picked file (a Blob: read in the worker).
async function showPastedReport(input) {
  setError("");
  const size = typeof input === "string" ? input.length : input.size;
  if (size > MAX_REPORT) {
    setError(tooBig(size));
    return;
  }
  startPool();
  try {
    // The charts are py_core's: Python parses the text in the worker (issue 30: never on this thread), conforms it
    // (numbers are numbers, strings strings, figures in their ranges: issues 10 and 30), keeps it, and sends the
    // view the page draws — nothing is re-analysed.
    const msg = await request({ type: "charts", [typeof input === "string" ? "report_text" : "report_file"]: input,
                                width: chartWidth() }).done;
    current = { report: msg.report, pasted: true };
    lastWidth = chartWidth();
    $("filters").hidden = true; // a pasted report is shown as it is: filters need the logs
    $("filter-note").textContent = "";
    render(msg.report, msg.charts, 0, msg.detail);
  } catch (err) {
    setError(`Could not show that report: ${err.message}`);
  }
}

// ---------- sharing ----------

async function share() {
  try {
    const msg = await request({ type: "share", url: `${location.origin}${location.pathname}`,
                                ...(current.pasted ? { pasted: true } : {}) }).done;
    current.share = msg;
    $("share-panel").hidden = false;
    putSvg($("share-card"), msg.svg);
    $("share-link").value = msg.link;
    // Issue 25: a link to this machine's own server opens nowhere else: said beside it.
    const local = /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(location.hostname);
    $("share-link-note").textContent = local
      ? "This link points at this machine's own tokenscope (served locally): others can open it only where tokenscope is served at the same address. The card image and the Markdown travel as they are."
      : "";
    $("share-markdown").value = msg.markdown;
    $("share-panel").scrollIntoView({ block: "nearest" });
  } catch (err) {
    setError(err.message);
  }
}

// ---------- wiring ----------

async function sessionChanged() {
  const id = $("session-select").value;
  try {
    const got = current.pasted
      ? await request({ type: "charts", session_id: id, width: chartWidth() }).done
      : await request({ type: "chart", session_id: id, width: chartWidth() }).done;
    const msg = current.pasted ? got.charts : got;
    putSvg($("curve-chart"), msg.curve);
    putSvg($("whatif-chart"), msg.whatif);
    showNextTurn(got.detail);
    showInsights(current.report, got.detail);
  } catch (err) {
    setError(err.message);
  }
}

// ---------- filters, grouping and resizing (issue 12): the report is rebuilt in the worker, nothing re-parsed ----

const tz = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// The width the charts are drawn for: the results column's (they are never wider than the screen).
function chartWidth() {
  const main = document.querySelector("main");
  return Math.max(280, Math.round((main ? main.clientWidth : 640) - 32));
}

function filterOptions() {
  const opts = { tz: tz(), width: chartWidth(), by: $("f-by").value || "day" };
  for (const [key, id] of [["since", "f-since"], ["until", "f-until"], ["project", "f-project"], ["session", "f-session"],
    ["entrypoint", "f-entrypoint"]]) {
    const v = $(id).value.trim();
    if (v) opts[key] = v;
  }
  return opts;
}

function resetFilters() {
  for (const id of ["f-since", "f-until", "f-project", "f-session", "f-entrypoint"]) $(id).value = "";
  $("f-by").value = "day";
  $("filter-note").textContent = "";
}

// The choices come from the unfiltered report of an analysis: every project and session it found.
function fillFilterChoices(report) {
  const projects = [...new Set(report.sessions.map((s) => s.project))].sort();
  $("f-project").replaceChildren(el("option", { value: "" }, "All projects"),
    ...projects.map((p) => el("option", { value: p }, p)));
  const ids = shortIds(report.sessions.map((s) => s.session_id)); // issue 25: unique prefixes
  // The costliest 2,000 as suggestions (issue 30: every one of 20,000 was an element); any id or prefix can be typed.
  $("f-sessions").replaceChildren(...report.sessions.slice(0, 2000).map((s) =>
    el("option", { value: s.session_id }, `${s.title ? `${s.title} · ` : ""}${ids.get(s.session_id)} · ${s.project}`)));
  // Issue 32: the entry points Claude Code named (cli, sdk-cli, claude-desktop), when there are several.
  const entries = ((report.attribution || {}).entrypoints || []).map((r) => r.name).sort();
  $("f-entry-label").hidden = entries.length < 2;
  $("f-entrypoint").replaceChildren(el("option", { value: "" }, "All"), ...entries.map((n) => el("option", { value: n }, n)));
  const days = report.days.map((d) => d.date).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
  for (const id of ["f-since", "f-until"]) {
    $(id).min = days[0] || "";
    $(id).max = days[days.length - 1] || "";
  }
}

let refiltering = null;
async function refilter() {
  if (!current || current.pasted) return;
  const mine = (refiltering = {});
  try {
    const opts = filterOptions();
    const msg = await request({ type: "refilter", options: opts }).done;
    if (mine !== refiltering) return; // a newer change is on its way
    // Issue 33: folded until used; a filter that is set keeps them open (its "Show all" in reach).
    if (["since", "until", "project", "session", "entrypoint"].some((k) => opts[k])) $("filters-box").open = true;
    if (msg.nothing) {
      $("filter-note").textContent = `Nothing to show: ${msg.nothing}.`;
      $("results-body").hidden = true;
      // Issue 25: the line above the filters described the previous selection: it goes with the results.
      $("covers").textContent = "";
      return;
    }
    $("filter-note").textContent = "";
    current = { report: msg.report, ignored: current.ignored };
    render(msg.report, msg.charts, current.ignored, msg.detail);
  } catch (err) {
    $("filter-note").textContent = err.message;
  }
}

let lastWidth = 0;
let resizeTimer = null;
function resized() {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(async () => {
    const width = chartWidth();
    if (!current || Math.abs(width - lastWidth) < 24) return;
    lastWidth = width;
    const id = $("session-select").value;
    try {
      const msg = current.pasted
        ? await request({ type: "charts", session_id: id, width }).done
        : await request({ type: "redraw", session_id: id, width }).done;
      for (const [key, box] of [["split", "split-chart"], ["curve", "curve-chart"], ["whatif", "whatif-chart"],
        ["projects", "projects-chart"], ["days", "days-chart"]]) putSvg($(box), msg.charts[key]);
    } catch (err) {
      setError(err.message);
    }
  }, 200);
}

function wire() {
  for (const id of ["f-since", "f-until", "f-project", "f-by", "f-entrypoint"]) $(id).addEventListener("change", refilter);
  $("f-session").addEventListener("change", refilter);
  $("f-clear").addEventListener("click", () => {
    resetFilters();
    refilter();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    refilter();
  });
  window.addEventListener("resize", resized);
  const dz = $("dropzone");
  for (const ev of ["dragenter", "dragover"]) {
    dz.addEventListener(ev, (e) => {
      e.preventDefault();
      dz.classList.add("over");
    });
  }
  dz.addEventListener("dragleave", () => dz.classList.remove("over"));
  dz.addEventListener("drop", async (e) => {
    e.preventDefault();
    dz.classList.remove("over");
    const items = await filesFromDrop(e.dataTransfer);
    run(items, { folder: items.some((i) => i.fromFolder), remember: true });
  });
  // Dropping outside the zone must not navigate away from the page (and lose the analysis).
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  dz.addEventListener("keydown", (e) => {
    if (e.target === dz && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      $("file-input").click();
    }
  });
  $("file-input").addEventListener("change", (e) => {
    run([...e.target.files].map((f) => ({ name: f.name, file: f })), { remember: true });
    e.target.value = "";
  });
  $("folder-input").addEventListener("change", (e) => {
    run(filesFromFolderInput(e.target), { folder: true, remember: true });
    e.target.value = "";
  });
  $("analyze-button").addEventListener("click", () => {
    const text = $("paste").value;
    if (!text.trim()) {
      setError("Paste a session log first (the contents of a .jsonl file from ~/.claude/projects).");
      return;
    }
    if (pastedReport(text)) {
      showPastedReport(text);
      return;
    }
    const frag = shareFragmentIn(text);
    if (frag) {
      // A share link or its fragment: shown as a card, nothing to analyse, no Python needed.
      try {
        showCard(fromFragment(frag));
        setError("");
      } catch (err) {
        setError(`That looks like a share link, but it is damaged: ${err.message}`);
      }
      return;
    }
    // Pasted text takes the same byte-stream path as files (pyodide.md: never a big string into Python).
    run([{ name: "pasted.jsonl", file: new Blob([text], { type: "text/plain" }) }]);
  });
  $("sample-button").addEventListener("click", async () => {
    const res = await fetch("sample.jsonl");
    run([{ name: "sample.jsonl", file: await res.blob() }]);
  });
  $("watch-button").addEventListener("click", async () => {
    if (!("showDirectoryPicker" in window)) {
      setError("Watching a folder needs the File System Access API (Chrome or Edge on a computer). Here, drop the " +
               "folder again to update, or run `tokenscope watch` in a terminal.");
      return;
    }
    let handle;
    try {
      handle = await window.showDirectoryPicker({ id: "tokenscope-logs", mode: "read" });
    } catch {
      return; // the person closed the picker
    }
    await watchFolder(handle);
  });
  $("watch-stop").addEventListener("click", () => stopWatching());
  offerWatchAgain();
  $("forget-button").addEventListener("click", async () => {
    const before = await summary();
    forgetMemory(); // the workers' parts and files held from the last analysis (issue 20)
    const ok = await forget();
    $("forget-note").textContent = ok ? `Forgotten (${before.files} file${before.files === 1 ? "" : "s"}).` : "This browser would not clear it.";
    $("store-note").textContent = "";
  });
  $("cancel-button").addEventListener("click", () => {
    if (running !== null) for (const [w, id] of running.ids) w.post({ type: "cancel", target: id });
  });
  $("session-select").addEventListener("change", sessionChanged);
  $("share-button").addEventListener("click", share);
  $("share-svg").addEventListener("click", () => current.share && download("tokenscope-card.svg", current.share.svg, "image/svg+xml"));
  $("share-png").addEventListener("click", () => current.share && downloadPng(current.share.svg));
  $("share-copy-link").addEventListener("click", () => navigator.clipboard.writeText($("share-link").value));
  $("sessions-all").addEventListener("click", () => {
    const b = $("sessions-all");
    const n = Number($("sessions-table").dataset.rows || 0);
    const shown = Number(b.dataset.shown || TOP_ROWS);
    b.dataset.shown = String(shown >= n ? TOP_ROWS : n <= MORE_ROWS ? n : Math.min(n, (shown > TOP_ROWS ? shown : 0) + MORE_ROWS));
    showAllText(n);
    $("sessions-table").redraw(); // the rows past the top are built only now (issue 30)
  });
  // Issue 33: the filters are folded until used (open on a desktop, they pushed the cost down).
  $("share-copy-md").addEventListener("click", () => navigator.clipboard.writeText($("share-markdown").value));
  $("card-view-own").addEventListener("click", () => {
    $("card-view").hidden = true;
    startPool();
    $("dropzone").focus();
  });
  window.addEventListener("hashchange", () => {
    if (isFragment(location.hash)) openFragment(location.hash);
  });
  $("download-json").addEventListener("click", async () => {
    try {
      const msg = await request({ type: current && current.pasted ? "pasted_json" : "json" }).done;
      download("tokenscope-report.json", `${msg.json}\n`, "application/json");
    } catch (err) {
      setError(err.message);
    }
  });
  $("download-csv").addEventListener("click", async () => {
    if (current && current.pasted) {
      setError("CSV needs the logs themselves: a report holds no per-request rows. Run tokenscope --csv instead.");
      return;
    }
    try {
      const msg = await request({ type: "csv", options: filterOptions() }).done;
      download("tokenscope-requests.csv", msg.csv, "text/csv");
    } catch (err) {
      setError(err.message);
    }
  });
}

function openFragment(hash) {
  try {
    showCard(fromFragment(hash));
  } catch (err) {
    setError(`This share link is damaged: ${err.message}`);
  }
}

wire();
if (isFragment(location.hash)) {
  openFragment(location.hash); // a shared card: Python is not started unless logs are given
  $("boot-status").textContent = "Python starts when you give it logs to analyse.";
} else {
  startPool();
}
