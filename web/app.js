// The DOM script: gathers bytes (drops, pickers, paste, sample), talks to the worker, renders the report.
// Everything from a log is untrusted: it reaches the page only through textContent, and charts are SVG that
// py_core built with every string escaped.

import { cardSvg, fromFragment, headline, isFragment } from "./share.js";

const $ = (id) => document.getElementById(id);
// Workers: the first boots at once and answers everything; helpers boot one by one once it is ready and
// take a share of inputs of many files (issue 4). Measured on 2 cores (bench/RESULTS.md): two workers were
// no faster than one, because reading the files keeps the browser busy on the other core; so helpers start
// only from 4 cores, at most 3 of them (each Pyodide costs ~170 MB). `?workers=N` forces a pool size.
const forced = Number(new URLSearchParams(location.search).get("workers"));
const cores = navigator.hardwareConcurrency || 1;
const POOL_SIZE = forced >= 1 ? Math.min(forced, 8) : cores >= 4 ? Math.min(cores - 1, 4) : 1;
const HELPER_MIN_FILES = 8; // a share of a few files is not worth a merge
const FILES_PER_MESSAGE = 64; // posting thousands of File handles at once is a long main-thread task
const pending = new Map(); // id -> {resolve, reject, onProgress}
let nextId = 1;
let ready = false;
let booting = false;
let current = null; // {report}
let running = null; // {ids: [...]} of the analysis in flight
let renders = 0; // body[data-results] counts renders, so tests can wait on a selector (CSP forbids eval)

function spawn(primary) {
  const w = { worker: new Worker(new URL("worker.mjs", import.meta.url), { type: "module" }), ready: false };
  w.worker.onmessage = (event) => onMessage(w, primary, event.data);
  w.worker.onerror = (event) => {
    if (!primary) {
      w.failed = true; // a helper that cannot start is not used; one that dies fails its part, not the page
      for (const [id, p] of pending) {
        if (p.w === w) {
          pending.delete(id);
          p.reject(new Error("a helper worker stopped"));
        }
      }
      return;
    }
    // A worker that cannot even load (e.g. its script is missing) never sends boot_error itself.
    showBootError({ code: "TS-BOOT-WORKER", message: event.message || "The analysis worker failed to load.",
                    fix: "Serve the page with `python serve.py` (it must be served over http, not opened as a file)." });
    for (const p of pending.values()) p.reject(new Error("the analysis worker failed"));
    pending.clear();
  };
  return w;
}

const pool = [];

// Python starts with the page, unless the page only shows a shared card (then it waits for logs).
function startPool() {
  if (pool.length) return;
  booting = true;
  $("boot-status").textContent = "Starting Python in your browser…";
  pool.push(spawn(true));
}

function onMessage(w, primary, msg) {
  if (msg.type === "boot_progress") {
    if (primary) $("boot-status").textContent = `${msg.stage}…`;
    return;
  }
  if (msg.type === "ready") {
    w.ready = true;
    document.body.dataset.pool = String(pool.filter((x) => x.ready).length); // workers ready (bench, tests)
    if (primary) {
      ready = true;
      booting = false;
      $("boot-status").textContent = `Ready: Python (Pyodide ${msg.pyodide_version}) runs in this tab.`;
      document.body.dataset.ready = "1";
      document.body.dataset.snapshot = msg.snapshot ? "1" : "0"; // booted from serve.py's snapshot (tests)
      w.worker.postMessage({ type: "warm" }); // compile the parser while the person picks files (issue 4)
    }
    if (pool.length < POOL_SIZE) pool.push(spawn(false)); // the next helper, one at a time
    return;
  }
  if (msg.type === "boot_error") {
    if (primary) {
      booting = false;
      showBootError(msg);
    } else {
      w.failed = true;
    }
    return;
  }
  const p = pending.get(msg.id);
  if (!p) return;
  if (msg.type === "progress") {
    if (p.onProgress) p.onProgress(msg);
    return;
  }
  pending.delete(msg.id);
  if (msg.type === "error") p.reject(new Error(msg.message));
  else p.resolve(msg);
}

