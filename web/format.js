// Money, percent and token formats for the page, from the rules py_core/present.py emits (web/vocab.js), and the
// share card's half-up helpers (twins of present.fixed / card_*: tests/test_present.py runs both on the same values).

import { FORMATS, NA } from "./vocab.js";

const withCommas = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// present.decimal_text: toFixed rounds half up on the exact binary value; thousands grouped on request; no sign
// when it rounds to zero.
export function decimalText(x, decimals, grouped = false) {
  const text = Math.abs(x).toFixed(decimals);
  const [whole, frac] = text.split(".");
  const sign = x < 0 && Number(text) !== 0 ? "-" : "";
  return sign + (grouped ? withCommas(whole) : whole) + (frac === undefined ? "" : `.${frac}`);
}

// present.money: $1,234.56 from a dollar, $0.1234 below.
export const money = (x) => (x == null ? NA : Math.abs(x) >= 1
  ? `$${decimalText(x, FORMATS.money.decimals, true)}` : `$${decimalText(x, FORMATS.money.small_decimals)}`);
// present.pct: a share (0-1) as a percentage.
export const pct = (x) => (x == null ? NA : `${decimalText(x * 100, FORMATS.pct.decimals)}%`);
// present.tokens: 1.23M, 45k from 10,000, 1,234 below.
export const tok = (n) => (n == null ? NA : n >= 1e6 ? `${decimalText(n / 1e6, FORMATS.tokens.millions_decimals)}M`
  : n >= FORMATS.tokens.thousands_from ? `${decimalText(n / 1e3, 0)}k` : withCommas(String(n)));

// x with nd decimals, halves rounded up (present.fixed): the card is byte-identical in Python and JavaScript.
export const fixed = (x, nd) => (Math.floor(x * 10 ** nd + 0.5) / 10 ** nd).toFixed(nd);
export const group = (digits) => String(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
export const cardMoney = (x) => {
  const [whole, frac] = fixed(x, 2).split(".");
  return `$${group(whole)}.${frac}`;
};
export const cardTokens = (n) => (n >= 1e6 ? `${fixed(n / 1e6, 2)}M` : n >= 1e4 ? `${fixed(n / 1e3, 0)}k` : group(n));
export const cardPct = (x) => (x == null ? NA : `${fixed(x, 0)}%`);
