"""The loader (issue 20; ccusage calls this layer the loader): everything between a command's arguments and an
Analyzer, for every command — the report, `watch`, `statusline`, the Dask engine.

It holds discovery (roots, labels, agent meta files, FIFOs, unreadable entries), prices (built-in, then
`./.tokenscope.json`, then each `--prices FILE`), the store, state files and their merge rule, and the process
pool (jobs.map_batches). It prints nothing: what a shell must say comes back as `notices` (one line each) or as a
`LoadError` (one line and an exit code). Shells parse arguments, call it, and print.
"""

import os
import stat
from collections import namedtuple

from . import paths
from .paths import META_MAX
from ..core.text import clean_text

USER_PRICE_FILE = ".tokenscope.json"

Found = namedtuple("Found", "files fifos metas problems")
Found.__doc__ = """What discovery found: files (label, path, size) to analyse, FIFOs (label, path) named on the
command line, agent meta files (agent id, path, label), problems (label, reason) of what cannot be read."""


class LoadError(Exception):
    """A failure a shell says in one line (`tokenscope: …`) and exits with `code`."""

    def __init__(self, message, code=2):
        super().__init__(clean_text(str(message)))
        self.code = code


# -- prices -------------------------------------------------------------------------------------------------------
# A price file is small (LiteLLM's whole table, which works as is, is 3.2 MB in litellm 1.109.1): past this it is
# refused, never read whole (issue 30: a 3 GB file cost every status-line render 2.9 s and 3.9 GB; `--prices /dev/zero`
# grew to 9 GB). The issue asked for 1 MB; that would refuse LiteLLM's own table, which the README promises to take.
MAX_PRICE_FILE = 8 << 20


def price_files(files=(), cwd=None, workspace=True):
    """The price files a run reads, in order: ./.tokenscope.json (of `cwd`, default the working directory) when it
    exists and `workspace` allows it, then each --prices FILE."""
    local = os.path.join(cwd or os.getcwd(), USER_PRICE_FILE)
    return ([local] if workspace and os.path.isfile(local) else []) + list(files)


def read_price_file(path):
    """The bytes of a price file: a regular file of at most MAX_PRICE_FILE bytes, else a LoadError naming it (a FIFO
    is opened without blocking and refused, never waited on: issue 30, `--prices` on a FIFO hung)."""
    from ..core.pricing import PriceFileError

    def bad(why):
        return LoadError(f"bad price file: {PriceFileError(path, '(file)', why)}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise bad(exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise bad("not a regular file (" + ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket")
                      + ")")
        try:
            data = fh.read(MAX_PRICE_FILE + 1)
        except OSError as exc:
            raise bad(exc.strerror or str(exc)) from None
    if len(data) > MAX_PRICE_FILE:
        raise bad(f"larger than {MAX_PRICE_FILE >> 20} MB: not a price table")
    return data


def load_prices(files=(), cwd=None, workspace=True):
    """The built-in table, then ./.tokenscope.json (unless `workspace` is off), then each --prices FILE, in that
    order (every command)."""
    import json
    from ..core.pricing import PriceFileError, PriceTable
    table = PriceTable.builtin()
    for f in price_files(files, cwd, workspace):
        data = read_price_file(f)
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise LoadError(f"bad price file: {PriceFileError(f, '(file)', f'not valid JSON: {exc}')}") from None
        try:
            table = table.with_overrides(data, f)
        except PriceFileError as exc:
            raise LoadError(f"bad price file: {exc}") from None
    return table


# -- discovery ----------------------------------------------------------------------------------------------------
def collect(roots, explicit):
    """Found for the roots (`explicit`: named on the command line, else the default roots)."""
    from .paths import agent_id_from_meta_name, discover, label_prefix, unique_labels
    files, fifos, metas, problems = [], [], [], []
    several = explicit and len(roots) > 1
    found = []
    for root in roots:
        if root == "-":
            continue
        try:
            st = os.stat(root)
        except OSError:
            st = None
        if st is not None and explicit and stat.S_ISFIFO(st.st_mode):
            fifos.append((os.path.basename(root) or root, root))
            continue
        if st is None and not explicit:
            continue
        prefix = label_prefix(root, st is not None and stat.S_ISDIR(st.st_mode), several)
        got, bad = discover(root)
        found.extend((prefix + label, path) for label, path in got)
        problems.extend((prefix + label, why) for label, why in bad)
    for label, path in unique_labels(found):
        aid = agent_id_from_meta_name(label)
        if aid is not None:
            metas.append((aid, path, label))
            continue
        try:
            files.append((label, path, os.path.getsize(path)))
        except OSError as exc:
            problems.append((label, exc.strerror or str(exc)))
    return Found(files, fifos, metas, problems)


