"""Kept answers (issue 20): a report run through the store is kept under a key of everything it depends on, and
returned as it is by the next run that has the same key — with the fields that depend on the clock (the active
5-hour block and weekly window, their time left and projection) redone at that run's time. When some file changed,
each session's part of the report (parts.py) is kept too (`Parts`), under a key of the options and prices alone,
and taken again for every session whose signature (the content tokens of its sources, which copies won, its
prompts, compactions, arrivals, agent types) did not change: the report is assembled from parts, and only the
sessions whose files changed are built again.

The key: this version of tokenscope and of the store, the decoder, the report's options, the price files' bytes,
and for every file the run would read (logs, agent meta files, state files named) its label, path and
`cached.stat_key` (device, inode, size, mtime, ctime); what could not be read and why; and, when deleted files
count as history, the stored rows under the analysed folders that are no longer on disk. Any difference and the
report is built again (and kept). A kept report that does not decode is built again too — never trusted.
"""

import hashlib
import json
import os
import zlib

from .identity import answer_key, code, prices_of_files, stat_key

MAX_REPORT = 1 << 30  # a kept report inflating past this is not used (a hostile store)


def key_of(found, state_files, roots, options, price_paths, history_prefixes, store):
    """The key of a run's report, or None when the run cannot be keyed (a file that cannot be stat'ed)."""
    from .store import VERSION
    h = hashlib.sha256()

    def add(x):
        h.update(json.dumps(x, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "replace"))
        h.update(b"\0")

    prices = prices_of_files(price_paths)
    if prices is None:
        return None
    add([VERSION, code(), prices, options, sorted(roots)])
    try:
        for label, path, _size in found.files:
            add([label, os.path.abspath(path), stat_key(os.stat(path))])
        for aid, path, label in found.metas:
            add([aid, label, os.path.abspath(path), stat_key(os.stat(path))])
        for label, path in state_files:
            add([label, os.path.abspath(path), stat_key(os.stat(path))])
    except OSError:
        return None
    add(sorted(found.problems))
    if history_prefixes:
        stored = store.stored_paths()
        if stored is None:
            return None
        current = {os.path.abspath(p) for _l, p, _s in found.files} | {os.path.abspath(p) for _a, p, _l in found.metas}
        add(sorted((p, t) for p, t in stored.items() if p.startswith(history_prefixes) and p not in current))
    return h.hexdigest()


# A kept report is its terminal-safe JSON text (text.json_for_terminal) in five pieces: before the blocks, the
# blocks, between, the weekly windows, after. A run whose clock changes nothing writes the pieces as they are; one
# whose clock changes a window re-encodes the two small arrays only — the report itself is never decoded to be
# shown as --json (issue 20: decoding and encoding 5 MB took most of a re-run with nothing new).
_WINDOWS = ("blocks", "weekly_windows")
_MARK = "\x00tokenscope kept report: {}\x00"


def _dumps(x):
    from ..core.text import json_for_terminal
    return json_for_terminal(json.dumps(x, ensure_ascii=False, separators=(",", ":")))


# A report of more sessions than this is not kept (issue 30): keeping encodes it whole several times over (its text,
# its pieces, the copy without curves: ~20 kB a session at the peak), which a re-run with nothing new saves only a
# fraction of; the parts of its sessions are kept all the same.
KEEP_MAX_SESSIONS = 5000


def keep(store, key, report, clock):
    """Keep `report` (built with `build_report(clock=clock)`) under `key`; returns its JSON text for the terminal
    (what --json writes), or None when it is not kept (too large). A store that cannot take it is left so."""
    from .store import StoreError
    if len(report["sessions"]) > KEEP_MAX_SESSIONS:
        return None
    shown = dict(report)
    for name in _WINDOWS:
        shown[name] = _MARK.format(name)
    text = _dumps(shown)
    pieces = []
    rest = text
    for name in _WINDOWS:
        mark = _dumps(_MARK.format(name))
        if rest.count(mark) != 1:
            pieces = None  # a log that holds the marker (hostile): kept whole, decoded when shown
            break
        before, rest = rest.split(mark)
        pieces += [before, _dumps(report[name])]
    if pieces is None:
        pieces = [_dumps(report)]
    else:
        pieces.append(rest)
    text = "".join(pieces)
    head = ",".join(str(len(p.encode("utf-8"))) for p in pieces)
    blob = zlib.compress((head + "\n" + text).encode("utf-8"), 1)
    # A second stream: the report without its context curves (most of its bytes), what the terminal and share views
    # decode; --json never inflates it.
    light = dict(report, sessions=[dict(row, context_curve=[]) for row in report["sessions"]])
    blob += zlib.compress(json.dumps(light, ensure_ascii=True, separators=(",", ":")).encode("ascii"), 1)
    meta = dict(clock, requests=report["totals"]["requests"])
    for name in _WINDOWS:
        meta["active_" + name] = any(w["active"] for w in report[name])
    try:
        store.keep_report(key, blob, json.dumps(meta))
    except StoreError:
        pass
    return text


class Kept:
    """A kept report at this run's clock: `text` its JSON for the terminal as UTF-8 bytes, `requests` its billed
    requests; `report()` decodes it (the views other than --json need the dict), `report(curves=False)` the copy kept
    without context curves (the terminal and share views draw none)."""

    def __init__(self, text, requests, light, meta, now):
        self.text, self.requests = text, requests
        self._light, self._meta, self._now = light, meta, now

    def report(self, curves=True):
        """The report (a ValueError when the copy without curves does not inflate or decode: the caller builds the
        report again)."""
        if curves:
            return json.loads(self.text)
        d = zlib.decompressobj()
        try:
            data = d.decompress(self._light, MAX_REPORT)
        except zlib.error as exc:
            raise ValueError(f"a kept report's copy does not inflate ({exc})") from None
        if d.unconsumed_tail or not d.eof or d.unused_data or not data.isascii():
            raise ValueError("a kept report's copy is not what tokenscope keeps")
        report = json.loads(data)
        _reclock(report, self._meta, self._now)
        return report


