// The share card and link fragment in JavaScript, so a share link opens as a card without starting Python.
// A port of py_core/share.py (from_fragment, card_svg, headline): tests/test_web.py renders the same summaries
// with both and requires byte-identical SVG, so the two cannot drift apart.

import { cardMoney, cardPct, cardTokens, fixed, group } from "./format.js";
import { SHARE_BUCKETS } from "./vocab.js";

const VERSION = "s1";
const FAMILY = { o: "Opus", s: "Sonnet", h: "Haiku", f: "Fable", m: "Mythos" };
const CODE = /^(?:[oshfm]\d{1,2}(?:\.\d{1,2})?|x)$/;
// The card's five buckets, their labels and colours: py_core/present.py's SHARE_BUCKETS, via web/vocab.js.
const SPLIT_LABELS = SHARE_BUCKETS.map((b) => b.label);
const SPLIT_COLOURS = SHARE_BUCKETS.map((b) => b.colour);
const FIELDS = {
  c: /^\d{1,12}(?:\.\d{1,2})?$/,
  r: /^(?:\d{1,3}(?:\.\d)?,){4}\d{1,3}(?:\.\d)?$/,
  t: /^\d{1,12}$/, n: /^\d{1,9}$/, p: /^\d{1,12}$/,
  h: /^(?:\d{1,3}(?:\.\d)?)?$/, s: /^(?:\d{1,3}(?:\.\d)?)?$/, m: /^(?:\d{1,3}(?:\.\d)?)?$/, d: /^\d{1,12}$/,
  f: /^(?:[oshfmx0-9.]{1,6}(?:-[oshfmx0-9.]{1,6}){0,11})?$/,
  a: /^\d{8}$/, b: /^\d{8}$/, u: /^1$/,
};

const NEW_ID = /^claude-(opus|sonnet|haiku|fable|mythos)-(\d{1,2})(?:-(\d{1,2}))?$/;
const OLD_ID = /^claude-(\d)(?:-(\d))?-(opus|sonnet|haiku)$/;
const SPLIT_KEYS = SHARE_BUCKETS.map((b) => b.key);
const roundUp = (x, nd) => Math.floor(x * 10 ** nd + 0.5) / 10 ** nd;
const pct = (x) => (x == null ? null : roundUp(x * 100, 1));

export function familyCode(canonical) {
  if (!canonical) return "x";
  let m = NEW_ID.exec(canonical);
  if (m) return m[1][0] + m[2] + (m[3] ? `.${m[3]}` : "");
  m = OLD_ID.exec(canonical);
  if (m) return m[3][0] + m[1] + (m[2] ? `.${m[2]}` : "");
  return "x";
}

// The share summary of a --json report (schema 1): py_core.share.summarize, for pages without Python.
// The widget hands it reports from any page: untrusted (issue 10), so every number is checked to be one and every
// string to be a string (Python summarises reports that py_core.schema.conform_report already made so).
const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : 0);
const numOrNull = (x) => (typeof x === "number" && Number.isFinite(x) ? x : null);
const list = (x) => (Array.isArray(x) ? x.filter((v) => v && typeof v === "object") : []);
const day = (x) => (typeof x === "string" && /^\d{4}-\d{2}-\d{2}/.test(x) ? x.slice(0, 10) : null);

export function summarize(report) {
  const t = report && typeof report.totals === "object" && report.totals ? report.totals : {};
  const shares = t.share_of_cost && typeof t.share_of_cost === "object" ? t.share_of_cost : {};
  const sessions = list(report && report.sessions);
  const nSessions = num(t.sessions);
  return {
    v: VERSION,
    cost_usd: roundUp(num(t.cost_usd), 2),
    split: SPLIT_KEYS.map((k) => pct(numOrNull(shares[k])) || 0),
    requests: num(t.requests),
    sessions: nSessions,
    peak_context: Math.max(0, ...sessions.map((s) => num(s.peak_context_tokens))),
    cache_hit_rate: pct(numOrNull(t.cache_hit_rate)),
    resent_share: pct(numOrNull(t.resent_share_pooled)),
    resent_share_median: nSessions > 1 ? pct(numOrNull(t.resent_share_median_session)) : null,
    duration_s: Math.trunc(sessions.reduce((n, s) => n + num(s.active_seconds), 0)), // issue 25: active time
    models: [...new Set(list(report && report.models).map((m) => familyCode(typeof m.priced_as === "string" ? m.priced_as : null)))].sort(),
    first_day: day(t.first_timestamp),
    last_day: day(t.last_timestamp),
    excludes_unpriced: t.cost_excludes_unpriced === true,
  };
}

export function isFragment(text) {
  return /^#?s1&/.test(text);
}

