"""The views of a report, in one registry (issue 31 item 3): the CLI's formats, the kept-report path and the page's
worker (api.py: Download JSON, Download CSV, the share card) all write a view through this table, so a new format is
one entry and its renderer.

Each View: `needs` — "report" (a report dict) or "rows" (the analysis: one row per billed request); `curves` — whether
it draws context curves (if not, a kept report's copy without them serves it); `render(subject, ctx)` — the text, in
pieces. `ctx`: prices and options (rows), width, periods, now, color and limit (text), link (share)."""

from collections import namedtuple

View = namedtuple("View", "name needs curves render")


def _tables(report, ctx):
    from . import tables
    t = ctx["table"]
    now = ctx.get("now")
    if t["json"]:
        return [tables.to_json(report, t["name"], t["order"], now=now, active=t["active"], recent=t["recent"])]
    return [tables.to_text(report, t["name"], t["order"], t["breakdown"], ctx.get("width"), ctx.get("color", False),
                           ctx.get("limit"), now, t["active"], t["recent"])]


def _json(report, _ctx):
    from ..core.text import json_chunks
    return json_chunks(report)


def _text(report, ctx):
    from .terminal import render
    return [render(report, width=ctx.get("width"), periods=ctx.get("periods", False), now=ctx.get("now"),
                   color=ctx.get("color", False), limit=ctx.get("limit"))]


def _csv(analyzer, ctx):
    from .csv import request_rows, to_csv
    return [to_csv(request_rows(analyzer, ctx.get("prices"), ctx.get("options")))]


def _share(report, ctx):
    from . import share
    summary = share.summarize(report)
    link = ctx.get("url")
    return [share.markdown(summary, f"{link}#{share.to_fragment(summary)}" if link else None)]


def _card(report, _ctx):
    from . import share
    return [share.card_svg(share.summarize(report))]


def _html(report, _ctx):
    from .html import render
    return [render(report)]


VIEWS = {v.name: v for v in (
    View("text", "report", False, _text),
    View("json", "report", True, _json),
    View("csv", "rows", False, _csv),
    View("share", "report", False, _share),
    View("card", "report", False, _card),
    View("html", "report", True, _html),
    View("table", "report", False, _tables),  # issue 33: daily, weekly, monthly, session, blocks
)}


def render(name, subject, **ctx):
    """View `name` of `subject` (a report, or an analyzer for a rows view) as one text."""
    return "".join(VIEWS[name].render(subject, ctx))
