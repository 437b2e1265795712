// The page side of the page <-> worker protocol (docs/ARCHITECTURE.md, "Messages"), shared by the page's pool
// (app.js) and the widget (widget.js): one module worker, every request with an id, a promise per request.
// Boot failure is a message (`boot_error`), and a worker that cannot even load fails every pending request, so
// nothing waits forever.

let nextId = 1;

// A module worker must come from the page's origin: a same-origin blob that imports the real script does, so the
// widget works when its files are served from another origin (worker.mjs does the same for its reader).
export function moduleWorker(url) {
  if (url.origin === self.location.origin) return new Worker(url, { type: "module" });
  const blob = new Blob([`import ${JSON.stringify(url.href)};`], { type: "text/javascript" });
  return new Worker(URL.createObjectURL(blob), { type: "module" });
}

export class WorkerClient {
  // hooks: onProgress (boot stages), onReady, onBootError, onFail (the script did not load, or the worker died)
  constructor(url, hooks = {}) {
    this.hooks = hooks;
    this.pending = new Map(); // id -> {resolve, reject, onProgress}
    this.ready = false;
    this.failed = false;
    this.booted = new Promise((resolve, reject) => {
      this.boot = { resolve, reject };
    });
    this.booted.catch(() => {}); // callers that never await boot must not see an unhandled rejection
    this.worker = moduleWorker(url);
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => this.fail(new Error(event.message || "the tokenscope worker failed to load"));
  }

  receive(msg) {
    const { hooks } = this;
    if (msg.type === "boot_progress") return hooks.onBootProgress && hooks.onBootProgress(msg);
    if (msg.type === "ready") {
      this.ready = true;
      this.boot.resolve(msg);
      return hooks.onReady && hooks.onReady(msg);
    }
    if (msg.type === "boot_error") {
      this.failed = true;
      this.boot.reject(new Error(`${msg.message} ${msg.fix}`.trim()));
      return hooks.onBootError && hooks.onBootError(msg);
    }
    const p = this.pending.get(msg.id);
    if (!p) return undefined;
    if (msg.type === "progress") return p.onProgress && p.onProgress(msg);
    this.pending.delete(msg.id);
    if (msg.type === "error") p.reject(new Error(msg.message));
    else p.resolve(msg);
    return undefined;
  }

  fail(err) {
    this.failed = true;
    this.boot.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.hooks.onFail) this.hooks.onFail(err);
  }

  // Send `msg` with a new id; `done` settles with the worker's reply to that id (progress goes to onProgress).
  request(msg, onProgress) {
    const id = nextId++;
    const done = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, ...msg });
    });
    return { id, done };
  }

  // A message that belongs to a request already made (the files of a part), or that needs no reply.
  post(msg) {
    this.worker.postMessage(msg);
  }
}
