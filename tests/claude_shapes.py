"""Lines of the shapes Claude Code writes since 2.1.24x (../shared/docs/claude-code-jsonl.md, "What Claude Code writes
since 2.1.24x"), built from the documented fields: no real log has them yet (issue 32). Each helper returns one
line's object; `log` joins them. Tests build small sessions from these, so each rule is pinned, not a fixture."""

import json
from datetime import datetime, timedelta, timezone

T0 = datetime(2026, 11, 2, 9, 0, 0, tzinfo=timezone.utc)
SID = "5e55f00d-0000-4000-8000-000000000001"
CWD = "/home/dev/shop"
VERSION = "2.1.270"


def at(seconds):
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(kind, seconds, uuid, sid=SID, **kw):
    return {"type": kind, "uuid": uuid, "parentUuid": None, "timestamp": at(seconds), "sessionId": sid, "cwd": CWD,
            "version": kw.pop("version", VERSION), "entrypoint": kw.pop("entrypoint", "cli"),
            "isSidechain": False, "userType": "external", **kw}


def prompt(seconds, uuid, text, sid=SID, **kw):
    """A typed prompt (origin.kind human, promptSource typed), one promptId per turn."""
    return envelope("user", seconds, uuid, sid, promptId=f"p-{uuid}", origin={"kind": "human"},
                    promptSource="typed", message={"role": "user", "content": text}, **kw)


def notification(seconds, uuid, sid=SID):
    """A background agent's completion: a user line, not a prompt."""
    return envelope("user", seconds, uuid, sid, origin={"kind": "task-notification"}, promptSource="system",
                    message={"role": "user", "content": "<task-notification><task-id>b1</task-id>"
                                                        "<status>completed</status></task-notification>"})


def fire(seconds, task, cron="*/20 * * * *", text="check the deploy", sid=SID):
    """A loop's fire: system/scheduled_task_fire."""
    return envelope("system", seconds, f"fire-{task}-{seconds}", sid, subtype="scheduled_task_fire", taskId=task,
                    cron=cron, prompt=text, level="info")


def fired(seconds, uuid, task, text="check the deploy", sid=SID):
    """The prompt a fire sends: promptSource system, scheduledTaskId, turnOrigin scheduled."""
    return envelope("user", seconds, uuid, sid, promptSource="system", scheduledTaskId=task, turnOrigin="scheduled",
                    message={"role": "user", "content": text})


def reply(seconds, mid, model="claude-sonnet-4-5-20250929", inp=3, out=200, read=0, w5=0, w1=0, sid=SID,
          blocks=("text",), **kw):
    """A response, one content block per line (each repeating the whole usage, apiBlockIndex rising)."""
    usage = {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": read,
             "cache_creation_input_tokens": w5 + w1,
             "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
             "service_tier": "standard"}
    usage.update(kw.pop("usage", {}))
    lines = []
    for i, b in enumerate(blocks):
        content = [{"type": "text", "text": "ok"}] if b == "text" else [{"type": "thinking", "thinking": "…"}]
        lines.append(envelope("assistant", seconds, f"{mid}-{i}", sid, requestId=f"req_{mid}", apiBlockIndex=i,
                              message={"id": mid, "type": "message", "role": "assistant", "model": model,
                                       "content": content, "stop_reason": "end_turn" if i == len(blocks) - 1 else None,
                                       "usage": usage}, **kw))
    return lines


def cost_state(total, models, unknown=False, sid=SID):
    """Claude Code's own ledger: no uuid, no timestamp; re-appended (the last counts)."""
    return {"type": "cost-state", "sessionId": sid, "totalCostUSD": total, "totalAPIDuration": 1000,
            "totalDuration": 5000, "totalLinesAdded": 3, "totalLinesRemoved": 1, "hasUnknownModelCost": unknown,
            "modelUsage": {m: {"inputTokens": u[0], "outputTokens": u[1], "thinkingTokens": 0,
                               "cacheReadInputTokens": u[2], "cacheCreationInputTokens": u[3],
                               "webSearchRequests": 0, "costUSD": u[4]} for m, u in models.items()}}


def snapshot(seconds, uuid, system="You are Claude Code. " * 400, tools=("Bash", "Read"), mcp=(), sid=SID):
    """prompt_snapshot: the whole system prompt and every tool definition."""
    defs = [{"name": t, "description": f"The {t} tool. " * 60, "input_schema": {"type": "object"}} for t in tools]
    defs += [{"name": f"mcp__{server}__{name}", "description": "An MCP tool. " * 40,
              "input_schema": {"type": "object"}} for server, name in mcp]
    return envelope("attachment", seconds, uuid, sid,
                    attachment={"type": "prompt_snapshot", "systemPrompt": [system], "tools": defs,
                                "cliPrefix": "You are Claude Code"})


def instructions(seconds, uuid, path, content, sid=SID):
    return envelope("attachment", seconds, uuid, sid,
                    attachment={"type": "instructions", "path": path, "memoryType": "Project", "content": content})


def skills(seconds, uuid, content, sid=SID):
    return envelope("attachment", seconds, uuid, sid, attachment={"type": "skill_listing", "content": content})


def title(kind, text, sid=SID):
    field = {"custom-title": "customTitle", "ai-title": "aiTitle", "agent-name": "agentName"}[kind]
    return {"type": kind, "sessionId": sid, field: text}


def compact(seconds, uuid, pre, post=None, sid=SID):
    meta = {"trigger": "auto", "preTokens": pre, "durationMs": 1000}
    if post is not None:
        meta["postTokens"] = post
    return envelope("system", seconds, uuid, sid, subtype="compact_boundary", compactMetadata=meta,
                    content="Conversation compacted")


def log(*items):
    """The JSONL text of lines and lists of lines."""
    out = []
    for it in items:
        for obj in (it if isinstance(it, list) else [it]):
            out.append(json.dumps(obj))
    return "\n".join(out) + "\n"
