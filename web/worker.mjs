// The module worker: the only place Pyodide lives. It boots Python from vendored files (never a CDN),
// installs the py_core wheel with micropip, then streams files into py_core.api.handle as bytes.
//
// Page -> worker: {id, type: "analyze", files: [{name, file}], metas: [{agent_id, file}], options}
//                 {id, type: "cancel", target} · {id, type: "csv", options} · {id, type: "chart", session_id}
// Worker -> page: {type: "boot_progress", stage} · {type: "ready", pyodide_version} · {type: "boot_error", code,
//                 message, fix} · {id, type: "progress", ...} · {id, type: "result", report, charts, skipped}
//                 {id, type: "csv", csv} · {id, type: "chart", curve, session_id} · {id, type: "cancelled"}
//                 {id, type: "error", message}

const BASE = new URL("./", import.meta.url);
const cancelled = new Set();
let handle = null; // py_core.api.handle
let jobSeq = 0;
let lastJob = null;

// Blob stream reads can resolve as microtasks only: without a macrotask break now and then, a cancel
// message would wait until the whole input was read.
const breather = () => new Promise((resolve) => setTimeout(resolve, 0));

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
    await pyodide.loadPackage("micropip", { messageCallback: () => {}, errorCallback: () => {} });
    const micropip = pyodide.pyimport("micropip");
    // deps=False: the wheels are self-contained, and micropip must never look for an index.
    await micropip.install.callKwargs(
      [new URL(manifest.core_wheel, BASE).href, new URL(manifest.wheels.tzdata, BASE).href],
      { deps: false },
    );
    handle = pyodide.pyimport("py_core.api").handle;
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

async function analyze(id, files, metas, options) {
  const job = `j${++jobSeq}`;
  call({ op: "begin", job });
  const totalBytes = files.reduce((n, f) => n + f.file.size, 0);
  let done = 0;
  let lastPost = 0;
  const skipped = [];
  try {
    for (const m of metas || []) {
      call({ op: "meta", job, agent_id: m.agent_id }, new Uint8Array(await m.file.arrayBuffer()));
    }
    for (let i = 0; i < files.length; i++) {
      const { name, file } = files[i];
      const why = file.size ? sniff(new Uint8Array(await file.slice(0, 512).arrayBuffer())) : null;
      if (why) {
        skipped.push({ name, reason: why });
        done += file.size;
        continue;
      }
      call({ op: "open", job, source: name });
      // Bytes, chunk by chunk: never one big string (pyodide.md: 800 MB peak that way).
      const reader = file.stream().getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        if (cancelled.has(id)) {
          await reader.cancel();
          throw Object.assign(new Error("cancelled"), { cancelled: true });
        }
        call({ op: "feed", job, source: name }, value);
        done += value.byteLength;
        const now = performance.now();
        if (now - lastPost > 50) {
          lastPost = now;
          post({ id, type: "progress", bytes: done, total_bytes: totalBytes, files: i, total_files: files.length });
          await breather();
        }
      }
      call({ op: "close", job, source: name });
    }
    post({ id, type: "progress", bytes: totalBytes, total_bytes: totalBytes, files: files.length,
           total_files: files.length });
    const out = call({ op: "report", job, ...options });
    if (lastJob && lastJob !== job) call({ op: "end", job: lastJob });
    lastJob = job;
    post({ id, type: "result", report: out.report, charts: out.charts, skipped });
  } catch (err) {
    call({ op: "end", job });
    if (err.cancelled) post({ id, type: "cancelled" });
    else throw err;
  } finally {
    cancelled.delete(id);
  }
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
    if (msg.type === "analyze") {
      await analyze(msg.id, msg.files, msg.metas, msg.options || {});
    } else if (msg.type === "csv") {
      if (!lastJob) throw new Error("nothing analysed yet");
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
