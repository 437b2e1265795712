"""Where Claude Code keeps its logs, and which files under a folder are logs (CLI side)."""

import os

META_SUFFIX = ".meta.json"


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


def discover(path):
    """(label, path) pairs for every `*.jsonl` (and agent meta file) under `path`, sorted.

    Labels are relative to the folder given, with `/` separators, so reports name
    `<project>/<session>.jsonl` rather than a user's home directory layout.
    """
    if os.path.isfile(path):
        return [(os.path.basename(path), path)]
    found = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for f in filenames:
            if f.endswith(".jsonl") or (f.startswith("agent-") and f.endswith(META_SUFFIX)):
                full = os.path.join(dirpath, f)
                found.append((os.path.relpath(full, path).replace(os.sep, "/"), full))
    found.sort()
    return found
