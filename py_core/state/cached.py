"""Analyse files through the store (issue 14; CLI side): read only what is new, keep what was seen.

For each file: unchanged since stored (same device, inode, size, mtime) -> its stored state, the file is not
opened; grown from the same first bytes -> read from its last complete line; anything else (new, shrunk,
rewritten, stored under another label, a state that does not load) -> read whole. Files under an analysed folder
that were stored and have since been deleted are history: kept in the report, marked (`Analyzer.history`).

Per-file analyzers are merged in the order a single process reads the files (jobs.plan: largest first), so a
warm run's report is the cold run's, byte for byte (tests/test_store.py).
"""

import os

from ..core.analyzer import Analyzer
from .filestate import FileState, StateError, head_of
from .paths import META_MAX
from .jobs import CHUNK, feed_file, map_batches, plan
from .identity import file_version, mark_of, may_resume, unchanged
from .store import Row, StoreError



def _chunks(fh):
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _span(a):
    ts = [r.ts for t in (a.store.by_key, a.store.recovered) for r in t.values() if r.ts is not None]
    return (min(ts), max(ts)) if ts else (None, None)


def read_log(label, path, blob=None, mark=None):
    """(analyzer of the whole file, Row to store or None) for one log; `blob` the stored state to resume from, `mark`
    the fingerprint of the bytes before its offset."""
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            fs = a = None
            resume = None
            if blob is not None:
                try:
                    resume = FileState.from_bytes(blob)
                except StateError:
                    resume = None
            if resume is not None:
                head = head_of(fh.read(resume.head[0]))  # read only when a stored state may resume
                before = b""
                if resume.offset:
                    fh.seek(resume.offset - 1)
                    before = fh.read(1)
                current = mark_of(fh, resume.offset) if mark else None
                if may_resume(resume, st.st_size, head, before, mark, current):
                    fh.seek(resume.offset)
                    try:
                        fs, a = FileState.read(label, _chunks(fh), resume=resume)
                    except ValueError:  # the stored state does not load: read the file whole
                        fs = None
                if fs is None:
                    fh.seek(0)
            if fs is None:
                fs, a = FileState.read(label, _chunks(fh))
            mark = mark_of(fh, fs.offset)
    except OSError:
        # Cannot be stat'ed, opened or read to the end: read as without a store, which names why in the report
        # (and keeps the lines read before an error); nothing is stored for it.
        a = Analyzer()
        feed_file(a, label, path)
        return a, None
    oldest, newest = _span(a)
    return a, Row(os.path.abspath(path), fs.label, "log", st.st_dev, st.st_ino, fs.size, st.st_mtime_ns,
                  st.st_ctime_ns, oldest, newest, mark, fs.to_bytes())


def _read_batch(batch):
    return [(label,) + read_log(label, path, blob, mark) for label, (path, blob, mark) in batch]


def _read_all(todo, jobs):
    """{label: (analyzer, row)} for (label, path, blob, mark, bytes to read), in up to `jobs` processes."""
    batches = plan([(label, (path, blob, mark), cost) for label, path, blob, mark, cost in todo], jobs)
    return {label: (a, row) for got in map_batches(_read_batch, batches) for label, a, row in got}


def _stat(path):
    try:
        return os.stat(path)
    except OSError:
        return None


class Outcome:
    """What a run made of the store: counts for a summary line, and notices (one line each) for stderr."""

    def __init__(self):
        self.unchanged = self.resumed = self.read = self.history = 0
        self.notices = []
        self.parts = {}     # label -> the analyzer of that file alone (watch keeps them to re-merge)
        self.rows = {}      # path -> its Row as stored now (watch resumes from them)
        self.tokens = {}    # label -> content_token of the row its analyzer came from (parts.signature)


