// The module worker: the only place Pyodide lives. It boots Python from vendored files (never a CDN),
// installs the py_core and tzdata wheels, then streams files into py_core.shells.api.handle as bytes.
//
// Its messages (page <-> worker, worker <-> reader) and the Python operations it calls are listed once, in
// docs/ARCHITECTURE.md ("The message protocols").

import { getMany, openStore, putMany } from "./store.mjs";

const BASE = new URL("./", import.meta.url);
const cancelled = new Set();
let handle = null; // py_core.shells.api.handle
let jobSeq = 0;
let lastJob = null;
let lastTokens = new Map(); // source -> the token of the version lastJob holds it at (its `reuse`)
let tzdata = null; // loaded after "ready" (only the report needs it), awaited before any report
let fastDecoder = Promise.resolve("json"); // msgspec's loading (after "ready"), awaited before a part starts
// request id -> {files, ended, wake}: a part's files arrive in several messages, and parsing starts
// with the first of them rather than after the page has posted them all.
const queues = new Map();

function queueOf(id) {
  let q = queues.get(id);
  if (!q) {
    q = { files: [], metaReads: [], ended: false, wake: null, reading: false, forwarded: 0, sentLast: false,
          arrived: Promise.resolve(), remember: false };
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

let snapshotUsed = false;

async function fetchGzip(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
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
    // The interpreter's memory right after start-up, made by serve.py from these very files (issue 4:
    // ~1.4 s to ready instead of ~3 s). A missing or unusable snapshot costs time, never the page.
    const snapshot = manifest.snapshot ? fetchGzip(new URL(manifest.snapshot, BASE)).catch(() => null) : null;
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    const options = { indexURL, packageBaseUrl: indexURL, stdout: () => {}, stderr: () => {} };
    const bytes = await snapshot;
    if (bytes) {
      try {
        pyodide = await loadPyodide({ ...options, _loadSnapshot: bytes });
        snapshotUsed = true;
        // Pyodide keeps its options: without this the 31 MB snapshot would stay in memory for good.
        if (pyodide._api && pyodide._api.config) pyodide._api.config._loadSnapshot = undefined;
      } catch (err) {
        pyodide = null;
      }
    }
    if (!pyodide) pyodide = await loadPyodide(options);
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
    handle = pyodide.pyimport("py_core.shells.api").handle;
    tzdata = pyodide.loadPackage("tzdata", { messageCallback: () => {}, errorCallback: () => {} });
  } catch (err) {
    throw Object.assign(new Error(`Installing the analyzer failed: ${err.message}`), {
      code: "TS-BOOT-WHEEL",
      fix: "Run `python serve.py --force` to rebuild web/vendor, then reload the page.",
    });
  }
  post({ type: "ready", pyodide_version: manifest.pyodide_version, snapshot: snapshotUsed });
  // msgspec, the optional native decoder (issue 13), after "ready" so the 3 s start stays: py_core picks it up
  // for the next analysis (py_core/core/decode.py). A missing or broken wheel only means the standard library decodes.
  if (new URL(import.meta.url).searchParams.get("decoder") !== "json") {
    fastDecoder = tzdata.then(() => pyodide.loadPackage("msgspec", { messageCallback: () => {}, errorCallback: () => {} }))
      .then(() => pyodide.runPython("import py_core.core.decode as d; d.decoder_name()"))
      .catch(() => "json");
  }
  if (!reader) startReader(); // a module worker takes a moment to start: not on the first analysis's clock
}

// While the person picks their files, analyse the sample once and drop it: WebAssembly compiles each
// function on its first call, and a start from the snapshot has run almost none of the parser's or the
// report's, so without this the first real analysis pays for compiling them (~0.5 s; issue 4). The page
// asks for it ({type: "warm"}) from its first worker; an embedded widget, which analyses one log, does not.
async function warmUp() {
  try {
    const res = await fetch(new URL("sample.jsonl", BASE));
    if (!res.ok) return;
    const bytes = new Uint8Array(await res.arrayBuffer());
    await tzdata;
    await fastDecoder; // warm the decoder the analyses will use
    call({ op: "begin", job: "warm-up" });
    call({ op: "file", job: "warm-up", source: "sample.jsonl" }, bytes);
    call({ op: "report", job: "warm-up", tz: "UTC", view: true, memo: false }); // the page's parts stay its own
  } catch (err) {
    // Only a lost head start.
  } finally {
    if (handle) handle(JSON.stringify({ op: "end", job: "warm-up" }));
  }
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

const READ_AHEAD = 16 << 20; // bytes the reader may get ahead of the parser (plus its reads in flight)

// The reader worker (reader.mjs) copies bytes out of Blob storage on its own thread and transfers them
// here in file order; we acknowledge each buffer once parsed, which keeps at most READ_AHEAD in flight.
let reader = null;
let readerError = null;
const inbox = new Map(); // rid -> {msgs, wake}

function boxOf(rid) {
  let box = inbox.get(rid);
  if (!box) {
    box = { msgs: [], head: 0, wake: null };
    inbox.set(rid, box);
  }
  return box;
}

function startReader() {
  const url = new URL("reader.mjs", import.meta.url);
  // Inside the widget's blob trampoline this worker's origin is the docs page's: import the reader the same way.
  reader = url.origin === self.location.origin
    ? new Worker(url, { type: "module" })
    : new Worker(URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: "text/javascript" })),
                 { type: "module" });
  reader.onmessage = (event) => {
    const box = boxOf(event.data.rid);
    box.msgs.push(event.data);
    if (box.wake) box.wake();
  };
  reader.onerror = (event) => {
    readerError = new Error(`the file reader stopped: ${event.message || "it could not load"}`);
    for (const box of inbox.values()) if (box.wake) box.wake();
  };
}

