"""Issue 33 item 4: the commands ccusage users type — daily, weekly, monthly, session, blocks — give the report's
numbers, with their options (--json in ccusage's key names, --breakdown, --order, --limit/--all, blocks --active and
--recent, --project by name with suggestions), colour only on a terminal, and --help listing every command."""

import json

import pytest

from conftest import asst, jsonl, user
from py_core.shells.cli import main
from py_core.shells.commands import COMMANDS


def run(capsys, *args, env=None, monkeypatch=None):
    code = main([*map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def logs(tmp_path):
    """Three sessions in two projects over three days and two models."""
    root = tmp_path / "projects"
    lines = {
        ("-w-shop", "s1"): [user("a", uuid="p1", session="s1", ts="2026-03-02T10:00:00.000Z"),
                            asst("m1", "r1", session="s1", cwd="/w/shop", ts="2026-03-02T10:01:00.000Z", out=1000),
                            asst("m2", "r2", session="s1", cwd="/w/shop", ts="2026-03-02T10:03:00.000Z", out=500,
                                 model="claude-opus-4-5-20251101")],
        ("-w-shop", "s2"): [user("b", uuid="p2", session="s2", ts="2026-03-03T09:00:00.000Z"),
                            asst("m3", "r3", session="s2", cwd="/w/shop", ts="2026-03-03T09:01:00.000Z", out=2000)],
        ("-w-docs", "s3"): [user("c", uuid="p3", session="s3", ts="2026-03-09T12:00:00.000Z"),
                            asst("m4", "r4", session="s3", cwd="/w/docs-site", ts="2026-03-09T12:00:30.000Z",
                                 out=3000, cw=20_000)],
    }
    for (proj, sid), ls in lines.items():
        (root / proj).mkdir(parents=True, exist_ok=True)
        (root / proj / f"{sid}.jsonl").write_bytes(jsonl(*ls))
    return root


def report(capsys, root, *extra):
    code, out, err = run(capsys, root, "--json", "--tz", "UTC", "--no-cache", *extra)
    assert code == 0, err
    return json.loads(out)


def table(capsys, name, root, *extra):
    code, out, err = run(capsys, name, root, "--json", "--tz", "UTC", "--no-cache", *extra)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("name, by, key", [("daily", "day", "date"), ("weekly", "week", "week"),
                                           ("monthly", "month", "month")])
def test_period_tables_are_the_reports_periods(tmp_path, capsys, name, by, key):
    """Intent: each row is the report's period (tokens and cost), its model breakdown adds up to it, the totals row
    is the report's total."""
    root = logs(tmp_path)
    rep = report(capsys, root, "--by", by)
    got = table(capsys, name, root)
    rows = got[name]
    assert [r[key] for r in rows] == [p["period"] for p in rep["periods"]]
    for r, p in zip(rows, rep["periods"]):
        t = p["tokens"]
        assert (r["inputTokens"], r["outputTokens"], r["cacheCreationTokens"], r["cacheReadTokens"], r["totalTokens"],
                r["totalCost"]) == (t["input"], t["output"], t["cache_write_5m"] + t["cache_write_1h"],
                                    t["cache_read"], t["total"], p["cost_usd"])
        assert abs(sum(m["cost"] for m in r["modelBreakdowns"]) - r["totalCost"]) < 1e-9
        assert sorted(r["modelsUsed"]) == sorted(m["modelName"] for m in r["modelBreakdowns"])
    assert abs(got["totals"]["totalCost"] - rep["totals"]["cost_usd"]) < 1e-9
    assert got["totals"]["totalTokens"] == rep["totals"]["tokens"]["total"] and "not a bill" in got["label"]


def test_session_and_blocks_tables(tmp_path, capsys):
    """Intent: `session` has a row per session (by last activity, with its project), `blocks` a row per 5-hour block;
    --active keeps the active block, --recent the last three days."""
    root = logs(tmp_path)
    rep = report(capsys, root)
    got = table(capsys, "session", root)
    assert [r["sessionId"] for r in got["sessions"]] == ["s1", "s2", "s3"]
    by_id = {s["session_id"]: s for s in rep["sessions"]}
    assert all(r["totalCost"] == by_id[r["sessionId"]]["cost_usd"] and r["projectPath"] == by_id[r["sessionId"]]["project"]
               for r in got["sessions"])
    now = "1773057900"  # 2026-03-09T12:05:00Z: in the last block
    blocks = table(capsys, "blocks", root, "--now", now)["blocks"]
    assert len(blocks) == 3 and [b["isActive"] for b in blocks] == [False, False, True]
    assert [b["startTime"] for b in table(capsys, "blocks", root, "--now", now, "--active")["blocks"]] == \
        ["2026-03-09T12:00:00Z"]
    assert len(table(capsys, "blocks", root, "--now", now, "--recent")["blocks"]) == 1


def test_order_limit_and_breakdown_in_the_terminal(tmp_path, capsys):
    """Intent: --order desc puts the newest first, --limit keeps the latest rows while the totals row covers all,
    --breakdown adds a row per model; the table fits 80 columns."""
    root = logs(tmp_path)
    code, out, _ = run(capsys, "daily", root, "--tz", "UTC", "--no-cache", "--order", "desc", "--breakdown")
    lines = out.splitlines()
    assert code == 0 and max(len(x) for x in lines) <= 80
    days = [x.split()[0] for x in lines if x[:4] == "2026"]
    assert days == ["2026-03-09", "2026-03-03", "2026-03-02"]
    assert sum("└ claude-opus-4-5-20251101" in x for x in lines) == 1 and lines[-1].startswith("Total")
    code, out, _ = run(capsys, "daily", root, "--tz", "UTC", "--no-cache", "--limit", "1")
    assert [x.split()[0] for x in out.splitlines() if x[:4] == "2026"] == ["2026-03-09"]
    assert "Total (all 3)" in out


def test_project_by_name_and_suggestions(tmp_path, capsys):
    """Intent: --project takes a path's ending; a name that matches nothing suggests close ones."""
    root = logs(tmp_path)
    assert report(capsys, root, "--project", "shop")["totals"]["sessions"] == 2
    assert report(capsys, root, "--project", "w/docs-site")["totals"]["sessions"] == 1
    code, _out, err = run(capsys, root, "--tz", "UTC", "--no-cache", "--project", "docs-sit")
    assert code != 0 and "did you mean '/w/docs-site'?" in err


@pytest.mark.parametrize("args, env, coloured", [
    (["--color", "always"], {}, True),
    ([], {}, False),                               # a pipe (the test's captured output)
    (["--color", "auto"], {"NO_COLOR": "1"}, False),
    (["--color", "never"], {}, False),
])
def test_colour_only_on_a_terminal(tmp_path, capsys, monkeypatch, args, env, coloured):
    """Intent: the report and the tables are coloured when asked or on a terminal, never in a pipe or with
    NO_COLOR."""
    root = logs(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for cmd in ([], ["daily"]):
        code, out, _ = run(capsys, *cmd, root, "--tz", "UTC", "--no-cache", *args)
        assert code == 0 and ("\x1b[" in out) == coloured


def test_colour_is_on_for_a_terminal_without_no_color(monkeypatch):
    """Intent: auto means a terminal without NO_COLOR."""
    from py_core.shells.term import color_on

    class Tty:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_on("auto", Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_on("auto", Tty()) and color_on("always", Tty())


def test_columns_is_respected_when_piped(tmp_path, capsys, monkeypatch):
    """Intent: COLUMNS=120 widens the report in a pipe (it was ignored: always 80)."""
    root = logs(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")
    _code, out, _ = run(capsys, root, "--tz", "UTC", "--no-cache")
    widths = [len(x) for x in out.splitlines()]
    assert max(widths) <= 120 and max(widths) > 80


def test_help_lists_every_command(capsys):
    """Intent: `tokenscope --help` lists every command, the ccusage ones among them."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"  {c.name} " in out for c in COMMANDS)
    assert {"daily", "weekly", "monthly", "session", "blocks"} <= {c.name for c in COMMANDS}


def test_the_real_logs_tables_equal_the_report(real_dir, capsys):
    """Intent: on the real logs, every table's totals are the report's total."""
    rep = report(capsys, real_dir)
    for name in ("daily", "weekly", "monthly", "session", "blocks"):
        got = table(capsys, name, real_dir)
        assert abs(got["totals"]["totalCost"] - rep["totals"]["cost_usd"]) < 1e-6, name


def test_a_table_of_nothing_says_why(tmp_path, capsys):
    """Intent: `blocks --active` with no active block says so (not a blank table); a garbage file is a message."""
    root = logs(tmp_path)
    code, out, _ = run(capsys, "blocks", root, "--no-cache", "--active", "--now", "1900000000")
    assert code == 0 and "(no block is active)" in out and out.splitlines()[-1].startswith("Total")
    bad = tmp_path / "g.jsonl"
    bad.write_text("garbage\n")
    code, out, err = run(capsys, "daily", bad, "--no-cache")
    assert code == 1 and out == "" and "1 line is not a log line" in err