def analyze_cached(store, files, metas, roots=(), jobs=1, history=True, known=None):
    """(Analyzer, Outcome) of `files` (label, path, size) and agent `metas` (agent id, path, label) through `store`.
    `roots`: the folders analysed; stored files under them that are gone are history (unless `history` is off).
    `known`: rows (path -> Row) to use instead of the store's (watch keeps its own: the one store loop, issue 20)."""
    # Without history only the named files' rows are needed (the status line: one session of a large store).
    # Without a store (--save-state with --no-cache) every file is read, and kept per file all the same.
    out = Outcome()
    if known is not None:
        rows = known
    else:
        try:
            rows = {} if store is None else store.rows() if roots else store.rows(
                [os.path.abspath(p) for _l, p, _s in files] + [os.path.abspath(p) for _a, p, _l in metas])
        except StoreError as exc:  # busy: this run reads every file and leaves the store as it is
            out.notices.append(f"not using the store: {exc}")
            rows, store = {}, None
        if store is not None and store.notice:
            out.notices.append(store.notice)
            store.notice = None
    parts = {}          # label -> analyzer of the file
    todo = []           # (label, path, stored blob or None, bytes to read)
    stats = {}
    for label, path, size in files:
        ap = os.path.abspath(path)
        st = stats[ap] = _stat(path)
        row = rows.get(ap)
        if row is None or row.kind != "log" or row.label != label or st is None:
            todo.append((label, path, None, None, size))
        elif unchanged(st, row):
            try:
                parts[label] = FileState.from_bytes(row.blob).analyzer()
                out.unchanged += 1
                out.rows[ap] = row
                out.tokens[label] = file_version(row)
            except ValueError:  # StateError, or a state whose contents do not check out: read it again
                todo.append((label, path, None, None, size))
        elif st.st_size <= row.size:
            # Touched but not grown (a log is only ever appended to): rewritten in place, perhaps with the same size
            # and its modification time put back (issue 20) — read whole, never resumed into a stale figure.
            todo.append((label, path, None, None, size))
        else:
            todo.append((label, path, row.blob, row.mark, max(0, size - row.size)))
    read = _read_all(todo, jobs)
    new_rows = []
    for label, (a, row) in read.items():
        parts[label] = a
        if row is not None:
            new_rows.append(row)
            out.rows[row.path] = row
            out.tokens[label] = file_version(row)
    out.read = sum(1 for _l, _p, blob, _m, _c in todo if blob is None)
    out.resumed = len(todo) - out.read

    merged = merge_in_order(parts, files)
    out.parts = parts

    current = set(stats)
    meta_rows = []
    for aid, path, label in metas:
        ap = os.path.abspath(path)
        current.add(ap)
        st = stats.get(ap) or _stat(path)
        row = rows.get(ap)
        if row is not None and row.kind == "meta" and unchanged(st, row):
            merged.add_agent_meta(aid, row.blob)
            continue
        try:
            with open(path, "rb") as fh:
                data = fh.read(META_MAX)
        except OSError as exc:
            merged.add_unreadable(label, exc.strerror or str(exc))
            continue
        merged.add_agent_meta(aid, data)
        if st is not None:
            meta_rows.append(Row(ap, label, "meta", st.st_dev, st.st_ino, len(data), st.st_mtime_ns, st.st_ctime_ns,
                                 None, None, "", data))

    gone = []
    if store is None:
        return merged, out
    if roots:
        _history(rows, roots, current, stats, merged, out, gone, history)
    try:
        store.write(new_rows + meta_rows, delete=gone)
    except Exception as exc:  # a locked or full disk: this run's report stands, the store just did not learn
        out.notices.append(f"the store was not updated ({exc})")
    return merged, out


def merge_in_order(parts, files):
    """One analyzer of per-file analyzers, merged in the order a single process reads `files` (label, path, size)."""
    merged = Analyzer()
    for label, _path, _size in sorted(files, key=lambda f: (-f[2], f[0])):
        if label in parts:
            merged.merge(parts[label])
    return merged


def _history(rows, roots, current, stats, merged, out, gone, use):
    """Fold the stored files under `roots` that no longer exist into `merged`, marked as history."""
    prefixes = tuple(os.path.join(os.path.abspath(r), "") for r in roots)
    labels = set(merged.files) | set(merged.unreadable)
    inodes = {(st.st_dev, st.st_ino): p for p, st in stats.items() if st is not None}
    dropped = 0
    for path in sorted(rows, key=lambda p: rows[p].label):
        row = rows[path]
        if path in current or not path.startswith(prefixes) or os.path.lexists(path):
            continue
        if row.kind == "meta":
            if use:
                merged.add_agent_meta(os.path.basename(path)[len("agent-"):-len(".meta.json")], row.blob)
            continue
        try:
            fs = FileState.from_bytes(row.blob)
        except StateError:
            gone.append(path)  # a stored state of a deleted file that does not load: nothing to keep
            dropped += 1
            continue
        moved = inodes.get((row.dev, row.ino))
        if moved is not None and _same_head(moved, fs):
            gone.append(path)  # renamed, not deleted: the file is read under its new name
            continue
        if not use or row.label in labels:
            continue
        try:
            a = fs.analyzer()
        except ValueError:
            gone.append(path)
            dropped += 1
            continue
        a.history.add(row.label)
        merged.merge(a)
        out.parts[row.label] = a
        out.tokens[row.label] = file_version(row)
        out.history += 1
    if dropped:
        out.notices.append(f"{dropped} stored state{'' if dropped == 1 else 's'} of deleted files could not be read "
                           "and were dropped")


def _same_head(path, fs):
    try:
        with open(path, "rb") as fh:
            return head_of(fh.read(fs.head[0])) == fs.head
    except OSError:
        return False
