// DOM helpers of the page: every log-borne string reaches the page through textContent (el), and charts are SVG
// that py_core built with every string escaped, parsed as SVG and imported (putSvg) — never innerHTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

export function putSvg(container, svgText) {
  container.replaceChildren();
  if (!svgText) return;
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") return;
  root.removeAttribute("width");
  root.removeAttribute("height");
  container.append(document.importNode(root, true));
}

// A column's classes: "num" for right-aligned numbers, plus its own (`cls`: a page may hide it on a phone).
const classes = (c) => [c.num ? "num" : "", c.cls || ""].join(" ").trim();

export function table(node, columns, rows) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col", class: classes(c) }, c.label)));
  const body = rows.map((r) => el("tr", {}, ...columns.map((c) => {
    const v = c.get(r);
    return el("td", { class: classes(c), dataset: { value: String(c.sort ? c.sort(r) : v) } },
      c.text ? c.text(r) : c.fmt ? c.fmt(v) : v ?? "");
  })));
  node.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

// `shown()`: how many of the sorted rows to build (issue 30: the rest are built only when asked for; 20,000 rows of
// DOM were most of a tab's memory). `node.redraw()` builds them again (after `shown` changed).
export function sortableTable(node, columns, rows, shown = () => Infinity) {
  let key = 1;
  let dir = -1;
  node.dataset.rows = String(rows.length);
  const draw = () => {
    const sorted = [...rows].sort((a, b) => {
      const x = columns[key].get(a);
      const y = columns[key].get(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    const head = el("tr", {}, ...columns.map((c, i) => {
      const b = el("button", { type: "button", class: "sort" }, c.label);
      b.addEventListener("click", () => {
        dir = key === i ? -dir : c.num ? -1 : 1;
        key = i;
        draw();
      });
      return el("th", { scope: "col", class: classes(c),
                        "aria-sort": key === i ? (dir > 0 ? "ascending" : "descending") : "none" }, b);
    }));
    const row = (r) => el("tr", {}, ...columns.map((c) => {
      const v = c.get(r);
      const props = { class: classes(c), dataset: { value: String(v) } };
      if (c.title) props.title = c.title(v); // the whole text of a shortened cell
      // `text(row)`: a cell whose words need more of the row than its sort value (e.g. "2+3m", issue 23).
      return el("td", props, c.text ? c.text(r) : c.fmt ? c.fmt(v) : v ?? "");
    }));
    // Rows in tasks of ROWS_PER_TASK (issue 30: 20,000 rows built at once stalled the page for seconds).
    const upto = Math.min(sorted.length, shown());
    const body = el("tbody", {}, ...sorted.slice(0, Math.min(upto, ROWS_PER_TASK)).map(row));
    node.replaceChildren(el("thead", {}, head), body);
    const more = (at) => {
      if (at >= upto || body.parentNode !== node) return; // done, or drawn again since
      body.append(...sorted.slice(at, Math.min(upto, at + ROWS_PER_TASK)).map(row));
      setTimeout(() => more(at + ROWS_PER_TASK), 0);
    };
    setTimeout(() => more(ROWS_PER_TASK), 0);
  };
  node.redraw = draw;
  draw();
}

const ROWS_PER_TASK = 300;

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