async function nextRead(rid) {
  const box = boxOf(rid);
  while (box.head >= box.msgs.length) {
    if (readerError) throw readerError;
    await new Promise((resolve) => { box.wake = resolve; });
    box.wake = null;
  }
  const msg = box.msgs[box.head];
  box.msgs[box.head++] = undefined;
  return msg;
}

// Hand the reader the files of a part that it has not seen yet.
function forward(id, q) {
  if (!q.reading || (q.forwarded >= q.files.length && !(q.ended && !q.sentLast))) return;
  const files = q.files.slice(q.forwarded).filter((f) => f.stored === undefined && f.resume === undefined && !f.reuse)
    .map((f) => f.file);
  q.forwarded = q.files.length;
  q.sentLast = q.ended;
  reader.postMessage({ type: "read", rid: id, files, last: q.ended, ahead: READ_AHEAD });
}

// Agent meta files (hundreds of tiny ones in a big projects folder) are read all at once as soon as they
// arrive, while the logs are parsed, and applied after them: read one by one up front they cost ~0.5 s of
// waiting (issue 4). A meta file that cannot be read only loses a subagent's type label.
function readMetas(metas) {
  return Promise.all(metas.map((m) => m.file.arrayBuffer().then((b) => [m.agent_id, new Uint8Array(b)], () => null)));
}

// A stored file that grew (issue 15: a watched log): py_core checks its first bytes and the byte before the stored
// offset, then only the bytes after the offset are read. The offset and fingerprint length are read off the state's
// header (filestate.py writes them first; inside a JSON string a quote is always escaped, so these cannot be a
// label's text). False when it cannot resume: the caller reads the file whole.
async function resumeFile(job, name, f) {
  const offset = Number((/,"offset":(\d+)/.exec(f.resume.slice(0, 4096)) || [])[1]);
  const headLen = Number((/,"head":\[(\d+),/.exec(f.resume.slice(0, 4096)) || [])[1]);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(headLen)) return false;
  const head = new Uint8Array(await f.file.slice(0, headLen).arrayBuffer());
  const before = offset ? new Uint8Array(await f.file.slice(offset - 1, offset).arrayBuffer()) : new Uint8Array(0);
  const probe = new Uint8Array(head.length + before.length);
  probe.set(head);
  probe.set(before, head.length);
  // The stored text goes first: the keys after it are ours, and in JSON the last of two equal keys wins, so a
  // damaged record cannot change the op, the job or the file (issue 21). A record that is not JSON at all makes
  // the request fail: an error answer, and the file is read whole.
  const out = JSON.parse(handle(`{"state":${f.resume},"op":"resume","job":${JSON.stringify(job)},` +
                                `"source":${JSON.stringify(name)},"size":${f.file.size}}`, probe));
  if (!out.ok) return false;
  const rest = new Uint8Array(await f.file.slice(offset).arrayBuffer());
  call({ op: "feed", job, source: name }, rest);
  const fp = await fingerprint(f.file, rest);
  call({ op: "close", job, source: name, token: tokenOf(f.file, fp) });
  return fp;
}