function request(msg, onProgress, w) {
  startPool();
  w = w || pool[0];
  const id = nextId++;
  return {
    id,
    done: new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress, w });
      w.worker.postMessage({ id, ...msg });
    }),
  };
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// Start a part, then hand its files over in small messages, one task each (the worker starts on the first).
// Agent meta files come after the logs: hundreds of File objects to clone should not hold up the first log
// (issue 4); the worker only needs them for the report.
function part(w, files, { metas, ...extra }, onProgress) {
  const id = nextId++;
  const done = new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress, w });
    w.worker.postMessage({ id, type: "part", ...extra });
  });
  const sent = (async () => {
    // Logs first, then meta files; a message of many File objects is a long task to clone.
    const batches = [];
    for (let i = 0; i < files.length; i += FILES_PER_MESSAGE) {
      batches.push({ files: files.slice(i, i + FILES_PER_MESSAGE), metas: [] });
    }
    for (let i = 0; i < (metas || []).length; i += FILES_PER_MESSAGE) {
      batches.push({ files: [], metas: metas.slice(i, i + FILES_PER_MESSAGE) });
    }
    if (!batches.length) batches.push({ files: [], metas: [] });
    for (let b = 0; b < batches.length; b++) {
      const last = b === batches.length - 1;
      w.worker.postMessage({ id, type: "files", last, ...batches[b] });
      if (!last) await nextTask();
    }
  })();
  return { id, done, sent };
}

// Round-robin over the sorted files. (Balancing by size would need File.size, which costs a synchronous
// round trip per file on this thread: 300 ms for 750 files. Workers read sizes off the main thread.)
function split(files, n) {
  const bins = Array.from({ length: n }, () => []);
  files.forEach((f, i) => bins[i % n].push(f));
  return bins;
}

function showBootError(msg) {
  $("boot-status").textContent = "Python could not start.";
  $("boot-error").hidden = false;
  $("boot-error-message").textContent = `${msg.message} [${msg.code}]`;
  $("boot-error-fix").textContent = msg.fix ? `Fix: ${msg.fix}` : "";
  document.body.dataset.bootError = msg.code;
}

// ---------- gathering input ----------

const isLog = (name) => name.endsWith(".jsonl");
const metaAgent = (name) => {
  const m = /(?:^|\/)agent-([^/]+)\.meta\.json$/.exec(name);
  return m ? m[1] : null;
};

async function readEntry(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ name: prefix + entry.name, file, fromFolder: true });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await readEntry(e, `${prefix}${entry.name}/`, out);
    }
  }
}

async function filesFromDrop(dataTransfer) {
  const out = [];
  const entries = [];
  for (const item of dataTransfer.items || []) {
    const entry = item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else if (item.kind === "file") out.push({ name: item.getAsFile().name, file: item.getAsFile() });
  }
  for (const e of entries) {
    if (e.isDirectory) {
      // Labels relative to the dropped folder, as the CLI names files under a folder it is given.
      const sub = [];
      await readEntry(e, "", sub);
      for (const f of sub) out.push({ ...f, name: f.name.slice(e.name.length + 1) });
    } else {
      await readEntry(e, "", out);
    }
  }
  if (!out.length && dataTransfer.files) for (const f of dataTransfer.files) out.push({ name: f.name, file: f });
  return out;
}

function filesFromFolderInput(input) {
  return [...input.files].map((f) => ({
    name: (f.webkitRelativePath || f.name).split("/").slice(1).join("/") || f.name,
    file: f,
    fromFolder: true,
  }));
}

// Folders contribute only logs and agent meta files; files picked one by one are all tried (and named if bad).
function partition(items) {
  const files = [];
  const metas = [];
  let ignored = 0;
  for (const it of items) {
    const agent = metaAgent(it.name);
    if (agent) metas.push({ agent_id: agent, file: it.file });
    else if (!it.fromFolder || isLog(it.name)) files.push({ name: it.name, file: it.file });
    else ignored += 1;
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, metas, ignored };
}

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

