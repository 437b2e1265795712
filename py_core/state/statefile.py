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

from ..core.analyzer import MAX_DEPTH, SEP, Analyzer, too_deep
from ..core.records import Request
from ..core.text import clean_text

# A request's fields in a state, by name (issue 31 item 4: redaction read them by position).
SID, CWD, AID, TS, STAMP = (Request.field(n) for n in ("session_id", "cwd", "agent_id", "ts", "timestamp"))
from ..version import __version__

MAGIC = b"TOKENSCOPE-STATE 1\n"
FORMAT = 1
# A state file inflating past this is refused (a zip bomb; issue 21: a 1 GiB bomb cost 19 s and 2.1 GB). A state
# holds ~250 bytes per request: 256 MiB is a million requests, far past any one person's history.
MAX_INFLATED = 256 << 20
INFLATE_CHUNK = 8 << 20
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
def dumps(parts, label=None, redact_key=None, fingerprints=None):
    """The bytes of a state file holding `parts` ({source: (bytes, Analyzer)} of whole files). `fingerprints`
    ({source: hex}, see `fingerprint`) let another state file's copy of the same log be recognised whatever its
    name or redaction key (issue 21)."""
    fingerprints = fingerprints or {}
    if label is not None:
        label = clean_text(str(label))[:MAX_LABEL]
    files = []
    for source in sorted(parts):
        size, a = parts[source]
        # A prompt's first words stay on the machine it was typed on (issue 32): never in a state file.
        state = dict(a.export(), prompt_words={})
        fp = fingerprints.get(source)
        if redact_key is not None:
            state = _redact(_plain(a), redact_key)
            source = _hash_source(redact_key, source)
        files.append({"source": source, "bytes": size, "state": state, **({"fp": fp} if fp else {})})
    doc = {"format": FORMAT, "v": Analyzer.STATE_VERSION, "label": label, "redacted": redact_key is not None,
           "generator": f"tokenscope {__version__}", "files": files}
    return MAGIC + zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


FP_BYTES = 1 << 16


def fingerprint(source, head):
    """A log's identity that reveals nothing of it (issue 21): the SHA-256 of its name (before any redaction or
    label) and its first line (at most 64 kB). The first line holds a random uuid and a timestamp, so the name
    cannot be guessed from it; two entries share it when they are copies of one log at one place, however long
    each copy has grown — the rule of the same name (two real logs can share a first line: those stay two files,
    as they are when read). None for an empty head."""
    line = bytes(head[:FP_BYTES]).split(b"\n", 1)[0]
    if not line.strip():
        return None
    return hashlib.sha256(source.encode("utf-8", "replace") + b"\0" + line).hexdigest()[:32]


