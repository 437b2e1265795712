"""The one place naming tokenscope's version (pyproject.toml and serve.py's wheel read it from here)."""

__version__ = "0.1.0"

# The version of the analysis state (core/analyzer.py export): 2 = message.id identity, recovered copies, ignored
# values (issue 10); 3 = history, validated import (issue 14); 4 = owners (issue 16); 5 = micro-compactions, the
# fast-mode preview marker (issue 23); 6 = what arrived in the context before each main-thread response (issue 24);
# 7 = what Claude Code itself knows: titles, its own ledger, prompts' first words, loops, what explains a cache
# miss, what fills the context by /context's categories, who a request was for (issue 32).
# Bump it whenever a rule changes what a line contributes: stored per-file states (the CLI's store, the page's
# IndexedDB, state files) of another version are read again, never reused. Here, light, so every answer key
# (state/identity.py) names it without importing the analyzer.
STATE_VERSION = 7