def kept(store, key, now):
    """The Kept report under `key`, redone at `now`; or None (nothing kept, or what is kept does not decode)."""
    got = store.report(key)
    if got is None:
        return None
    blob, meta = got
    try:
        d = zlib.decompressobj()
        data = d.decompress(blob, MAX_REPORT)
        if d.unconsumed_tail or not d.eof:
            return None
        light = d.unused_data  # the second stream, inflated only by a view that needs it (Kept.report)
        head, _, body = data.partition(b"\n")
        sizes = [int(x) for x in head.split(b",")]
        if len(sizes) not in (1, 5) or sum(sizes) != len(body) or min(sizes) < 0:
            return None
        from ..core.text import json_for_terminal_bytes_ok
        if not json_for_terminal_bytes_ok(body):
            return None  # not what keep() writes: a hostile store never reaches the terminal
        pieces, at = [], 0
        for n in sizes:
            pieces.append(body[at:at + n])
            at += n
        meta = json.loads(meta)
        requests = meta["requests"]
        if type(requests) is not int:
            return None
        if len(pieces) == 1:
            report = json.loads(pieces[0])
            _reclock(report, meta, now)
            return Kept(_dumps(report).encode("utf-8"), requests, light, meta, now)
        from ..report.blocks import BLOCK_SECONDS, WEEK_SECONDS, is_active, reclock
        for i, (name, length) in enumerate(zip(_WINDOWS, (BLOCK_SECONDS, WEEK_SECONDS))):
            raw = meta.get(name, [])
            if not isinstance(raw, list):
                return None
            if not any(is_active(w[0], w[2], length, now) for w in raw) and not meta.get("active_" + name):
                continue  # no window was or is active: nothing of the clock's changes
            rows = json.loads(pieces[1 + 2 * i])
            if type(rows) is not list or len(rows) != len(raw):
                return None
            if reclock(rows, raw, length, now):
                pieces[1 + 2 * i] = _dumps(rows).encode("utf-8")
    except (zlib.error, UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError, IndexError,
            AttributeError):
        return None
    text = b"".join(pieces)
    text.decode("utf-8")  # valid UTF-8 whole (C speed), or not shown
    return Kept(text, requests, light, meta, now)


def _reclock(report, clock, now):
    from ..report.blocks import BLOCK_SECONDS, WEEK_SECONDS, reclock
    if not isinstance(report, dict) or not isinstance(clock, dict):
        raise ValueError("not a kept report")
    changed = False
    for name, length in (("blocks", BLOCK_SECONDS), ("weekly_windows", WEEK_SECONDS)):
        rows, raw = report[name], clock.get(name, [])
        if len(rows) != len(raw):
            raise ValueError("a kept report's clock does not match it")
        changed |= reclock(rows, raw, length, now)
    return changed


MAX_PART = 1 << 28  # a kept part inflating past this is not used


def parts_key(options, price_paths):
    """The key session parts are kept under (identity.answer_key: this code, the prices — built-in and the price
    files' bytes —, the options, and the store's layout). What each session read is in its signature, not here. None
    when a price file cannot be read."""
    from .store import VERSION
    return answer_key(options, prices_of_files(price_paths), [VERSION])


class Parts:
    """The memo report.build_report takes (issue 20 item 2): the session parts kept under one key, handed out where a
    session's signature is unchanged, and the parts built now, written back by `save` (sessions no longer in the
    report are forgotten). A kept part that does not decompress, decode or check out is built again."""

    BATCH = 2000  # parts built are written this many at a time (issue 30: not all held until the end)
    shares_parts = False  # what it hands out is decoded afresh, and what it takes is encoded at once: never shared

    def __init__(self, store, key, tokens):
        self.store, self.key, self.tokens = store, key, tokens
        self.stored = store.part_signatures(key)  # the parts' bytes are read only for the sessions that use them
        self.new = []       # parts built and not yet written
        self.built = 0      # parts built in all
        self.seen = set()
        self.hits = 0

    def get(self, sid, sig):
        self.seen.add(sid)
        if self.stored.get(sid) != sig:
            return None
        from ..report.parts import from_json
        blob = self.store.part(self.key, sid, sig)
        if blob is None:
            return None
        try:
            d = zlib.decompressobj()
            text = d.decompress(blob, MAX_PART)
            if d.unconsumed_tail:
                return None
            part = from_json(json.loads(text), sid)
        except (zlib.error, UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError, IndexError):
            return None
        self.hits += 1
        return part

    def put(self, sid, sig, part):
        """Keep a part just built (serialised now: the report adds ranks to its row afterwards)."""
        self.seen.add(sid)
        text = json.dumps(part.to_json(), separators=(",", ":"))  # ASCII: a lone surrogate survives the trip
        self.new.append((sid, sig, zlib.compress(text.encode("ascii"), 1)))
        self.built += 1
        if len(self.new) >= self.BATCH:
            self._write([])

    def save(self):
        drop = [s for s in self.stored if s not in self.seen]
        if self.new or drop:
            self._write(drop)

    def _write(self, drop):
        from .store import StoreError
        try:
            self.store.keep_parts(self.key, self.new, drop)
        except StoreError:
            pass  # the report stands; the next run builds these parts again
        self.new = []
