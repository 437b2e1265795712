"""Analyse files in several processes and merge the partial analyzers (CLI only; issue 4).

Files are dealt to workers largest first, each to the least-loaded worker, so one huge session does
not leave the other cores idle behind it. Merging is order-independent (dedup keeps the same copy,
money is integer), so the report equals the single-process one exactly (tests/test_jobs.py).
"""

import os
import pickle

from ..core.analyzer import Analyzer

CHUNK = 1 << 20
MIN_BYTES_PER_JOB = 8_000_000  # below this a process costs more than it saves
# Issue 30: `--jobs 100000` forked a process per session for the report's parts. No machine tokenscope runs on gains
# past this many processes; the default (every core) is capped at it too.
MAX_JOBS = 256


def feed_stream(analyzer, label, stream):
    """Stream a binary file object into the analyzer as source `label`; a read error is named in the report, never
    raised (issue 10: the lines read before it still count, and the report says the file is partial)."""
    src = analyzer.open(label)
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            src.feed(chunk)
    except OSError as exc:
        done = src.splitter.bytes_read
        why = exc.strerror or str(exc)
        analyzer.add_unreadable(label, f"read error after {done:,} bytes: {why}" if done else why, done)
    finally:
        src.close()


def feed_file(analyzer, label, path):
    """Stream the file at `path`; one that cannot be opened is named like one that cannot be read."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        analyzer.add_unreadable(label, exc.strerror or str(exc))
        return
    with fh:
        feed_stream(analyzer, label, fh)


def _read_batch(batch):
    a = Analyzer()
    for label, path in batch:
        feed_file(a, label, path)
    return a


def _pickled(arg):
    fn, batch = arg
    return pickle.dumps(fn(batch), protocol=pickle.HIGHEST_PROTOCOL)


def _ignore_interrupt():
    """Pool processes leave Ctrl-C to the parent, which stops them and says "interrupted" in one line; otherwise
    each would print its own KeyboardInterrupt traceback (issue 10: never a traceback)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def plan(files, jobs):
    """Deal (label, path, size) files into at most `jobs` batches of similar byte totals."""
    total = sum(size for _l, _p, size in files)
    jobs = max(1, min(jobs, len(files), total // MIN_BYTES_PER_JOB or 1))
    bins = [[0, []] for _ in range(jobs)]
    for label, path, size in sorted(files, key=lambda f: (-f[2], f[0])):
        b = min(bins, key=lambda x: x[0])
        b[0] += size
        b[1].append((label, path))
    return [b[1] for b in bins if b[1]]


def map_batches(fn, batches):
    """[fn(batch) for batch in batches]: the first batch in this process, the others in a pool of processes at the
    same time (their results pickled back). The one process pool of the CLI (issue 20): `fn` is a module-level
    function (pickled by name)."""
    if len(batches) <= 1:
        return [fn(b) for b in batches]
    import multiprocessing as mp
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    # The parent takes the first batch itself rather than wait idle: one process and one pickle round trip fewer.
    with ctx.Pool(len(batches) - 1, initializer=_ignore_interrupt) as pool:
        pending = pool.map_async(_pickled, [(fn, b) for b in batches[1:]], chunksize=1)
        first = fn(batches[0])
        return [first] + [pickle.loads(p) for p in pending.get()]


def analyze_files(files, jobs):
    """An Analyzer holding every file; `files` are (label, path, size)."""
    parts = map_batches(_read_batch, plan(files, jobs))
    if not parts:
        return Analyzer()
    merged = parts[0]
    for a in parts[1:]:
        merged.merge(a)
    return merged


_CONTEXT = None       # the report's Context while a parts_mapper's processes run (inherited by fork)
MIN_PART_REQUESTS = 4000  # below this, building the sessions' parts here costs less than starting a process


def _parts_batch(sids):
    from ..report.build import build_session
    out = []
    for sid in sids:
        part = build_session(_CONTEXT, sid)
        part.priced = None  # the records stay here (a chosen curve is drawn from the selection)
        out.append(part)
    return out


def parts_mapper(jobs):
    """A `mapper` for report.build_report (issue 22: the report's per-session parts built where the cores are):
    the sessions dealt by request count to `jobs` processes forked from this one, which inherit the analysis; None
    (build them in this process) with one job, few requests, or where processes cannot be forked."""
    def mapper(ctx, sids, weights):
        global _CONTEXT
        import multiprocessing as mp
        if jobs <= 1 or sum(weights) < MIN_PART_REQUESTS or "fork" not in mp.get_all_start_methods():
            return None
        bins = [[0, []] for _ in range(min(jobs, len(sids)))]
        for sid, w in sorted(zip(sids, weights), key=lambda x: (-x[1], x[0])):
            b = min(bins, key=lambda x: x[0])
            b[0] += w
            b[1].append(sid)
        _CONTEXT = ctx
        try:
            got = map_batches(_parts_batch, [b[1] for b in bins if b[1]])
        finally:
            _CONTEXT = None
        by_sid = {p.sid: p for batch in got for p in batch}
        return [by_sid[sid] for sid in sids]
    return mapper


def default_jobs():
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return min(n, MAX_JOBS)
