// The module worker: the only place Pyodide lives. It boots Python from vendored files (never a CDN),
// installs the py_core and tzdata wheels, then streams files into py_core.api.handle as bytes.
//
// Page -> worker (every message has an id):
//   {id, type: "part", metas?, keep}                      parse the files of `id` into a new job; keep it (first
//                                                         worker) or export its state as JSON, drop it (helpers)
//   {id, type: "files", files: [{name, file}], last}      the part's files, in several messages; parsing starts
//                                                         with the first
//   {id, type: "finish", job, states: [json], options}    merge helper states into `job`, build the report
//   {id, type: "cancel", target} · {id, type: "json"} · {id, type: "csv", options} · {id, type: "chart", session_id}
// Worker -> page: {type: "boot_progress", stage} · {type: "ready", pyodide_version} ·
//   {type: "boot_error", code, message, fix} · {id, type: "progress", bytes, total_bytes} · {id, type: "part", job?, state?,
//   skipped} · {id, type: "result", report, charts} · {id, type: "json", json} · {id, type: "csv", csv} ·
//   {id, type: "chart", curve, session_id} · {id, type: "cancelled"} · {id, type: "error", message}

const BASE = new URL("./", import.meta.url);
const cancelled = new Set();
let handle = null; // py_core.api.handle
let jobSeq = 0;
let lastJob = null;
let tzdata = null; // loaded after "ready" (only the report needs it), awaited before any report
// request id -> {files, ended, wake}: a part's files arrive in several messages, and parsing starts
// with the first of them rather than after the page has posted them all.
const queues = new Map();

function queueOf(id) {
  let q = queues.get(id);
  if (!q) {
    q = { files: [], ended: false, wake: null };
    queues.set(id, q);
  }
  return q;
}

// Blob stream reads can resolve as microtasks only: without a macrotask break now and then, a cancel
// message would wait until the whole input was read. A MessageChannel message is a macrotask without
// setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
const breather = () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(0);
});

function post(msg) {
  self.postMessage(msg);
}

async function boot() {
  post({ type: "boot_progress", stage: "Loading the Python runtime" });
  let manifest;
  try {
    const res = await fetch(new URL("vendor/manifest.json", BASE));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    manifest = await res.json();
  } catch (err) {
    throw Object.assign(new Error(`The vendored runtime is missing (vendor/manifest.json: ${err.message}).`), {
      code: "TS-BOOT-VENDOR",
      fix: "Run `python serve.py` from the tokenscope folder: it downloads and vendors Pyodide on first run.",
    });
  }
  const indexURL = new URL(manifest.index_url, BASE).href;
  let pyodide;
  try {
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    pyodide = await loadPyodide({ indexURL, packageBaseUrl: indexURL, stdout: () => {}, stderr: () => {} });
  } catch (err) {
    throw Object.assign(new Error(`Python (Pyodide ${manifest.pyodide_version}) failed to start: ${err.message}`), {
      code: "TS-BOOT-PYODIDE",
      fix: "Run `python serve.py --force` to vendor the runtime again, then reload the page.",
    });
  }
  post({ type: "boot_progress", stage: "Installing the analyzer" });
  try {
    // loadPackage installs wheels (with metadata) straight from their URLs: ~0.1 s, against ~0.6 s for
    // loading micropip first (issue 4: ready within 3 s from a cold profile). tzdata (zoneinfo's data,
    // from the pruned lock, so only ever from vendor/) loads after "ready". micropip stays vendored
    // for any future pure-Python dependency.
    await pyodide.loadPackage(new URL(manifest.core_wheel, BASE).href,
                              { messageCallback: () => {}, errorCallback: () => {} });
    handle = pyodide.pyimport("py_core.api").handle;
    tzdata = pyodide.loadPackage("tzdata", { messageCallback: () => {}, errorCallback: () => {} });
  } catch (err) {
    throw Object.assign(new Error(`Installing the analyzer failed: ${err.message}`), {
      code: "TS-BOOT-WHEEL",
      fix: "Run `python serve.py --force` to rebuild web/vendor, then reload the page.",
    });
  }
  post({ type: "ready", pyodide_version: manifest.pyodide_version });
}

const booted = boot().catch((err) => {
  post({ type: "boot_error", code: err.code || "TS-BOOT", message: err.message, fix: err.fix || "" });
  throw err;
});

function call(request, bytes) {
  const out = JSON.parse(bytes === undefined ? handle(JSON.stringify(request)) : handle(JSON.stringify(request), bytes));
  if (out.error) throw new Error(out.error);
  return out;
}