def history_roots(roots, explicit):
    """The folders whose deleted files count as history: every default root (even one Claude Code's cleanup has
    emptied or removed), and the folders named on the command line. A named file never pulls in history."""
    if not explicit:
        return list(roots)
    return [r for r in roots if r != "-" and os.path.isdir(r)]


def session_files(transcript, verdicts=None):
    """(label, path, size) of a session's transcript and its subagents' files, labelled as a run over the projects
    folder labels them (so the status line and `tokenscope` share stored states). `verdicts` ({name: [inode,
    belongs]}) remembers which flat 2.0.x agent files were decided, so a render opens only new ones."""
    transcript = os.path.abspath(transcript)
    project = os.path.dirname(transcript)
    base = os.path.dirname(project)
    out = [(os.path.relpath(transcript, base).replace(os.sep, "/"), transcript, os.path.getsize(transcript))]
    stem = os.path.basename(transcript)[:-len(".jsonl")] if transcript.endswith(".jsonl") else None
    sub = os.path.join(project, stem, "subagents") if stem else None
    if sub and os.path.isdir(sub):
        for folder, _dirs, names in os.walk(sub):
            for name in sorted(names):
                if name.endswith(".jsonl"):
                    p = os.path.join(folder, name)
                    size = _regular_size(p)
                    if size is not None:
                        out.append((os.path.relpath(p, base).replace(os.sep, "/"), p, size))
    if stem:
        # Claude Code 2.0.x wrote a session's subagents flat beside it, `agent-<8hex>.jsonl`, named by nothing but
        # the sessionId of their lines (issue 23: the status line said $6.14 where the folder's report said $6.21).
        want = (f'"sessionId":"{stem}"'.encode(), f'"sessionId": "{stem}"'.encode())
        try:
            names = sorted(n for n in os.listdir(project) if n.startswith("agent-") and n.endswith(".jsonl"))
        except OSError:
            names = []
        for name in names:
            p = os.path.join(project, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            known = verdicts.get(name) if verdicts is not None else None
            if known is not None and known[0] == st.st_ino:
                belongs = known[1]
            else:
                try:
                    with open(p, "rb") as fh:
                        head = fh.read(FLAT_AGENT_HEAD)
                except OSError:
                    continue
                belongs = any(w in head for w in want)
                # Decided once its first line names a session (an agent file only grows).
                if verdicts is not None and (belongs or b'"sessionId":' in head or b'"sessionId": ' in head):
                    verdicts[name] = [st.st_ino, belongs]
            if belongs:
                out.append((os.path.relpath(p, base).replace(os.sep, "/"), p, st.st_size))
    return out


def _regular_size(path):
    """A regular file's size, else None: a FIFO or a device among a session's files is never opened (a FIFO nobody
    writes to would hang the status line; issue 10)."""
    import stat
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


FLAT_AGENT_HEAD = 16 << 10  # a 2.0.x agent file names its session on its first line


# -- state files --------------------------------------------------------------------------------------------------
def split_states(files, roots):
    """(logs, state files) among `files`: a file named on the command line is a state file when its first bytes say
    so (statefile.MAGIC), whatever its name (issue 16)."""
    from .statefile import MAGIC, is_state, newer_state
    named = {os.path.abspath(r) for r in roots if r != "-" and "://" not in r and os.path.isfile(r)}
    logs, states = [], []
    for f in files:
        label, path, _size = f
        if os.path.abspath(path) in named:
            try:
                with open(path, "rb") as fh:
                    head = fh.read(len(MAGIC))
            except OSError:
                head = b""
            if is_state(head):
                states.append((label, path))
                continue
            fmt = newer_state(head)
            if fmt is not None:
                raise LoadError(f"bad state file {label}: made by a newer tokenscope (format {fmt}); update "
                                "tokenscope to read it")
        logs.append(f)
    return logs, states


def load_states(state_files):
    """{source: (bytes, Analyzer)}, the union of the state files (one copy of a file two machines saw)."""
    from .statefile import MAX_INFLATED, StateFileError, loads, union
    entries = []
    for label, path in state_files:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_INFLATED + 1)  # compressed, it is smaller than its cap inflated
            if len(data) > MAX_INFLATED:
                raise StateFileError(label, f"too large (more than {MAX_INFLATED >> 20} MiB)")
            entries.extend(loads(data, label)[1])
        except OSError as exc:
            raise LoadError(f"bad state file {StateFileError(label, exc.strerror or str(exc))}") from None
        except StateFileError as exc:
            raise LoadError(f"bad state file {exc}") from None
    return union(entries)