async function run(items, { folder = false } = {}) {
  setError("");
  startPool();
  const { files, metas, ignored } = partition(items);
  if (!files.length) {
    setError(folder || ignored
      ? "No Claude Code logs (.jsonl files) in what you gave. They live in ~/.claude/projects/."
      : "Nothing to analyse.");
    return;
  }
  if (running !== null) return;
  if (!ready && !booting) {
    setError("Python could not start, so nothing can be analysed (see the message above).");
    return;
  }
  $("progress").hidden = false;
  $("progress-bar").value = 0;
  $("progress-text").textContent = ready ? "Reading…" : "Waiting for Python to start…";
  const options = { tz: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" };
  const workers = [pool[0]];
  if (files.length >= HELPER_MIN_FILES) workers.push(...pool.slice(1).filter((w) => w.ready && !w.failed));
  const batches = split(files, workers.length);
  const progress = new Array(workers.length).fill(0);
  const totals = new Array(workers.length).fill(0);
  const show = () => {
    const bytes = progress.reduce((a, b) => a + b, 0);
    const totalBytes = totals.reduce((a, b) => a + b, 0);
    $("progress-bar").value = totalBytes ? bytes / totalBytes : 0;
    $("progress-text").textContent = `${fmtBytes(bytes)} of ${fmtBytes(totalBytes)} · ${files.length} file(s)` +
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
      const p = part(workers[i], batches[i], { keep: i === 0, metas: i === 0 ? metas : [] }, (m) => {
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
    const states = results.slice(1).map((r) => r.state);
    const msg = await request({ type: "finish", job: results[0].job, states, options }).done;
    if (msg.nothing) {
      // Nothing billable (issue 10): one message beside the input saying what was read, and no $0 dashboard.
      $("results").hidden = true;
      current = null;
      setError(`Nothing to show: ${msg.nothing}.`);
      return;
    }
    render(msg.report, msg.charts, ignored);
  } catch (err) {
    setError(`Analysis failed: ${err.message}`);
  } finally {
    running = null;
    delete document.body.dataset.busy;
    $("progress").hidden = true;
  }
}

// ---------- rendering ----------

const money = (x) => (x == null ? "n/a" : Math.abs(x) >= 1 ? `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : `$${x.toFixed(4)}`);
const pct = (x) => (x == null ? "n/a" : `${(x * 100).toFixed(0)}%`);
const tok = (n) => (n == null ? "n/a" : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n.toLocaleString("en-US"));

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function putSvg(container, svgText) {
  container.replaceChildren();
  if (!svgText) return;
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") return;
  root.removeAttribute("width");
  root.removeAttribute("height");
  container.append(document.importNode(root, true));
}

function table(node, columns, rows) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : "" }, c.label)));
  const body = rows.map((r) => el("tr", {}, ...columns.map((c) => {
    const v = c.get(r);
    return el("td", { class: c.num ? "num" : "", dataset: { value: String(c.sort ? c.sort(r) : v) } }, c.fmt ? c.fmt(v) : v ?? "");
  })));
  node.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

function sortableTable(node, columns, rows) {
  let key = 1;
  let dir = -1;
  const draw = () => {
    const sorted = [...rows].sort((a, b) => {
      const x = columns[key].get(a);
      const y = columns[key].get(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    const head = el("tr", {}, ...columns.map((c, i) => {
      const b = el("button", { type: "button", class: "sort" }, c.label);
      b.addEventListener("click", () => {
        dir = key === i ? -dir : c.num ? -1 : 1;
        key = i;
        draw();
      });
      return el("th", { scope: "col", class: c.num ? "num" : "",
                        "aria-sort": key === i ? (dir > 0 ? "ascending" : "descending") : "none" }, b);
    }));
    const body = sorted.map((r) => el("tr", {}, ...columns.map((c) => {
      const v = c.get(r);
      return el("td", { class: c.num ? "num" : "", dataset: { value: String(v) } }, c.fmt ? c.fmt(v) : v ?? "");
    })));
    node.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  };
  draw();
}

function render(report, charts, ignored) {
  current = { report };
  $("share-panel").hidden = true;
  const t = report.totals;
  $("results").hidden = false;
  $("honest-label").textContent = report.label;
  const set = (id, text, value) => {
    $(id).textContent = text;
    $(id).dataset.value = String(value);
  };
  set("h-cost", money(t.cost_usd) + (t.cost_excludes_unpriced ? "*" : ""), t.cost_usd);
  set("h-turns", `${t.requests.toLocaleString("en-US")} (${t.requests_main.toLocaleString("en-US")} main, ${t.requests_subagent.toLocaleString("en-US")} subagent)`, t.requests);
  const peak = Math.max(0, ...report.sessions.map((s) => s.peak_context_tokens));
  set("h-peak", `${tok(peak)} tokens`, peak);
  set("h-hit", pct(t.cache_hit_rate), t.cache_hit_rate);
  set("h-resent", t.sessions > 1
    ? `${pct(t.resent_share_pooled)} pooled · ${pct(t.resent_share_median_session)} median session`
    : pct(t.resent_share_pooled), t.resent_share_pooled);

  putSvg($("split-chart"), charts.split);
  const b = t.cost_by_bucket_usd;
  const sh = t.share_of_cost;
  const tk = t.tokens;
  table($("bucket-table"), [
    { label: "Bucket", get: (r) => r[0] },
    { label: "Cost", num: true, get: (r) => r[1], fmt: money },
    { label: "Share", num: true, get: (r) => r[2], fmt: pct },
    { label: "Tokens", num: true, get: (r) => r[3], fmt: (v) => (v == null ? "" : v.toLocaleString("en-US")) },
  ], [
    ["Cache read (re-sent context)", b.cache_read, sh.cache_read, tk.cache_read],
    ["Cache write 5m", b.cache_write_5m, sh.cache_write_5m, tk.cache_write_5m],
    ["Cache write 1h", b.cache_write_1h, sh.cache_write_1h, tk.cache_write_1h],
    ["Output", b.output, sh.output, tk.output],
    ["Fresh input", b.input, sh.input, tk.input],
    ["Web search", b.web_search, sh.web_search, null],
  ]);

  const select = $("session-select");
  select.replaceChildren(...report.sessions.map((s) =>
    el("option", { value: s.session_id }, `${money(s.cost_usd)} · ${s.session_id.slice(0, 8)} · ${s.project}`)));
  if (charts.curve_session) select.value = charts.curve_session;
  putSvg($("curve-chart"), charts.curve);
  showNextTurn(charts.curve_session);
  putSvg($("whatif-chart"), charts.whatif);
  showInsights(charts.curve_session);
  $("projects-section").hidden = report.projects.length < 2;
  putSvg($("projects-chart"), charts.projects);
  const latest = report.sessions.reduce((a, b) => ((b.last_timestamp || "") > (a ? a.last_timestamp || "" : "") ? b : a), null);
  const nt = latest && latest.next_turn;
  set("h-next", nt ? `${money(nt.cost_usd)} at ${tok(nt.context_tokens)} context` : "n/a", nt ? nt.cost_usd : "");

  $("days-section").hidden = report.days.length < 2;
  putSvg($("days-chart"), charts.days);
  // The tables (hundreds of rows for a whole projects folder) in a task of their own, so no single
  // main-thread task grows past ~50 ms (issue 4).
  setTimeout(() => renderTables(report, ignored), 0);
}

function renderTables(report, ignored) {
  sortableTable($("sessions-table"), [
    { label: "Session", get: (s) => s.session_id },
    { label: "Cost", num: true, get: (s) => s.cost_usd, fmt: money },
    { label: "Turns", num: true, get: (s) => s.requests },
    { label: "Peak context", num: true, get: (s) => s.peak_context_tokens, fmt: tok },
    { label: "Re-sent", num: true, get: (s) => s.resent_share ?? -1, fmt: (v) => (v < 0 ? "n/a" : pct(v)) },
    { label: "Compactions", num: true, get: (s) => s.compactions.length },
    { label: "Started", get: (s) => s.first_timestamp || "", fmt: (v) => v.slice(0, 16).replace("T", " ") },
    { label: "Project", get: (s) => s.project },
  ], report.sessions);

  table($("models-table"), [
    { label: "Model", get: (m) => m.model },
    { label: "Priced as", get: (m) => m.priced_as || "no price — excluded" },
    { label: "Requests", num: true, get: (m) => m.requests },
    { label: "Cost", num: true, get: (m) => m.cost_usd, fmt: money },
  ], report.models);
  table($("agents-table"), [
    { label: "Agent", get: (a) => a.agent_type },
    { label: "Requests", num: true, get: (a) => a.requests },
    { label: "Cost", num: true, get: (a) => a.cost_usd, fmt: money },
  ], report.agents);

  // The report words its warnings (structured, issue 10/11): the page shows their text, and adds only what
  // Python never saw (files of a folder that are not logs).
  const warn = [report.label, ...report.diagnostics.warnings.map((w) => w.text)];
  if (ignored) warn.push(`${ignored} other file(s) in the folder were not logs and were ignored.`);
  $("warnings").replaceChildren(...warn.map((w) => el("li", {}, w)));
  $("results").scrollIntoView({ block: "start", behavior: "instant" });
  performance.mark("tokenscope:analyze:end");
  document.body.dataset.results = String(++renders);
}

function showInsights(sessionId) {
  const report = current.report;
  const s = report.sessions.find((x) => x.session_id === sessionId);
  if (!s) return;
  const si = s.insights;
  const w = si.what_if_compaction;
  $("whatif-text").textContent = w.best
    ? `Compacting at ${tok(w.best.threshold_tokens)} tokens would have saved ~${money(w.best.saving_usd)} (${w.best.compactions} compaction(s)).`
    : "No compaction threshold would have saved money in this session.";
  const f = si.fresh_session;
  $("fresh-text").textContent = f.resets.length
    ? `Starting fresh at its ${f.resets.length} longest idle gap(s) would have ${f.saving_usd >= 0 ? "saved" : "cost"} ~${money(Math.abs(f.saving_usd))}.`
    : "No idle gap of 30 minutes or more to start a fresh session at.";
  const m = si.idle_cache_misses;
  $("misses-text").textContent = `${m.count} cache miss(es) after idle cost ${money(m.extra_cost_usd)} more than cache hits would have.`;
  table($("misses-table"), [
    { label: "Turn", num: true, get: (x) => x.turn },
    { label: "When", get: (x) => (x.timestamp || "").slice(0, 19).replace("T", " ") },
    { label: "Idle", num: true, get: (x) => x.idle_seconds, fmt: (v) => `${Math.round(v / 60)} min` },
    { label: "Re-written", num: true, get: (x) => x.tokens_rewritten, fmt: tok },
    { label: "Extra cost", num: true, get: (x) => x.extra_cost_usd, fmt: money },
  ], m.misses);
  table($("resident-table"), [
    { label: "Turn", num: true, get: (x) => x.turn },
    { label: "Added", num: true, get: (x) => x.tokens, fmt: tok },
    { label: "Re-read by", num: true, get: (x) => x.later_turns, fmt: (v) => `${v} turns` },
    { label: "Cost of staying", num: true, get: (x) => x.resident_cost_usd, fmt: money },
  ], si.resident_context.largest);
  const p = si.percentile;
  $("rank-text").textContent = report.sessions.length > 1
    ? `Among your ${report.sessions.length} sessions this one is at the ${p.cost}th percentile for cost, ${p.peak_context}th for peak context and ${p.turns}th for turns.`
    : "";
  $("assumptions").replaceChildren(...[w, f, m, si.resident_context].map((x) => el("li", {}, x.assumptions)));
  const ins = report.insights;
  $("reference-label").textContent = ins.reference.label;
  const pctOr = (v) => (v == null ? "n/a" : pct(v));
  table($("reference-table"), [
    { label: "", get: (r) => r[0] },
    { label: "Yours", num: true, get: (r) => r[1] },
    { label: "Reference", num: true, get: (r) => r[2] },
  ], [
    ["Median session cost", money(ins.yours.median_session_cost_usd), money(ins.reference.median_session_cost_usd)],
    ["Median session turns", ins.yours.median_session_turns ?? "n/a", ins.reference.median_session_turns],
    ["Median peak context", tok(ins.yours.median_peak_context_tokens), tok(ins.reference.median_peak_context_tokens)],
    ["Re-sent share, median session", pctOr(ins.yours.resent_share_median_session), pct(ins.reference.resent_share_median_session)],
    ["Re-sent share, pooled", pctOr(ins.yours.resent_share_pooled), pct(ins.reference.resent_share_pooled)],
    ["Cache hit rate, median session", pctOr(ins.yours.cache_hit_rate_median_session), pct(ins.reference.cache_hit_rate_median_session)],
    ["Cache hit rate, pooled", pctOr(ins.yours.cache_hit_rate_pooled), pct(ins.reference.cache_hit_rate_pooled)],
  ]);
}

function showNextTurn(sessionId) {
  const s = current && current.report.sessions.find((x) => x.session_id === sessionId);
  const nt = s && s.next_turn;
  $("next-turn").textContent = nt
    ? `Next turn ≈ ${money(nt.cost_usd)}: ${nt.context_tokens.toLocaleString("en-US")} tokens of context × the cache-read price + ${Math.round(nt.average_output_tokens)} average output tokens × the output price (${nt.model}).`
    : "";
}

// ---------- a pasted --json report ----------

// A CLI `--json` report is one JSON object with schema_version 1; a log is JSONL (one object per line).
function pastedReport(text) {
  const t = text.trim();
  if (!t.startsWith("{") || !/"schema_version"\s*:\s*1\b/.test(t.slice(0, 200))) return null;
  try {
    const rep = JSON.parse(t);
    return rep && rep.schema_version === 1 && rep.totals && Array.isArray(rep.sessions) ? rep : null;
  } catch {
    return null; // not one JSON value: analysed as a log instead
  }
}

async function showPastedReport(report) {
  setError("");
  try {
    // The charts are py_core's: Python draws them from the report, nothing is re-analysed. The page shows the
    // report as Python conformed it (numbers are numbers, strings strings: issue 10), not the pasted text.
    const msg = await request({ type: "charts", report }).done;
    render(msg.report, msg.charts, 0);
    current.pasted = true;
  } catch (err) {
    setError(`Could not show that report: ${err.message}`);
  }
}

// ---------- sharing ----------

function showCard(summary) {
  $("card-view").hidden = false;
  putSvg($("card-view-card"), cardSvg(summary));
  $("card-view-headline").textContent = headline(summary);
  $("card-view").scrollIntoView({ block: "start" });
  document.body.dataset.card = "1";
}

function shareFragmentIn(text) {
  const at = text.indexOf("#s1&");
  const frag = at >= 0 ? text.slice(at).trim() : text.trim();
  return isFragment(frag) ? frag : null;
}

async function share() {
  try {
    const msg = await request({ type: "share", url: `${location.origin}${location.pathname}`,
                                ...(current.pasted ? { report: current.report } : {}) }).done;
    current.share = msg;
    $("share-panel").hidden = false;
    putSvg($("share-card"), msg.svg);
    $("share-link").value = msg.link;
    $("share-markdown").value = msg.markdown;
    $("share-panel").scrollIntoView({ block: "nearest" });
  } catch (err) {
    setError(err.message);
  }
}

// The card as PNG: the SVG drawn on a canvas at twice its size (a canvas PNG carries no text metadata).
function downloadPng(svg) {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const canvas = el("canvas", { width: String(img.width * 2), height: String(img.height * 2) });
    const ctx = canvas.getContext("2d");
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => {
      const a = el("a", { href: URL.createObjectURL(blob), download: "tokenscope-card.png" });
      document.body.append(a);
      a.click();
      a.remove();
    }, "image/png");
  };
  img.src = url;
}

// ---------- wiring ----------

async function sessionChanged() {
  const id = $("session-select").value;
  try {
    const msg = current.pasted
      ? (await request({ type: "charts", report: current.report, session_id: id }).done).charts
      : await request({ type: "chart", session_id: id }).done;
    putSvg($("curve-chart"), msg.curve);
    putSvg($("whatif-chart"), msg.whatif);
    showNextTurn(id);
    showInsights(id);
  } catch (err) {
    setError(err.message);
  }
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function wire() {
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
    run(items, { folder: items.some((i) => i.fromFolder) });
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
    run([...e.target.files].map((f) => ({ name: f.name, file: f })));
    e.target.value = "";
  });
  $("folder-input").addEventListener("change", (e) => {
    run(filesFromFolderInput(e.target), { folder: true });
    e.target.value = "";
  });
  $("analyze-button").addEventListener("click", () => {
    const text = $("paste").value;
    if (!text.trim()) {
      setError("Paste a session log first (the contents of a .jsonl file from ~/.claude/projects).");
      return;
    }
    const report = pastedReport(text);
    if (report) {
      showPastedReport(report);
      return;
    }
    const frag = text.length < 4096 ? shareFragmentIn(text) : null;
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
  $("cancel-button").addEventListener("click", () => {
    if (running !== null) for (const [w, id] of running.ids) w.worker.postMessage({ type: "cancel", target: id });
  });
  $("session-select").addEventListener("change", sessionChanged);
  $("share-button").addEventListener("click", share);
  $("share-svg").addEventListener("click", () => current.share && download("tokenscope-card.svg", current.share.svg, "image/svg+xml"));
  $("share-png").addEventListener("click", () => current.share && downloadPng(current.share.svg));
  $("share-copy-link").addEventListener("click", () => navigator.clipboard.writeText($("share-link").value));
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
    if (current && current.pasted) {
      download("tokenscope-report.json", `${JSON.stringify(current.report)}\n`, "application/json");
      return;
    }
    try {
      const msg = await request({ type: "json" }).done;
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
      const msg = await request({ type: "csv", options: { tz: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" } }).done;
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
