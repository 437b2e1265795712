"""Issue 31 item 8: docs/ARCHITECTURE.md stays true — its operations table is api.OPS, it names every module, and the
worker's header points to it instead of keeping another copy of the protocol."""

import re
from pathlib import Path

from py_core.shells import api

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text()


def test_the_operations_table_is_api_ops():
    """Intent: the doc's table of the worker's operations lists exactly api.OPS (the doc had fallen behind: it missed
    operations and named answers an operation no longer gave)."""
    table = DOC.split("| op | job | what |", 1)[1].split("\n\n", 1)[0]
    ops = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    assert ops == set(api.OPS)


def test_every_module_is_named():
    """Intent: every module of py_core has its line in the doc (by file name)."""
    missing = [str(p.relative_to(ROOT)) for p in (ROOT / "py_core").rglob("*.py")
               if p.name != "__init__.py" and f"`{p.name}`" not in DOC and f"{p.stem}.py" not in DOC]
    assert missing == []


def test_the_worker_keeps_no_second_copy_of_the_protocol():
    """Intent: the protocol is listed once (the doc); the worker's header points there."""
    head = (ROOT / "web" / "worker.mjs").read_text().split("import ", 1)[0]
    assert "docs/ARCHITECTURE.md" in head and "type: \"finish\"" not in head
