"""Portable state files (issue 16): what an analysis needs of some logs, to merge on another machine.

A state file is the per-file states of the logs it was made from (each file's analyzer state: token counts, ids,
times, project paths — no prompt text, no tool input), so that merging state files from machines that saw the same
file (a synced folder) keeps one copy of it (the longer one) and bills each response once; the report of merged
states is the report of the union of their logs. It is recognised by its content, whatever its name:

    b"TOKENSCOPE-STATE 1\\n" + zlib(JSON {"format": 1, "v": Analyzer.STATE_VERSION, "label": str or null,
        "redacted": bool, "generator": str, "files": [{"source": str, "bytes": int, "state": Analyzer.export()}]})

A state file is untrusted input: the header, the size after decompression, the JSON depth and every value
(Analyzer.from_export) are checked; a file that fails any check is refused whole, with its name and why — never
merged in part, never executed (JSON only; nothing is unpickled). With a `label` (a developer's name, chosen by
them), its sources are read as `<label>/<source>` and the report gets a per-label table (`team[]`).

`--redact` replaces project paths, session ids and file labels with keyed hashes (HMAC-SHA256 with the key given,
else one kept in the store's folder): stable for one key, so one person's machines share sessions when they share
the key; message ids (random API ids, which dedup needs) and models stay.
"""

import hashlib
import hmac
import json
import zlib

from .analyzer import MAX_DEPTH, Analyzer, too_deep
from .text import clean_text
from .version import __version__

MAGIC = b"TOKENSCOPE-STATE 1\n"
FORMAT = 1
MAX_INFLATED = 1 << 30   # a state file inflating past this is refused (a zip bomb); also a 32-bit size in wasm
MAX_LABEL = 200


class StateFileError(ValueError):
    def __init__(self, name, why):
        super().__init__(f"{name}: {why}")
        self.name, self.why = name, why


def is_state(head):
    """Do these first bytes open a state file?"""
    return bytes(head[:len(MAGIC)]) == MAGIC


def newer_state(head):
    """Do these first bytes open a state file of another format than this tokenscope's (issue 21: it was read as a
    log, 392 malformed lines and exit 0)? Its format's name, else None."""
    head = bytes(head[:len(MAGIC)])
    if head.startswith(b"TOKENSCOPE-STATE ") and head != MAGIC:
        return head[len(b"TOKENSCOPE-STATE "):].split(b"\n")[0].decode("ascii", "replace")[:8]
    return None


