"""`--engine dask`: the same analysis on a Dask cluster (issue 16; CLI side, imported only by this engine).

Files are dealt into batches of similar size (jobs.plan), each batch is analysed on a worker into one Analyzer
(the mergeable state), the states are reduced by a tree of pairwise merges on the workers, and the report is built
once, here. Merging is exact and order-free (tests/test_jobs.py), so the report is the single process's, byte for
byte. PATHs may be local folders or files, or fsspec URLs (`s3://bucket/prefix/`, `gcs://…`, `file:///…`) that the
workers open themselves; `pip install 'tokenscope[dask]'` brings dask[distributed] and fsspec (plus the filesystem
package of your storage, e.g. s3fs). Without `--scheduler` a LocalCluster of `--jobs` processes starts here.
"""

import os

from ..core.analyzer import Analyzer
from ..state.jobs import feed_stream, plan
from ..state.paths import META_MAX, agent_id_from_meta_name, discover, label_prefix, unique_labels

BATCHES_PER_WORKER = 4   # more batches than workers: a slow batch does not hold the others up


def _is_url(root):
    return "://" in root


def list_files(roots, explicit=True):
    """(files [(label, url, size)], metas [(agent id, url, label)], problems [(label, why)]) under `roots`, labelled
    exactly as the local engine labels them (paths.label_prefix: relative to each root; prefixed with the root's
    name when several are named on the command line, never for the default roots)."""
    import fsspec
    found, problems = [], []
    several = explicit and len(roots) > 1
    for root in roots:
        if _is_url(root):
            fs, path = fsspec.core.url_to_fs(root)
            if fs.isdir(path):
                prefix = label_prefix(path, True, several)
                base = path.rstrip("/") + "/"
                for p in sorted(fs.find(path)):
                    name = p.rsplit("/", 1)[-1]
                    if p.endswith(".jsonl") or agent_id_from_meta_name(name) is not None:
                        found.append((prefix + p[len(base):], fs.unstrip_protocol(p)))
            else:
                found.append((path.rsplit("/", 1)[-1], root))
            continue
        got, bad = discover(root)
        prefix = label_prefix(root, os.path.isdir(root), several)
        found.extend((prefix + label, os.path.abspath(path)) for label, path in got)
        problems.extend((prefix + label, why) for label, why in bad)
    files, metas = [], []
    for label, url in unique_labels(found):
        aid = agent_id_from_meta_name(label)
        if aid is not None:
            metas.append((aid, url, label))
            continue
        files.append((label, url, _size(url)))
    return files, metas, problems


def _size(url):
    if not _is_url(url):
        try:
            return os.path.getsize(url)
        except OSError:
            return 0
    import fsspec
    fs, path = fsspec.core.url_to_fs(url)
    try:
        return fs.size(path) or 0
    except OSError:
        return 0


def _open(url):
    if not _is_url(url):
        return open(url, "rb")
    import fsspec
    return fsspec.open(url, "rb").open()


def analyze_batch(batch):
    """On a worker: one Analyzer of a batch of (label, url)."""
    a = Analyzer()
    for label, url in batch:
        try:
            fh = _open(url)
        except OSError as exc:
            a.add_unreadable(label, exc.strerror or str(exc))
            continue
        with fh:
            feed_stream(a, label, fh)
    return a


def merge(a, b):
    """On a worker: the merge of two states (a node of the reduction tree)."""
    return a.merge(b)


def analyze(roots, scheduler=None, workers=None, explicit=True):
    """One Analyzer of every file under `roots`, analysed on the cluster at `scheduler` (else a LocalCluster)."""
    from distributed import Client, LocalCluster
    files, metas, problems = list_files(roots, explicit)
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or 1)
        batches = plan(files, n * BATCHES_PER_WORKER)
        level = client.map(analyze_batch, batches, pure=False)
        while len(level) > 1:  # a tree of merges: log2(batches) rounds, each in parallel
            nxt = [client.submit(merge, level[i], level[i + 1], pure=False) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        a = level[0].result() if level else Analyzer()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for label, why in problems:
        a.add_unreadable(label, why)
    for aid, url, label in metas:
        try:
            with _open(url) as fh:
                a.add_agent_meta(aid, fh.read(META_MAX))
        except OSError as exc:
            a.add_unreadable(label, exc.strerror or str(exc))
    return a


def load(roots, explicit, scheduler=None, workers=None):
    """The analyzer of `roots` analysed on a Dask cluster (issue 16), state files named among them merged here: the
    Dask engine's loader (state/loader.py is the local one)."""
    from ..state.loader import LoadError, load_states, split_states
    from ..state.statefile import merge_into
    if not explicit:
        roots = [r for r in roots if os.path.isdir(r)]
    named = [(os.path.basename(r), r, 0) for r in roots if "://" not in r and os.path.isfile(r)]
    state_files = split_states(named, roots)[1]
    states = load_states(state_files)
    skip = {p for _l, p in state_files}
    logs = [r for r in roots if r not in skip]
    try:
        analyzer = analyze(logs, scheduler, workers, explicit=explicit) if logs else Analyzer()
    except ImportError as exc:
        if getattr(exc, "name", None) in ("dask", "distributed", "fsspec"):
            raise LoadError(f"--engine dask needs Dask: pip install 'tokenscope[dask]' ({exc})") from None
        # fsspec names the package a URL's filesystem needs (e.g. s3fs for s3://): say it (issue 21).
        raise LoadError(f"the Dask engine cannot open {', '.join(logs)}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise LoadError(f"the Dask engine failed: {exc}") from None
    merge_into(analyzer, states)
    return analyzer
