// <tokenscope-report>: the tokenscope card inside any page (issue 5).
//
//   <script type="module" src="https://your.host/tokenscope/widget.js"></script>
//   <tokenscope-report src="session.jsonl">Shown until the card is ready.</tokenscope-report>
//   <tokenscope-report src="report.json"></tokenscope-report>          (a `tokenscope --json` report)
//   <tokenscope-report summary="#s1&c=…"></tokenscope-report>          (a share link's fragment)
//
// Renders in a Shadow DOM; theme it with --tokenscope-bg, --tokenscope-fg, --tokenscope-text,
// --tokenscope-muted, --tokenscope-radius. Reports and summaries are drawn in JavaScript (web/share.js);
// Python (Pyodide) is loaded only when some widget on the page is given raw JSONL, and then once for all.

import { WorkerClient } from "./client.js";
import { cardSvg, fromFragment, headline, summarize } from "./share.js";

const BASE = new URL("./", import.meta.url);
let booted = null; // one worker for every widget on the page: memoised, forgotten on failure so a retry works

function pythonWorker() {
  if (!booted) {
    const client = new WorkerClient(new URL("worker.mjs", BASE));
    booted = client.booted.then(() => client).catch((err) => {
      booted = null;
      throw err;
    });
  }
  return booted;
}

async function analyseLog(blob, name) {
  const py = await pythonWorker();
  const part = py.request({ type: "part", keep: true });
  py.post({ id: part.id, type: "files", files: [{ name, file: blob }], last: true });
  const { job } = await part.done;
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const out = await py.request({ type: "finish", job, states: [], options: { tz } }).done;
  if (out.nothing) throw new Error(`nothing to show: ${out.nothing}`); // not a $0 card (issue 10)
  return out.report;
}

const STYLE = `
:host { display: block; max-width: 600px; }
.card svg { width: 100%; height: auto; display: block; }
.ts-card-bg { fill: var(--tokenscope-bg, #101418); }
.ts-card-fg { fill: var(--tokenscope-fg, #f2f4f6); }
.ts-card-text { fill: var(--tokenscope-text, #c9d1d9); }
.ts-card-muted { fill: var(--tokenscope-muted, #9aa4ae); }
.ts-card-bg { rx: var(--tokenscope-radius, 16px); }
.error { font: 14px system-ui, sans-serif; color: #b91c1c; }
`;
let sheet = null;

class TokenscopeReport extends HTMLElement {
  static get observedAttributes() {
    return ["src", "summary"];
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" }).innerHTML = "<slot></slot>"; // the element's own content until ready
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
    }
    this.shadowRoot.adoptedStyleSheets = [sheet];
  }

  connectedCallback() {
    this.load();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.load();
  }

  async load() {
    const run = (this.run = (this.run || 0) + 1);
    this.dataset.state = "loading";
    try {
      const summary = await this.summary();
      if (run !== this.run) return;
      const doc = new DOMParser().parseFromString(cardSvg(summary), "image/svg+xml");
      const div = document.createElement("div");
      div.className = "card";
      div.append(document.importNode(doc.documentElement, true));
      this.shadowRoot.replaceChildren(div);
      this.setAttribute("aria-label", headline(summary));
      this.dataset.cost = String(summary.cost_usd);
      this.dataset.state = "ready";
    } catch (err) {
      if (run !== this.run) return;
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = `tokenscope: ${err.message}`;
      this.shadowRoot.replaceChildren(p, document.createElement("slot"));
      this.dataset.state = "error";
    }
  }

  async summary() {
    const frag = this.getAttribute("summary");
    if (frag) return fromFragment(frag);
    const src = this.getAttribute("src");
    if (!src) throw new Error("give the element a src (a .jsonl log or a --json report) or a summary");
    const url = new URL(src, document.baseURI);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
    const blob = await res.blob();
    const head = await blob.slice(0, 4096).text();
    // A --json report opens with its schema version; anything else is taken as a JSONL log, whatever the file's name
    // (issue 30: a log served as `.json` was parsed as a report and failed).
    if (/^\s*\{\s*"schema_version"\s*:\s*1\s*,/.test(head)) {
      const report = JSON.parse(await blob.text());
      if (report.schema_version !== 1 || !report.totals) throw new Error("not a tokenscope --json report");
      return summarize(report);
    }
    const name = url.pathname.split("/").pop() || "log.jsonl";
    return summarize(await analyseLog(blob, name));
  }
}

if (!customElements.get("tokenscope-report")) customElements.define("tokenscope-report", TokenscopeReport);