// A file version's identity (issues 20 and 30): its size, its modification time and a fingerprint of its last bytes.
// The page store serves a file's stored state, and the worker its session parts and its analyzer (`reuse`), only
// while the token is unchanged. Size and time alone took a log rewritten with its time put back for the stored one
// (issue 30: $2.03 where the CLI, which also checks the change time and the bytes before its offset, said $0.25);
// the browser has no change time, so the last FP_BYTES bytes — read anyway for a file parsed now, one small read
// for one that is not — are hashed. A pasted log is a Blob without a modification time: no token, always read.
const FP_BYTES = 4096;

// A 106-bit hash of bytes (two 53-bit cyrb53 lanes): no crypto.subtle, which a page served over plain http on a
// LAN does not have; this guards against a file rewritten in place, not against an adversary (it is the user's).
function hash(bytes) {
  const lane = (seed) => {
    let h1 = 0xdeadbeef ^ seed;
    let h2 = 0x41c6ce57 ^ seed;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  };
  return `${lane(0)}.${lane(bytes.length + 1)}`;
}

// The fingerprint of `file`'s last FP_BYTES bytes, from `tail` (bytes that end the file) when it holds them.
async function fingerprint(file, tail) {
  const n = Math.min(FP_BYTES, file.size);
  const bytes = tail && tail.byteLength >= n ? tail.subarray(tail.byteLength - n)
    : new Uint8Array(await file.slice(file.size - n).arrayBuffer());
  return hash(bytes);
}

const tokenOf = (file, fp) => (Number.isFinite(file.lastModified) && fp ? `${file.size}:${file.lastModified}:${fp}`
  : null);

// Could `token` be this file's (size and time match)? Then its fingerprint decides.
const sameStat = (tok, file) => typeof tok === "string" && Number.isFinite(file.lastModified)
  && tok.startsWith(`${file.size}:${file.lastModified}:`);

// Does the page store's record `r` hold the state of this very version of `file` (fingerprint `fp`)? A record
// without a fingerprint (stored before issue 30) is not trusted: the file is read again and stored anew.
const isStored = (r, file, fp) => Boolean(r) && typeof r.state === "string" && r.size === file.size
  && r.lastModified === file.lastModified && typeof r.fp === "string" && r.fp === fp;

