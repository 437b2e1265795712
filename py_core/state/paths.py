"""Where Claude Code keeps its logs, which files under a folder are logs, and their labels (CLI side).

Nothing found on disk is trusted to be an ordinary file (issue 10): a FIFO, a device, a socket, a symlink
loop, an unreadable folder is named as a problem and never opened, so a run never hangs and never skips
anything silently.
"""

import os
import stat

from ..core.text import clean_text


def write_atomic(path, data, mode=0o666, sync=True):
    """Write bytes to `path` through a temporary file beside it and a rename (issue 20): a full disk or a size limit
    leaves the old file whole, and a reader running beside it sees the old file or the new one. `mode` (less the
    umask) for a new file; `sync`: flushed to the disk before the rename (a state file; the status line's summary,
    rebuilt if lost, skips it). Raises OSError."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def cache_dir(env=None, home=None):
    """The store's folder (and the status line's summaries): `$XDG_CACHE_HOME/tokenscope`, else
    `~/.cache/tokenscope`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME", "").strip() or os.path.join(home or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tokenscope")

META_SUFFIX = ".meta.json"
META_MAX = 1 << 20  # bytes of an agent meta file read (it holds one small JSON object)


def default_roots(env=None, home=None):
    """`$CLAUDE_CONFIG_DIR` (comma list; each holds `projects/`), else the two standard places."""
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    configured = env.get("CLAUDE_CONFIG_DIR", "").strip()
    if configured:
        return [os.path.join(os.path.expanduser(d.strip()), "projects") for d in configured.split(",") if d.strip()]
    return [os.path.join(home, ".claude", "projects"), os.path.join(home, ".config", "claude", "projects")]


def agent_id_from_meta_name(filename):
    """`agent-<id>.meta.json` -> `<id>` (Claude Code 2.1.x writes the agent type there)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if base.startswith("agent-") and base.endswith(META_SUFFIX):
        return base[len("agent-"):-len(META_SUFFIX)]
    return None


def _wanted(name):
    return name.endswith(".jsonl") or (name.startswith("agent-") and name.endswith(META_SUFFIX))


def _why(exc):
    if getattr(exc, "errno", None) == 40:  # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc)


def _kind(mode):
    for test, what in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def discover(path):
    """(found, problems) under `path`: found = (label, path) for every `*.jsonl` (and agent meta file), sorted;
    problems = (label, reason) for what could not be looked at or is not a regular file.

    Labels are relative to the folder given, with `/` separators, so reports name `<project>/<session>.jsonl`
    rather than a user's home directory layout (py_core/core/labels.py). Symlinked folders are followed once each;
    nested workflow subagents (`<session>/subagents/workflows/<run>/agent-*.jsonl`) are found like any file.
    """
    found, problems = [], []
    try:
        st = os.stat(path)
    except OSError as exc:
        return [], [(os.path.basename(path) or path, _why(exc))]
    if not stat.S_ISDIR(st.st_mode):
        if stat.S_ISREG(st.st_mode):
            return [(os.path.basename(path), path)], []
        return [], [(os.path.basename(path) or path, _kind(st.st_mode))]
    seen = {(st.st_dev, st.st_ino)}
    stack = [(path, "")]  # a folder and its label prefix ("" or "a/b/"): no relpath per entry (issue 20)
    while stack:
        folder, rel = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((rel or "./", _why(exc)))
            continue
        for entry in entries:
            full = os.path.join(folder, entry.name)
            label = rel + entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError as exc:
                is_dir = False
                if not _wanted(entry.name):
                    problems.append((label, _why(exc)))
                    continue
            if is_dir:
                try:
                    dst = os.stat(full)
                except OSError as exc:
                    problems.append((label + "/", _why(exc)))
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key in seen:
                    problems.append((label + "/", "symlink loop (folder already read)"))
                    continue
                seen.add(key)
                stack.append((full, label + "/"))
                continue
            if not _wanted(entry.name):
                continue
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                problems.append((label, _why(exc)))
                continue
            if stat.S_ISREG(mode):
                found.append((label, full))
            else:
                problems.append((label, _kind(mode)))
    found.sort()
    problems.sort()
    return found, problems


def unique_labels(files):
    """Labels that name each file once (issue 10: two files with one base name were one file in the report).

    `files` are (label, path). A label is made printable (py_core.text.clean_text); labels that collide are
    lengthened with the files' parent folders until they differ, and files that still collide (names that differ
    only in undecodable bytes) get ` [2]`, ` [3]`... in the order of their raw path bytes — never in argument
    order, so the report is the same whatever order the paths were given in. The same file reached twice
    (one inode) is kept once. Returns (label, path) pairs.
    """
    by_inode = {}
    for label, path in files:
        try:
            st = os.stat(path)
            key = (st.st_dev, st.st_ino)
        except OSError:
            key = ("path", os.path.abspath(path))
        if key not in by_inode or os.fsencode(path) < os.fsencode(by_inode[key][1]):
            by_inode[key] = (label, path)
    items = sorted(by_inode.values(), key=lambda lp: os.fsencode(lp[1]))
    labels = [clean_text(label) for label, _p in items]
    groups = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    for lab, idx in groups.items():
        if len(idx) == 1:
            continue
        parts = {i: os.path.abspath(items[i][1]).replace(os.sep, "/").split("/") for i in idx}
        depth = lab.count("/") + 1
        longest = max(len(p) for p in parts.values())
        while depth < longest:
            depth += 1
            cand = {i: clean_text("/".join(parts[i][-depth:]).lstrip("/")) for i in idx}
            if len(set(cand.values())) == len(idx):
                break
        else:
            cand = {i: clean_text("/".join(parts[i]).lstrip("/")) for i in idx}
        counts = {}
        for i in idx:  # raw path byte order (items are sorted so)
            c = cand[i]
            counts[c] = counts.get(c, 0) + 1
            labels[i] = c if counts[c] == 1 else f"{c} [{counts[c]}]"
    return [(labels[i], items[i][1]) for i in range(len(items))]


def label_prefix(root, is_dir, several):
    """The prefix of the labels of the files under `root`: the root folder's name when several roots were named on
    the command line (so two folders' `a/b.jsonl` stay apart), else none. The default roots are never prefixed.
    One rule for the local and the Dask engine (issue 20)."""
    if not (several and is_dir):
        return ""
    return os.path.basename(os.path.normpath(root.rstrip("/"))) + "/"
