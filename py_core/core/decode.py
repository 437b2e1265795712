"""Decoding one log line: json.loads (the standard library, always there), or msgspec when it is installed (issue 13).

msgspec is an optional accelerator (`pip install 'tokenscope[fast]'`; the page loads its Pyodide wheel after
"ready"). It decodes a line into Structs that declare exactly the fields the analyzer reads, skipping the rest
without building it (the content strings, tool inputs and results that are most of a line's bytes), then turns
them into the dicts the analyzer reads — the same dicts json.loads would give for those fields. Where the two
could differ, msgspec is not trusted: any decode or validation error (NaN, Infinity, 1e400, lone-surrogate
escapes, a field of an unexpected shape, trailing data, a line that is not an object) sends the line to json.loads,
and the analyzer decodes bytes to text first, so invalid UTF-8 (which msgspec does not check in skipped fields)
is handled identically. `tests/test_decode.py` feeds both paths arbitrary and hostile lines and requires the same
records and diagnostics; the real logs and the corpora give the same report both ways.

TOKENSCOPE_DECODER=json forces the standard-library path (CI runs the suite that way too).
"""

import os

_STATE = {"decode": None, "name": None}


def _build():
    import msgspec
    from msgspec import UNSET, Struct, UnsetType

    # Every field the analyzer reads, and nothing else (analyzer.py: _parse, _usage, _recover, _user,
    # _compaction). UNSET keeps an absent key absent (to_builtins omits it) while an explicit null stays None.
    class Input(Struct):
        subagent_type: object = UNSET
        file_path: object = UNSET       # issue 24: a file tool's target
        notebook_path: object = UNSET
        command: object = UNSET         # Bash: its program

    class Item(Struct):
        type: object = UNSET
        name: object = UNSET
        id: object = UNSET
        input: Input | None | UnsetType = UNSET
        tool_use_id: object = UNSET

    class Message(Struct):
        id: object = UNSET
        model: object = UNSET
        content: str | list[Item] | None | UnsetType = UNSET
        usage: object = UNSET
        stop_reason: object = UNSET

    class Inner(Struct):
        timestamp: object = UNSET
        message: Message | None | UnsetType = UNSET

    class Data(Struct):
        agentId: object = UNSET  # noqa: N815 (the log's key)
        message: Inner | None | UnsetType = UNSET

    class ToolUseResult(Struct):
        agentId: object = UNSET  # noqa: N815

    class Line(Struct):
        type: object = UNSET
        message: Message | None | UnsetType = UNSET
        isApiErrorMessage: object = UNSET  # noqa: N815
        isSidechain: object = UNSET  # noqa: N815
        sessionId: object = UNSET  # noqa: N815
        agentId: object = UNSET  # noqa: N815
        requestId: object = UNSET  # noqa: N815
        timestamp: object = UNSET
        cwd: object = UNSET
        subtype: object = UNSET
        compactMetadata: object = UNSET  # noqa: N815
        microcompactMetadata: object = UNSET  # noqa: N815 (issue 23)
        uuid: object = UNSET
        toolUseResult: ToolUseResult | str | list | int | float | bool | None | UnsetType = UNSET  # noqa: N815
        isMeta: object = UNSET  # noqa: N815
        isCompactSummary: object = UNSET  # noqa: N815
        data: Data | None | UnsetType = UNSET
        parentToolUseID: object = UNSET  # noqa: N815
        # Issue 32: what Claude Code writes since 2.1.24x (the analyzer reads a cost-state line through json.loads:
        # its ledger may sit in an object of any name).
        version: object = UNSET
        entrypoint: object = UNSET
        attributionSkill: object = UNSET  # noqa: N815
        attributionPlugin: object = UNSET  # noqa: N815
        attributionMcpServer: object = UNSET  # noqa: N815
        origin: object = UNSET
        scheduledTaskId: object = UNSET  # noqa: N815
        turnOrigin: object = UNSET  # noqa: N815
        attachment: object = UNSET
        taskId: object = UNSET  # noqa: N815
        cron: object = UNSET
        customTitle: object = UNSET  # noqa: N815
        agentName: object = UNSET  # noqa: N815
        aiTitle: object = UNSET  # noqa: N815

    decoder = msgspec.json.Decoder(Line)
    to_builtins = msgspec.to_builtins
    error = msgspec.DecodeError  # ValidationError is one too

    def decode(text):
        """The line as a dict of the fields the analyzer reads, or None (then json.loads decides)."""
        try:
            return to_builtins(decoder.decode(text))
        except (error, ValueError, RecursionError):
            return None

    return decode, f"msgspec {msgspec.__version__}"


def _forced_json():
    return os.environ.get("TOKENSCOPE_DECODER", "").lower() == "json"


def fast_decoder():
    """(decode, name) of msgspec, or (None, "json") when it is absent, broken or switched off. Tried again until it
    works, so the page's worker picks msgspec up once its wheel has loaded after start-up."""
    if _forced_json():
        return None, "json"
    if _STATE["decode"] is None:
        try:
            _STATE["decode"], _STATE["name"] = _build()
        except Exception:  # noqa: BLE001 - ImportError, or a wheel that does not work: the standard library decides
            return None, "json"
    return _STATE["decode"], _STATE["name"]


def decoder_name():
    return fast_decoder()[1]


def decoder_key():
    """Which decoder a run would use, without importing msgspec (13 ms; issue 20: a kept report's key is computed on
    every run): "json", or "msgspec" when it is installed (the two give the same figures; a wheel that turns out
    not to work makes the run decode with json, and its report says so)."""
    if _forced_json():
        return "json"
    if _STATE["name"] is not None:
        return _STATE["name"]
    from importlib.util import find_spec
    return "json" if find_spec("msgspec") is None else "msgspec"