def named_states(roots, explicit):
    """{source: (bytes, Analyzer)} of the state files named among `roots` (none for the default roots)."""
    if not explicit:
        return {}
    named = [(os.path.basename(r), r, 0) for r in roots if r != "-" and "://" not in r and os.path.isfile(r)]
    return load_states(split_states(named, roots)[1])


def redact_key(cache_dir=None):
    """$TOKENSCOPE_REDACT_KEY, else a random key kept in the store's folder (the same hashes run after run)."""
    env = os.environ.get("TOKENSCOPE_REDACT_KEY", "")
    if env:
        return env.encode("utf-8")
    import secrets
    from .store import default_dir
    folder = cache_dir or default_dir()
    path = os.path.join(folder, "redact.key")
    try:
        with open(path, "rb") as fh:
            key = fh.read()
        if len(key) >= 16:
            return key
    except OSError:
        pass
    key = secrets.token_hex(32).encode("ascii")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except OSError as exc:
        raise LoadError(f"--redact needs a key: set TOKENSCOPE_REDACT_KEY, or make {folder} writable ({exc})") \
            from None
    return key


write_atomic = paths.write_atomic  # the one atomic write (paths.py), named here for the loader's callers


def save_state(path, analyzer, parts, label=None, key=None, files=()):
    """Write what was analysed (`parts`: source -> its own analyzer) as a state file at `path` (issue 16), each log
    of `files` (discovery's (label, path, size)) with its fingerprint (issue 21)."""
    from . import statefile
    from ..core.analyzer import Analyzer
    fps = {}
    for label_, file_path, _size in files:
        if label_ in parts:
            try:
                with open(file_path, "rb") as fh:
                    fps[label_] = statefile.fingerprint(label_, fh.read(statefile.FP_BYTES))
            except OSError:
                pass  # gone since it was read: its name identifies it, as a stream's does
    out = {}
    for source, a in parts.items():
        out[source] = (a.files.get(source, (0, 0))[1], a)
    if analyzer.agent_types:
        # Subagent types from agent-*.meta.json (not a log of their own): one entry holds them.
        types = Analyzer()
        types.agent_types = dict(analyzer.agent_types)
        out.setdefault("(agent types)", (0, types))
    data = statefile.dumps(out, label=label, redact_key=key, fingerprints=fps)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise LoadError(f"cannot write the state file {path}: {exc.strerror or exc}") from None


# -- the store ----------------------------------------------------------------------------------------------------
def open_store(folder, notices):
    """The store, or None (with one line in `notices`) when it cannot be used: the run goes on without it."""
    from .store import Store, StoreError, default_dir
    try:
        store = Store.open(folder or default_dir())
    except StoreError as exc:
        notices.append(f"not using the store: {exc}")
        return None
    if store.notice:
        notices.append(store.notice)
        store.notice = None
    return store


# -- streams ------------------------------------------------------------------------------------------------------
def read_fifo(analyzer, label, path):
    """A FIFO named on the command line (`tokenscope <(cat log)`) is read like stdin. Opened without blocking,
    so a FIFO nobody writes to is an empty input, not a hang (issue 10)."""
    from .jobs import feed_stream
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        analyzer.add_unreadable(label, exc.strerror or str(exc))
        return
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as fh:
        feed_stream(analyzer, label, fh)


