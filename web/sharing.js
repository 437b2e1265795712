// Sharing on the page: a share link's card (drawn by web/share.js, no Python), the card as PNG.

import { $, el, putSvg } from "./dom.js";
import { cardSvg, headline } from "./share.js";

export function showCard(summary) {
  $("card-view").hidden = false;
  putSvg($("card-view-card"), cardSvg(summary));
  $("card-view-headline").textContent = headline(summary);
  $("card-view").scrollIntoView({ block: "start" });
  document.body.dataset.card = "1";
}

// The card as PNG: the SVG drawn on a canvas at twice its size (a canvas PNG carries no text metadata).
export function downloadPng(svg) {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const canvas = el("canvas", { width: String(img.width * 2), height: String(img.height * 2) });
    const ctx = canvas.getContext("2d");
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => {
      const a = el("a", { href: URL.createObjectURL(blob), download: "tokenscope-card.png" });
      document.body.append(a);
      a.click();
      a.remove();
    }, "image/png");
  };
  img.src = url;
}
