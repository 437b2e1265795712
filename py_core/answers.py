"""Kept answers (issue 20, first part): a report run through the store is kept under a key of everything it
depends on, and returned as it is by the next run that has the same key — with the fields that depend on the clock
(the active 5-hour block and weekly window, their time left and projection) redone at that run's time.

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

from .cached import stat_key

MAX_REPORT = 1 << 30  # a kept report inflating past this is not used (a hostile store)


def key_of(found, state_files, roots, options, price_paths, history_prefixes, store):
    """The key of a run's report, or None when the run cannot be keyed (a file that cannot be stat'ed)."""
    from .store import VERSION
    from .version import __version__
    h = hashlib.sha256()

    def add(x):
        h.update(json.dumps(x, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "replace"))
        h.update(b"\0")

    # The built-in price table too (issue 23: a table edited without a new version must not serve old figures).
    from importlib import resources
    table = hashlib.sha256(resources.files(__package__).joinpath("prices.json").read_bytes()).hexdigest()
    add([VERSION, __version__, table, options, sorted(roots)])
    for path in price_paths:
        try:
            with open(path, "rb") as fh:
                add([path, hashlib.sha256(fh.read()).hexdigest()])
        except OSError:
            return None
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


def keep(store, key, report, clock):
    """Keep `report` (built with `build_report(clock=clock)`) under `key`; a store that cannot take it is left so."""
    from .store import StoreError
    text = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    try:
        store.keep_report(key, zlib.compress(text.encode("utf-8"), 1), json.dumps(clock))
    except StoreError:
        pass
    return text


def kept(store, key, now):
    """(report, its JSON text or None when the clock changed it) kept under `key`, redone at `now`; or None."""
    got = store.report(key)
    if got is None:
        return None
    blob, clock = got
    try:
        d = zlib.decompressobj()
        text = d.decompress(blob, MAX_REPORT)
        if d.unconsumed_tail:
            return None
        text = text.decode("utf-8")
        report = json.loads(text)
        clock = json.loads(clock)
        changed = _reclock(report, clock, now)
    except (zlib.error, UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError, IndexError):
        return None
    return report, (None if changed else text)


def _reclock(report, clock, now):
    from .blocks import BLOCK_SECONDS, WEEK_SECONDS, reclock
    if not isinstance(report, dict) or not isinstance(clock, dict):
        raise ValueError("not a kept report")
    changed = False
    for name, length in (("blocks", BLOCK_SECONDS), ("weekly_windows", WEEK_SECONDS)):
        rows, raw = report[name], clock.get(name, [])
        if len(rows) != len(raw):
            raise ValueError("a kept report's clock does not match it")
        changed |= reclock(rows, raw, length, now)
    return changed
