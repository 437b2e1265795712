"""Bytes in, mergeable analysis state out: lines -> parsed events -> deduped requests.

The analyzer knows nothing of paths, the DOM or Pyodide: a shell opens a named
source, feeds it byte chunks of any size, closes it. Two analyzers merge into
the analyzer of the union (files split across processes or web workers).
"""

import gc
import hashlib
import json
import re
from collections import Counter

from .decode import fast_decoder
from .dedup import RequestStore
from .labels import label_parts
from .lines import MAX_LINE, TOO_LONG, LineSplitter
from .records import Request
# The per-line rules (rules.py); MAX_DEPTH and too_deep are named here too for the analyzer's importers.
from .rules import (MAX_DEPTH, MAX_TOKENS, MAX_WEB_SEARCHES, checked, numbers, parse_ts,  # noqa: F401
                    speed, text_or_none, too_deep, web_searches)
from ..version import STATE_VERSION
from .text import clean_text
from .timeutil import MAX_TS, MIN_TS, SLACK

# Line types Claude Code is known to write (claude-code-jsonl.md). Anything else is
# normal (new types keep appearing) and only counted under diagnostics.
KNOWN_TYPES = frozenset((
    "assistant", "user", "system", "summary", "file-history-snapshot", "queue-operation",
    "attachment", "progress", "permission-mode", "last-prompt", "ai-title", "custom-title",
    "mode", "agent-name", "pr-link", "cost-state",
))
# Issue 32: lines whose content the report reads since Claude Code 2.1.24x (claude-code-jsonl.md, "What Claude Code
# writes since 2.1.24x"): parsed, never decided from their bytes alone.
TITLE_TYPES = {"custom-title": ("customTitle", 2), "agent-name": ("agentName", 2), "ai-title": ("aiTitle", 1)}
_PARSED_TYPES = frozenset((b"cost-state", b"custom-title", b"agent-name", b"ai-title"))
# What fills the context, as Claude Code's /context names it (issue 32): the attachment kinds that carry it, and the
# category each gives (kind "context"). A prompt_snapshot holds the system prompt and every tool definition.
CONTEXT_KINDS = {"prompt_snapshot": None, "instructions": "Memory files", "skill_listing": "Skills",
                 "deferred_tools_record": "Deferred tools", "deferred_tools_delta": "Deferred tools",
                 "mcp_instructions_delta": "MCP tools", "agent_listing_delta": "Custom agents"}