export function fromFragment(fragment) {
  const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
  const items = text.split("&");
  if (items[0] !== VERSION) throw new Error("not a tokenscope share link (version s1)");
  const got = {};
  for (const item of items.slice(1)) {
    const at = item.indexOf("=");
    const key = at < 0 ? item : item.slice(0, at);
    const value = at < 0 ? "" : item.slice(at + 1);
    if (at < 0 || !Object.hasOwn(FIELDS, key) || Object.hasOwn(got, key) || !FIELDS[key].test(value)) {
      throw new Error(`bad share field '${key}'`);
    }
    got[key] = value;
  }
  for (const k of ["c", "r", "t", "n", "p", "d", "f"]) if (!Object.hasOwn(got, k)) throw new Error(`share link lacks '${k}'`);
  const codes = got.f.split("-").filter(Boolean);
  if (!codes.every((c) => CODE.test(c))) throw new Error("bad model family code");
  const day = (v) => (v ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : null);
  const opt = (k) => (got[k] ? Number(got[k]) : null);
  return {
    v: VERSION, cost_usd: Number(got.c), split: got.r.split(",").map(Number), requests: Number(got.t),
    sessions: Number(got.n), peak_context: Number(got.p), cache_hit_rate: opt("h"), resent_share: opt("s"),
    resent_share_median: opt("m"), duration_s: Number(got.d), models: codes, first_day: day(got.a),
    last_day: day(got.b), excludes_unpriced: got.u === "1",
  };
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
  .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
const money = cardMoney;
const tokens = cardTokens;
const pctText = cardPct;
export const familyLabel = (code) => (code === "x" ? "other" : `${FAMILY[code[0]]} ${code.slice(1)}`);

export function headline(s) {
  const sess = s.sessions === 1 ? "1 session" : `${s.sessions} sessions`;
  return `~${money(s.cost_usd)} at API list prices · ${sess}, ${group(s.requests)} requests · ` +
    `${pctText(s.resent_share)} of it re-sent context`;
}

const FOOTER_CHARS = 60; // py_core/share.py FOOTER_CHARS
const LINE = 21; // py_core/share.py LINE

// Items joined with ", " into lines of at most `limit` characters (py_core/share.py: wrap_list).
export function wrapList(items, limit = FOOTER_CHARS) {
  const lines = [];
  let cur = "";
  for (const item of items) {
    const cand = cur ? `${cur}, ${item}` : item;
    if (cur && cand.length > limit) {
      lines.push(cur);
      cur = item;
    } else {
      cur = cand;
    }
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : ["n/a"];
}

export function cardSvg(s, width = 600) {
  let days = s.first_day || "";
  if (s.last_day && s.last_day !== s.first_day) days += ` → ${s.last_day}`;
  // py_core/share.py card_svg (issue 25): commas kept across wrapped lines, the unpriced note, 15 px small print.
  const families = wrapList(s.models.map(familyLabel));
  const footer = [...families.slice(0, -1).map((l) => `${l},`), ...families.slice(-1),
    ...(s.excludes_unpriced ? ["the cost leaves out models with no published price"] : []),
    `${days ? `${days} · ` : ""}estimate at list prices, not a bill`];
  const top = 290;
  const height = top + LINE * (footer.length - 1) + 24;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ts-card" viewBox="0 0 ${width} ${height}" width="${width}" ` +
    `height="${height}" role="img" aria-label="${esc(headline(s))}">`,
    `<title>${esc(headline(s))}</title>`,
    `<rect class="ts-card-bg" width="${width}" height="${height}" rx="16" fill="#101418"/>`,
    '<text class="ts-card-muted" x="28" y="46" font-family="system-ui,sans-serif" font-size="15" fill="#9aa4ae">' +
    "Claude Code spend · tokenscope</text>",
    '<text class="ts-card-fg" x="28" y="96" font-family="system-ui,sans-serif" font-size="44" font-weight="700" ' +
    `fill="#f2f4f6">${money(s.cost_usd)}</text>`,
    '<text class="ts-card-text" x="28" y="126" font-family="system-ui,sans-serif" font-size="15" fill="#c9d1d9">' +
    `${esc(`${group(s.requests)} requests · ${s.sessions}${s.sessions === 1 ? " session" : " sessions"}`)}` +
    ` · peak context ${esc(tokens(s.peak_context))} · cache hits ${esc(pctText(s.cache_hit_rate))}</text>`,
  ];
  let x = 28.0;
  const barW = width - 56;
  const total = s.split.reduce((a, b) => a + b, 0) || 1;
  s.split.forEach((pct, i) => {
    const w = (barW * pct) / total;
    if (w > 0) {
      out.push(`<rect x="${fixed(x, 1)}" y="150" width="${fixed(w, 1)}" height="26" fill="${SPLIT_COLOURS[i]}">` +
        `<title>${esc(SPLIT_LABELS[i])}: ${fixed(pct, 1)}%</title></rect>`);
    }
    x += w;
  });
  s.split.forEach((pct, i) => {
    const lx = 28 + (i % 2) * 280;
    const ly = 206 + Math.floor(i / 2) * 26;
    out.push(`<rect x="${lx}" y="${ly - 12}" width="13" height="13" fill="${SPLIT_COLOURS[i]}"/>` +
      `<text class="ts-card-text" x="${lx + 19}" y="${ly}" font-family="system-ui,sans-serif" font-size="15" ` +
      'fill="#c9d1d9">' +
      `${esc(SPLIT_LABELS[i])} ${fixed(pct, 1)}%</text>`);
  });
  footer.forEach((line, i) => {
    out.push(`<text class="ts-card-muted" x="28" y="${top + LINE * i}" font-family="system-ui,sans-serif" ` +
      `font-size="15" fill="#9aa4ae">${esc(line)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}
