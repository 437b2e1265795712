"""Issue 10, "nothing crashes a run": each odd or hostile input is fed, named in the report, and the rest of the
input is still analysed — never a traceback, never a hang, never a silent skip."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from py_core import Analyzer, build_report

from py_core.shells import api
from py_core.shells.cli import main
from tests.conftest import PEAK_KB, analyze, asst, jsonl, user

# The decoder reads these lines: the standard-library pass runs them again (tests/run.sh; issue 31 item 7).
pytestmark = pytest.mark.decoder

ROOT = Path(__file__).resolve().parent.parent
GOOD = asst("m-good", "r-good", out=100, inp=10)  # the request every hostile log also holds


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def cli(args, timeout=30, **kw):
    """The CLI as a separate process (what a user runs), bytes out."""
    return subprocess.run([sys.executable, "-m", "py_core", *args], cwd=ROOT, capture_output=True,
                          timeout=timeout, **kw)


# ---- the core: lines ----------------------------------------------------------------------------------------

def deep(n):
    return '{"a":' * n + "1" + "}" * n


@pytest.mark.parametrize("line, reason, why", [
    (deep(5000), "nested too deeply", "json.loads recursion: Pyodide's stack dies long before RecursionError"),
    ("[" * 50000 + "]" * 50000, "nested too deeply", "a list 50,000 deep"),
    (deep(201), "nested too deeply", "one level past the limit the CLI and the page share"),
    ('{"type":"user","x":"' + "{[" * 5000 + '"}', None, "brackets inside a string do not nest"),
    (deep(200), "not-malformed", "at the limit: parsed"),
], ids=["objects-5000", "lists-50000", "limit+1", "brackets-in-string", "at-limit"])
def test_deep_lines_are_counted_and_the_rest_is_read(line, reason, why):
    """Intent: a line nested too deeply is one malformed line, decided by an explicit limit, not by the stack."""
    rep = analyze(jsonl(line, GOOD), tz="UTC")
    assert rep["totals"]["requests"] == 1, why
    by_reason = rep["diagnostics"]["malformed"]["by_reason"]
    if reason == "nested too deeply":
        assert by_reason == {"nested too deeply": 1}, why
    else:
        assert by_reason == {} or "nested too deeply" not in by_reason, why


@pytest.mark.parametrize("raw, field, why", [
    ("1" + "0" * 30, "output_tokens", "10^30 tokens would be a $10^24 estimate"),
    ("1" + "0" * 400, "output_tokens", "a number with 400 digits"),
    ("-5", "output_tokens", "negative"),
    ("NaN", "output_tokens", "json.loads accepts NaN"),
    ("Infinity", "output_tokens", "json.loads accepts Infinity"),
    ("1e400", "output_tokens", "a float overflowing to infinity"),
    ('"12"', "output_tokens", "a string"),
    ("1.5", "output_tokens", "not a whole number"),
    ("true", "output_tokens", "a bool is not a count"),
    ("[]", "output_tokens", "a list"),
], ids=["1e30", "400-digits", "negative", "nan", "infinity", "1e400", "string", "fraction", "bool", "list"])
def test_absurd_token_counts_are_ignored_and_reported(raw, field, why):
    """Intent: an untrusted count is ignored (counted as 0), listed in the diagnostics and the warnings; the rest
    of the line and of the log still bill."""
    line = json.dumps(asst("m-bad", "r-bad", out=7, inp=3, cr=1000)).replace('"output_tokens": 7', f'"{field}": {raw}')
    rep = analyze(jsonl(line, GOOD), tz="UTC")
    t = rep["totals"]
    assert t["requests"] == 2, why
    assert t["tokens"]["output"] == 100 and t["tokens"]["input"] == 13 and t["tokens"]["cache_read"] == 1000, why
    assert t["cost_usd"] < 1, why
    d = rep["diagnostics"]
    assert d["ignored_usage_values"] == {"count": 1, "by_field": {field: 1}}, why
    assert [w["kind"] for w in d["warnings"]] == ["ignored_usage_values"]
    assert field in d["warnings"][0]["text"]


def test_a_count_above_a_billion_tokens_is_ignored():
    """Intent: the cap is explicit: a billion tokens in one request is ~500x any context window."""
    ok = analyze(jsonl(asst(cr=10**9)), tz="UTC")
    bad = analyze(jsonl(asst(cr=10**9 + 1)), tz="UTC")
    assert ok["totals"]["tokens"]["cache_read"] == 10**9
    assert bad["totals"]["tokens"]["cache_read"] == 0
    assert bad["diagnostics"]["ignored_usage_values"]["by_field"] == {"cache_read_input_tokens": 1}


def test_lone_surrogates_become_replacement_characters():
    """Intent: `\\ud800` escapes in log strings never reach an output: every report encodes as UTF-8."""
    line = json.dumps(asst(model="claude-x-\ud800", session="s-\udfff", cwd="/p/\ud83d")).encode("ascii")
    a = Analyzer().feed_bytes("p/\udcff.jsonl", jsonl(line, {"type": "new-\ud800-type"}))
    rep = build_report(a, tz="UTC")
    text = json.dumps(rep, ensure_ascii=False)
    text.encode("utf-8")  # raises on a lone surrogate
    assert rep["sessions"][0]["session_id"] == "s-\ufffd" and rep["models"][0]["model"] == "claude-x-\ufffd"
    assert rep["diagnostics"]["unknown_line_types"] == {"new-\ufffd-type": 1}
    assert "p/\ufffd.jsonl" in a.files


def test_invalid_utf8_lines_are_named_in_the_warnings():
    """Intent: bytes that are not UTF-8 are read with replacement characters and the warning says where."""
    bad = json.dumps(asst("m2", "r2", cwd="/p/X")).encode().replace(b"/p/X", b"/p/\xff\xfe")
    rep = analyze(("proj/s.jsonl", jsonl(GOOD, bad)), tz="UTC")
    assert rep["totals"]["requests"] == 2
    w = [w for w in rep["diagnostics"]["warnings"] if w["kind"] == "invalid_utf8"]
    assert w and "proj/s.jsonl: 1 line, first at line 2" in w[0]["text"]
    assert rep["diagnostics"]["invalid_utf8"] == [{"file": "proj/s.jsonl", "count": 1, "first": [2]}]


# ---- the core: time zones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("tz, stamp, day", [
    ("+05:17", "2026-01-10T18:42:30Z", "2026-01-10"),   # 23:59:30 local
    ("+05:17", "2026-01-10T18:43:30Z", "2026-01-11"),   # 00:00:30 local, same UTC quarter hour as above
    ("-00:07", "2026-01-11T00:06:00Z", "2026-01-10"),
    ("-00:07", "2026-01-11T00:08:00Z", "2026-01-11"),
    ("+05:45", "2026-01-10T18:14:59Z", "2026-01-10"),   # Kathmandu: a whole quarter hour, the fast path
    ("+05:45", "2026-01-10T18:15:00Z", "2026-01-11"),
], ids=["+05:17-before", "+05:17-after", "-00:07-before", "-00:07-after", "+05:45-before", "+05:45-after"])
def test_odd_offsets_file_requests_under_their_true_local_day(tz, stamp, day):
    """Intent: `--tz` offsets that are not whole quarter hours still give each request its local day."""
    rep = analyze(jsonl(asst(ts=stamp)), tz=tz)
    assert [d["date"] for d in rep["days"]] == [day]


# ---- the CLI: files -------------------------------------------------------------------------------------------

def write(p, *objs):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(jsonl(*objs))
    return p


def test_fifo_in_a_folder_is_named_not_opened(tmp_path):
    """Intent: a FIFO named *.jsonl inside a folder would block open() forever: it is listed, never opened."""
    write(tmp_path / "proj" / "s.jsonl", GOOD)
    os.mkfifo(tmp_path / "proj" / "pipe.jsonl")
    r = cli([str(tmp_path), "--json"])
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["totals"]["requests"] == 1
    assert rep["diagnostics"]["unreadable_files"] == [{"file": "proj/pipe.jsonl", "reason": "a FIFO"}]
    assert any(w["kind"] == "unreadable_files" and "pipe.jsonl" in w["text"] for w in rep["diagnostics"]["warnings"])


def test_fifo_named_on_the_command_line_is_read_like_stdin(tmp_path):
    """Intent: `tokenscope <(cat log)` works; a FIFO nobody writes to is an empty input, not a hang."""
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    r = cli([str(fifo), "--json"])  # no writer at all
    assert r.returncode == 1 and b"no billable requests" in r.stderr and r.stderr.count(b"\n") == 1
    script = f"cat {tmp_path / 'log.jsonl'} > {fifo} &\n{sys.executable} -m py_core {fifo} --json"
    (tmp_path / "log.jsonl").write_bytes(jsonl(GOOD))
    r = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["totals"]["requests"] == 1


def test_symlink_loops_are_named(tmp_path):
    """Intent: a file linking to itself and a folder linking to its parent end neither in a traceback nor a loop."""
    write(tmp_path / "proj" / "s.jsonl", GOOD)
    os.symlink("loop.jsonl", tmp_path / "proj" / "loop.jsonl")
    os.symlink("..", tmp_path / "proj" / "up")
    r = cli([str(tmp_path), "--json"])
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["totals"]["requests"] == 1
    assert rep["diagnostics"]["unreadable_files"] == [
        {"file": "proj/loop.jsonl", "reason": "symlink loop"},
        {"file": "proj/up/", "reason": "symlink loop (folder already read)"}]


def test_unreadable_folder_and_read_error_are_named(tmp_path, capsys, monkeypatch):
    """Intent: a folder that cannot be listed and a file whose read fails midway are warnings; what was read
    before the error still counts (root ignores permissions, so the OS errors are injected)."""
    write(tmp_path / "a" / "s.jsonl", GOOD)
    write(tmp_path / "b" / "t.jsonl", asst("m2", "r2"), asst("m3", "r3"))
    write(tmp_path / "locked" / "u.jsonl", asst("m4", "r4"))
    real_scandir, real_open = os.scandir, open

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    class Failing:
        def __init__(self, fh):
            self.fh, self.reads = fh, 0

        def read(self, n):
            self.reads += 1
            if self.reads > 1:
                raise OSError(5, "Input/output error")
            return self.fh.readline()  # the first line only, then the disk fails

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.fh.close()

    def fake_open(path, mode="r", *a, **kw):
        fh = real_open(path, mode, *a, **kw)
        return Failing(fh) if str(path).endswith("t.jsonl") and "b" in mode else fh

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr("builtins.open", fake_open)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    code, out, err = run([str(tmp_path), "--json", "--jobs", "1", *cache], capsys)
    assert code == 0, err
    rep = json.loads(out)
    assert rep["totals"]["requests"] == 2  # s.jsonl, and t.jsonl's first line
    counted = len(jsonl(asst('m2', 'r2')))
    assert rep["diagnostics"]["unreadable_files"] == [
        {"file": "b/t.jsonl", "reason": f"read error after {counted:,} bytes: Input/output error",
         "bytes_counted": counted},
        {"file": "locked/", "reason": "Permission denied"}]
    # Issue 30: the two are told apart — one not read at all, one read in part (what was read counts).
    kinds = {w["kind"]: w["text"] for w in rep["diagnostics"]["warnings"]}
    assert kinds["unreadable_files"].startswith("1 file was not read and is not in these totals: locked/")
    assert kinds["partial_files"].startswith("1 file was read only in part") and "b/t.jsonl" in kinds["partial_files"]
    # ... and the store did not keep the file read in part: once the disk reads again, it is read whole.
    monkeypatch.setattr("builtins.open", real_open)
    monkeypatch.setattr(os, "scandir", real_scandir)
    code, out, _ = run([str(tmp_path), "--json", "--jobs", "1", *cache], capsys)
    assert json.loads(out)["totals"]["requests"] == 4
    assert json.loads(out)["totals"] == json.loads(run([str(tmp_path), "--json", "--no-cache"], capsys)[1])["totals"]


def test_two_files_with_one_base_name_are_two_files_in_any_order(tmp_path, capsys):
    """Intent: `a/s.jsonl b/s.jsonl` are two files (they were one), and the report does not depend on the order."""
    a = write(tmp_path / "a" / "s.jsonl", asst("m1", "r1", out=10))
    b = write(tmp_path / "b" / "s.jsonl", asst("m2", "r2", out=20))
    code, out1, _ = run([str(a), str(b), "--json", "--tz", "UTC"], capsys)
    code2, out2, _ = run([str(b), str(a), "--json", "--tz", "UTC"], capsys)
    assert code == code2 == 0
    rep = json.loads(out1)
    assert rep["diagnostics"]["files"] == 2 and rep["totals"]["tokens"]["output"] == 30
    assert out1 == out2
    assert sorted(r["source"] for r in rep["top_requests"]) == ["a/s.jsonl", "b/s.jsonl"]


def test_the_same_file_twice_is_read_once(tmp_path, capsys):
    """Intent: one file named twice (or through a link) is one file."""
    a = write(tmp_path / "s.jsonl", GOOD)
    os.symlink(a, tmp_path / "link.jsonl")
    code, out, _ = run([str(a), str(a), str(tmp_path / "link.jsonl"), "--json"], capsys)
    assert code == 0 and json.loads(out)["diagnostics"]["files"] == 1


def test_undecodable_file_names_give_valid_utf8_output(tmp_path):
    """Intent: file names with bytes that are not UTF-8 never break an output (CLI text, JSON, CSV)."""
    d = tmp_path / "proj"
    d.mkdir()
    for raw in (b"s\xff.jsonl", b"s\xfe.jsonl"):  # both clean to the same label: still two files
        with open(os.path.join(os.fsencode(d), raw), "wb") as fh:
            fh.write(jsonl(asst(f"m{raw[1]}", "r", model="claude-\ud800-x", cwd=None)))
    for fmt in ([], ["--json"], ["--csv"]):
        r = cli([str(tmp_path), *fmt])
        assert r.returncode == 0, r.stderr
        text = r.stdout.decode("utf-8")  # raises if not valid UTF-8
        assert "\ufffd" in text
    rep = json.loads(cli([str(tmp_path), "--json"]).stdout)
    assert rep["diagnostics"]["files"] == 2 and rep["totals"]["requests"] == 2


def test_nested_workflow_subagents_are_found_and_roll_into_their_session(tmp_path, capsys):
    """Intent: `<session>/subagents/workflows/<run>/agent-*.jsonl` (2.1.200+) are read and billed to the session."""
    p = tmp_path / "proj"
    write(p / "s1.jsonl", asst("m1", "r1", session="s1"))
    write(p / "s1" / "subagents" / "workflows" / "run-1" / "agent-w1.jsonl",
          asst("m2", "r2", sidechain=True, agent="w1", session="s1"))
    code, out, _ = run([str(tmp_path), "--json"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["totals"]["sessions"] == 1 and rep["totals"]["requests"] == 2
    assert [a["agent"] for a in rep["sessions"][0]["agents"]] == ["main", "w1"]


def test_a_workflow_agent_line_without_session_id_belongs_to_its_folder_session():
    """Intent: the label convention (py_core/core/labels.py) names the session of a nested subagent file."""
    line = asst("m2", "r2", sidechain=True, agent="w1")
    del line["sessionId"]
    rep = analyze(("proj/s9/subagents/workflows/run/agent-w1.jsonl", jsonl(line)), tz="UTC")
    assert rep["sessions"][0]["session_id"] == "s9" and rep["sessions"][0]["project"] == "/home/u/proj"


# ---- the CLI: arguments and outputs ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, code, msg", [
    (["-", "-"], 2, "standard input ('-') can be read only once"),
    (["{log}", "--html", "{tmp}/no/such/dir/x.html"], 2, "cannot write the HTML page"),
    (["{log}", "--html", "{tmp}"], 2, "cannot write the HTML page"),
    (["{log}", "--share", "--card", "{tmp}/no/such/dir/c.svg"], 2, "cannot write the card"),
    (["{log}", "--prices", "{tmp}/huge.json"], 2, "bad price file"),
    (["{log}", "--prices", "{tmp}/inf.json"], 2, "bad price file"),
    (["{log}", "--session", "zzz"], 1, "no session matches 'zzz'"),
    (["{log}", "--since", "2030-01-01"], 1, "no requests from 2030-01-01"),
    (["{log}", "--until", "2000-01-01", "--since", "1999-01-01"], 1, "no requests from 1999-01-01 to 2000-01-01"),
    (["{empty}"], 1, "no billable requests"),
], ids=["stdin-twice", "html-no-dir", "html-is-dir", "card-no-dir", "price-1e300", "price-inf", "session-none",
        "since-none", "range-none", "nothing-billable"])
def test_bad_arguments_and_empty_results_are_one_line(tmp_path, capsys, args, code, msg):
    """Intent: every such case ends with one line saying why, and the exit code scripts can test."""
    log = write(tmp_path / "s.jsonl", GOOD)
    empty = write(tmp_path / "e" / "meta.jsonl", {"type": "summary", "summary": "x"})
    (tmp_path / "huge.json").write_text(json.dumps({"models": {"m": {"input_cost_per_token": 1e300,
                                                                       "output_cost_per_token": 1}}}))
    (tmp_path / "inf.json").write_text('{"claude-sonnet-4-5": {"output_cost_per_token": Infinity}}')
    args = [a.format(log=log, tmp=tmp_path, empty=empty) for a in args]
    got, out, err = run(args, capsys)
    assert got == code, err
    assert err.count("\n") == 1 and msg in err, err
    assert "Traceback" not in err and out == ""


def test_warnings_reach_the_terminal(tmp_path, capsys):
    """Intent: ignored usage values and non-UTF-8 lines are in the terminal report, not only in --json."""
    bad = json.dumps(asst("m2", "r2", cwd="/p/X")).encode().replace(b"/p/X", b"/p/\xff")
    neg = json.dumps(asst("m3", "r3")).replace('"output_tokens": 100', '"output_tokens": -1')
    log = write(tmp_path / "s.jsonl", GOOD, bad, neg)
    code, out, _ = run([str(log)], capsys)
    assert code == 0
    assert "usage value was ignored" in out and "output_tokens ×1" in out
    assert "not UTF-8" in out and "s.jsonl: 1 line, first at line 2" in out


def test_broken_pipe_is_quiet(tmp_path):
    """Intent: `tokenscope | head -1` ends without a traceback."""
    log = write(tmp_path / "s.jsonl", *[asst(f"m{i}", f"r{i}", session=f"s{i}") for i in range(300)])
    r = subprocess.run(f"{sys.executable} -m py_core {log} | head -1", shell=True, cwd=ROOT, capture_output=True,
                       timeout=30)
    assert b"Traceback" not in r.stderr and r.stdout.startswith(b"tokenscope")


# ---- the browser's entry point ---------------------------------------------------------------------------------

MARK = '<b id="x" onmouseover="alert(1)">&"\''


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:2]):
            yield from _leaves(v, path + (i,))
    else:
        yield path


def _with(obj, path, value):
    obj = json.loads(json.dumps(obj))
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return obj


def test_pasted_reports_with_markup_in_any_field_draw_escaped_charts():
    """Intent: in a pasted --json report, every leaf replaced by markup (or a string where a number belongs)
    gives charts and a share card without raising and without an unescaped tag (issue 10)."""
    rep = analyze(("p/s.jsonl", (ROOT / "web" / "sample.jsonl").read_bytes()), tz="UTC")
    for s in rep["sessions"]:
        s["context_curve"] = s["context_curve"][:3]
    leaves = list(_leaves(rep))
    assert len(leaves) > 300
    for path in leaves:
        for value in (MARK, [MARK], {"x": MARK}, True, 1e308, -1):
            pasted = _with(rep, path, value)
            out = json.loads(api.handle(json.dumps({"op": "charts", "report": pasted})))
            if path == ("schema_version",):
                assert out == {"error": "not a tokenscope --json report (schema version 1)"}
                continue
            assert "error" not in out, (path, value, out)
            for key, svg in out["charts"].items():
                if key != "curve_session":  # the id itself: the page shows it as text
                    assert "<b " not in svg and "onmouseover=\"" not in svg, (path, value)
            share = json.loads(api.handle(json.dumps({"op": "share", "pasted": True, "url": "http://x/"})))
            assert "error" not in share and "<b " not in share["svg"], (path, value)


@pytest.mark.parametrize("request_json, why", [
    ('{"op": "charts", "report": ' + "[" * 100000 + "]" * 100000 + "}", "a pasted report nested 100,000 deep"),
    ("[1, 2]", "not an object"),
    ('{"op": "charts", "report": {"schema_version": 2}}', "another schema"),
    ('{"op": "no-such-op"}', "unknown operation"),
    ("{", "not JSON"),
], ids=["deep", "not-object", "schema-2", "unknown-op", "not-json"])
def test_api_answers_an_error_and_never_raises(request_json, why):
    """Intent: whatever the page sends, the worker gets a JSON answer (an error), never an exception."""
    out = json.loads(api.handle(request_json))
    assert set(out) == {"error"} and out["error"], why


def test_ignored_values_do_not_depend_on_which_copy_comes_first():
    """Intent: a bad web-search count on one copy of a response is counted once, whichever copy comes first
    (values are checked on every line, not on the copy that happens to lead)."""
    bad = asst("m1", "r1", out=3)
    bad["message"]["usage"]["server_tool_use"] = {"web_search_requests": -1}
    good = asst("m1", "r1", out=50)
    first = analyze(jsonl(bad, good), tz="UTC")["diagnostics"]["ignored_usage_values"]
    second = analyze(jsonl(good, bad), tz="UTC")["diagnostics"]["ignored_usage_values"]
    assert first == second == {"count": 1, "by_field": {"server_tool_use.web_search_requests": 1}}


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[2J", "\x0b\x0c", "\ufffe", "\x08"])
def test_control_characters_in_log_strings_leave_every_svg_valid_xml(bad):
    """Intent (issue 21): a control character in a model, project or session id made the charts invalid XML, drawn
    blank on the page and in --html; every chart must parse as XML whatever the log's strings hold."""
    import xml.etree.ElementTree as ET
    from py_core.views.svg import charts, context_curve
    text = jsonl(user("go", session=f"s{bad}1", cwd=f"/home/u/pro{bad}ject"), asst("m0", "r0", session=f"s{bad}1", cwd=f"/home/u/pro{bad}ject", out=5),
                 asst("m1", "r1", session=f"s{bad}1", model=f"claude-x{bad}", out=50, cr=1000),
                 asst("m2", "r2", session=f"s{bad}1", model=f"claude-x{bad}", out=60, cr=3000,
                      ts="2026-01-10T10:05:00.000Z"))
    rep = build_report(Analyzer().feed_bytes(f"p{bad}/s.jsonl", text), tz="UTC")
    svgs = [v for v in charts(rep).values() if v.startswith("<svg")] + [context_curve(rep["sessions"][0])]
    assert len(svgs) >= 5
    for svg in svgs:
        if svg:
            ET.fromstring(svg)


