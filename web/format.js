// Money, percent and token formats for the page, from the rules py_core/core/present.py emits (web/vocab.js), and the
// share card's half-up helpers (twins of present.fixed / card_*: tests/test_present.py runs both on the same values).

import { FORMATS, NA, TEXT_WIDTHS } from "./vocab.js";

const withCommas = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// present.decimal_text: toFixed rounds half up on the exact binary value; thousands grouped on request; no sign
// when it rounds to zero.
export function decimalText(x, decimals, grouped = false) {
  const text = Math.abs(x).toFixed(decimals);
  const [whole, frac] = text.split(".");
  const sign = x < 0 && Number(text) !== 0 ? "-" : "";
  return sign + (grouped ? withCommas(whole) : whole) + (frac === undefined ? "" : `.${frac}`);
}

// present.money: one rule everywhere: $1,234.56, $0.15; below a cent two significant digits ($0.0034).
export function money(x) {
  if (x == null) return NA;
  if (x < 0) {
    const text = money(-x);
    return text.replace(/[$0.,]/g, "") === "" ? text : `-${text}`;
  }
  const f = FORMATS.money;
  const rounded = Math.abs(x).toExponential(f.significant - 1);
  if (x === 0 || Number(rounded) >= f.significant_below) return `$${decimalText(x, f.decimals, true)}`;
  return `$${decimalText(x, f.significant - 1 - Number(rounded.split("e")[1]))}`;
}
// present.ago: how long ago, in words.
export function ago(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}
// present.pct: a share (0-1) as a percentage.
export const pct = (x) => (x == null ? NA : `${decimalText(x * 100, FORMATS.pct.decimals)}%`);
// present.tokens: 1.23M, 45k, 2.6k below 10,000, 999 below 1,000.
export function tok(n) {
  if (n == null) return NA;
  // A count that rounds up to the next unit is written in it (present.tokens; issue 30: "1000k", "10.0k").
  const k = n >= 1000 ? decimalText(n / 1e3, 0) : null;
  if (n >= 1e6 || k === "1000") return `${decimalText(n / 1e6, FORMATS.tokens.millions_decimals)}M`;
  if (n >= FORMATS.tokens.thousands_decimals_below || decimalText(n / 1e3, 1) === "10.0") return `${k}k`;
  if (n >= 1000) return `${decimalText(n / 1e3, 1)}k`;
  return decimalText(n, 0);
}
// present.count: thousands separators.
// 1st, 2nd, 3rd, 11th, 42nd… (issue 21: a report without percentiles read "nullth"); null when n is no number.
export function ordinal(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return null;
  const i = Math.round(n);
  if (i !== n) return `${n}th`;
  const tens = Math.abs(i) % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][Math.abs(i) % 10] || "th";
  return `${i}${suffix}`;
}
export const count = (n) => (n == null ? NA : withCommas(String(n)));

// x with nd decimals, halves rounded up (present.fixed): the card is byte-identical in Python and JavaScript.
export const fixed = (x, nd) => (Math.floor(x * 10 ** nd + 0.5) / 10 ** nd).toFixed(nd);
export const group = (digits) => String(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
export const cardMoney = (x) => {
  const [whole, frac] = fixed(x, 2).split(".");
  return `$${group(whole)}.${frac}`;
};
export const cardTokens = (n) => (n >= 1e6 || fixed(n / 1e3, 0) === "1000" ? `${fixed(n / 1e6, 2)}M`
  : n >= 1e4 ? `${fixed(n / 1e3, 0)}k` : group(n));
export const cardPct = (x) => (x == null ? NA : `${fixed(x, 0)}%`);

// The width in px of `text` at `size` px by TEXT_WIDTHS (py_core/core/present.py: text_width, the same integer sum).
export function textWidth(text, size, bold = false) {
  const table = TEXT_WIDTHS[bold ? "bold" : "regular"];
  let units = 0;
  for (const ch of text) {
    const o = ch.codePointAt(0);
    if (o >= 32 && o < 127) units += table[o - 32];
    else {
      const got = TEXT_WIDTHS.extra[ch];
      units += got ? got[bold ? 1 : 0] : 1000;
    }
  }
  return (units * size) / 1000;
}

// Each id's shortest prefix of at least `minLen` characters no other id starts with (py_core/core/present.py:
// short_ids; issue 25).
export function shortIds(ids, minLen = 8) {
  const order = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Map();
  order.forEach((x, i) => {
    let need = minLen;
    for (const y of [order[i - 1], order[i + 1]]) {
      if (y === undefined) continue;
      let k = 0;
      while (k < x.length && k < y.length && x[k] === y[k]) k++;
      need = Math.max(need, k + 1);
    }
    out.set(x, x.slice(0, need));
  });
  return out;
}

// Money in a column of dollars (py_core/core/present.py: money_cell; issue 25): cents, "<$0.01" below a cent.
export const moneyCell = (x) => (x == null ? NA : x > 0 && x < 0.005 ? "<$0.01" : `$${decimalText(x, 2, true)}`);