// Magic numbers of files people drop by mistake next to their logs.
const MAGIC = [
  ["PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["PDF document", [0x25, 0x50, 0x44, 0x46]],
  ["JPEG image", [0xff, 0xd8, 0xff]],
  ["GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["ZIP archive", [0x50, 0x4b, 0x03, 0x04]],
  ["gzip archive", [0x1f, 0x8b]],
];

function sniff(head) {
  for (const [kind, sig] of MAGIC) {
    if (sig.every((b, i) => head[i] === b)) return `not a Claude Code log (${kind})`;
  }
  if (head.includes(0)) return "not a Claude Code log (binary data)";
  return null;
}

const WHOLE_FILE = 16 << 20; // files up to this size are read in one go; larger ones stream
const READ_AHEAD = 32 << 20;

// Bytes of one file, chunk by chunk: small files whole (fewer round trips), big ones as a stream.
async function* chunks(file, prefetched) {
  if (file.size <= WHOLE_FILE) {
    yield new Uint8Array(await (prefetched || file.arrayBuffer()));
    return;
  }
  const reader = file.stream().getReader();
  let next = reader.read();
  try {
    for (;;) {
      const { done, value } = await next;
      if (done) return;
      next = reader.read(); // the next chunk is read while Python parses this one
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

// Parse a part's files into a new job as they arrive; returns {job, skipped}. Throws {cancelled}.
async function parsePart(id, q, metas) {
  const job = `j${++jobSeq}`;
  call({ op: "begin", job });
  let done = 0;
  let total = 0; // summed here as files arrive: File.size is a round trip we keep off the page's thread
  let sized = 0;
  let lastPost = 0;
  const skipped = [];
  const files = q.files;
  // Small files are read a few ahead (up to READ_AHEAD bytes in flight) while Python parses: the browser
  // reads on its own threads, so the bytes are usually there when the parser wants them.
  const reads = new Map();
  let queued = 0;
  let inFlight = 0;
  const prefetch = () => {
    for (; sized < files.length; sized++) total += files[sized].file.size;
    while (queued < files.length && (inFlight < READ_AHEAD || reads.size === 0)) {
      const f = files[queued].file;
      if (f.size <= WHOLE_FILE) {
        reads.set(queued, f.arrayBuffer());
        inFlight += f.size;
      }
      queued++;
    }
  };
  try {
    for (const m of metas || []) {
      call({ op: "meta", job, agent_id: m.agent_id }, new Uint8Array(await m.file.arrayBuffer()));
    }
    for (let i = 0; ; i++) {
      while (i >= files.length && !q.ended) await new Promise((resolve) => { q.wake = resolve; });
      if (i >= files.length) break;
      prefetch();
      const { name, file } = files[i];
      const mine = reads.get(i) || null;
      if (mine) {
        reads.delete(i);
        inFlight -= file.size;
      }
      prefetch();
      let opened = false;
      for await (const value of chunks(file, mine)) {
        if (!opened) {
          // Sniff the first bytes already read: a PNG or PDF dropped among logs is named, not parsed.
          const why = sniff(value.subarray(0, 512));
          if (why) {
            skipped.push({ name, reason: why });
            break;
          }
          call({ op: "open", job, source: name });
          opened = true;
        }
        if (cancelled.has(id)) throw Object.assign(new Error("cancelled"), { cancelled: true });
        call({ op: "feed", job, source: name }, value);
        done += value.byteLength;
        const now = performance.now();
        if (now - lastPost > 50) {
          lastPost = now;
          post({ id, type: "progress", bytes: done, total_bytes: total });
          await breather();
        }
      }
      if (!opened && file.size === 0) {
        call({ op: "open", job, source: name }); // counted, and named as empty in the report
        opened = true;
      }
      if (opened) call({ op: "close", job, source: name });
      else done += file.size;
    }
    post({ id, type: "progress", bytes: done, total_bytes: total });
    return { job, skipped };
  } catch (err) {
    call({ op: "end", job });
    throw err;
  }
}

async function finish(id, job, states, options) {
  for (const state of states || []) {
    // The helper's export goes in as it came: one JSON text, never parsed in JavaScript.
    const out = JSON.parse(handle(`{"op":"import","job":${JSON.stringify(job)},"from":${state}}`));
    if (out.error) throw new Error(out.error);
  }
  await tzdata;
  const out = call({ op: "report", job, ...options, view: true });
  if (lastJob && lastJob !== job) call({ op: "end", job: lastJob });
  lastJob = job;
  post({ id, type: "result", report: out.report, charts: out.charts });
}

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === "cancel") {
    cancelled.add(msg.target);
    return;
  }
  try {
    await booted;
  } catch (err) {
    post({ id: msg.id, type: "error", message: `Python did not start: ${err.message}` });
    return;
  }
  try {
    if (msg.type === "files") {
      const q = queueOf(msg.id);
      q.files.push(...msg.files);
      q.ended = Boolean(msg.last);
      if (q.wake) q.wake();
    } else if (msg.type === "part") {
      const q = queueOf(msg.id);
      try {
        const { job, skipped } = await parsePart(msg.id, q, msg.metas);
        if (msg.keep) {
          post({ id: msg.id, type: "part", job, skipped });
        } else {
          const state = handle(JSON.stringify({ op: "export", job }));
          call({ op: "end", job });
          post({ id: msg.id, type: "part", state, skipped });
        }
      } catch (err) {
        if (err.cancelled) post({ id: msg.id, type: "cancelled" });
        else throw err;
      } finally {
        cancelled.delete(msg.id);
        queues.delete(msg.id);
      }
    } else if (msg.type === "finish") {
      await finish(msg.id, msg.job, msg.states, msg.options || {});
    } else if (msg.type === "json") {
      if (!lastJob) throw new Error("nothing analysed yet");
      // The full report (every context curve): exactly the CLI's --json, built only when downloaded.
      post({ id: msg.id, type: "json", json: handle(JSON.stringify({ op: "json", job: lastJob })) });
    } else if (msg.type === "csv") {
      if (!lastJob) throw new Error("nothing analysed yet");
      await tzdata;
      post({ id: msg.id, type: "csv", csv: call({ op: "csv", job: lastJob, ...(msg.options || {}) }).csv });
    } else if (msg.type === "chart") {
      if (!lastJob) throw new Error("nothing analysed yet");
      const out = call({ op: "chart", job: lastJob, session_id: msg.session_id });
      post({ id: msg.id, type: "chart", curve: out.curve, session_id: out.session_id });
    } else {
      throw new Error(`unknown message type ${msg.type}`);
    }
  } catch (err) {
    post({ id: msg.id, type: "error", message: err.message || String(err) });
  }
};
