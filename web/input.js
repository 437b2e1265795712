// Gathering input: drops (files and whole folders), the pickers, and what the paste box holds.

import { isFragment } from "./share.js";

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

export async function filesFromDrop(dataTransfer) {
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

export function filesFromFolderInput(input) {
  return [...input.files].map((f) => ({
    name: (f.webkitRelativePath || f.name).split("/").slice(1).join("/") || f.name,
    file: f,
    fromFolder: true,
  }));
}

// Folders contribute only logs and agent meta files; files picked one by one are all tried (and named if bad).
export function partition(items) {
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

// A CLI `--json` report is one JSON object opening with its schema version; a log is JSONL (one object per line).
// Decided from its first bytes only (issue 30: the whole text was parsed on the page's thread — a 195 MB report
// stalled and crashed the tab); the worker parses it. Past MAX_REPORT it is refused with a message.
export const MAX_REPORT = 64 << 20;
const REPORT_HEAD = /^\s*\{\s*"schema_version"\s*:\s*1\s*,/;

export function pastedReport(text) {
  return REPORT_HEAD.test(text.slice(0, 200));
}

// A paste that holds a share link or its fragment (with a word or two around it, as from a chat). A log is JSON lines,
// with braces, and a share link has none (issue 30: a small log whose prompt mentioned `#s1&` was taken for "a damaged
// share link" and never analysed).
export function shareFragmentIn(text) {
  const t = text.trim();
  if (!t || t.length > 4096 || /[{}]/.test(t)) return null;
  const at = t.indexOf("#s1&");
  const frag = (at >= 0 ? t.slice(at) : t).split(/\s/)[0];
  return isFragment(frag) ? frag : null;
}

// Does a file start like a CLI `--json` report (issue 30: one picked with "Choose files" said "Nothing to show")?
export async function looksLikeReport(file) {
  const head = await file.slice(0, 200).text().catch(() => "");
  return REPORT_HEAD.test(head);
}