// Parse a part's files into a new job as they arrive; returns {job, skipped}. Throws {cancelled}.
async function parsePart(id, q) {
  await fastDecoder; // every part of an analysis decodes alike (the report names one decoder)
  const job = `j${++jobSeq}`;
  call({ op: "begin", job });
  let done = 0;
  let total = 0; // summed here as files arrive: File.size is a round trip we keep off the page's thread
  let sized = 0;
  let lastPost = 0;
  const skipped = [];
  const files = q.files;
  const keep = []; // [name, record] for the page store
  let unchanged = 0;
  let parsed = 0;
  let appended = 0; // of `parsed`: read only from their last complete line
  const remember = (name, file, fp) => {
    const text = handle(JSON.stringify({ op: "take_state", job, source: name }));
    if (!text.startsWith('{"error"')) {
      keep.push([name, { size: file.size, lastModified: file.lastModified, fp, state: text }]);
    }
  };
  // A file the store held but cannot serve is read here, whole (the reader was never given it).
  const readHere = async (name, file) => {
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      call({ op: "unreadable", job, source: name, reason: `could not be read (${err.name || "error"})` });
      skipped.push({ name, reason: "could not be read" });
      return;
    }
    const fp = await fingerprint(file, bytes);
    call({ op: "file", job, source: name, remember: true, token: tokenOf(file, fp) }, bytes);
    remember(name, file, fp);
    parsed += 1;
  };
  if (!reader) startReader();
  try {
    q.reading = true;
    forward(id, q);
    for (let i = 0; ; i++) {
      while (i >= files.length && !q.ended) await new Promise((resolve) => { q.wake = resolve; });
      if (i >= files.length) break;
      for (; sized < files.length; sized++) total += files[sized].file.size;
      const { name } = files[i];
      if (files[i].reuse) {
        const out = call({ op: "reuse", job, from: lastJob, source: name, token: files[i].token });
        if (out.ok) {
          unchanged += 1;
          done += files[i].file.size;
          continue;
        }
        // Not held after all (the last analysis was cancelled or ended): its stored state, else a read.
        const [r] = await getMany(await openStore(), [name]);
        if (!isStored(r, files[i].file, files[i].fp)) {
          await readHere(name, files[i].file); // never sent to the reader: read here, whole
          done += files[i].file.size;
          continue;
        }
        files[i].stored = r.state;
      }
      if (files[i].stored !== undefined) {
        // Unchanged since the page stored it (issue 14): its state instead of its bytes, as one JSON text.
        // As in resumeFile: the stored text first, our keys after it; a damaged record (issue 21: "Unterminated
        // string" on every later drop until "Forget") is an error answer, and the file is read whole and stored anew.
        const out = JSON.parse(handle(`{"state":${files[i].stored},"op":"load_state","job":${JSON.stringify(job)},` +
                                      `"source":${JSON.stringify(name)},"token":${JSON.stringify(files[i].token)}}`));
        if (out.ok) unchanged += 1;
        else await readHere(name, files[i].file); // another version's, a damaged or another file's state
        done += files[i].file.size;
        continue;
      }
      if (files[i].resume !== undefined) {
        let fp = false;
        try {
          fp = await resumeFile(job, name, files[i]);
        } catch (err) {
          fp = false; // it could not be read as it was listed: read whole below (or named as unreadable there)
        }
        if (fp) {
          remember(name, files[i].file, fp);
          parsed += 1;
          appended += 1;
        } else {
          await readHere(name, files[i].file); // it did not only grow
        }
        done += files[i].file.size;
        continue;
      }
      const rem = q.remember;
      let opened = false;
      let skip = null;
      let rest = null;
      let fp = null;
      for (;;) {
        if (cancelled.has(id)) {
          reader.postMessage({ type: "cancel", rid: id });
          throw Object.assign(new Error("cancelled"), { cancelled: true });
        }
        const m = await nextRead(id);
        if (m.skip && opened) {
          // Issue 30: it failed after some of it was read (changed or moved while being read — a session appending
          // to its log). What was read counts and is named as read in part; nothing of it is remembered, so the next
          // analysis reads it again (it used to be stored under its size and time, as if read whole).
          const n = (x) => x.toLocaleString("en-US");
          call({ op: "close", job, source: name, partial: {
            bytes: m.at, reason: `read error after ${n(m.at)} of ${n(m.size)} bytes: ${m.error} (the file changed ` +
              "or moved while it was read)" } });
          opened = false;
          skip = m.skip;
          rest = m.size - m.at; // for the progress bar: the bytes never read
          skipped.push({ name, reason: m.skip, partial: true });
        } else if (m.skip) {
          skip = m.skip; // a PNG or PDF dropped among logs is named in the report, not parsed
          skipped.push({ name, reason: m.skip });
          call({ op: "unreadable", job, source: name, reason: m.skip });
        } else if (m.end && !opened) {
          // The whole file in one buffer (most logs: one call to Python), or a 0-byte file (counted, and
          // named as empty in the report).
          const bytes = new Uint8Array(m.buf || 0);
          fp = await fingerprint(files[i].file, bytes);
          call({ op: "file", job, source: name, remember: rem, token: tokenOf(files[i].file, fp) }, bytes);
          if (rem) remember(name, files[i].file, fp);
        } else {
          if (!opened) {
            call({ op: "open", job, source: name, remember: rem }); // its token comes with its last bytes
            opened = true;
          }
          const bytes = new Uint8Array(m.buf);
          call({ op: "feed", job, source: name }, bytes);
          if (m.end) fp = await fingerprint(files[i].file, bytes);
        }
        if (m.buf) {
          reader.postMessage({ type: "ack", rid: id, bytes: m.buf.byteLength });
          done += m.buf.byteLength;
        }
        const now = performance.now();
        if (now - lastPost > 50) {
          lastPost = now;
          post({ id, type: "progress", bytes: done, total_bytes: total });
          await breather();
        }
        if (m.end) break;
      }
      if (opened) {
        call({ op: "close", job, source: name, token: tokenOf(files[i].file, fp) });
        if (rem) remember(name, files[i].file, fp);
      } else if (skip) done += rest === null ? files[i].file.size : rest;
      if (!skip) parsed += 1;
    }
    // What the page store took (issue 30: a full or refused store said "this page remembers them" all the same).
    const stored = keep.length && await putMany(await openStore(), keep) ? keep.length : 0;
    const unstored = keep.length - stored;
    const metaFiles = (await Promise.all(q.metaReads)).flat().filter(Boolean);
    if (metaFiles.length) {
      const sizes = metaFiles.map(([, b]) => b.byteLength);
      const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      for (const [, b] of metaFiles) {
        all.set(b, at);
        at += b.byteLength;
      }
      call({ op: "meta", job, agent_ids: metaFiles.map(([aid]) => aid), sizes }, all); // one call, not hundreds
    }
    post({ id, type: "progress", bytes: done, total_bytes: total });
    return { job, skipped, unchanged, parsed, appended, stored, unstored };
  } catch (err) {
    call({ op: "end", job });
    throw err;
  } finally {
    inbox.delete(id);
  }
}

