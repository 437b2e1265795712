// The share card and link fragment in JavaScript, so a share link opens as a card without starting Python.
// A port of py_core/views/share.py (from_fragment, card_svg, headline): tests/test_web.py renders the same summaries
// with both and requires byte-identical SVG, so the two cannot drift apart.

import { cardMoney, cardPct, cardTokens, fixed, group, textWidth } from "./format.js";
import { SHARE_BUCKETS } from "./vocab.js";

const VERSION = "s1";
const FAMILY = { o: "Opus", s: "Sonnet", h: "Haiku", f: "Fable", m: "Mythos" };
const CODE = /^(?:[oshfm]\d{1,2}(?:\.\d{1,2})?|x)$/;
// The card's five buckets, their labels and colours: py_core/core/present.py's SHARE_BUCKETS, via web/vocab.js.
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
// A share (0-1) as a percentage; outside 0-1 (a hostile report's "500%": issue 30) no figure (share.py: _pct).
const pct = (x) => (x == null || !(x >= 0 && x <= 1) ? null : roundUp(x * 100, 1));
const SPLIT_SLACK = 0.5; // py_core/views/share.py
// The five percentages; when they do not add up to 100, scaled so they do (share.py: _split).
function splitOf(values) {
  const total = values.reduce((a, b) => a + b, 0);
  return total && Math.abs(total - 100) > SPLIT_SLACK ? values.map((v) => roundUp((v * 100) / total, 1)) : values;
}
// Is 'YYYY-MM-DD' a real day of years 1-9999 (share.py: valid_day)?
export function validDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m || Number(m[1]) < 1) return false;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function familyCode(canonical) {
  if (!canonical) return "x";
  let m = NEW_ID.exec(canonical);
  if (m) return m[1][0] + m[2] + (m[3] ? `.${m[3]}` : "");
  m = OLD_ID.exec(canonical);
  if (m) return m[3][0] + m[1] + (m[2] ? `.${m[2]}` : "");
  return "x";
}

// The share summary of a --json report (schema 1): py_core.views.share.summarize, for pages without Python.
// The widget hands it reports from any page: untrusted (issue 10), so every number is checked to be one and every
// string to be a string (Python summarises reports that py_core.report.schema.conform_report already made so).
const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : 0);
const numOrNull = (x) => (typeof x === "number" && Number.isFinite(x) ? x : null);
const list = (x) => (Array.isArray(x) ? x.filter((v) => v && typeof v === "object") : []);
const day = (x) => (typeof x === "string" && /^\d{4}-\d{2}-\d{2}/.test(x) && validDay(x.slice(0, 10))
  ? x.slice(0, 10) : null);

