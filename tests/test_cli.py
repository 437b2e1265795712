"""The CLI shell: paths, defaults, formats, errors."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from py_core.shells.cli import main
from py_core.shells.commands import COMMANDS, options_of, parser
from py_core.state.paths import default_roots, discover
from tests.conftest import asst, jsonl, user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def projects(tmp_path):
    """A small ~/.claude/projects tree: one session with a 2.1.x subagent folder and meta file."""
    p = tmp_path / "projects" / "-home-u-proj"
    (p / "s1" / "subagents").mkdir(parents=True)
    (p / "s1.jsonl").write_bytes(jsonl(user("go"), asst("m1", "r1", out=100), asst("m1", "r1", out=100)))
    (p / "s1" / "subagents" / "agent-a1.jsonl").write_bytes(jsonl(asst("m2", "r2", sidechain=True, agent="a1")))
    (p / "s1" / "subagents" / "agent-a1.meta.json").write_text('{"agentType": "Explore"}')
    (p / "notes.txt").write_text("not a log")
    return tmp_path / "projects"


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_on_a_folder(projects, capsys):
    """Intent: a folder is read recursively (*.jsonl), meta files name agent types, --json is schema 1."""
    code, out, _ = run([str(projects), "--json", "--tz", "UTC"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["schema_version"] == 1
    assert rep["totals"]["requests"] == 2 and rep["diagnostics"]["files"] == 2
    assert rep["sessions"][0]["agents"][1]["agent_type"] == "Explore"
    assert rep["sessions"][0]["project"] == "/home/u/proj"


def test_text_report(projects, capsys):
    """Intent: the default view shows the cost, the split bar, sessions and the honest label."""
    code, out, _ = run([str(projects), "--tz", "UTC"], capsys)
    assert code == 0
    assert "Estimated cost: $" in out and "Where it went  [" in out and "not a bill" in out
    assert "Sessions by cost" in out and "s1" in out


def test_csv_one_row_per_billed_request(projects, capsys):
    """Intent: --csv has one row per billed request, with per-bucket costs summing to the row cost."""
    code, out, _ = run([str(projects), "--csv", "--tz", "UTC"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 2
    for r in rows:
        parts = sum(float(r[k]) for k in ("cost_input_usd", "cost_output_usd", "cost_cache_write_5m_usd",
                                          "cost_cache_write_1h_usd", "cost_cache_read_usd", "cost_web_search_usd"))
        assert parts == pytest.approx(float(r["cost_usd"]))
    assert {r["agent_type"] for r in rows} == {"main thread", "Explore"}


def test_csv_neutralises_formulas(tmp_path, capsys):
    """Intent: log text starting with = cannot become a spreadsheet formula."""
    f = tmp_path / "x.jsonl"
    f.write_bytes(jsonl(asst(session="=HYPERLINK(1)")))
    _, out, _ = run([str(f), "--csv"], capsys)
    assert "'=HYPERLINK(1)" in out


def test_stdin(capsys, monkeypatch):
    """Intent: '-' reads a log from standard input."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(jsonl(asst(out=42)))))
    code, out, _ = run(["-", "--json"], capsys)
    assert code == 0 and json.loads(out)["totals"]["tokens"]["output"] == 42


def test_missing_path_is_one_line_exit_2(tmp_path, capsys):
    """Intent: a typo in a path is a one-line error, exit 2."""
    code, out, err = run([str(tmp_path / "nope")], capsys)
    assert code == 2 and err.count("\n") == 1 and "no such file or folder" in err


def test_no_logs_found_says_where_it_looked(tmp_path, capsys, monkeypatch):
    """Intent: with no PATH and no logs, the message names the folders searched."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    code, _, err = run([], capsys)
    assert code == 1
    assert str(tmp_path / "a" / "projects") in err and str(tmp_path / "b" / "projects") in err


def test_default_roots():
    """Intent: CLAUDE_CONFIG_DIR (comma list) wins; else ~/.claude/projects and ~/.config/claude/projects."""
    assert default_roots({"CLAUDE_CONFIG_DIR": "/x, /y"}, "/h") == ["/x/projects", "/y/projects"]
    assert default_roots({}, "/h") == ["/h/.claude/projects", "/h/.config/claude/projects"]


def test_default_roots_are_read(projects, capsys, monkeypatch):
    """Intent: no PATH reads the configured projects folder."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(projects.parent))
    code, out, _ = run(["--json"], capsys)
    assert code == 0 and json.loads(out)["totals"]["requests"] == 2


def test_discover_labels_are_relative(projects):
    """Intent: reports name files relative to the folder given, not the user's home layout."""
    labels = [label for label, _ in discover(str(projects))[0]]
    assert labels == ["-home-u-proj/s1.jsonl", "-home-u-proj/s1/subagents/agent-a1.jsonl",
                      "-home-u-proj/s1/subagents/agent-a1.meta.json"]


@pytest.mark.parametrize("args, msg", [(["--tz", "Mars/Olympus"], "unknown time zone"),
                                       (["--since", "yesterday"], "YYYY-MM-DD")])
def test_bad_options_exit_2(projects, capsys, args, msg):
    code, _, err = run([str(projects)] + args, capsys)
    assert code == 2 and msg in err


def test_terminal_output_strips_control_characters(tmp_path, capsys):
    """Intent: log text cannot send escape sequences to the user's terminal."""
    f = tmp_path / "x.jsonl"
    f.write_bytes(jsonl(asst(cwd="/evil\x1b[2J\x07", model="claude-x\x1b]0;pwned\x07")))
    _, out, _ = run([str(f)], capsys)
    assert "\x1b" not in out and "\x07" not in out


def test_python_m_from_fresh_checkout_without_install():
    """Intent: `python -m py_core` works from the repository root with nothing installed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-m", "py_core", "--version"], cwd=ROOT, capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0 and r.stdout.startswith("tokenscope ")


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_readme_documents_every_command_and_option(command):
    """Intent: the README's usage block lists every command of the command table and every flag its parser accepts
    (issue 25: in the usage block itself, not only somewhere in the prose; issue 31: one table of commands)."""
    readme = (ROOT / "README.md").read_text()
    usage = readme.split("## CLI", 1)[1].split("```", 2)[1]
    if command != "report":
        assert f"tokenscope {command}" in usage, f"{command} is not in the README's usage block"
    for flag in (f for o in options_of(command) for f in o.flags if f.startswith("--")):
        if parser(command)._option_string_actions[flag].help != "==SUPPRESS==":
            assert flag in usage, f"{command} {flag} is not in the README's usage block"


def test_help_lists_every_command(capsys):
    """Intent (issue 31): `tokenscope --help` lists every command of the table (statusline, watch and cache were not
    there)."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"  {c.name} " in out for c in COMMANDS) and "tokenscope COMMAND --help" in out