async function finish(id, job, states, options) {
  for (const state of states || []) {
    // The helper's export goes in as it came: one JSON text, never parsed in JavaScript.
    const out = JSON.parse(handle(`{"op":"import","job":${JSON.stringify(job)},"from":${state}}`));
    if (out.error) throw new Error(out.error);
  }
  await tzdata;
  const db = await openStore();
  if (db && !partsSeeded) {
    // Each session's part of the last report, as this page stored it (issue 20 item 5): py_core checks each one,
    // and uses it only where the session's files are the versions it was built from. The stored text goes first,
    // our op after it (as for file states: a damaged record is an error answer, ignored).
    partsSeeded = true;
    const [rec] = await getMany(db, [PARTS_KEY]);
    if (rec && typeof rec.parts === "string") handle(`{"parts":${rec.parts},"op":"seed_parts"}`);
  }
  const out = call({ op: "report", job, ...options, view: true });
  post({ id, type: "result", report: out.report, detail: out.detail, charts: out.charts, nothing: out.nothing,
         kept: out.kept });
  // The previous analysis is freed after the answer is out: dropping a big one takes a while.
  if (lastJob && lastJob !== job) call({ op: "end", job: lastJob });
  lastJob = job;
  lastTokens = new Map(Object.entries(call({ op: "held", job }).held));
  const parts = handle('{"op":"take_parts"}');
  if (db && parts.startsWith("{") && !parts.startsWith('{"error"')) await putMany(db, [[PARTS_KEY, { parts }]]);
}

// The fingerprints of these files (`fp`), read a few at a time (each is one small read of the file's last bytes). A
// file that cannot be read gets none: it is then read like a new one, and named there if it still cannot be.
async function fingerprints(files) {
  for (let i = 0; i < files.length; i += 32) {
    await Promise.all(files.slice(i, i + 32).map(async (f) => {
      try {
        f.fp = await fingerprint(f.file);
      } catch (err) {
        f.fp = null;
      }
    }));
  }
}

