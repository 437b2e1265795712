// Drawing a report on the page: headline, charts (SVG from py_core), tables, insights, warnings. Formats and
// bucket names come from py_core/core/present.py (web/vocab.js, web/format.js).

import { $, el, putSvg, sortableTable, table } from "./dom.js";
import { ago, count, money, moneyCell, ordinal, pct, shortIds, tok } from "./format.js";
import { BUCKETS } from "./vocab.js";

let renders = 0; // body[data-results] counts renders, so tests can wait on a selector (CSP forbids eval)

// A project path as the tables show it: its last two folders (the full path in the cell's title).
const shortPath = (p) => {
  const parts = String(p).split("/").filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join("/")}` : String(p);
};
const BY = { day: "day", week: "week", month: "month" };
const ttlText = (s) => (s >= 3600 ? `${s / 3600} h` : `${Math.round(s / 60)} min`);

const BLOCKS_SHOWN = 8;
const CHOICES = 300; // sessions in the chart's session choice
export const TOP_ROWS = 15; // the sessions table's rows until "Show all" (issue 25), built only then (issue 30)
// Rows added per "Show more" past this many (issue 30: a table of 10,000 rows took 250 ms a task to lay out, and
// no one reads it whole: the Session filter finds one).
export const MORE_ROWS = 1000;

// The sessions table's button, for `n` sessions of which `shown` are built: all at once up to MORE_ROWS, else a
// thousand more at a time; back to the top rows once all are shown.
export function showAllText(n) {
  const b = $("sessions-all");
  const shown = Number(b.dataset.shown || TOP_ROWS);
  b.hidden = n <= TOP_ROWS;
  b.textContent = shown >= n ? `Show the top ${TOP_ROWS}`
    : n <= MORE_ROWS ? `Show all ${count(n)} sessions`
      : `Show ${count(Math.min(MORE_ROWS, n - Math.max(shown, 0)))} more of ${count(n)} sessions`;
}

export function render(report, charts, ignored, detail) {
  $("share-panel").hidden = true;
  const t = report.totals;
  $("results").hidden = false;
  $("results-body").hidden = false;
  $("covers").textContent = report.covers || "";
  // Issue 25: its first sentence on one line, the rest behind "Read more" (it was six lines before the numbers).
  const label = String(report.label || "");
  const cut = label.indexOf(". ");
  $("honest-label").textContent = cut > 0 ? label.slice(0, cut + 1) : label;
  $("honest-rest").textContent = cut > 0 ? label.slice(cut + 2) : "";
  $("honest-more").hidden = cut <= 0;
  const set = (id, text, value) => {
    $(id).textContent = text;
    $(id).dataset.value = String(value);
  };
  set("h-cost", money(t.cost_usd) + (t.cost_excludes_unpriced ? "*" : ""), t.cost_usd);
  // The asterisk is explained where it stands (issue 12: it was explained 8,000 px below).
  // Issue 30: prices that are not the built-in list prices (a report made with a price file) are named by the cost.
  const custom = ((report.prices || {}).sources || []).filter((s) => s !== "built-in");
  $("h-cost-sub").textContent = (t.cost_excludes_unpriced
    ? `* leaves out ${count(t.unpriced_requests)} request${t.unpriced_requests === 1 ? "" : "s"} of models with no price` : "at API list prices") +
    (custom.length ? ` · custom prices from ${custom.join(", ")}` : "");
  set("h-requests", count(t.requests), t.requests);
  $("h-requests-sub").textContent = `API calls: ${count(t.requests_main)} main thread, ${count(t.requests_subagent)} subagent`;
  set("h-prompts", count(t.user_prompts), t.user_prompts);
  const peak = Math.max(0, ...report.sessions.map((s) => s.peak_context_tokens));
  set("h-peak", tok(peak), peak);
  set("h-hit", pct(t.cache_hit_rate), t.cache_hit_rate);
  set("h-resent", pct(t.resent_share_pooled), t.resent_share_pooled);
  $("h-resent-sub").textContent = t.sessions > 1
    ? `of the cost, all sessions together · ${pct(t.resent_share_median_session)} in the median session` : "of the cost";

  putSvg($("split-chart"), charts.split);
  const b = t.cost_by_bucket_usd;
  const sh = t.share_of_cost;
  const tk = t.tokens;
  table($("bucket-table"), [
    { label: "Bucket", get: (r) => r[0] },
    { label: "Cost", num: true, get: (r) => r[1], fmt: money },
    { label: "Share", num: true, get: (r) => r[2], fmt: pct },
    { label: "Tokens", num: true, get: (r) => r[3], fmt: (v) => (v == null ? "" : count(v)) },
  ], BUCKETS.map((k) => [k.label, b[k.key], sh[k.key], k.key in tk ? tk[k.key] : null]));

  const select = $("session-select");
  const ids = shortIds(report.sessions.map((s) => s.session_id));
  // The costliest sessions to choose from (issue 30: thousands of options made one long task); any other is one
  // Session filter away.
  const choices = report.sessions.slice(0, CHOICES);
  if (detail && !choices.some((s) => s.session_id === detail.session_id)) choices.push(detail);
  select.replaceChildren(...choices.map((s) =>
    el("option", { value: s.session_id }, `${money(s.cost_usd)} · ${s.title ? `${s.title} · ` : ""}${ids.get(s.session_id)} · ${shortPath(s.project)}`)),
    ...(report.sessions.length > CHOICES ? [el("option", { disabled: "" },
      `… ${count(report.sessions.length - CHOICES)} more: choose one with the Session filter`)] : []));
  if (charts.curve_session) select.value = charts.curve_session;
  putSvg($("curve-chart"), charts.curve);
  showNextTurn(detail);
  putSvg($("whatif-chart"), charts.whatif);
  showInsights(report, detail);
  $("projects-section").hidden = report.projects.length < 2;
  putSvg($("projects-chart"), charts.projects);
  // Issue 33: one next-request figure — the session active last, named, with how long ago its last request was;
  // past the cache's expiry the re-write; nothing past a day (its time instead). The Context section shows the same
  // figure for the same session (nextFigure).
  const nr = report.next_request;
  const fig = nr ? nextFigure(nr.next_turn, nr.last_timestamp) : null;
  const name = nr ? (nr.title ? `“${nr.title}”` : nr.session_id.slice(0, 8)) : "";
  const live = fig && !fig.stale;
  set("h-next", live ? money(fig.usd) : "–", live ? fig.usd : "");
  $("h-next").dataset.expired = String(!!(live && fig.expired));
  $("h-next").dataset.session = nr ? nr.session_id : "";
  $("h-next-sub").textContent = !nr ? "no session to continue"
    : fig.stale ? `last request ${nr.last_timestamp.slice(0, 16).replace("T", " ")} UTC (${ago(fig.age)}), session ${name}`
      : `session ${name}, last request ${ago(fig.age)}` + (fig.expired ? ` · cache expired: it rewrites ${tok(nr.next_turn.context_tokens)}` : " · cache warm");
  renderActions(report);
  renderLedger(report);
  const by = BY[(report.options || {}).by] || "day";
  const periods = report.periods || report.days;
  $("days-h").textContent = `Spend per ${by}`;
  $("days-section").hidden = periods.length < 2;
  putSvg($("days-chart"), charts.days);
  // The tables (hundreds of rows for a whole projects folder) in a task of their own, so no single
  // main-thread task grows past ~50 ms (issue 4).
  setTimeout(() => renderTables(report, ignored), 0);
}

// What fills the context (issue 24): by kind, the top sources, the files; targets shortened with the whole
// text in a title (they are untrusted log text: set as text, never markup).
const KIND_WORDS = { tool_result: "Tool results", prompt: "Your prompts", output: "Model output",
  attachment: "Attachments", subagent_result: "Subagent results", other: "Other",
  context: "System prompt, tools, memory (snapshot)" };
const SOURCES_SHOWN = 12;
export function sourceName(r) {
  const words = { subagent_result: "subagent ", attachment: "attachment " }[r.kind] || "";
  return `${words}${r.source}${r.target ? ` ${r.target}` : ""}`;
}

function renderSources(rows) {
  $("sources-section").hidden = !rows.length;
  if (!rows.length) return;
  const total = rows.reduce((a, r) => a + r.tokens, 0) || 1;
  const kinds = {};
  for (const r of rows) {
    const k = (kinds[r.kind] ||= { kind: r.kind, tokens: 0, cost: 0 });
    k.tokens += r.tokens;
    k.cost += r.reread_cost_usd;
  }
  table($("sources-kind-table"), [
    { label: "Kind", get: (k) => KIND_WORDS[k.kind] || k.kind },
    { label: "Tokens", num: true, get: (k) => k.tokens, fmt: tok },
    { label: "Share", num: true, get: (k) => k.tokens / total, fmt: pct },
    { label: "Re-read cost", num: true, get: (k) => k.cost, fmt: moneyCell },
  ], Object.values(kinds).sort((a, b) => b.cost - a.cost));
  table($("sources-table"), [
    { label: "Source", get: (r) => sourceName(r), cls: "source" },
    { label: "Tokens", num: true, get: (r) => r.tokens, fmt: tok },
    { label: "Requests", num: true, get: (r) => r.requests, fmt: count, cls: "c-requests" },
    { label: "Re-read cost", num: true, get: (r) => r.reread_cost_usd, fmt: moneyCell },
  ], rows.slice(0, SOURCES_SHOWN));
  const files = {};
  for (const r of rows) {
    if (r.kind !== "tool_result" || !r.target || r.source === "Bash") continue;
    const f = (files[r.target] ||= { file: r.target, tokens: 0, cost: 0 });
    f.tokens += r.tokens;
    f.cost += r.reread_cost_usd;
  }
  const fileRows = Object.values(files);
  for (const id of ["sources-files-h", "sources-files-box"]) $(id).hidden = !fileRows.length; // no empty table
  table($("sources-files-table"), [
    { label: "File", get: (f) => f.file, cls: "source" },
    { label: "Tokens", num: true, get: (f) => f.tokens, fmt: tok },
    { label: "Re-read cost", num: true, get: (f) => f.cost, fmt: moneyCell },
  ], Object.values(files).sort((a, b) => b.cost - a.cost).slice(0, SOURCES_SHOWN));
}

// Issue 32: Claude Code's own figure (its cost-state ledger) beside ours; spend the log does not otherwise show on a
// line of its own, never added to the estimate.
function renderLedger(report) {
  const cc = report.totals.claude_code;
  $("ledger-section").hidden = !cc;
  if (!cc) return;
  $("l-cc").textContent = money(cc.cost_usd);
  $("l-cc-sub").textContent = `${count(cc.sessions)} session${cc.sessions === 1 ? "" : "s"} with its cost ledger`;
  $("l-ours").textContent = money(cc.logged_cost_usd);
  $("l-unlogged").textContent = cc.unlogged_cost_usd == null ? "n/a" : money(cc.unlogged_cost_usd);
  $("ledger-why").replaceChildren(...(cc.explanations || []).map((e) =>
    el("li", {}, e.text + (e.cost_usd != null ? `: ${money(e.cost_usd)}` : ""))));
  $("ledger-note").textContent = cc.assumptions || "";
}

function renderCategories(report) {
  const cats = report.context_categories || [];
  $("cats-part").hidden = !cats.length;
  $("cats-hint").textContent = report.context_categories_assumptions || "";
  table($("cats-table"), [
    { label: "Category", get: (c) => c.category },
    { label: "Largest", get: (c) => c.items.slice(0, 3).map((i) => i.name).join(", ") + (c.items.length > 3 || c.more_items ? ", …" : ""), cls: "source" },
    { label: "Tokens", num: true, get: (c) => c.tokens, fmt: tok },
    { label: "Re-read cost", num: true, get: (c) => c.reread_cost_usd, fmt: moneyCell },
  ], cats);
}

const when = (ts) => (ts || "").slice(0, 16).replace("T", " ");

function renderTurns(turns, loops) {
  const has = !!(turns && turns.count);
  $("turns-section").hidden = !has;
  if (has) {
    $("turns-text").textContent = `${count(turns.count)} prompt${turns.count === 1 ? "" : "s"}: median ${money(turns.median_usd)}, 90th percentile ${money(turns.p90_usd)}, costliest ${money(turns.max_usd)}.`;
    table($("turns-table"), [
      { label: "When", get: (r) => when(r.timestamp), cls: "c-when" },
      { label: "Prompt", get: (r) => r.prompt || "", cls: "source" },
      { label: "Session", get: (r) => r.title || (r.session_id || "").slice(0, 8), cls: "source c-session" },
      { label: "Requests", num: true, get: (r) => r.requests, fmt: count, cls: "c-requests" },
      { label: "Cost", num: true, get: (r) => r.cost_usd, fmt: money },
    ], turns.costliest);
  }
  $("loops-section").hidden = !loops.length;
  table($("loops-table"), [
    { label: "Loop", get: (r) => `${r.cron || ""} ${r.prompt || r.task}`.trim(), cls: "source" },
    { label: "Fires", num: true, get: (r) => r.fires, fmt: count },
    { label: "Cost", num: true, get: (r) => r.cost_usd, fmt: money },
    { label: "Per fire", num: true, get: (r) => r.cost_per_fire_usd, fmt: (v) => (v == null ? "–" : moneyCell(v)) },
    { label: "Re-wrote cache", num: true, get: (r) => r.cache_rewrites, text: (r) => `${count(r.cache_rewrites)} · ${money(r.rewrite_cost_usd)}` },
  ], loops);
}

function renderCauses(m) {
  const has = !!(m && m.count);
  $("causes-section").hidden = !has;
  if (!has) return;
  $("causes-text").textContent = `${count(m.count)} cache miss${m.count === 1 ? "" : "es"}, ${money(m.extra_cost_usd)} more than reading the same tokens from the cache.`;
  table($("causes-table"), [
    { label: "Likely cause", get: (c) => c.label },
    { label: "Misses", num: true, get: (c) => c.count, fmt: count },
    { label: "Re-written", num: true, get: (c) => c.tokens_rewritten, fmt: tok },
    { label: "Extra cost", num: true, get: (c) => c.extra_cost_usd, fmt: money },
  ], m.by_cause);
  $("causes-hint").textContent = m.assumptions || "";
}

const WHO = [["skills", "Skills"], ["plugins", "Plugins"], ["mcp_servers", "MCP servers"], ["entrypoints", "Entry points"]];
function renderWho(attribution) {
  const parts = [];
  for (const [key, head] of WHO) {
    const rows = attribution[key] || [];
    if (!rows.length || (key === "entrypoints" && rows.length < 2)) continue; // one entry point says nothing
    const t = el("table", { class: "data" });
    table(t, [
      { label: head.replace(/s$/, ""), get: (r) => r.name, cls: "source" },
      { label: "Requests", num: true, get: (r) => r.requests, fmt: count },
      { label: "Cost", num: true, get: (r) => r.cost_usd, fmt: money },
    ], rows);
    parts.push(el("h4", {}, head), el("div", { class: "scroll" }, t));
  }
  $("who-section").hidden = !parts.length;
  $("who-tables").replaceChildren(...parts);
}

// "2", "2+3m": full compactions, then micro-compactions (py_core/core/present.py: compaction_text).
function compactionText(comps) {
  const micro = comps.filter((c) => c.kind === "micro").length;
  return micro ? `${comps.length - micro}+${micro}m` : String(comps.length);
}

function renderTables(report, ignored) {
  // Short ids and paths with the whole text in a title; the compactions column only when there are any (issue 12).
  const compacted = report.sessions.some((s) => s.compactions.length);
  const short = shortIds(report.sessions.map((s) => s.session_id)); // issue 25: unique prefixes, not 8 characters
  sortableTable($("sessions-table"), [
    // Issue 32: a session by its title where it has one (the id in the cell's title and in the sort).
    { label: "Session", get: (s) => s.session_id, text: (s) => (s.title ? `${s.title} · ${short.get(s.session_id)}` : short.get(s.session_id) || s.session_id),
      title: (v) => v, cls: report.sessions.some((s) => s.title) ? "titled" : "id" },
    { label: "Cost", num: true, get: (s) => s.cost_usd, fmt: money },
    { label: "Requests", num: true, get: (s) => s.requests, fmt: count },
    { label: "Peak context", num: true, get: (s) => s.peak_context_tokens, fmt: tok, cls: "c-peak" },
    { label: "Re-sent", num: true, get: (s) => s.resent_share ?? -1, fmt: (v) => (v < 0 ? "n/a" : pct(v)), cls: "c-resent" },
    // Full compactions, then micro-compactions (issue 23): "2+3m"; sorted by all of them.
    ...(compacted ? [{ label: "Compactions", num: true, get: (s) => s.compactions.length, text: (s) => compactionText(s.compactions),
      title: () => "full compactions + micro-compactions (m: old tool results cleared)", cls: "c-compact" }] : []),
    { label: "Started", get: (s) => s.first_timestamp || "", fmt: (v) => v.slice(0, 10), cls: "date c-started" },
    // Its last two folders, wrapped rather than cut again (issue 25: `…/works…` on a phone).
    { label: "Project", get: (s) => s.project, fmt: shortPath, title: (v) => v, cls: "source" },
  ], report.sessions, () => Number($("sessions-all").dataset.shown || TOP_ROWS));
  renderSources(report.context_sources || []);
  renderCategories(report);
  renderTurns(report.turns, report.loops || []);
  renderCauses(report.cache_misses);
  renderWho(report.attribution || {});
  // The sessions table's top 15 rows until "show all" (issue 25: 61 rows made one 7,700 px page).
  const showAll = $("sessions-all");
  showAll.dataset.shown = String(TOP_ROWS);
  showAllText(report.sessions.length);

  const total = report.totals.cost_usd || 0;
  table($("periods-table"), [
    { label: "Period", get: (p) => p.period || p.date },
    { label: "Cost", num: true, get: (p) => p.cost_usd, fmt: money },
    { label: "Requests", num: true, get: (p) => p.requests, fmt: count },
    { label: "Share", num: true, get: (p) => (total ? p.cost_usd / total : null), fmt: pct },
  ], report.periods || report.days);

  // The team view (issue 16): spend per state-file label, when several labels were dropped.
  const team = report.team || [];
  $("team-section").hidden = team.length < 2;
  table($("team-table"), [
    { label: "Label", get: (t) => t.label },
    { label: "Sessions", num: true, get: (t) => t.sessions, fmt: count },
    { label: "Requests", num: true, get: (t) => t.requests, fmt: count },
    { label: "Cost", num: true, get: (t) => t.cost_usd, fmt: money },
  ], team);

  // 5-hour blocks (issue 15): the latest first, the active one with its projection.
  const all = report.blocks || [];
  const blocks = all.slice(-BLOCKS_SHOWN).reverse();
  $("blocks-section").hidden = !blocks.length;
  // Issue 25: the total of every block, and how many are shown (newest first, as in the terminal).
  $("blocks-total").textContent = all.length
    ? `${count(all.length)} block${all.length === 1 ? "" : "s"}, ${money(all.reduce((a, b) => a + b.cost_usd, 0))} in all` +
      (all.length > blocks.length ? `; the latest ${blocks.length} below, newest first.` : ", newest first.")
    : "";
  table($("blocks-table"), [
    { label: "Start (UTC)", get: (b) => b.start.slice(0, 16).replace("T", " ") },
    { label: "Cost", num: true, get: (b) => b.cost_usd, fmt: moneyCell },
    { label: "Requests", num: true, get: (b) => b.requests, fmt: count },
    { label: "$/hour", num: true, get: (b) => b.burn_rate_usd_per_hour, fmt: (v) => (v == null ? "–" : moneyCell(v)) },
    { label: "", get: (b) => (b.active ? "active" : "") },
  ], blocks);
  const act = (report.blocks || []).find((b) => b.active);
  $("blocks-active").textContent = act
    ? `Active block: ${money(act.cost_usd)} so far, ${Math.floor(act.remaining_seconds / 3600)}h${String(Math.floor(act.remaining_seconds % 3600 / 60)).padStart(2, "0")}m left` +
      (act.projected_cost_usd != null ? `, ≈ ${money(act.projected_cost_usd)} by its end at this rate.` : ".")
    : "";

  table($("models-table"), [
    { label: "Model", get: (m) => m.model },
    { label: "Priced as", get: (m) => m.priced_as || "no price — excluded" },
    { label: "Requests", num: true, get: (m) => m.requests },
    { label: "Cost", num: true, get: (m) => m.cost_usd, fmt: money },
  ], report.models);
  table($("agents-table"), [
    { label: "Agent", get: (a) => a.agent_type },
    { label: "Requests", num: true, get: (a) => a.requests },
    { label: "Cost", num: true, get: (a) => a.cost_usd, fmt: money },
  ], report.agents);

  // The report words its warnings (structured, issue 10/11): the page shows their text, and adds only what
  // Python never saw (files of a folder that are not logs).
  const warn = report.diagnostics.warnings.map((w) => w.text);
  if (ignored) warn.push(`${ignored} other file${ignored === 1 ? " in the folder was not a log and was" : "s in the folder were not logs and were"} ignored.`);
  $("warnings").replaceChildren(...warn.map((w) => el("li", {}, w)));
  $("warn-section").hidden = !warn.length; // issue 25: no empty heading
  // Section links only to the sections there are.
  for (const a of document.querySelectorAll("#section-nav a[data-for]")) a.hidden = $(a.dataset.for).hidden;
  $("results").scrollIntoView({ block: "start", behavior: "instant" });
  performance.mark("tokenscope:analyze:end");
  document.body.dataset.results = String(++renders);
}

// `s`: the whole row of the session shown (the page holds only the rows' view: issue 30).
export function showInsights(report, s) {
  if (!s) return;
  const si = s.insights;
  const w = si.what_if_compaction;
  $("whatif-text").textContent = w.best
    ? `Compacting at ${tok(w.best.threshold_tokens)} tokens would have saved ~${money(w.best.saving_usd)} (${w.best.compactions} compaction${w.best.compactions === 1 ? "" : "s"}).`
    : "No compaction threshold would have saved money in this session.";
  const f = si.fresh_session;
  $("fresh-text").textContent = f.resets.length
    ? `Starting fresh at its ${f.resets.length} longest idle gap${f.resets.length === 1 ? "" : "s"} would have ${f.saving_usd >= 0 ? "saved" : "cost"} ~${money(Math.abs(f.saving_usd))}.`
    : "No idle gap of 30 minutes or more to start a fresh session at.";
  const m = si.idle_cache_misses;
  $("misses-text").textContent = `${m.count} cache miss${m.count === 1 ? "" : "es"} after idle cost ${money(m.extra_cost_usd)} more than cache hits would have.`;
  // Issue 25: "0 cache misses … $0.00" over an empty table said nothing: the part is hidden when empty.
  for (const id of ["misses-h", "misses-text", "misses-table"]) $(id).hidden = !m.count;
  table($("misses-table"), [
    { label: "Request", num: true, get: (x) => x.turn },
    { label: "When", get: (x) => (x.timestamp || "").slice(0, 16).replace("T", " "), cls: "c-when" },
    { label: "Idle", num: true, get: (x) => x.idle_seconds, fmt: (v) => `${Math.round(v / 60)} min` },
    { label: "Re-written", num: true, get: (x) => x.tokens_rewritten, fmt: tok },
    { label: "Extra cost", num: true, get: (x) => x.extra_cost_usd, fmt: money },
  ], m.misses);
  table($("resident-table"), [
    { label: "Request", num: true, get: (x) => x.turn },
    { label: "Added", num: true, get: (x) => x.tokens, fmt: tok },
    { label: "Re-read by", num: true, get: (x) => x.later_turns, fmt: count },
    { label: "Cost of staying", num: true, get: (x) => x.resident_cost_usd, fmt: money },
  ], si.resident_context.largest);
  const p = si.percentile || {};
  const ranks = [p.cost, p.peak_context, p.turns].map(ordinal);
  $("rank-text").textContent = report.sessions.length > 1 && ranks.every((r) => r !== null)
    ? `Among your ${report.sessions.length} sessions this one is at the ${ranks[0]} percentile for cost, ${ranks[1]} for peak context and ${ranks[2]} for requests.`
    : "";
  $("assumptions").replaceChildren(...[w, f, m, si.resident_context].map((x) => el("li", {}, x.assumptions)));
  const ins = report.insights;
  $("reference-label").textContent = ins.reference.label;
  const pctOr = (v) => (v == null ? "n/a" : pct(v));
  table($("reference-table"), [
    { label: "", get: (r) => r[0] },
    { label: "Yours", num: true, get: (r) => r[1] },
    { label: "Reference", num: true, get: (r) => r[2] },
  ], [
    ["Median session cost", money(ins.yours.median_session_cost_usd), money(ins.reference.median_session_cost_usd)],
    ["Median session requests", ins.yours.median_session_turns ?? "n/a", ins.reference.median_session_turns],
    ["Median peak context", tok(ins.yours.median_peak_context_tokens), tok(ins.reference.median_peak_context_tokens)],
    ["Re-sent share, median session", pctOr(ins.yours.resent_share_median_session), pct(ins.reference.resent_share_median_session)],
    ["Re-sent share, all sessions together", pctOr(ins.yours.resent_share_pooled), pct(ins.reference.resent_share_pooled)],
    ["Cache hit rate, median session", pctOr(ins.yours.cache_hit_rate_median_session), pct(ins.reference.cache_hit_rate_median_session)],
    ["Cache hit rate, pooled", pctOr(ins.yours.cache_hit_rate_pooled), pct(ins.reference.cache_hit_rate_pooled)],
  ]);
}

// The cache's remaining life at `now` (ms), from the report's expiry time (issue 15: the report holds no countdown).
export function cacheText(nt, now = Date.now()) {
  if (!nt || !nt.cache_expires_at) return "";
  const left = Math.floor((Date.parse(nt.cache_expires_at) - now) / 1000);
  if (left <= 0) {
    return ` Its cache has expired: the next request rewrites ${count(nt.context_tokens)} tokens ≈ ${money(nt.cost_after_expiry_usd)}.`;
  }
  const m = Math.floor(left / 60);
  const clock = m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`
    : `${m}:${String(left % 60).padStart(2, "0")}`;
  return ` Cache: ${clock} left (then ≈ ${money(nt.cost_after_expiry_usd)}).`;
}

