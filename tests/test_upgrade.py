"""Issue 31 item 1: one answer key. An upgrade that changes the built-in price table, or tokenscope's version, is
another answer: the CLI (kept reports and session parts), the status line (running summaries) and the page after a
reload (its worker's memo, seeded from IndexedDB: tests/test_web_trust.py) each show the new figure, never a kept
old one."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import asst, jsonl, user

ROOT = Path(__file__).resolve().parent.parent


def upgraded(tmp_path, change):
    """A copy of py_core with `change` made to it: 'prices' doubles Sonnet 4.5's output price in the built-in table;
    'version' bumps the version and keeps 4 costliest requests per session instead of 5 (a report change that is
    neither a price nor an analysis rule: only the version says it)."""
    dest = tmp_path / f"code-{change}"
    shutil.copytree(ROOT / "py_core", dest / "py_core", ignore=shutil.ignore_patterns("__pycache__"))
    if change == "prices":
        p = dest / "py_core" / "core" / "prices.json"
        table = json.loads(p.read_text())
        m = table["models"]["claude-sonnet-4-5"]
        m["output_cost_per_token"] *= 2
        p.write_text(json.dumps(table))
    else:
        v = dest / "py_core" / "version.py"
        v.write_text(v.read_text().replace('__version__ = "0.1.0"', '__version__ = "0.1.1"'))
        parts = dest / "py_core" / "report" / "parts.py"
        parts.write_text(parts.read_text().replace("TOP_N = 5", "TOP_N = 4"))
    return dest


def logs(tmp_path):
    proj = tmp_path / "projects" / "proj"
    proj.mkdir(parents=True)
    (proj / "s1.jsonl").write_bytes(jsonl(user("go"), *(asst(f"m{i}", f"r{i}", out=1000 * i, cr=5000,
                                                                ts=f"2026-01-10T10:0{i}:00.000Z") for i in range(1, 8))))
    return tmp_path / "projects"


def cli(code, *args, cache):
    env = {**os.environ, "PYTHONPATH": str(code), "XDG_CACHE_HOME": str(cache)}
    r = subprocess.run([sys.executable, "-m", "py_core", *map(str, args)], capture_output=True, text=True, env=env,
                       cwd=str(code), timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def figures(text):
    rep = json.loads(text)
    return rep["totals"]["cost_usd"], len(rep["sessions"][0]["top_requests"])


@pytest.mark.parametrize("change", ["prices", "version"])
def test_the_cli_shows_the_new_figure_after_an_upgrade(tmp_path, change):
    """Intent: the kept report and the kept session parts of the old code are not served by the new one."""
    root = logs(tmp_path)
    cache = tmp_path / "cache"
    old = figures(cli(ROOT, root, "--json", "--tz", "UTC", cache=cache))
    assert figures(cli(ROOT, root, "--json", "--tz", "UTC", cache=cache)) == old  # kept
    new_code = upgraded(tmp_path, change)
    fresh = figures(cli(new_code, root, "--json", "--tz", "UTC", "--no-cache", cache=tmp_path / "other"))
    assert fresh != old
    assert figures(cli(new_code, root, "--json", "--tz", "UTC", cache=cache)) == fresh
    # A file grew: the report is built from kept parts of unchanged sessions — none from the old code's.
    with open(root / "proj" / "s2.jsonl", "wb") as fh:
        fh.write(jsonl(asst("n1", "q1", session="s2", out=10)))
    old_code_grown = figures(cli(ROOT, root, "--json", "--tz", "UTC", cache=cache))
    assert figures(cli(new_code, root, "--json", "--tz", "UTC", cache=cache)) == figures(
        cli(new_code, root, "--json", "--tz", "UTC", "--no-cache", cache=tmp_path / "other"))
    assert old_code_grown != figures(cli(new_code, root, "--json", "--tz", "UTC", "--no-cache",
                                         cache=tmp_path / "other"))


def test_the_status_line_shows_the_new_price_after_an_upgrade(tmp_path):
    """Intent: the running summary made by the old code (its rates kept) is rebuilt by the new one."""
    root = logs(tmp_path)
    cache = tmp_path / "cache"
    data = json.dumps({"session_id": "s1", "transcript_path": str(root / "proj" / "s1.jsonl")})

    def line(code):
        env = {**os.environ, "PYTHONPATH": str(code), "XDG_CACHE_HOME": str(cache)}
        r = subprocess.run([sys.executable, "-m", "py_core", "statusline", "--color", "never"], input=data,
                           capture_output=True, text=True, env=env, cwd=str(code), timeout=60)
        return r.stdout.split(" · ")[1]

    old = line(ROOT)
    assert line(ROOT) == old  # through the running summary
    new_code = upgraded(tmp_path, "prices")
    assert line(new_code) != old
    assert line(new_code) == line(new_code)