// The page store's record of session parts: a key no file name can be (a NUL).
const PARTS_KEY = "\u0000parts";
let partsSeeded = false;

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
    if (msg.type === "forget") {
      // "Forget what this page stored": what this worker keeps between analyses goes too (issue 20).
      lastTokens = new Map();
      partsSeeded = true; // the page store's record is being deleted: nothing to seed from
      handle('{"op":"forget"}');
    } else if (msg.type === "warm") {
      await warmUp();
    } else if (msg.type === "files") {
      const q = queueOf(msg.id);
      // In arrival order, each batch after the lookups of the one before (IndexedDB answers asynchronously).
      q.arrived = q.arrived.then(async () => {
        if (msg.remember) {
          q.remember = true;
          // A file the last analysis held at this very version is merged from memory (issue 20: `reuse`); the
          // others are looked up in the page store. Either only when its token matches: size, time, and the
          // fingerprint of its last bytes (issue 30), read for those whose size and time match.
          const held = msg.files.filter((f) => sameStat(lastTokens.get(f.name), f.file));
          const look = msg.files.filter((f) => !sameStat(lastTokens.get(f.name), f.file));
          await fingerprints(held);
          for (const f of held) {
            f.token = tokenOf(f.file, f.fp);
            if (lastTokens.get(f.name) === f.token) f.reuse = true;
            else look.push(f);
          }
          const records = await getMany(await openStore(), look.map((f) => f.name));
          await fingerprints(look.filter((f, i) => records[i] && records[i].size === f.file.size && f.fp === undefined
            && records[i].lastModified === f.file.lastModified));
          look.forEach((f, i) => {
            const r = records[i];
            if (!r || typeof r.state !== "string") return;
            if (isStored(r, f.file, f.fp)) {
              f.stored = r.state;
              f.token = tokenOf(f.file, f.fp);
            } else if (f.file.size > r.size) f.resume = r.state; // grew: read from its last complete line (issue 15)
          });
        }
        q.files.push(...msg.files);
        q.ended = Boolean(msg.last);
        if (msg.metas && msg.metas.length) q.metaReads.push(readMetas(msg.metas));
        forward(msg.id, q);
        if (q.wake) q.wake();
      });
      await q.arrived;
    } else if (msg.type === "part") {
      const q = queueOf(msg.id);
      try {
        const { job, ...counts } = await parsePart(msg.id, q);
        if (msg.keep) {
          post({ id: msg.id, type: "part", job, ...counts });
        } else {
          const state = handle(JSON.stringify({ op: "export", job }));
          call({ op: "end", job });
          post({ id: msg.id, type: "part", state, ...counts });
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
    } else if (msg.type === "share") {
      if (msg.pasted) post({ id: msg.id, type: "share", ...call({ op: "share", pasted: true, url: msg.url }) });
      else if (!lastJob) throw new Error("nothing analysed yet");
      else post({ id: msg.id, type: "share", ...call({ op: "share", job: lastJob, url: msg.url }) });
    } else if (msg.type === "charts") {
      // A pasted --json report: its text goes into Python as it came (issue 30: parsed here, off the page's thread,
      // never as a whole object on the page); later calls (another session, another width) use the one kept there.
      // As for stored states, the text goes first and our keys after it: in JSON the last of two keys wins.
      const tail = `"op":"charts","session_id":${JSON.stringify(msg.session_id || null)},"width":${JSON.stringify(msg.width || null)}`;
      const given = msg.report_file ? await msg.report_file.text() : msg.report_text;
      const text = given !== undefined ? `{"report":${given},${tail}}` : `{${tail}}`;
      const out = JSON.parse(handle(text));
      if (out.error) throw new Error(out.error);
      post({ id: msg.id, type: "charts", ...out });
    } else if (msg.type === "pasted_json") {
      post({ id: msg.id, type: "json", json: handle('{"op":"pasted_json"}') });
    } else if (msg.type === "csv") {
      if (!lastJob) throw new Error("nothing analysed yet");
      await tzdata;
      post({ id: msg.id, type: "csv", csv: call({ op: "csv", job: lastJob, ...(msg.options || {}) }).csv });
    } else if (msg.type === "chart") {
      if (!lastJob) throw new Error("nothing analysed yet");
      const out = call({ op: "chart", job: lastJob, session_id: msg.session_id, width: msg.width });
      post({ id: msg.id, type: "chart", curve: out.curve, whatif: out.whatif, session_id: out.session_id,
             detail: out.detail });
    } else if (msg.type === "redraw") {
      // The page was resized: every chart again for the new width, from the report already built.
      if (!lastJob) throw new Error("nothing analysed yet");
      post({ id: msg.id, type: "redraw", ...call({ op: "redraw", job: lastJob, session_id: msg.session_id,
                                                   width: msg.width }) });
    } else if (msg.type === "refilter") {
      // Filters and grouping (issue 12): the report rebuilt from the state in this worker, nothing parsed again.
      if (!lastJob) throw new Error("nothing analysed yet");
      await tzdata;
      const out = call({ op: "report", job: lastJob, ...(msg.options || {}), view: true });
      post({ id: msg.id, type: "result", report: out.report, detail: out.detail, charts: out.charts,
             nothing: out.nothing });
    } else {
      throw new Error(`unknown message type ${msg.type}`);
    }
  } catch (err) {
    post({ id: msg.id, type: "error", message: err.message || String(err) });
  }
};