def test_a_state_file_of_a_newer_format_is_refused_not_read_as_a_log(tmp_path, capsys):
    """Intent (issue 21): `TOKENSCOPE-STATE 2` was read as a log (exit 0, hundreds of malformed lines)."""
    f = tmp_path / "team.state"
    f.write_bytes(b"TOKENSCOPE-STATE 2\n" + os.urandom(2000))
    code = main([str(f), "--no-cache", "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "made by a newer tokenscope" in err and err.count("\n") == 1


# ---- issue 21: nothing from a log drives a terminal -----------------------------------------------------------

# Each: an OSC title + BEL, a clear-screen, a newline followed by a marker, NUL, backspace, an 8-bit CSI (U+009B)
# and a right-to-left override. Folder names cannot hold NUL: those use the rest.
EVIL = "\x1b]0;pwn\x07\x1b[2J\nINJECTED\x00\x08\x9b31m\u202e"
EVIL_NAME = EVIL.replace("\x00", "")
_FORBIDDEN = {*map(chr, range(0x20)), *map(chr, range(0x7f, 0xa0)), "\u202e"} - {"\n"}


def _evil_folder(tmp_path, stamp):
    """A projects folder where every log string a view shows holds EVIL: session and agent ids, models, the
    project path (cwd and folder name), the file name, a Task's subagent type and an agent meta file's type."""
    sid = "sess" + EVIL
    proj = tmp_path / ("-home-u-p" + EVIL_NAME)
    sub = proj / "s1" / "subagents"
    sub.mkdir(parents=True)
    cwd = "/home/u/p" + EVIL
    task = {"type": "tool_use", "id": "toolu_1", "name": "Task",
            "input": {"subagent_type": "kind" + EVIL, "prompt": "go", "description": "d"}}
    (proj / ("s1" + EVIL_NAME + ".jsonl")).write_bytes(jsonl(
        user("go", session=sid, cwd=cwd, ts=stamp(-120)),
        asst("m1", "r1", session=sid, cwd=cwd, model="claude-x" + EVIL, out=50, cr=1000, ts=stamp(-60)),
        asst("m2", "r2", session=sid, cwd=cwd, out=60, cr=3000, ts=stamp(-30), content=[task])))
    (sub / "agent-a1.jsonl").write_bytes(jsonl(
        asst("m3", "r3", session=sid, cwd=cwd, sidechain=True, agent="a1" + EVIL, out=70, cr=500, ts=stamp(-20))))
    (sub / "agent-a1.meta.json").write_text(json.dumps({"agentType": "meta" + EVIL}))
    return proj


def _assert_inert(out, where):
    text = out.decode("utf-8") if isinstance(out, bytes) else out
    bad = sorted({hex(ord(c)) for c in text if c in _FORBIDDEN})
    assert not bad, f"{where}: {bad}"
    assert not any(line.startswith("INJECTED") for line in text.split("\n")), f"{where}: a log string split a line"


def _stamp_from(now):
    import datetime as dt
    return lambda s: dt.datetime.fromtimestamp(now + s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize("args", [[], ["--wide"], ["--csv"], ["--json"], ["--share"], ["--by", "day"]], ids=lambda a: " ".join(a) or "terminal")
def test_no_view_writes_a_control_character_from_a_log(tmp_path, args):
    """Intent (issue 21): escapes, newlines, NUL, backspace, C1 and bidi controls in every log string (ids, models,
    paths, agent types) never reach the bytes a view writes — stdout and stderr, as a separate process."""
    import time
    now = time.time()
    proj = _evil_folder(tmp_path, _stamp_from(now))
    res = cli([str(proj), "--no-cache", *args])
    assert res.returncode == 0, res.stderr
    assert b"pwn" in res.stdout or b"kind" in res.stdout or b"claude-x" in res.stdout or args == ["--share"]
    _assert_inert(res.stdout, "stdout")
    _assert_inert(res.stderr, "stderr")


def test_watch_and_the_status_line_write_no_control_character_from_a_log(tmp_path):
    """Intent (issue 21): `watch` printed session and agent ids raw; the status line printed a model holding escapes
    and a newline raw with --color always. The status line's own colours are the only escapes it writes."""
    import re as _re
    import time
    now = time.time()
    proj = _evil_folder(tmp_path, _stamp_from(now))
    res = subprocess.run([sys.executable, "-m", "py_core", "watch", str(proj), "--once", "--no-cache",
                          "--cap", "0.000001"], cwd=ROOT, capture_output=True, timeout=60)
    assert res.returncode == 0 and b"sess" in res.stdout, res.stderr
    _assert_inert(res.stdout, "watch")
    _assert_inert(res.stderr, "watch stderr")
    log = next(proj.glob("s1*.jsonl"))
    for display in ("Opus" + EVIL, None):
        payload = {"transcript_path": str(log), "session_id": "sess" + EVIL, "cwd": str(tmp_path)}
        if display:
            payload["model"] = {"display_name": display}
        res = subprocess.run([sys.executable, "-m", "py_core", "statusline", "--color", "always", "--no-cache"],
                             cwd=ROOT, input=json.dumps(payload).encode(), capture_output=True, timeout=60)
        line = res.stdout.decode()
        assert res.returncode == 0 and line.endswith("\n") and line.count("\n") == 1, line
        assert "$" in line, line
        _assert_inert(_re.sub(r"\x1b\[[0-9;]*m", "", line[:-1]), "statusline")


def test_a_zip_bomb_state_is_refused_in_bounded_memory(tmp_path):
    """Intent (issue 21): a state file inflating to 1 GiB was inflated whole (19 s, 2.1 GB) before it was refused;
    it is refused once past the cap, inflated in bounded chunks (peak memory of the process well under the bomb)."""
    import zlib
    from py_core.state.statefile import MAGIC, MAX_INFLATED
    c = zlib.compressobj(1)
    zero = bytes(16 << 20)
    body = b"".join(c.compress(zero) for _ in range((1 << 30) // len(zero))) + c.flush()
    bomb = tmp_path / "bomb.state"
    bomb.write_bytes(MAGIC + body)
    probe = ("import sys\nfrom py_core.shells.cli import main\ncode = main(sys.argv[1:])\n"
             f"sys.stderr.write('peak=%d\\n' % {PEAK_KB})\nsys.exit(code)")
    res = subprocess.run([sys.executable, "-c", probe, str(bomb), "--no-cache", "--json"], cwd=ROOT,
                         capture_output=True, timeout=300)
    assert res.returncode == 2 and b"too large once decompressed" in res.stderr, res.stderr
    peak_mb = int(res.stderr.rsplit(b"peak=", 1)[1]) / 1024
    assert peak_mb < (MAX_INFLATED >> 20) + 200 + len(body) / 2 ** 20, peak_mb


def test_a_store_that_cannot_grow_costs_one_line_and_the_report_is_right(tmp_path):
    """Intent (issue 21): a full disk read "cannot rollback - no transaction is active" (sqlite's second error, after
    the first was lost). With the file size limited below what the store needs: exit 0, the report of --no-cache,
    and one line saying the store was not updated."""
    import resource
    import signal
    logs = tmp_path / "logs" / "p"
    logs.mkdir(parents=True)
    (logs / "big.jsonl").write_bytes(jsonl(*(asst(f"m{i}", f"r{i}", ts=f"2026-01-10T10:{i % 60:02d}:00.000Z")
                                             for i in range(3000))))

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))
    res = subprocess.run([sys.executable, "-m", "py_core", str(logs), "--cache-dir", str(tmp_path / "c"), "--json"],
                         cwd=ROOT, capture_output=True, timeout=120, preexec_fn=small_files)
    plain = cli([str(logs), "--no-cache", "--json"])
    assert res.returncode == 0 and json.loads(res.stdout) == json.loads(plain.stdout)
    err = res.stderr.decode()
    assert err.count("\n") == 1 and "not updated" in err and "rollback" not in err, err


def test_every_svg_of_the_html_page_parses_with_control_characters_in_every_log_string(tmp_path):
    """Intent (issue 21): `--html` draws the page's charts from the same module: with escapes, NUL, backspace and
    bidi controls in ids, models, paths and agent types, each of its SVGs is valid XML."""
    import re as _re
    import time
    import xml.etree.ElementTree as ET
    proj = _evil_folder(tmp_path, _stamp_from(time.time()))
    out = tmp_path / "r.html"
    res = cli([str(proj), "--no-cache", "--html", str(out)])
    assert res.returncode == 0, res.stderr
    svgs = _re.findall(r"<svg\b.*?</svg>", out.read_text(encoding="utf-8"), _re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        ET.fromstring(svg)
