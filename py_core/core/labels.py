"""The label convention for input files: what a file's name says about its project, session and agent.

The CLI and the page name every file by its path relative to the folder given (`/` separators), e.g.
`<project>/<session>.jsonl`, `<project>/<session>/subagents/agent-<id>.jsonl` (2.1.x),
`<project>/<session>/subagents/workflows/<run>/agent-<id>.jsonl` (nested workflow subagents, 2.1.200+),
`<project>/agent-<8hex>.jsonl` (2.0.x). Lines carry their own sessionId; the name is the fallback.
"""


def label_parts(name):
    """(project or None, session, agent id or None) that a file's label names."""
    parts = name.replace("\\", "/").split("/")
    stem = parts[-1][:-6] if parts[-1].endswith(".jsonl") else parts[-1]
    agent = stem[len("agent-"):] if stem.startswith("agent-") else None
    if "subagents" in parts[:-1]:
        i = len(parts) - 2 - parts[-2::-1].index("subagents")  # the last "subagents" folder
        if i >= 1:
            return (parts[i - 2] if i >= 2 else None), parts[i - 1], agent
    return (parts[-2] if len(parts) >= 2 else None), stem, agent
