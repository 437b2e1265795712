// The page's pool of Pyodide workers (web/worker.mjs), each behind a WorkerClient (web/client.js).
//
// The first worker boots at once and answers everything; helpers boot one by one once it is ready and take a
// share of inputs of many files (issue 4). Measured on 2 cores (bench/RESULTS.md): two workers were no faster
// than one, because reading the files keeps the browser busy on the other core; so helpers start only from 4
// cores, at most 3 of them (each Pyodide costs ~170 MB). `?workers=N` forces a pool size.

import { WorkerClient } from "./client.js";

const params = new URLSearchParams(location.search);
const forced = Number(params.get("workers"));
// `?decoder=json`: the workers decode with the standard library only (the benchmark compares; issue 13).
const WORKER = params.get("decoder") === "json" ? "worker.mjs?decoder=json" : "worker.mjs";
const cores = navigator.hardwareConcurrency || 1;
export const POOL_SIZE = forced >= 1 ? Math.min(forced, 8) : cores >= 4 ? Math.min(cores - 1, 4) : 1;
export const HELPER_MIN_FILES = 8; // a share of a few files is not worth a merge
const FILES_PER_MESSAGE = 64; // posting thousands of File handles at once is a long main-thread task

export const pool = [];
export const status = { ready: false, booting: false };
let hooks = {};

// hooks: onStatus(text), onReady(msg) (the first worker), onBootError(msg) (the first worker could not start).
export function configure(h) {
  hooks = h;
}

function spawn(primary) {
  const w = new WorkerClient(new URL(WORKER, import.meta.url), {
    onBootProgress: (msg) => primary && hooks.onStatus(`${msg.stage}…`),
    onReady: (msg) => {
      document.body.dataset.pool = String(pool.filter((x) => x.ready).length); // workers ready (bench, tests)
      if (primary) {
        status.ready = true;
        status.booting = false;
        hooks.onReady(msg);
        w.post({ type: "warm" }); // compile the parser while the person picks files (issue 4)
      }
      if (pool.length < POOL_SIZE) pool.push(spawn(false)); // the next helper, one at a time
    },
    onBootError: (msg) => {
      if (primary) {
        status.booting = false;
        hooks.onBootError(msg);
      }
    },
    // A helper that cannot start is not used, and one that dies fails its part, not the page. A first worker
    // that cannot even load (e.g. its script is missing) never sends boot_error itself.
    onFail: (err) => {
      if (primary) {
        status.booting = false;
        hooks.onBootError({ code: "TS-BOOT-WORKER", message: err.message || "The analysis worker failed to load.",
                            fix: "Serve the page with `python serve.py` (it must be served over http, not opened as a file)." });
      }
    },
  });
  return w;
}

// Python starts with the page, unless the page only shows a shared card (then it waits for logs).
export function startPool() {
  if (pool.length) return;
  status.booting = true;
  hooks.onStatus("Starting Python in your browser…");
  pool.push(spawn(true));
}

// "Forget what this page stored": every worker forgets what it keeps in memory between analyses too (issue 20).
export function forgetMemory() {
  for (const w of pool) w.post({ type: "forget" });
}

// A request to the first worker (or to `w`).
export function request(msg, onProgress, w) {
  startPool();
  return (w || pool[0]).request(msg, onProgress);
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// Start a part, then hand its files over in small messages, one task each (the worker starts on the first).
// Agent meta files come after the logs: hundreds of File objects to clone should not hold up the first log
// (issue 4); the worker only needs them for the report.
export function part(w, files, { metas, remember, ...extra }, onProgress) {
  const { id, done } = w.request({ type: "part", ...extra }, onProgress);
  const sent = (async () => {
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
      w.post({ id, type: "files", last, remember: Boolean(remember), ...batches[b] });
      if (!last) await nextTask();
    }
  })();
  return { id, done, sent };
}

// Round-robin over the sorted files. (Balancing by size would need File.size, which costs a synchronous
// round trip per file on this thread: 300 ms for 750 files. Workers read sizes off the main thread.)
export function split(files, n) {
  const bins = Array.from({ length: n }, () => []);
  files.forEach((f, i) => bins[i % n].push(f));
  return bins;
}

// Workers for an analysis of `nFiles` files: the first, plus ready helpers when there are enough files.
export function workersFor(nFiles) {
  const workers = [pool[0]];
  if (nFiles >= HELPER_MIN_FILES) workers.push(...pool.slice(1).filter((w) => w.ready && !w.failed));
  return workers;
}
