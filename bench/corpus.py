"""Deterministic, realistic Claude Code log corpus: `python bench/corpus.py OUT_DIR --mb 50`.

Shape (from ../shared/docs/claude-code-jsonl.md and the real logs): a projects tree of sessions, 2.1.x
`<session>/subagents/agent-<id>.jsonl` files with `.meta.json`, `progress` lines in the parent, each response
written as one line per content block with its usage repeated (early lines streaming snapshots), tool results
with a heavy tail (median line ~4 KB, some over 1 MB), compactions, metadata lines. Same seed, same bytes.
"""

import argparse
import json
import os
import random
from datetime import datetime, timedelta, timezone

VERSION = 4  # bump when the shape changes: cached corpora are rebuilt
MODELS = ["claude-opus-4-7", "claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101"]
SUB_MODELS = ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"]
WORDS = ("the cache context token request session model output input read write agent tool result file line "
         "function return value error test build deploy config path error handler stream parse").split()
TOOLS = ["Read", "Edit", "Bash", "Grep", "Write", "Glob"]


def _text(rnd, n_bytes):
    # Cheap filler text with the byte count we want (JSON-escaped newlines included, as in real tool output).
    out = []
    size = 0
    while size < n_bytes:
        w = rnd.choice(WORDS)
        out.append(w)
        size += len(w) + 1
        if rnd.random() < 0.08:
            out.append("\n")
    return " ".join(out)[:n_bytes]


def _tool_output_size(rnd):
    # Lognormal: median ~3.5 KB, a long tail; a few 1 MB+ outputs (big files read, long logs).
    if rnd.random() < 0.002:
        return rnd.randint(1_000_000, 1_600_000)
    return min(int(rnd.lognormvariate(8.9, 1.0)), 400_000)


class Writer:
    def __init__(self, rnd, session_id, cwd, start, version="2.1.42"):
        self.rnd = rnd
        self.sid = session_id
        self.cwd = cwd
        self.t = start
        self.version = version
        self.n = 0
        self.lines = []

    def uid(self):
        self.n += 1
        return f"{self.sid[:8]}-0000-4000-8000-{self.n:012d}"

    def ts(self, seconds):
        self.t += timedelta(seconds=seconds)
        return self.t.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def env(self, kind, agent=None, **kw):
        d = {"parentUuid": None, "isSidechain": agent is not None, "userType": "external", "cwd": self.cwd,
             "sessionId": self.sid, "version": self.version, "gitBranch": "main"}
        if agent:
            d["agentId"] = agent
        d["type"] = kind
        d.update(kw)
        return d

    def add(self, d):
        self.lines.append(json.dumps(d, separators=(",", ":"), ensure_ascii=False))


def _response(w, rnd, model, ctx, new, agent=None, task_for=None, mid=None):
    """One API response: 1-4 content-block lines repeating usage; the last carries the final output count."""
    drawn = f"msg_01{rnd.getrandbits(64):016x}"
    mid = mid or drawn
    rid = f"req_011{rnd.getrandbits(64):016x}"
    out = rnd.randint(40, 2500)
    one_hour = rnd.random() < 0.5
    usage = {"input_tokens": rnd.randint(1, 12), "cache_creation_input_tokens": new, "cache_read_input_tokens": ctx,
             "cache_creation": {"ephemeral_5m_input_tokens": 0 if one_hour else new,
                                "ephemeral_1h_input_tokens": new if one_hour else 0},
             "output_tokens": out, "service_tier": "standard", "inference_geo": "global"}
    if rnd.random() < 0.01:
        usage["server_tool_use"] = {"web_search_requests": 1, "web_fetch_requests": 0}
    blocks = []
    if rnd.random() < 0.6:
        blocks.append({"type": "thinking", "thinking": _text(rnd, rnd.randint(1500, 9000)), "signature": "Eo" * 60})
    if rnd.random() < 0.7:
        blocks.append({"type": "text", "text": _text(rnd, rnd.randint(1200, 6000))})
    tool_id = f"toolu_01{rnd.getrandbits(64):016x}"
    if task_for:
        blocks.append({"type": "tool_use", "id": tool_id, "name": "Task",
                       "input": {"subagent_type": task_for, "description": "explore", "prompt": _text(rnd, 300)}})
    else:
        tool = rnd.choice(TOOLS)
        inp = {"file_path": f"/src/{rnd.choice(WORDS)}.py"}
        if tool in ("Write", "Edit"):
            inp["content"] = _text(rnd, rnd.randint(2000, 12000))
        blocks.append({"type": "tool_use", "id": tool_id, "name": tool, "input": inp})
    blocks[-1]["caller"] = {"type": "direct"}
    if len(blocks) == 1 or rnd.random() < 0.5:
        blocks[0] = dict(blocks[0])
    for i, block in enumerate(blocks):
        u = dict(usage)
        if i < len(blocks) - 1:
            u["output_tokens"] = rnd.randint(1, 30)  # streaming snapshot: provisional output
        w.add(w.env("assistant", agent, uuid=w.uid(), timestamp=w.ts(rnd.uniform(0.2, 3)), requestId=rid,
                    message={"id": mid, "type": "message", "role": "assistant", "model": model, "content": [block],
                             "stop_reason": "tool_use" if i == len(blocks) - 1 else None, "usage": u}))
    return tool_id


def _tool_result(w, rnd, tool_id, agent=None, extra=None):
    d = w.env("user", agent, uuid=w.uid(), timestamp=w.ts(rnd.uniform(0.5, 20)),
              message={"role": "user", "content": [{"tool_use_id": tool_id, "type": "tool_result",
                                                     "content": _text(rnd, _tool_output_size(rnd))}]})
    if extra:
        d.update(extra)
    w.add(d)