export function showNextTurn(s) {
  const nt = s && s.next_turn;
  const fig = nt ? nextFigure(nt, s.last_timestamp) : null;
  if (!fig) {
    $("next-turn").textContent = "";
    return;
  }
  const how = `${count(nt.context_tokens)} tokens of context × the cache-read price + ${count(Math.round(nt.average_output_tokens))} average output tokens × the output price (${nt.model})`;
  // Issue 33: the card's figure for the same session and clock (nextFigure); the other price is its condition.
  $("next-turn").textContent = fig.stale
    ? `This session's last request was ${ago(fig.age)}: no next-request figure.`
    : fig.expired
      ? `Next request ≈ ${money(fig.usd)}: its cache expired, so ${count(nt.context_tokens)} tokens of context are re-written at the cache-write price (within ${ttlText(nt.cache_ttl_seconds)} of a request it would be ≈ ${money(nt.cost_usd)}: ${how}).`
      : `Next request ≈ ${money(fig.usd)}: ${how}.${cacheText(nt)}`;
  $("next-turn").dataset.usd = fig.stale ? "" : String(fig.usd);
}

// The next request's one figure at the page's clock (py_core/core/rules.py: next_figure, its twin): {usd, expired,
// age}, or {stale, age} past a day since the last request.
export function nextFigure(nt, lastTimestamp, now = Date.now()) {
  if (!nt) return null;
  const last = Date.parse(lastTimestamp || "");
  const age = Number.isFinite(last) ? (now - last) / 1000 : null;
  if (age !== null && age > 86400) return { stale: true, age };
  const exp = Date.parse(nt.cache_expires_at || "");
  const expired = Number.isFinite(exp) && now >= exp;
  return { stale: false, age, expired, usd: expired ? nt.cost_after_expiry_usd : nt.cost_usd };
}

// Issue 33: what to change first, over everything shown (the report words it: report/actions.py), and the overall
// figures the terminal prints beside them.
function renderActions(report) {
  const acts = report.actions || [];
  const ins = report.insights || {};
  const idle = ins.idle_cache_misses || { count: 0 };
  const overall = [];
  if (idle.count) overall.push(`Across all sessions: ${count(idle.count)} cache miss${idle.count === 1 ? "" : "es"} after idle cost ${money(idle.extra_cost_usd)} more than cache hits would have.`);
  if (ins.what_if_compaction_saving_usd > 0) overall.push(`Compacting each session at its best threshold would have saved ~${money(ins.what_if_compaction_saving_usd)} in all.`);
  $("actions-section").hidden = !acts.length && !overall.length;
  $("actions").replaceChildren(...acts.map((a) => el("li", { dataset: { kind: a.kind, usd: String(a.usd) } }, a.text)));
  $("actions").hidden = !acts.length;
  $("actions-overall").textContent = overall.join(" ");
}