def _h(key, kind, value):
    return kind + "-" + hmac.new(key, f"{kind}\0{value}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


def _hash_source(key, source):
    """`<project>/<file>` keeps its shape (the report names projects and sessions from it), every name hashed; the
    subagent layout (`subagents/agent-<id>.jsonl`) is kept so subagents stay subagents."""
    parts = source.replace("\\", "/").split("/")
    out = []
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        if p in ("subagents", "workflows"):
            out.append(p)
        elif last and p.startswith("agent-") and p.endswith(".jsonl"):
            out.append("agent-" + (p[6:-6] if _uuidish(p[6:-6]) else _h(key, "i", p[6:-6])) + ".jsonl")
        elif last and p.endswith(".jsonl"):
            out.append(_h(key, "s", p[:-6]) + ".jsonl")
        else:
            out.append(_h(key, "p", p))
    return "/".join(out)


def _rename_sources(state, rename):
    """Every source name in a plain-JSON Analyzer export renamed by `rename`, in place: requests, the per-source
    tables, and prompt or compaction keys made from a source (`<source>:<line>`, when a line has no uuid). Returns
    the set of renamed sources."""
    src = Request.field("source")
    old = set(state["files"]) | {r[src] for t in ("requests", "recovered") for r in state[t]}
    for table in ("requests", "recovered"):
        for r in state[table]:
            r[src] = rename(r[src])
    for k in ("malformed", "invalid_utf8", "files", "unreadable", "owners", "partial"):
        if k in state:
            state[k] = {rename(src): v for src, v in state[k].items()}
    for k in ("empty_files", "history"):
        state[k] = [rename(src) for src in state[k]]
    state["flows"] = {rename(src): v for src, v in state["flows"].items()}
    state["versions"] = {rename(src): v for src, v in state["versions"].items()}
    for table in ("titles", "costs"):
        for v in state[table].values():
            v[1] = rename(v[1])
    for v in state["arrivals"].values():
        v[0] = rename(v[0])

    def key(k):
        head, _, tail = k.rpartition(":")
        return f"{rename(head)}:{tail}" if tail.isdigit() and head in old else k
    for k in ("prompts", "compactions", "prompt_words", "fires", "events"):
        state[k] = {key(k2): v for k2, v in state[k].items()}
    return {rename(src) for src in old}


def _plain(a):
    """An analyzer's export as plain JSON values (lists, not tuples), to edit."""
    return json.loads(json.dumps(a.export()))


# Claude Code's own subagent types and compaction triggers: not personal, shown as they are when redacted.
BUILTIN_AGENT_TYPES = frozenset({"general-purpose", "Explore", "Plan", "statusline-setup", "output-style-setup",
                                 "claude-code-guide"})
TRIGGERS = frozenset({"auto", "manual"})


def _redact(state, key):
    """A plain-JSON Analyzer export with every free-form string from a log hashed or dropped, in place (module doc;
    issue 21): project paths, session ids, source names, custom subagent types (a Task input, an agent meta file),
    compaction triggers other than Claude Code's own, line types nobody knows, and timestamps that did not parse
    (they are dropped: a parsed one is a time, not text). Prompt and compaction uuids stay: random ids, like message
    ids, and what lets two people's states of one log count a prompt once whatever their keys."""
    sid = lambda s: _h(key, "s", s)  # noqa: E731
    kind = lambda t: t if t in BUILTIN_AGENT_TYPES else _h(key, "t", t)  # noqa: E731
    rid = lambda i: i if not i or _uuidish(i) else _h(key, "i", i)  # noqa: E731 - agent and tool ids
    renamed = _rename_sources(state, lambda src: _hash_source(key, src))
    for table in ("requests", "recovered"):
        for r in state[table]:
            r[SID] = sid(r[SID])
            r[CWD] = _h(key, "p", r[CWD]) if r[CWD] is not None else None
            r[AID] = rid(r[AID])
            if r[TS] is None:
                r[STAMP] = None  # an unparseable timestamp's text

    def uid(k):  # a key made from a source (`<source>:<line>`) is renamed already; a uuid stays
        return k if k.rpartition(":")[0] in renamed else (k if _uuidish(k) else _h(key, "u", k))
    state["prompts"] = {uid(k): [sid(v[0]), v[1]] for k, v in state["prompts"].items()}
    # Issue 32: titles come from prompts (private like them), task ids and skills are free-form: all hashed; the
    # ledger's session ids too (its model names stay, like the requests').
    state["prompt_words"] = {}
    state["titles"] = {sid(k): [v[0], v[1], v[2], _h(key, "n", v[3])] for k, v in state["titles"].items()}
    state["costs"] = {sid(k): v for k, v in state["costs"].items()}
    state["fires"] = {uid(k): [sid(v[0]), v[1], _h(key, "l", v[2])] for k, v in state["fires"].items()}
    state["tasks"] = {_h(key, "l", k): _h(key, "c", v) for k, v in state["tasks"].items()}
    # A snapshot's digest is of the system prompt's text: hashed again with the key, like any text from a log.
    state["events"] = {uid(k): [v[0], sid(v[1]), v[2], v[3] if v[2] == "version" else _h(key, "d", v[3])]
                       for k, v in state["events"].items()}
    state["snapshots"] = {sid(k): _h(key, "d", v) for k, v in state["snapshots"].items()}
    who = Request.field("who")
    for table in ("requests", "recovered"):
        for r in state[table]:
            if r[who] is not None:
                r[who] = [r[who][0]] + [_h(key, "w", x) if x else x for x in r[who][1:]]
    state["compactions"] = {uid(k): [v[0], v[1] if v[0] is not None else None, sid(v[2]), rid(v[3]),
                                     v[4] if v[4] is None or v[4] in TRIGGERS else _h(key, "c", v[4])] + v[5:]
                            for k, v in state["compactions"].items()}
    state["agent_links"] = {rid(k): [sid(v[0]), rid(v[1]) if v[1] else v[1]] for k, v in state["agent_links"].items()}
    state["task_types"] = {rid(k): kind(v) for k, v in state["task_types"].items()}
    state["agent_types"] = {rid(k): kind(v) for k, v in state["agent_types"].items()}
    def source_key(k):  # issue 24: file paths and programs hashed, MCP servers and custom agent types too
        kind_, source, target = k.split(SEP)
        if kind_ == "subagent_result":
            source = kind(source)
        elif source.startswith("mcp__"):
            source = "mcp__" + _h(key, "m", source[5:])
        return SEP.join((kind_, source, _h(key, "f", target) if target else ""))
    state["arrivals"] = {mid: [got[0], got[1], {source_key(k): n for k, n in got[2].items()}]
                         for mid, got in state["arrivals"].items()}
    state["flows"] = {src: [{source_key(k): n for k, n in f[0].items()}, f[1], f[2],
                            {rid(t): source_key(x) for t, x in f[3].items()}] for src, f in state["flows"].items()}
    unknown = set(state["unknown_types"])
    state["unknown_types"] = {_h(key, "k", t): n for t, n in state["unknown_types"].items()}
    state["kinds"] = {("type:" + _h(key, "k", k[5:]) if k.startswith("type:") and k[5:] in unknown else k): n
                      for k, n in state["kinds"].items()}
    return state


def _uuidish(k):
    """A random id as Claude Code writes them (a uuid, an agent's hex id, a `toolu_…` id): no personal text, kept
    so that copies under different keys still match. Anything else (a hand-made id holding words) is hashed."""
    return 6 <= len(k) <= 64 and k.isascii() and k.replace("-", "").replace("_", "").isalnum() \
        and sum(c.isdigit() for c in k) >= 3


# -- reading --------------------------------------------------------------------------------------------------
def loads(data, name):
    """(label, [(source, bytes, Analyzer)]) of a state file's bytes; StateFileError(name, why) if it is not one
    this version can trust."""
    data = bytes(data)
    if not is_state(data):
        raise StateFileError(name, "not a tokenscope state file")
    try:
        text = _inflate(data[len(MAGIC):], name).decode("utf-8")
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
        fp = f.get("fp") if type(f) is dict else None
        if type(f) is not dict or type(f.get("source")) is not str or type(f.get("bytes")) is not int \
                or not 0 <= f["bytes"] <= 1 << 50 or f["source"] in seen \
                or (fp is not None and (type(fp) is not str or len(fp) != 32 or fp.strip("0123456789abcdef"))):
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
        out.append((source, f["bytes"], a, fp))
    return (clean_text(label) if label else None), out


def _relabel(a, label):
    """The analyzer with every source read as `<label>/<source>`, and owned by `label` (the team table)."""
    state = _plain(a)
    sources = _rename_sources(state, lambda src: f"{label}/{src}")
    state["owners"] = {src: label for src in sources}
    return Analyzer.from_export(state)


def _inflate(data, name):
    """zlib data inflated in bounded chunks: refused as soon as it passes MAX_INFLATED, so a bomb costs at most
    that much memory and the time to inflate it (issue 21)."""
    d = zlib.decompressobj()
    out, size, pending = [], 0, data
    while True:
        chunk = d.decompress(pending, INFLATE_CHUNK)
        size += len(chunk)
        if size > MAX_INFLATED:
            raise StateFileError(name, f"too large once decompressed (more than {MAX_INFLATED >> 20} MiB)")
        out.append(chunk)
        pending = d.unconsumed_tail
        if d.eof or (not pending and len(chunk) < INFLATE_CHUNK):
            break
    if not d.eof:
        raise StateFileError(name, "truncated")
    return b"".join(out)


def union(entries):
    """One (bytes, Analyzer) per log from [(source, bytes, Analyzer, fingerprint or None)] of several state files:
    the same file seen on two machines counts once — the copy with more bytes (a log only grows), the first on a
    tie. The same file is the same source name, or the same fingerprint whatever the names (two people's redacted
    states with different keys; issue 21)."""
    best = {}
    for source, size, a, fp in entries:
        k = ("fp", fp) if fp else ("source", source)
        cur = best.get(k)
        if cur is None or size > cur[1]:
            best[k] = (source, size, a)
    out = {}
    for source, size, a in best.values():
        cur = out.get(source)
        if cur is None or size > cur[0]:
            out[source] = (size, a)
    return out


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