def session(rnd, out_dir, project, idx, start):
    sid = f"{rnd.getrandbits(32):08x}-{rnd.getrandbits(16):04x}-4{rnd.getrandbits(12):03x}-8{rnd.getrandbits(12):03x}-" \
          f"{rnd.getrandbits(48):012x}"
    cwd = "/home/dev/" + project.replace("-home-dev-", "")
    w = Writer(rnd, sid, cwd, start)
    model = rnd.choice(MODELS)
    ctx = 15_000
    turns = int(rnd.lognormvariate(3.6, 0.9)) + 3
    subagents = []
    w.add({"type": "file-history-snapshot", "messageId": w.uid(), "snapshot": {"trackedFileBackups": {}}})
    for k in range(turns):
        if k == 0 or rnd.random() < 0.12:
            w.add(w.env("user", uuid=w.uid(), timestamp=w.ts(rnd.uniform(20, 600)),
                        message={"role": "user", "content": _text(rnd, rnd.randint(40, 800))}))
        new = rnd.randint(300, 9000)
        spawn = rnd.random() < 0.04
        atype = rnd.choice(["Explore", "general-purpose", "Plan"]) if spawn else None
        tool_id = _response(w, rnd, model, ctx, new, task_for=atype)
        ctx += new
        if spawn:
            aid = f"a{rnd.getrandbits(68):017x}"
            # Progress lines copy some of the subagent's own responses (same message.id, as Claude Code 2.1.x
            # does): with the subagent's file present they bill nothing (issue 10).
            copied = []
            subagents.append((aid, atype, w.t, copied))
            for _ in range(rnd.randint(2, 6)):
                copied.append(f"msg_01{rnd.getrandbits(64):016x}")
                w.add(w.env("progress", uuid=w.uid(), timestamp=w.ts(1), parentToolUseID=tool_id,
                            toolUseID=f"agent_msg_{rnd.getrandbits(40):010x}",
                            data={"type": "agent_progress", "agentId": aid, "prompt": "explore",
                                  "message": {"type": "assistant", "message": {
                                      "id": copied[-1], "model": SUB_MODELS[0],
                                      "content": [{"type": "text", "text": _text(rnd, 400)}],
                                      "usage": {"input_tokens": 3, "output_tokens": 50,
                                                "cache_read_input_tokens": 9000,
                                                "cache_creation_input_tokens": 800}}}}))
            _tool_result(w, rnd, tool_id, extra={"toolUseResult": {"agentId": aid, "status": "completed"}})
        else:
            _tool_result(w, rnd, tool_id)
        if ctx > 150_000 and rnd.random() < 0.3:
            w.add(w.env("system", subtype="compact_boundary", content="Conversation compacted", uuid=w.uid(),
                        timestamp=w.ts(30), level="info", logicalParentUuid=w.uid(),
                        compactMetadata={"trigger": "auto", "preTokens": ctx}))
            w.add(w.env("user", uuid=w.uid(), timestamp=w.ts(5), isCompactSummary=True,
                        message={"role": "user", "content": _text(rnd, 4000)}))
            ctx = 15_000 + rnd.randint(3000, 12_000)
        if rnd.random() < 0.05:
            w.add(w.env("system", subtype="turn_duration", uuid=w.uid(), timestamp=w.ts(0.1), durationMs=30000))
        if rnd.random() < 0.02:
            w.add({"type": "queue-operation", "operation": "enqueue", "timestamp": w.ts(0.1), "sessionId": sid})
    pdir = os.path.join(out_dir, project)
    os.makedirs(pdir, exist_ok=True)
    total = 0
    with open(os.path.join(pdir, f"{sid}.jsonl"), "w", encoding="utf-8") as f:
        data = "\n".join(w.lines) + "\n"
        f.write(data)
        total += len(data.encode())
    for aid, atype, t0, copied in subagents:
        sw = Writer(rnd, sid, cwd, t0)
        sctx = 9000
        for j in range(max(rnd.randint(3, 25), len(copied))):
            snew = rnd.randint(300, 5000)
            tid = _response(sw, rnd, rnd.choice(SUB_MODELS), sctx, snew, agent=aid,
                            mid=copied[j] if j < len(copied) else None)
            _tool_result(sw, rnd, tid, agent=aid)
            sctx += snew
        sdir = os.path.join(pdir, sid, "subagents")
        os.makedirs(sdir, exist_ok=True)
        with open(os.path.join(sdir, f"agent-{aid}.jsonl"), "w", encoding="utf-8") as f:
            data = "\n".join(sw.lines) + "\n"
            f.write(data)
            total += len(data.encode())
        with open(os.path.join(sdir, f"agent-{aid}.meta.json"), "w") as f:
            json.dump({"agentType": atype, "toolUseId": "toolu"}, f)
    return total


def generate(out_dir, mb, seed=20261124):
    """Write a corpus of about `mb` MB under out_dir/projects; reuse it when already built identically."""
    stamp = os.path.join(out_dir, ".corpus")
    want = f"v{VERSION} mb={mb} seed={seed}"
    projects = os.path.join(out_dir, "projects")
    if os.path.exists(stamp) and open(stamp).read() == want:
        return projects
    import shutil
    shutil.rmtree(out_dir, ignore_errors=True)
    rnd = random.Random(seed)
    start = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
    total = 0
    i = 0
    names = [f"-home-dev-{w}-{v}" for w in ("api", "web", "infra", "ml", "docs", "cli") for v in ("a", "b")]
    while total < mb * 1_000_000:
        total += session(rnd, projects, names[i % len(names)], i, start + timedelta(hours=7 * i))
        i += 1
    with open(stamp, "w") as f:
        f.write(want)
    return projects


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=50)
    a = ap.parse_args()
    print(generate(a.out, a.mb))