_CONTEXT_BYTES = frozenset(k.encode() for k in CONTEXT_KINDS)
PROMPT_WORDS = 80  # characters of a prompt kept (on this machine only: never in a state file or a share card)
# Tools that start a subagent; their input names the agent type.
AGENT_TOOLS = frozenset(("Task", "Agent"))
MALFORMED_SAMPLES = 5  # first line numbers kept per file
# Fast path (issue 4): find the top-level "type" in the raw bytes. Inside a JSON string every quote is
# escaped, so `"type":"x"` (and the other quoted markers below) can only be real keys and values.
_TYPE = re.compile(rb'"type"\s*:\s*"([^"\\]*)"')
_AGENT_ID = re.compile(rb'"agentId"\s*:\s*"([^"\\]*)"')
# Issue 24: what arrived in the context, from the bytes alone (the fast path never parses these lines, and the
# parsed path must decide the same): the tool call a result answers, an attachment's kind.
_TOOL_USE_ID = re.compile(rb'"tool_use_id"\s*:\s*"([^"\\]{1,200})"')
_ATTACHMENT = re.compile(rb'"attachment"\s*:\s*\{\s*"type"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"')
_SIDECHAIN = b'"isSidechain":true'
SEP = "\x1f"  # kind, source and target of a context source, in one key (never in a JSON key's text from a log)
FILE_TOOLS = frozenset(("Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "NotebookRead"))
LOCAL_COMMAND_PREFIXES = ("<local-command-stdout>", "<local-command-stderr>")
USAGE_TAIL = 4096  # bytes at the end of a line searched for "usage" first
_SPACE = frozenset(b" \t\n\r\x0b\x0c")  # what bytes.isspace() calls space
_scan = json.JSONDecoder().scan_once
_WS = " \t\n\r"
def _loads(text):
    """json.loads(text) without its three Python-level wrappers (~2 µs a line; issue 4): the same C scanner,
    the same answers; every failure is a ValueError (or RecursionError), as json.loads raises."""
    i = 0
    if text[:1] in _WS:
        i = len(text) - len(text.lstrip(_WS))
    try:
        obj, end = _scan(text, i)
    except StopIteration:
        raise ValueError("Expecting value") from None
    if end != len(text) and text[end:].strip(_WS):
        raise ValueError("Extra data")
    return obj


_UNKNOWN_TOOL = "tool_result" + SEP + "unknown tool" + SEP
_OUTPUT = "output" + SEP + "model output" + SEP
_THINKING = frozenset(("thinking", "redacted_thinking"))


def _sidechain(buf, s, e):
    """Is line buf[s:e] a sidechain's (`"isSidechain":true`)? Claude Code writes the key among the first few hundred
    bytes: looked for there first, the whole line only when it is not there (the result is the same)."""
    head = min(e, s + 1024)
    i = buf.find(b'"isSidechain":', s, head)
    if i != -1:
        return buf.startswith(b"true", i + 14)
    return buf.find(_SIDECHAIN, s, e) != -1


def _first_text(line):
    """The first text block of a prompt whose content is a list (read from the whole line: msgspec decodes no text,
    and prompts are a line a turn)."""
    try:
        msg = _loads(line.decode("utf-8", "replace")).get("message")
        content = msg.get("content") if isinstance(msg, dict) else None
    except (ValueError, RecursionError, AttributeError):
        return ""
    for i in content if isinstance(content, list) else ():
        if isinstance(i, dict) and i.get("type") == "text" and type(i.get("text")) is str:
            return i["text"]
    return ""


def _who(obj):
    """Who a request was for (issue 32): (entrypoint — cli, sdk-cli, claude-desktop —, skill, plugin, MCP server), or
    None when the line names none."""
    g = obj.get
    got = (g("entrypoint"), g("attributionSkill"), g("attributionPlugin"), g("attributionMcpServer"))
    if got == _NO_WHO:  # every line of a log older than 2.1.x: one comparison
        return None
    got = tuple(text_or_none(x) for x in got)
    return None if got == _NO_WHO else tuple(x[:200] if x else x for x in got)


_NO_WHO = (None, None, None, None)


def _part(text):
    """One part of a source key: log text, so the key's separator cannot come from it (a name holding U+001F would
    split the key wrongly)."""
    return text.replace(SEP, "?")


def _tool_key(item, cwd):
    """The source key of a tool call's result (issue 24): `tool_result` by tool (MCP tools grouped by server) with
    the file for file tools (relative to the project) and the program (first word) for Bash; a subagent's result by
    its type."""
    name = text_or_none(item.get("name")) or "unknown tool"
    inp = item.get("input")
    inp = inp if type(inp) is dict else {}
    name = _part(name)
    if name in AGENT_TOOLS:
        return "subagent_result" + SEP + _part(text_or_none(inp.get("subagent_type")) or "general-purpose") + SEP
    target = ""
    if name.startswith("mcp__"):
        server = name.split("__")[1] if name.count("__") >= 2 else name[5:]
        return "tool_result" + SEP + "mcp__" + server + SEP + name[len("mcp__" + server + "__"):]
    if name in FILE_TOOLS:
        path = text_or_none(inp.get("file_path")) or text_or_none(inp.get("notebook_path")) or ""
        base = text_or_none(cwd)
        if base and path.startswith(base.rstrip("/") + "/"):
            path = path[len(base.rstrip("/")) + 1:]
        target = path
    elif name == "Bash":
        target = _program(text_or_none(inp.get("command")) or "")
    return "tool_result" + SEP + name + SEP + _part(target[:500])


def _program(command):
    """The program a shell command runs: its first word, past a subshell's or group's bracket and `VAR=value`
    assignments (issue 33: `(source env.sh && …)` was named "(source", with an unbalanced bracket)."""
    for word in command.split():
        word = word.lstrip("({!").rstrip(");}")
        if word and not ("=" in word and word.split("=", 1)[0].isidentifier()):
            return word
    return ""


class Source:
    """One named input stream (a file, stdin, a paste) being fed to an Analyzer."""

    __slots__ = ("analyzer", "name", "splitter", "fallback_session", "closed")

    def __init__(self, analyzer, name):
        self.analyzer = analyzer
        self.name = name
        self.splitter = LineSplitter()
        # Lines carry their sessionId; a hand-made line without one belongs to the session its path names.
        self.fallback_session = label_parts(name)[1]
        self.closed = False

    def feed(self, chunk):
        handle = self.analyzer._line
        # Parsing makes only acyclic objects (JSON values, records), which reference counting frees; the cycle
        # collector would walk them hundreds of times for nothing (issue 4: ~5% of the analysis).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for n, buf, s, e in self.splitter.spans(chunk):
                handle(self, n, buf, s, e)
        finally:
            if collecting:
                gc.enable()

    def close(self):
        if self.closed:
            return
        handle = self.analyzer._line
        for n, buf, s, e in self.splitter.close_spans():
            handle(self, n, buf, s, e)
        self.closed = True
        a = self.analyzer
        a.bytes_read += self.splitter.bytes_read
        a.files[self.name] = (self.splitter.lines, self.splitter.bytes_read)
        if self.splitter.bytes_read == 0:
            a.empty_files.add(self.name)


class Analyzer:
    """Mergeable state of an analysis; `report.build_report` turns it into the report."""

    STATE_VERSION = STATE_VERSION  # version.py: bump it whenever a rule changes what a line contributes

    def __init__(self, fast=True, decoder="auto"):
        self.fast = fast                # False: json.loads every line (the reference the fast path must equal)
        # msgspec when installed (decode.py; issue 13), else json.loads; "json" forces the standard library.
        self._decode, name = fast_decoder() if decoder == "auto" else (None, "json")
        self.decoders = {name}          # which decoder read the lines (the report's options say)
        self.store = RequestStore()
        self.kinds = Counter()          # every line lands in exactly one kind
        self.unknown_types = Counter()
        self.malformed = {}             # source -> [count, [(line, reason), ...]]
        self.malformed_reasons = Counter()
        self.invalid_utf8_lines = 0
        self.invalid_utf8 = {}          # source -> [count, [line, ...]] (named in the warnings)
        self.ignored_usage = Counter()  # usage field -> values ignored (absurd, negative, not a number)
        self.bytes_read = 0
        self.files = {}                 # source -> (lines, bytes)
        self.empty_files = set()        # 0-byte sources: named, so "nothing found" is explained
        self.unreadable = {}            # source -> why it could not be read (a shell reports these)
        self.partial = {}               # of those, source -> bytes counted before the error (read only in part)
        self.prompts = {}               # uuid -> (session_id, ts)
        self.compactions = {}           # uuid -> (ts, timestamp, session, agent, trigger, pre, post, kind, saved)
        self.task_types = {}            # tool_use id -> subagent_type
        self.agent_links = {}           # agent id -> (session, tool_use id or None)
        self.agent_types = {}           # agent id -> agentType from agent-*.meta.json
        self.history = set()            # sources kept from a store after their file was deleted (issue 14)
        self.owners = {}                # source -> the label of the state file it came from (issue 16: team view)
        # Issue 24, what fills the context: per main-thread response (message id), [source, line, the bytes of what
        # arrived in the log since the previous one by source key (kind SEP source SEP target)]; per file, what is
        # arriving now:
        # [pending {key: bytes}, the current response's id, its output bytes, {tool_use id: key} of its calls].
        self.arrivals = {}
        self.flows = {}
        # Issue 32, what Claude Code itself knows: session -> [rank, source, line, title] (a user's title over a
        # generated one, then the last); session -> [total USD, source, line, {model: [input, output, cache read, cache
        # write, web searches, USD]}, unknown model cost] (its own ledger, the last); prompt uuid -> its first words;
        # key -> [session, ts, task id] of a scheduled fire (a loop); task id -> its cron; key -> [ts, session, kind,
        # value] of what can explain a cache miss ("version": Claude Code upgraded; "snapshot": the system prompt or
        # tools changed).
        self.titles = {}
        self.costs = {}
        self.prompt_words = {}
        self.fires = {}
        self.tasks = {}
        self.events = {}
        self.versions = {}   # source -> the version its last main-thread response was written by
        self.snapshots = {}  # session -> the digest of its last prompt snapshot
        self._raw = b""

    def __getstate__(self):
        """Pickled between processes (jobs.py): the decoder is a function of this process, not state."""
        state = dict(self.__dict__)
        state["_decode"] = None
        return state

    # -- input ---------------------------------------------------------------------------
    def open(self, name, resume=None):
        """A source to feed; `resume=(offset, lines)` continues one whose complete lines up to byte `offset`
        (line number `lines`) are already in this analyzer's state (filestate.py; issue 14)."""
        src = Source(self, clean_text(name))
        if resume is not None:
            src.splitter = LineSplitter.resumed(*resume)
        return src

    def feed_bytes(self, name, data, chunk_size=1 << 20):
        """Convenience: analyse one whole in-memory source."""
        src = self.open(name)
        for i in range(0, len(data), chunk_size):
            src.feed(data[i:i + chunk_size])
        src.close()
        return self

    def add_unreadable(self, name, reason, counted=0):
        """A shell could not read this input (permissions, a FIFO, a symlink loop, a read error): it is named
        in the report's warnings rather than silently left out (issue 10). `counted`: the bytes read before the error,
        which count (issue 30: such a file is partial, not unread, and no store keeps it)."""
        name = clean_text(name)
        self.unreadable[name] = clean_text(str(reason))
        if counted:
            self.partial[name] = counted

    def add_agent_meta(self, agent_id, data):
        """`agent-<id>.meta.json` (Claude Code 2.1.x) names a subagent's type."""
        try:
            text = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else data
            if too_deep(text):
                return
            obj = json.loads(text)
        except (ValueError, RecursionError):
            return
        if isinstance(obj, dict):
            t = text_or_none(obj.get("agentType"))
            if t:
                self.agent_types[clean_text(agent_id)] = t

    def _bad(self, src, n, reason):
        self.kinds["malformed"] += 1
        self.malformed_reasons[reason] += 1
        entry = self.malformed.get(src.name)
        if entry is None:
            entry = self.malformed[src.name] = [0, []]
        entry[0] += 1
        if len(entry[1]) < MALFORMED_SAMPLES:
            entry[1].append((n, reason))

    def _line(self, src, n, buf, s, e):
        """Line n of `src` is buf[s:e] (LineSplitter.spans); it is copied out only if it gets parsed."""
        if s == e or (buf[s] in _SPACE and buf[s:e].isspace()):
            if buf is TOO_LONG:  # lines.MAX_LINE: skipped unread (issue 20)
                self._bad(src, n, f"longer than {MAX_LINE >> 20} MiB: skipped")
                return
            self.kinds["blank"] += 1
            return
        if self.fast:
            # Lines carrying message.usage (most lines that matter) end with it: seen in the last bytes,
            # the line goes straight to the parser without the checks below, which could only send it
            # there too.
            if buf.rfind(b'"usage"', max(s, e - USAGE_TAIL), e) == -1:
                m = _TYPE.search(buf, s, e)
                if m is not None and self._skip(src, buf, s, e, m):
                    return
        self._parse(src, n, buf[s:e])

    def _skip(self, src, buf, s, e, m):
        """Count line buf[s:e] without json.loads when its bytes prove nothing else can come of it.

        Only when the first `"type":"…"` is the top-level key (nothing nested opens before it) and the line
        is framed as an object; then per type: assistant lines without usage, user lines carrying a
        tool_result (never prompts) and naming no subagent after their type key, progress lines naming only
        subagents already linked and embedding no usage, system lines that are not compactions, and every
        other type. On valid JSON as Claude Code writes it (JSON.stringify: unique keys, ASCII names never
        escaped) this gives exactly what the full parse gives (tests/test_fastpath.py); a line that is
        broken *inside* is then counted under its type rather than as malformed.
        """
        start = m.start()
        if buf.count(b"{", s, start) != 1 or buf.find(b"[", s, start) != -1 or (
                buf[s] != 0x7B and buf[s:start].lstrip()[:1] != b"{") or (
                buf[e - 1] != 0x7D and buf[s:e].rstrip()[-1:] != b"}"):
            return False
        t = m.group(1)
        if t == b"assistant":
            if buf.find(b'"usage"', s, e) != -1:  # _line searched only the last bytes
                return False
        elif t == b"user":
            # A tool result links a subagent only through toolUseResult.agentId, which comes after the type
            # key; an "agentId" before it is the line's own (top level: nothing nested opens before "type").
            # Subagent files carry one on every line (issue 4: 115 MB of the 500 MB corpus were parsed for it).
            if buf.find(b'"tool_result"', s, e) == -1 or buf.find(b'"agentId"', start, e) != -1:
                return False
            self._tool_result(src, buf, s, e)
        elif t == b"progress":
            # A subagent's response copied into its parent's progress line may have to be billed (issue 10).
            if buf.find(b'"usage"', s, e) != -1:
                return False
            if buf.find(b'"agentId"', s, e) != -1:
                ids = _AGENT_ID.findall(buf, s, e)
                if len(ids) != buf.count(b'"agentId"', s, e):
                    return False
                links = self.agent_links
                for aid in ids:
                    link = links.get(aid.decode("utf-8", "replace"))
                    if link is None or link[1] is None:
                        return False
        elif t == b"system":
            if buf.find(b'compact_boundary"', s, e) != -1:  # "compact_boundary" and "microcompact_boundary"
                return False
            if buf.find(b'"scheduled_task_fire"', s, e) != -1:  # issue 32: a loop's fire
                return False
        elif t == b"attachment":
            a = _ATTACHMENT.search(buf, s, e)
            if a is not None and a.group(1) in _CONTEXT_BYTES:
                return False  # issue 32: what fills the context, by /context's categories
            self._attachment(src, buf, s, e, a)
        elif t in _PARSED_TYPES:
            return False
        try:
            name = t.decode("utf-8")
        except UnicodeDecodeError:
            return False
        self.kinds["type:" + name] += 1
        if name not in KNOWN_TYPES:
            self.unknown_types[name] += 1
        return True

    def _parse(self, src, n, line):
        self._raw = line  # a main-thread response's line: its output's size (issue 24)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            # Token counts are ASCII: repair the text and read on (counted in diagnostics and named in the
            # warnings, issue 10).
            text = line.decode("utf-8", "replace")
            self.invalid_utf8_lines += 1
            entry = self.invalid_utf8.get(src.name)
            if entry is None:
                entry = self.invalid_utf8[src.name] = [0, []]
            entry[0] += 1
            if len(entry[1]) < MALFORMED_SAMPLES:
                entry[1].append(n)
        if too_deep(text):
            self._bad(src, n, "nested too deeply")
            return
        # msgspec reads the fields that matter when it can; whatever it could read differently, json.loads reads.
        obj = self._decode(text) if self._decode is not None else None
        if obj is None:
            try:
                obj = _loads(text)
            except RecursionError:
                # Not reachable below MAX_DEPTH in CPython; kept as the last guard.
                self._bad(src, n, "nested too deeply")
                return
            except ValueError:
                self._bad(src, n, "not valid JSON")
                return
        if not isinstance(obj, dict):
            self._bad(src, n, "not a JSON object")
            return
        t = obj.get("type")
        if t == "cost-state" and self._decode is not None:
            obj = _loads(text)  # its ledger may sit in an object of any name: the whole line (msgspec keeps known keys)
        if t == "assistant" or t is None:
            msg = obj.get("message")
            usage = msg.get("usage") if isinstance(msg, dict) else None
            if isinstance(usage, dict):
                self._usage(src, n, obj, msg, usage)
                return
            self.kinds["untyped" if t is None else "type:assistant"] += 1
            return
        if not isinstance(t, str):
            self._bad(src, n, "type is not a string")
            return
        t = clean_text(t)
        self.kinds["type:" + t] += 1
        if t == "user":
            self._user(src, n, obj, line)
        elif t == "attachment":
            att = obj.get("attachment")
            kind = att.get("type") if type(att) is dict else None
            if kind in CONTEXT_KINDS and obj.get("isSidechain") is not True:
                self._context(src, n, obj, att, kind, len(line))
            else:
                self._attachment(src, line, 0, len(line))
        elif t == "system":
            sub = obj.get("subtype")
            if sub == "compact_boundary" or sub == "microcompact_boundary":
                self._compaction(src, n, obj, sub == "microcompact_boundary")
            elif sub == "scheduled_task_fire":
                task = text_or_none(obj.get("taskId"))
                cron = text_or_none(obj.get("cron"))
                if task and cron:
                    self.tasks[task] = cron[:100]
        elif t == "cost-state":
            self._cost_state(src, n, obj)
        elif t in TITLE_TYPES:
            self._title(src, n, obj, t)
        elif t == "progress":
            data = obj.get("data")
            if isinstance(data, dict):
                aid = text_or_none(data.get("agentId"))
                if aid:
                    sid = text_or_none(obj.get("sessionId")) or src.fallback_session
                    tool = text_or_none(obj.get("parentToolUseID"))
                    prev = self.agent_links.get(aid)
                    if prev is None or (prev[1] is None and tool):
                        self.agent_links[aid] = (sid, tool)
                # 2.1.x copies a subagent's responses into its parent's progress lines, at
                # data.message.message: billed only when its own line is not in the analysis (dedup.py).
                inner = data.get("message")
                if type(inner) is dict:
                    m = inner.get("message")
                    if type(m) is dict:
                        usage = m.get("usage")
                        if type(usage) is dict:
                            self._recover(src, n, obj, inner, m, usage, aid)
        elif t not in KNOWN_TYPES:
            self.unknown_types[t] += 1

    def _ignored(self, v, field, cap=MAX_TOKENS):
        """A compaction's count (rules.checked): None when absent or ignored, an ignored value counted (issue 10)."""
        got, ok = checked(v, cap)
        if not ok:
            self.ignored_usage[field] += 1
        return got

    def _numbers(self, usage):
        """(input, output, 5m write, 1h write, cache read) of a usage object (rules.numbers), untrusted values ignored
        and counted."""
        inp, out, cw5m, cw1h, read, bad = numbers(usage)
        if bad:
            self.ignored_usage.update(bad)
        return inp, out, cw5m, cw1h, read

    def _web(self, usage):
        """Web searches of one usage object (checked on every line, like the token counts, so what is ignored does
        not depend on which copy wins first)."""
        bad = []
        web = web_searches(usage, bad)
        if bad:
            self.ignored_usage.update(bad)
        return web

    def _lead(self, table, key, src, n, sidechain, args):
        """Record the copy that now leads its id (streaming snapshots make almost every copy lead for a while).
        Built at once: deferring it to the source's close (keeping the leading copies' dicts alive) measured no
        faster on the 500 MB corpus (issue 13)."""
        obj, msg, usage, nums, web, mid, ended, recovered, agent, ts_raw = args
        inp, out, cw5m, cw1h, read = nums
        table[key] = Request(
            parse_ts(ts_raw), text_or_none(ts_raw),
            text_or_none(obj.get("sessionId")) or src.fallback_session, agent,
            sidechain, text_or_none(msg.get("model")) or "(no model)",
            inp, out, cw5m, cw1h, read, web,
            speed(usage), text_or_none(usage.get("inference_geo")),
            mid, text_or_none(obj.get("requestId")), src.name, n, text_or_none(obj.get("cwd")),
            recovered, ended, _who(obj),
        )

    def _usage(self, src, n, obj, msg, usage):
        # The hottest function of the analyzer (one call per usage line, most of them duplicate copies of
        # a response): plain lookups, and the record is built only for a copy that wins (issue 4).
        model = msg.get("model")
        if model == "<synthetic>" or obj.get("isApiErrorMessage") is True:
            # Client-side placeholders (usage-limit notices, API errors): not requests.
            self.kinds["synthetic"] += 1
            return
        self.kinds["usage"] += 1
        content = msg.get("content")
        if type(content) is list:
            for item in content:
                if type(item) is dict and item.get("name") in AGENT_TOOLS and item.get("type") == "tool_use":
                    inp = item.get("input")
                    tid = text_or_none(item.get("id"))
                    if tid and isinstance(inp, dict):
                        st = text_or_none(inp.get("subagent_type"))
                        if st:
                            self.task_types[tid] = st
        nums = self._numbers(usage)
        web = self._web(usage)
        mid = text_or_none(msg.get("id"))
        sidechain = obj.get("isSidechain") is True
        if mid is not None and not sidechain and not obj.get("agentId"):
            self._respond(src, n, mid, obj.get("cwd"), content)
            version = obj.get("version")
            if type(version) is str:
                last = self.versions.get(src.name)
                if last is not None and version != last:  # issue 32: Claude Code upgraded mid-session
                    self.events[f"{src.name}:{n}"] = [parse_ts(obj.get("timestamp")),
                                                      text_or_none(obj.get("sessionId")) or src.fallback_session,
                                                      "version", text_or_none(version)[:40]]
                self.versions[src.name] = version
        # A log without the field (legacy, hand-made) says nothing of a cut-off: only an explicit null does.
        ended = msg.get("stop_reason", "") is not None
        total = sum(nums)
        if not self.store.offer(mid, sidechain, total, src.name, n, ended):
            return
        self._lead(self.store.by_key, ("", src.name, n) if mid is None else mid, src, n, sidechain,
                   (obj, msg, usage, nums, web, mid, ended, False, text_or_none(obj.get("agentId")) or "",
                    obj.get("timestamp")))

    # -- issue 24: what fills the context ------------------------------------------------------------------------
    def _flow(self, src):
        f = self.flows.get(src.name)
        if f is None:
            f = self.flows[src.name] = [{}, None, 0, {}]
        return f

    def _arrive(self, src, key, size):
        """`size` bytes of what `key` names arrived in the context of the next main-thread request of `src`."""
        pending = self._flow(src)[0]
        pending[key] = pending.get(key, 0) + size

    def _respond(self, src, n, mid, cwd, content):
        """A main-thread response's line: the first line of a new response closes what arrived before it (its
        `arrivals`: the previous response's own output included); every line of it adds to its output and its
        tool calls are remembered, to name their results."""
        f = self.flows.get(src.name)
        if f is None:
            f = self.flows[src.name] = [{}, None, 0, {}]
        if mid != f[1]:
            if f[1] is not None and f[2]:
                f[0][_OUTPUT] = f[0].get(_OUTPUT, 0) + f[2]
            # A response copied into several logs (a resumed session): the copy at the first (source, line) names
            # what arrived, whatever the order files are read or merged in (dedup's tie-break).
            cur = self.arrivals.get(mid)
            if cur is None or (src.name, n) < (cur[0], cur[1]):
                self.arrivals[mid] = [src.name, n, f[0]]
            f[0], f[1], f[2], f[3] = {}, mid, 0, {}
        if type(content) is not list or not content:
            f[2] += len(self._raw)
            return
        tools = None
        thinking = True
        for item in content:
            if type(item) is not dict:
                thinking = False
                continue
            t = item.get("type")
            if t == "tool_use":
                tid = item.get("id")
                if tools is None:
                    tools = f[3]
                if type(tid) is str and tid and tid not in tools:
                    tools[text_or_none(tid)] = _tool_key(item, cwd)
                thinking = False
            elif t not in _THINKING:
                thinking = False
        if not thinking:  # thinking is not sent back in later turns
            raw = self._raw
            i = raw.find(b'"content":')
            j = raw.rfind(b'"stop_reason"', i)
            f[2] += j - i - 10 if 0 <= i < j else len(raw)

    def _tool_result(self, src, buf, s, e):
        """A user line carrying a tool result (from its bytes: the fast path never parses it): its size, named by
        the call it answers."""
        if _sidechain(buf, s, e):
            return
        f = self._flow(src)
        m = _TOOL_USE_ID.search(buf, s, e)
        key = f[3].get(m.group(1).decode("ascii", "replace")) if m is not None else None
        # Its size in the log: from the result to the line's end. (That end holds the line's structured copy of the
        # result, `toolUseResult`; finding where it starts costs one more pass over the largest lines — +15% CPU on
        # the bench corpus, past the 10% — so the estimate weighs tool results by their log size as is.)
        start = m.start() if m is not None else s
        size = e - start
        f[0][key or _UNKNOWN_TOOL] = f[0].get(key or _UNKNOWN_TOOL, 0) + size

    def _attachment(self, src, buf, s, e, m=False):
        """An `attachment` line (CLAUDE.md, file mentions, skill listings, hook output…), named by its kind (`m`: its
        kind's match when the caller searched already)."""
        if _sidechain(buf, s, e):
            return
        if m is False:
            m = _ATTACHMENT.search(buf, s, e)
        kind = m.group(1).decode("ascii") if m is not None else "other"
        self._arrive(src, "attachment" + SEP + kind + SEP, e - s)

    def _recover(self, src, n, obj, inner, msg, usage, aid):
        """A subagent's response copied into progress line n (issue 10): kept aside, billed only if no line
        of its own carries its message.id (dedup.py). Without an id it cannot be told from its own line: never
        billed."""
        mid = text_or_none(msg.get("id"))
        if mid is None or msg.get("model") == "<synthetic>":
            return
        nums = self._numbers(usage)
        web = self._web(usage)
        ended = msg.get("stop_reason", "") is not None
        total = sum(nums)
        if not self.store.offer_recovered(mid, total, src.name, n, ended):
            return
        ts_raw = inner.get("timestamp")
        if not isinstance(ts_raw, str):
            ts_raw = obj.get("timestamp")
        self._lead(self.store.recovered, mid, src, n, True,
                   (obj, msg, usage, nums, web, mid, ended, True, aid or "", ts_raw))

    def _user(self, src, n, obj, line):
        sid = text_or_none(obj.get("sessionId")) or src.fallback_session
        tur = obj.get("toolUseResult")
        msg = obj.get("message")
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(tur, dict) and text_or_none(tur.get("agentId")):
            tool = None
            if isinstance(content, list) and content and isinstance(content[0], dict):
                tool = text_or_none(content[0].get("tool_use_id"))
            aid = text_or_none(tur["agentId"])
            prev = self.agent_links.get(aid)
            if prev is None or (prev[1] is None and tool):
                self.agent_links[aid] = (sid, tool)
        result = b'"tool_result"' in line
        if result:
            self._tool_result(src, line, 0, len(line))
        elif obj.get("isSidechain") is not True and _SIDECHAIN not in line:
            # Issue 24: injected lines (reminders, command output) and compaction summaries fill the context too.
            if obj.get("isCompactSummary") is True:
                self._arrive(src, "other" + SEP + "compaction summary" + SEP, len(line))
            elif obj.get("isMeta") is True:
                self._arrive(src, "attachment" + SEP + "system reminder" + SEP, len(line))
        if obj.get("isMeta") is True or obj.get("isCompactSummary") is True or obj.get("isSidechain") is True:
            return
        if result:
            # A line that carries a tool result anywhere is a tool-result line, not typed text (and the
            # fast path decides the same from the bytes alone).
            return
        # A prompt is text the person typed: not a tool result, not command output.
        if isinstance(content, str):
            is_prompt = bool(content.strip()) and not content.startswith(LOCAL_COMMAND_PREFIXES)
        elif isinstance(content, list):
            kinds = {i.get("type") for i in content if isinstance(i, dict)}
            is_prompt = "text" in kinds and "tool_result" not in kinds
        else:
            is_prompt = False
        origin = obj.get("origin")
        origin = origin.get("kind") if type(origin) is dict else None
        text = content if isinstance(content, str) else _first_text(line) if is_prompt else ""
        task = text_or_none(obj.get("scheduledTaskId"))
        if is_prompt and (task or obj.get("turnOrigin") == "scheduled"):
            # Issue 32: a loop's fire (scheduled task), not a prompt the person typed; its turn is costed per loop.
            key = text_or_none(obj.get("uuid")) or f"{src.name}:{n}"
            if key not in self.fires:
                self.fires[key] = [sid, parse_ts(obj.get("timestamp")), (task or "scheduled")[:200]]
                words = " ".join(text.split())[:PROMPT_WORDS]
                if words:
                    self.prompt_words[key] = clean_text(words)
            self._arrive(src, "prompt" + SEP + "scheduled prompts" + SEP, len(line))
        elif is_prompt and (origin == "task-notification" or text.lstrip().startswith("<task-notification>")):
            # Issue 32: a background agent's completion arrives as a user line: not a prompt.
            self._arrive(src, "other" + SEP + "task notification" + SEP, len(line))
        elif is_prompt:
            key = text_or_none(obj.get("uuid")) or f"{src.name}:{n}"
            if key not in self.prompts:
                self.prompts[key] = (sid, parse_ts(obj.get("timestamp")))
                words = " ".join(text.split())[:PROMPT_WORDS]
                if words:
                    self.prompt_words[key] = clean_text(words)
            self._arrive(src, "prompt" + SEP + "your prompts" + SEP, len(line))
        else:
            self._arrive(src, "other" + SEP + "command output" + SEP, len(line))

    def _compaction(self, src, n, obj, micro=False):
        """A compaction: `compact_boundary` (a summary replaces the conversation) or, since 2.1.3x,
        `microcompact_boundary` (old tool results cleared; issue 23), kept apart by kind."""
        field = "microcompactMetadata" if micro else "compactMetadata"
        meta = obj.get(field)
        meta = meta if isinstance(meta, dict) else {}
        pre = meta.get("preTokens")
        post = meta.get("postTokens")
        saved = meta.get("tokensSaved") if micro else None
        if pre is not None and (type(pre) is not int or not 0 <= pre <= MAX_TOKENS):
            pre = self._ignored(pre, field + ".preTokens")
        if post is not None and (type(post) is not int or not 0 <= post <= MAX_TOKENS):
            post = self._ignored(post, field + ".postTokens")
        if saved is not None and (type(saved) is not int or not 0 <= saved <= MAX_TOKENS):
            saved = self._ignored(saved, field + ".tokensSaved")
        key = text_or_none(obj.get("uuid")) or f"{src.name}:{n}"
        ts_raw = obj.get("timestamp")
        self.compactions[key] = (
            parse_ts(ts_raw), text_or_none(ts_raw),
            text_or_none(obj.get("sessionId")) or src.fallback_session,
            text_or_none(obj.get("agentId")) or "",
            text_or_none(meta.get("trigger")), pre, post, "micro" if micro else "full", saved,
        )

    # -- issue 32: what Claude Code itself knows ---------------------------------------------------------------
    def _title(self, src, n, obj, t):
        """A session's title: the last of the user's (`custom-title`, `agent-name`), else the last generated one."""
        field, rank = TITLE_TYPES[t]
        text = text_or_none(obj.get(field))
        if not text:
            return
        sid = text_or_none(obj.get("sessionId")) or src.fallback_session
        got = [rank, src.name, n, " ".join(text.split())[:200]]
        cur = self.titles.get(sid)
        if cur is None or got[:3] > cur[:3]:
            self.titles[sid] = got

    def _cost_state(self, src, n, obj):
        """Claude Code's own running ledger of a session (its `cost-state` line, re-appended as the session goes
        on): the last one, its total and per-model tokens and cost. Read leniently (its fields at the top, or in
        one object beside the type); values out of range are left out, never trusted into a figure."""
        d = obj if "totalCostUSD" in obj else next(
            (v for v in obj.values() if type(v) is dict and "totalCostUSD" in v), None)
        if d is None:
            return
        total = _amount(d.get("totalCostUSD"))
        if total is None:
            return
        models = {}
        usage = d.get("modelUsage")
        for model, u in (usage.items() if type(usage) is dict else ()):
            if type(u) is not dict or type(model) is not str:
                continue
            counts = [checked(u.get(k), MAX_TOKENS * 1000)[0] or 0 for k in
                      ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheCreationInputTokens",
                       "webSearchRequests")]
            models[clean_text(model)[:200]] = counts + [_amount(u.get("costUSD")) or 0.0]
        sid = text_or_none(obj.get("sessionId")) or src.fallback_session
        got = [total, src.name, n, models, d.get("hasUnknownModelCost") is True]
        cur = self.costs.get(sid)
        if cur is None or (got[0], got[1], got[2]) > (cur[0], cur[1], cur[2]):
            self.costs[sid] = got

    def _context(self, src, n, obj, att, kind, size):
        """An attachment that says what fills the context (issue 32; /context's categories): a prompt snapshot's
        system prompt and each tool definition, memory files by path, skills, deferred tools, MCP instructions,
        custom agents — each sized by its bytes in the log, named for the next main-thread request's cache writes."""
        ctx = "context" + SEP
        if kind != "prompt_snapshot":
            target = ""
            if kind == "instructions":
                path = text_or_none(att.get("path")) or ""
                base = text_or_none(obj.get("cwd"))
                if base and path.startswith(base.rstrip("/") + "/"):
                    path = path[len(base.rstrip("/")) + 1:]
                target = _part(path[:500])
            self._arrive(src, ctx + CONTEXT_KINDS[kind] + SEP + target, size)
            return
        system = att.get("systemPrompt")
        tools = att.get("tools")
        dumps = json.dumps
        system_size = len(dumps(system, ensure_ascii=False)) if system is not None else 0
        if system_size:
            self._arrive(src, ctx + "System prompt" + SEP, system_size)
        names = []
        for tool in tools if type(tools) is list else ():
            if type(tool) is not dict:
                continue
            name = text_or_none(tool.get("name")) or "unknown tool"
            tsize = len(dumps(tool, ensure_ascii=False))
            names.append((name, tsize))
            if name.startswith("mcp__"):
                server = name.split("__")[1] if name.count("__") >= 2 else name[5:]
                self._arrive(src, ctx + "MCP tools" + SEP + _part(server[:200]), tsize)
            else:
                self._arrive(src, ctx + "System tools" + SEP + _part(name[:200]), tsize)
        # What can explain a cache miss: a snapshot unlike the session's last means the prompt or tools changed.
        digest = hashlib.sha256(dumps([system, sorted(names)], ensure_ascii=False, default=str).encode(
            "utf-8", "surrogatepass")).hexdigest()[:16]
        sid = text_or_none(obj.get("sessionId")) or src.fallback_session
        last = self.snapshots.get(sid)
        if last is not None and last != digest:
            self.events[f"{src.name}:{n}"] = [parse_ts(obj.get("timestamp")), sid, "snapshot", digest]
        self.snapshots[sid] = digest

    # -- merge ---------------------------------------------------------------------------
    def merge(self, other):
        """Fold another analyzer's state into this one (disjoint sources assumed)."""
        self.store.merge(other.store)
        self.kinds.update(other.kinds)
        self.unknown_types.update(other.unknown_types)
        for mine_all, theirs in ((self.malformed, other.malformed), (self.invalid_utf8, other.invalid_utf8)):
            for name, (count, samples) in theirs.items():
                mine = mine_all.setdefault(name, [0, []])
                mine[0] += count
                mine[1] = sorted(mine[1] + samples)[:MALFORMED_SAMPLES]
        self.malformed_reasons.update(other.malformed_reasons)
        self.invalid_utf8_lines += other.invalid_utf8_lines
        self.ignored_usage.update(other.ignored_usage)
        self.bytes_read += other.bytes_read
        self.files.update(other.files)
        self.empty_files |= other.empty_files
        self.unreadable.update(other.unreadable)
        self.partial.update(other.partial)
        for k, v in other.prompts.items():
            self.prompts.setdefault(k, v)
        self.compactions.update(other.compactions)
        self.task_types.update(other.task_types)
        for aid, link in other.agent_links.items():
            prev = self.agent_links.get(aid)
            if prev is None or (prev[1] is None and link[1]):
                self.agent_links[aid] = link
        self.agent_types.update(other.agent_types)
        for mid, got in other.arrivals.items():
            cur = self.arrivals.get(mid)
            if cur is None or (got[0], got[1]) < (cur[0], cur[1]):
                self.arrivals[mid] = got
        self.flows.update(other.flows)
        self.decoders |= other.decoders
        self.history |= other.history
        self.owners.update(other.owners)
        for sid, t in other.titles.items():
            cur = self.titles.get(sid)
            if cur is None or t[:3] > cur[:3]:
                self.titles[sid] = t
        for sid, c in other.costs.items():
            cur = self.costs.get(sid)
            if cur is None or c[:3] > cur[:3]:
                self.costs[sid] = c
        for k, v in other.prompt_words.items():
            self.prompt_words.setdefault(k, v)
        for k, v in other.fires.items():
            self.fires.setdefault(k, v)
        self.tasks.update(other.tasks)
        self.events.update(other.events)
        self.versions.update(other.versions)
        self.snapshots.update(other.snapshots)
        return self

    def export(self):
        """The whole state as plain JSON-able data (to send from one web worker to another)."""
        st = self.store
        return {
            "v": self.STATE_VERSION,
            "requests": [r.__getstate__() for r in st.by_key.values()],
            "recovered": [r.__getstate__() for r in st.recovered.values()],
            "sidechain_ids": sorted(st.sidechain_ids), "ended_ids": sorted(st.ended_ids),
            "usage_lines": st.usage_lines, "progress_copies": st.progress_copies,
            "kinds": dict(self.kinds), "unknown_types": dict(self.unknown_types),
            "malformed": self.malformed, "malformed_reasons": dict(self.malformed_reasons),
            "invalid_utf8_lines": self.invalid_utf8_lines, "invalid_utf8": self.invalid_utf8,
            "ignored_usage": dict(self.ignored_usage), "bytes_read": self.bytes_read,
            "files": self.files, "empty_files": sorted(self.empty_files), "unreadable": self.unreadable,
            "prompts": self.prompts, "compactions": self.compactions,
            "task_types": self.task_types, "agent_links": self.agent_links, "agent_types": self.agent_types,
            "decoders": sorted(self.decoders), "history": sorted(self.history), "owners": self.owners,
            "arrivals": self.arrivals, "flows": self.flows,
            "titles": self.titles, "costs": self.costs, "prompt_words": self.prompt_words, "fires": self.fires,
            "tasks": self.tasks, "events": self.events, "versions": self.versions, "snapshots": self.snapshots,
            # Only a file read in part has this (issue 30), and no store keeps one: absent, older states still load.
            **({"partial": self.partial} if self.partial else {}),
        }

    @classmethod
    def from_export(cls, d):
        """The analyzer `export()` wrote. A state is untrusted (a store on disk, another worker's answer; issue
        14): anything of another version, shape or type is a ValueError, never a partly-loaded analyzer; token
        counts are checked as a log's are; a request's total is recomputed, not read."""
        if not isinstance(d, dict) or d.get("v") != cls.STATE_VERSION:
            raise ValueError(f"not an analyzer state of version {cls.STATE_VERSION}")
        try:
            return cls._load(d)
        except ValueError:
            raise
        except Exception as exc:  # KeyError, TypeError, AttributeError...: a malformed state
            raise ValueError(f"malformed analyzer state ({exc.__class__.__name__}: {exc})") from None

    @classmethod
    def _load(cls, d):
        a = cls()
        for key, recovered in (("requests", False), ("recovered", True)):
            for st in _seq(d[key]):
                r = _request(st)
                if r.recovered != recovered or (recovered and r.message_id is None):
                    raise ValueError("a request in the wrong table")
                a.store.put(r)
        a.store.sidechain_ids = {_str(x) for x in _seq(d["sidechain_ids"])}
        a.store.ended_ids = {_str(x) for x in _seq(d["ended_ids"])}
        a.store.usage_lines = _count(d["usage_lines"])
        a.store.progress_copies = _count(d["progress_copies"])
        a.kinds = Counter({_str(k): _count(v) for k, v in _map(d["kinds"])})
        a.unknown_types = Counter({_str(k): _count(v) for k, v in _map(d["unknown_types"])})
        a.malformed = {_str(k): [_count(v[0]), [(_count(x[0]), _str(x[1])) for x in _seq(v[1])]]
                       for k, v in _map(d["malformed"])}
        a.malformed_reasons = Counter({_str(k): _count(v) for k, v in _map(d["malformed_reasons"])})
        a.invalid_utf8_lines = _count(d["invalid_utf8_lines"])
        a.invalid_utf8 = {_str(k): [_count(v[0]), [_count(x) for x in _seq(v[1])]] for k, v in _map(d["invalid_utf8"])}
        a.ignored_usage = Counter({_str(k): _count(v) for k, v in _map(d["ignored_usage"])})
        a.bytes_read = _count(d["bytes_read"])
        a.files = {_str(k): (_count(v[0]), _count(v[1])) for k, v in _map(d["files"])}
        a.empty_files = {_str(x) for x in _seq(d["empty_files"])}
        a.unreadable = {_str(k): _str(v) for k, v in _map(d["unreadable"])}
        a.partial = {_str(k): _count(v) for k, v in _map(d.get("partial", {}))}
        a.prompts = {_str(k): (_str(v[0]), _ts(v[1])) for k, v in _map(d["prompts"])}
        a.compactions = {_str(k): (_ts(v[0]), _opt(v[1]), _str(v[2]), _str(v[3]), _opt(v[4]), _opt_count(v[5]),
                                   _opt_count(v[6]), _kind(v[7]), _opt_count(v[8]))
                         for k, v in _map(d["compactions"])}
        a.task_types = {_str(k): _str(v) for k, v in _map(d["task_types"])}
        a.agent_links = {_str(k): (_str(v[0]), _opt(v[1])) for k, v in _map(d["agent_links"])}
        a.agent_types = {_str(k): _str(v) for k, v in _map(d["agent_types"])}
        a.decoders = {_str(x) for x in _seq(d["decoders"])}
        a.history = {_str(x) for x in _seq(d["history"])}
        a.owners = {_str(k): _str(v) for k, v in _map(d["owners"])}
        a.arrivals = {_str(k): [_str(v[0]), _count(v[1], 1 << 50), _sizes(v[2])] for k, v in _map(d["arrivals"])}
        a.flows = {_str(k): [_sizes(v[0]), _opt(v[1]), _count(v[2], 1 << 50), {_str(t): _key(x) for t, x in _map(v[3])}]
                   for k, v in _map(d["flows"])}
        a.titles = {_str(k): [_count(v[0], 2), _str(v[1]), _count(v[2]), _str(v[3])] for k, v in _map(d["titles"])}
        a.costs = {_str(k): [_usd(v[0]), _str(v[1]), _count(v[2]),
                             {_str(m): [_count(x, MAX_TOKENS * 1000) for x in _seq(u)[:5]] + [_usd(_seq(u)[5])]
                              for m, u in _map(v[3])}, _flag(v[4])] for k, v in _map(d["costs"])}
        for v in a.costs.values():
            if any(len(u) != 6 for u in v[3].values()):
                raise ValueError("a model's usage of the wrong shape")
        a.prompt_words = {_str(k): _str(v) for k, v in _map(d["prompt_words"])}
        a.fires = {_str(k): [_str(v[0]), _ts(v[1]), _str(v[2])] for k, v in _map(d["fires"])}
        a.tasks = {_str(k): _str(v) for k, v in _map(d["tasks"])}
        a.events = {_str(k): [_ts(v[0]), _str(v[1]), _event(v[2]), _str(v[3])] for k, v in _map(d["events"])}
        a.versions = {_str(k): _str(v) for k, v in _map(d["versions"])}
        a.snapshots = {_str(k): _str(v) for k, v in _map(d["snapshots"])}
        return a

    @property
    def lines_read(self):
        return sum(self.kinds.values())


# -- checks of an imported state (Analyzer.from_export): each returns its value or raises ValueError -----------
def _seq(v):
    if type(v) is not list:
        raise ValueError("expected a list")
    return v


def _map(v):
    if type(v) is not dict:
        raise ValueError("expected an object")
    return v.items()


def _str(v):
    if type(v) is not str:
        raise ValueError("expected a string")
    return v


def _opt(v):
    return None if v is None else _str(v)


def _count(v, cap=1 << 62):
    if type(v) is not int or not 0 <= v <= cap:
        raise ValueError("expected a count")
    return v


def _opt_count(v):
    return None if v is None else _count(v, MAX_TOKENS)


def _sizes(v):
    """{source key: bytes} of an imported state (issue 24)."""
    return {_key(k): _count(n, 1 << 50) for k, n in _map(v)}


def _key(v):
    if type(v) is not str or v.count(SEP) != 2 or len(v) > 2000:
        raise ValueError("a context source key is kind, source and target")
    return v


def _kind(v):
    if v not in ("full", "micro"):
        raise ValueError("a compaction kind is full or micro")
    return v


def _ts(v):
    if v is None:
        return None
    # Years 1 to 9999 and an offset beyond (issue 30: a stamp in year 9999 made a state file tokenscope refused).
    if type(v) not in (int, float) or v != v or not MIN_TS - SLACK <= v <= MAX_TS + SLACK:
        raise ValueError("expected a time")
    return float(v)


def _amount(v):
    """A USD amount of Claude Code's ledger (a finite number from 0 to a billion) as a float, else None."""
    return float(v) if type(v) in (int, float) and v == v and 0 <= v <= 1e9 else None


def _usd(v):
    got = _amount(v)
    if got is None:
        raise ValueError("expected an amount")
    return got


def _event(v):
    if v not in ("version", "snapshot"):
        raise ValueError("an event is a version or a snapshot")
    return v


def _flag(v):
    if type(v) is not bool:
        raise ValueError("expected true or false")
    return v


_OPT_STR = (str, type(None))
_NEW = Request.__new__


def _request(st):
    """A Request from the tuple of its slots (records.Request.__getstate__), every field checked. Flat checks: a
    warm run loads every stored request through here (issue 14)."""
    if type(st) is not list or len(st) != 23:
        raise ValueError("a request of the wrong shape")
    (ts, timestamp, session_id, agent_id, sidechain, model, inp, out, cw5m, cw1h, read, web, speed, geo, mid, rid,
     source, line, _total, cwd, recovered, ended, who) = st
    if who is not None and (type(who) is not list or len(who) != 4 or any(type(x) not in _OPT_STR for x in who)):
        raise ValueError("a request's attribution of the wrong shape")
    for v in (inp, out, cw5m, cw1h, read):
        if type(v) is not int or not 0 <= v <= MAX_TOKENS:
            raise ValueError("a request's token count is out of range")
    if type(web) is not int or not 0 <= web <= MAX_WEB_SEARCHES or type(line) is not int or line < 0:
        raise ValueError("a request's count is out of range")
    if type(session_id) is not str or type(agent_id) is not str or type(model) is not str or type(source) is not str \
            or type(timestamp) not in _OPT_STR or type(speed) not in _OPT_STR or type(geo) not in _OPT_STR \
            or type(mid) not in _OPT_STR or type(rid) not in _OPT_STR or type(cwd) not in _OPT_STR \
            or type(sidechain) is not bool or type(recovered) is not bool or type(ended) is not bool:
        raise ValueError("a request field of the wrong type")
    r = _NEW(Request)
    r.ts = _ts(ts)
    r.timestamp, r.session_id, r.agent_id, r.sidechain, r.model = timestamp, session_id, agent_id, sidechain, model
    r.input, r.output, r.cw5m, r.cw1h, r.cache_read, r.web_search = inp, out, cw5m, cw1h, read, web
    r.speed, r.geo, r.message_id, r.request_id, r.source, r.line = speed, geo, mid, rid, source, line
    r.total = inp + out + cw5m + cw1h + read
    r.cwd, r.recovered, r.ended = cwd, recovered, ended
    r.who = tuple(who) if who is not None else None
    return r