def add_metas(analyzer, metas):
    """Agent meta files (agent id, path, label) read into `analyzer` (their subagent types)."""
    for aid, path, label in metas:
        try:
            with open(path, "rb") as fh:
                analyzer.add_agent_meta(aid, fh.read(META_MAX))
        except OSError as exc:
            analyzer.add_unreadable(label, exc.strerror or str(exc))


# -- loading ------------------------------------------------------------------------------------------------------
class Loaded:
    """What a load gives a shell: the merged analyzer, each source's own analyzer (`parts`, for --save-state and
    watch), the files' rows as stored now (`rows`, path -> store.Row: watch resumes from them), `notices` (lines
    for stderr), what discovery found (its `files` the logs, state files taken out) and `tokens` (source label ->
    the content token of the stored row it was read from: what a session's kept part is checked against)."""

    __slots__ = ("analyzer", "parts", "rows", "notices", "found", "tokens")

    def __init__(self, analyzer, parts, rows, notices, found, tokens=None):
        self.analyzer, self.parts, self.rows, self.notices, self.found = analyzer, parts, rows, notices, found
        self.tokens = tokens or {}


def no_logs(roots, state_names=()):
    if state_names:
        # Issue 30: an empty state file said "no Claude Code logs found" of the state file itself.
        return LoadError(f"{', '.join(state_names)}: {'a state file' if len(state_names) == 1 else 'state files'} "
                         "of no logs (made from a folder without Claude Code logs): nothing to report", 1)
    return LoadError("no Claude Code logs (*.jsonl) found in: " + ", ".join(roots), 1)


def load(roots, explicit, *, store=None, jobs=1, history=True, keep_parts=False, stdin=None, found=None,
         states=None, notices=None, state_names=()):
    """Loaded of `roots`: files read through `store` (unchanged ones not opened, grown ones resumed) or, without a
    store and without `keep_parts`, read whole in `jobs` processes; stdin (`-` among the roots; `stdin` a binary
    stream) and FIFOs; named state files merged (a log read now wins); problems and agent meta files added.
    Raises LoadError (exit 1) when there is nothing to read at all."""
    from ..core.analyzer import Analyzer
    from .jobs import analyze_files, feed_stream
    notices = [] if notices is None else notices
    found = found or collect(roots, explicit)
    if states is None:  # else the caller split them already (the CLI: it keys kept reports on them)
        files, state_files = split_states(found.files, roots if explicit else [])
        states = load_states(state_files)
    else:
        files = found.files
    n_logs = len(files) + len(found.fifos) + ("-" in roots) + len(states)
    if n_logs == 0 and not found.problems and store is None:
        raise no_logs(roots, state_names)
    parts, rows, tokens = {}, {}, {}
    metas = found.metas
    if store is not None or keep_parts:
        from .cached import analyze_cached
        analyzer, outcome = analyze_cached(store, files, metas, history_roots(roots, explicit), jobs,
                                           history=history)
        parts, rows, tokens = outcome.parts, outcome.rows, outcome.tokens
        notices.extend(outcome.notices)
        metas = []
        if n_logs == 0 and not found.problems and not analyzer.history:
            raise no_logs(roots, state_names)
    else:
        analyzer = analyze_files(files, jobs)
    streams = ([("<stdin>", None)] if "-" in roots else []) + list(found.fifos)
    for label, path in streams:
        # A stream of its own analyzer: a state file keeps each source apart (issue 16).
        own = Analyzer()
        if path is None:
            feed_stream(own, label, stdin)
        else:
            read_fifo(own, label, path)
        parts[label] = own
        analyzer.merge(own)
    from .statefile import merge_into
    parts.update(merge_into(analyzer, states))
    for label, why in found.problems:
        analyzer.add_unreadable(label, why)
    add_metas(analyzer, metas)
    # A stream's or a state file's source has no token: the parts of its sessions are built, never kept.
    return Loaded(analyzer, parts, rows, notices, found._replace(files=files), tokens)