export function summarize(report) {
  const t = report && typeof report.totals === "object" && report.totals ? report.totals : {};
  const shares = t.share_of_cost && typeof t.share_of_cost === "object" ? t.share_of_cost : {};
  const sessions = list(report && report.sessions);
  const nSessions = num(t.sessions);
  return {
    v: VERSION,
    cost_usd: roundUp(num(t.cost_usd), 2),
    split: splitOf(SPLIT_KEYS.map((k) => pct(numOrNull(shares[k])) || 0)),
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
  // Issue 30 (share.py: from_fragment): percentages of at most 100 that add up, real days in order.
  const split = got.r.split(",").map(Number);
  const sum = split.reduce((a, b) => a + b, 0);
  if (split.some((v) => v > 100) || (sum && Math.abs(sum - 100) > SPLIT_SLACK)) {
    throw new Error("the cost split must add up to 100%");
  }
  if (["h", "s", "m"].some((k) => opt(k) !== null && opt(k) > 100)) throw new Error("a percentage above 100%");
  const first = day(got.a);
  const last = day(got.b);
  if ([first, last].some((d) => d !== null && !validDay(d)) || (first && last && first > last)) {
    throw new Error("not a real day, or the days out of order");
  }
  return {
    v: VERSION, cost_usd: Number(got.c), split, requests: Number(got.t),
    sessions: Number(got.n), peak_context: Number(got.p), cache_hit_rate: opt("h"), resent_share: opt("s"),
    resent_share_median: opt("m"), duration_s: Number(got.d), models: codes, first_day: first,
    last_day: last, excludes_unpriced: got.u === "1",
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

const LINE = 21; // py_core/views/share.py: LINE, MARGIN, SIZE, SEP, LEGEND_ROW, LEGEND_GAP, SWATCH
const MARGIN = 28;
const SIZE = 15;
const SEP = " · ";
const LEGEND_ROW = 26;
const LEGEND_GAP = 24;
const SWATCH = 19;

// Items joined with `sep` into lines at most `limit` px wide by textWidth (py_core/views/share.py: wrap_width).
export function wrapWidth(items, sep, limit, size = SIZE, tail = "") {
  const lines = [];
  let cur = "";
  for (const item of items) {
    const cand = cur ? `${cur}${sep}${item}` : item;
    if (cur && textWidth(cand + tail, size) > limit) {
      lines.push(cur + tail);
      cur = item;
    } else {
      cur = cand;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

// Model families joined with ", " into lines that fit the card (py_core/views/share.py: wrap_list).
export function wrapList(items, limit = 600 - 2 * MARGIN) {
  const lines = wrapWidth(items, ", ", limit, SIZE, ",");
  return lines.length ? lines : ["n/a"];
}

// Where each legend item goes (py_core/views/share.py: legend_layout): two columns when they fit side by side, else one.
export function legendLayout(items, width) {
  const widths = items.map((t) => SWATCH + textWidth(t, SIZE));
  const left = Math.max(0, ...widths.filter((_, i) => i % 2 === 0));
  const right = Math.max(0, ...widths.filter((_, i) => i % 2 === 1));
  if (MARGIN + left + LEGEND_GAP + right <= width - MARGIN) {
    return items.map((_, i) => [MARGIN + (i % 2) * (left + LEGEND_GAP), Math.floor(i / 2)]);
  }
  return items.map((_, i) => [MARGIN, i]);
}

export function cardSvg(s, width = 600) {
  const inner = width - 2 * MARGIN;
  let days = s.first_day || "";
  if (s.last_day && s.last_day !== s.first_day) days += ` → ${s.last_day}`;
  // py_core/views/share.py card_svg: laid out by the widths of its texts; zero buckets left out of the legend.
  const footer = [...wrapList(s.models.map(familyLabel), inner),
    ...(s.excludes_unpriced ? ["the cost leaves out models with no published price"] : []),
    `${days ? `${days} · ` : ""}estimate at list prices, not a bill`];
  const stats = wrapWidth([`${group(s.requests)} requests`, `${group(s.sessions)} session${s.sessions === 1 ? "" : "s"}`,
    `peak context ${tokens(s.peak_context)}`, `cache hits ${pctText(s.cache_hit_rate)}`], SEP, inner);
  const barY = 150 + LINE * (stats.length - 1);
  const shown = s.split.map((pct, i) => [SPLIT_LABELS[i], pct, SPLIT_COLOURS[i]]).filter(([, pct]) => pct > 0);
  const texts = shown.map(([label, pct]) => `${label} ${fixed(pct, 1)}%`);
  const places = legendLayout(texts, width);
  const legendY = barY + 56;
  const rows = places.length ? places[places.length - 1][1] + 1 : 0;
  const top = rows ? legendY + LEGEND_ROW * (rows - 1) + 32 : barY + 58;
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
  ];
  stats.forEach((line, i) => {
    out.push(`<text class="ts-card-text" x="28" y="${126 + LINE * i}" font-family="system-ui,sans-serif" ` +
      `font-size="15" fill="#c9d1d9">${esc(line)}</text>`);
  });
  let x = 28.0;
  const barW = width - 56;
  const total = s.split.reduce((a, b) => a + b, 0) || 1;
  s.split.forEach((pct, i) => {
    const w = (barW * pct) / total;
    if (w > 0) {
      out.push(`<rect x="${fixed(x, 1)}" y="${barY}" width="${fixed(w, 1)}" height="26" fill="${SPLIT_COLOURS[i]}">` +
        `<title>${esc(SPLIT_LABELS[i])}: ${fixed(pct, 1)}%</title></rect>`);
    }
    x += w;
  });
  shown.forEach(([, , colour], i) => {
    const [lx, row] = places[i];
    const ly = legendY + row * LEGEND_ROW;
    out.push(`<rect class="ts-card-swatch" x="${fixed(lx, 1)}" y="${ly - 12}" width="13" height="13" ` +
      `fill="${colour}"/><text class="ts-card-text ts-card-legend" x="${fixed(lx + SWATCH, 1)}" y="${ly}" ` +
      `font-family="system-ui,sans-serif" font-size="15" fill="#c9d1d9">${esc(texts[i])}</text>`);
  });
  footer.forEach((line, i) => {
    out.push(`<text class="ts-card-muted" x="28" y="${top + LINE * i}" font-family="system-ui,sans-serif" ` +
      `font-size="15" fill="#9aa4ae">${esc(line)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}