# -- writing --------------------------------------------------------------------------------------------------
def dumps(parts, label=None, redact_key=None):
    """The bytes of a state file holding `parts` ({source: (bytes, Analyzer)} of whole files)."""
    if label is not None:
        label = clean_text(str(label))[:MAX_LABEL]
    files = []
    for source in sorted(parts):
        size, a = parts[source]
        state = a.export()
        if redact_key is not None:
            state = _redact(_plain(a), redact_key)
            source = _hash_source(redact_key, source)
        files.append({"source": source, "bytes": size, "state": state})
    doc = {"format": FORMAT, "v": Analyzer.STATE_VERSION, "label": label, "redacted": redact_key is not None,
           "generator": f"tokenscope {__version__}", "files": files}
    return MAGIC + zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def _h(key, kind, value):
    return kind + "-" + hmac.new(key, f"{kind}\0{value}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


def _hash_source(key, source):
    """`<project>/<file>` keeps its shape (the report names projects and sessions from it), every name hashed; the
    subagent layout (`subagents/agent-<id>.jsonl`) is kept so subagents stay subagents."""
    parts = source.replace("\\", "/").split("/")
    out = []
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        if p in ("subagents", "workflows") or (last and p.startswith("agent-")):
            out.append(p)
        elif last and p.endswith(".jsonl"):
            out.append(_h(key, "s", p[:-6]) + ".jsonl")
        else:
            out.append(_h(key, "p", p))
    return "/".join(out)


def _rename_sources(state, rename):
    """Every source name in a plain-JSON Analyzer export renamed by `rename`, in place: requests, the per-source
    tables, and prompt or compaction keys made from a source (`<source>:<line>`, when a line has no uuid). Returns
    the set of renamed sources."""
    old = set(state["files"]) | {r[16] for t in ("requests", "recovered") for r in state[t]}
    for table in ("requests", "recovered"):
        for r in state[table]:
            r[16] = rename(r[16])
    for k in ("malformed", "invalid_utf8", "files", "unreadable", "owners"):
        state[k] = {rename(src): v for src, v in state[k].items()}
    for k in ("empty_files", "history"):
        state[k] = [rename(src) for src in state[k]]

    def key(k):
        head, _, tail = k.rpartition(":")
        return f"{rename(head)}:{tail}" if tail.isdigit() and head in old else k
    for k in ("prompts", "compactions"):
        state[k] = {key(k2): v for k2, v in state[k].items()}
    return {rename(src) for src in old}


def _plain(a):
    """An analyzer's export as plain JSON values (lists, not tuples), to edit."""
    return json.loads(json.dumps(a.export()))


def _redact(state, key):
    """A plain-JSON Analyzer export with project paths, session ids and labels hashed, in place (module doc)."""
    sid = lambda s: _h(key, "s", s)  # noqa: E731
    _rename_sources(state, lambda src: _hash_source(key, src))
    for table in ("requests", "recovered"):
        for r in state[table]:
            r[2] = sid(r[2])                                           # session_id
            r[19] = _h(key, "p", r[19]) if r[19] is not None else None  # cwd
    state["prompts"] = {_h(key, "u", k): [sid(v[0]), v[1]] for k, v in state["prompts"].items()}
    state["compactions"] = {_h(key, "u", k): [v[0], v[1], sid(v[2])] + v[3:] for k, v in state["compactions"].items()}
    state["agent_links"] = {k: [sid(v[0]), v[1]] for k, v in state["agent_links"].items()}
    return state


# -- reading --------------------------------------------------------------------------------------------------
def loads(data, name):
    """(label, [(source, bytes, Analyzer)]) of a state file's bytes; StateFileError(name, why) if it is not one
    this version can trust."""
    data = bytes(data)
    if not is_state(data):
        raise StateFileError(name, "not a tokenscope state file")
    try:
        d = zlib.decompressobj()
        text = d.decompress(data[len(MAGIC):], MAX_INFLATED)
        if d.unconsumed_tail:
            raise StateFileError(name, "too large once decompressed")
        if not d.eof:
            raise StateFileError(name, "truncated")
        text = text.decode("utf-8")
    except zlib.error as exc:
        raise StateFileError(name, f"damaged ({exc})") from None
    except UnicodeDecodeError:
        raise StateFileError(name, "damaged (not UTF-8)") from None
    if too_deep(text):
        raise StateFileError(name, f"nested too deeply (more than {MAX_DEPTH} levels)")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise StateFileError(name, f"damaged ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StateFileError(name, "of an unknown format")
    if doc.get("v") != Analyzer.STATE_VERSION:
        raise StateFileError(name, f"made by another version of tokenscope (state {doc.get('v')!r}, this one reads "
                                   f"{Analyzer.STATE_VERSION}): save it again with this version")
    label = doc.get("label")
    if label is not None and (type(label) is not str or not label.strip() or len(label) > MAX_LABEL
                              or "/" in label):
        raise StateFileError(name, "has a label that is not a short name")
    files = doc.get("files")
    if type(files) is not list:
        raise StateFileError(name, "has no list of files")
    out = []
    seen = set()
    for i, f in enumerate(files):
        if type(f) is not dict or type(f.get("source")) is not str or type(f.get("bytes")) is not int \
                or not 0 <= f["bytes"] <= 1 << 50 or f["source"] in seen:
            raise StateFileError(name, f"file entry {i} is malformed")
        seen.add(f["source"])
        try:
            a = Analyzer.from_export(f.get("state"))
        except ValueError as exc:
            raise StateFileError(name, f"file entry {i}: {exc}") from None
        source = clean_text(f["source"])
        if label is not None:
            a = _relabel(a, label)
            source = f"{label}/{source}"
        out.append((source, f["bytes"], a))
    return (clean_text(label) if label else None), out


def _relabel(a, label):
    """The analyzer with every source read as `<label>/<source>`, and owned by `label` (the team table)."""
    state = _plain(a)
    sources = _rename_sources(state, lambda src: f"{label}/{src}")
    state["owners"] = {src: label for src in sources}
    return Analyzer.from_export(state)


def union(entries):
    """One (bytes, Analyzer) per source from [(source, bytes, Analyzer)] of several state files: the same file seen
    on two machines counts once — the copy with more bytes (a log only grows), the first on a tie."""
    best = {}
    for source, size, a in entries:
        cur = best.get(source)
        if cur is None or size > cur[0]:
            best[source] = (size, a)
    return best


def merge_into(analyzer, states, skip=()):
    """Merge the sources of state files ({source: (bytes, Analyzer)}, as `union` gives them) into `analyzer`, except
    those a log of this run already is — a log read now beats a state file's copy of it (issue 16) — and those in
    `skip`. The one place of that rule (issue 20: the CLI, watch and the page's api all call it). Returns the
    merged analyzers, by source."""
    logs = set(analyzer.files) | set(analyzer.unreadable) | set(skip)
    merged = {}
    for source, (_size, a) in states.items():
        if source not in logs:
            analyzer.merge(a)
            merged[source] = a
    return merged
