"""Portable state files and the Dask engine (issue 16).

The rule: states saved where the logs are and merged anywhere give the report of the logs themselves — disjoint or
overlapping halves, the same session seen on two machines, redacted or not — and a state file that is not
trustworthy is refused whole, by name.
"""

import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import asst, jsonl, user
from py_core.shells.cli import main
from py_core.state.statefile import MAGIC


ROOT = Path(__file__).resolve().parent.parent


def run(args, capsys):
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def report(args, capsys):
    """The --json report, without prompts' first words: a state file never carries them (issue 32), so a report
    from states equals the logs' in everything else."""
    code, out, err = run([*args, "--json", "--tz", "UTC", "--no-cache"], capsys)
    assert code == 0, err
    return without_words(json.loads(out))


def without_words(rep):
    for rows in [rep["turns"]["costliest"], rep["loops"]] + [s["turns"]["costliest"] + s["loops"]
                                                              for s in rep["sessions"]]:
        for row in rows:
            row["prompt"] = None
    return rep


def save(args, path, capsys, *extra):
    code, _out, err = run([*args, "--json", "--tz", "UTC", "--no-cache", "--save-state", path, *extra], capsys)
    assert code == 0, err
    return path


def copy_some(src, dst, files):
    for f in files:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    return dst


def real_copy(real_dir, tmp_path):
    root = tmp_path / "all"
    shutil.copytree(real_dir, root, ignore=shutil.ignore_patterns("*.json", "*.md"))
    return root


@pytest.mark.parametrize("split", ["disjoint", "overlapping"])
def test_states_of_two_halves_merge_to_the_report_of_the_whole(real_dir, tmp_path, capsys, split):
    """Intent: states saved from two halves of the real logs (sharing a third of the files, or none) merge to the
    whole folder's report: each file counted once, each response billed once."""
    root = real_copy(real_dir, tmp_path)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    cut = len(files) // 2
    a_files, b_files = (files[:cut], files[cut:]) if split == "disjoint" else (files[:2 * cut // 1 * 2 // 3 + cut // 3],
                                                                              files[cut // 2:])
    a = copy_some(root, tmp_path / "a" / "all", a_files)
    b = copy_some(root, tmp_path / "b" / "all", b_files)
    sa = save([a], tmp_path / "a.state", capsys)
    sb = save([b], tmp_path / "b.state", capsys)
    whole = report([root], capsys)
    merged = report([sa, sb], capsys)
    assert merged == whole
    assert report([sb, sa], capsys) == whole  # in either order


def session_log(out=100, extra=()):
    return jsonl(user("hi", uuid="p1", session="s1", ts="2026-01-10T09:59:00.000Z"),
                 asst("m1", "r1", session="s1", out=out, ts="2026-01-10T10:00:00.000Z"), *extra)


def test_a_session_two_machines_saw_is_billed_once(tmp_path, capsys):
    """Intent: a synced folder: both machines hold the session, the second a longer copy; merged, the longer copy
    counts and every response once."""
    m1 = tmp_path / "m1" / "proj"
    m2 = tmp_path / "m2" / "proj"
    m1.mkdir(parents=True)
    m2.mkdir(parents=True)
    (m1 / "s1.jsonl").write_bytes(session_log())
    (m2 / "s1.jsonl").write_bytes(session_log(extra=[asst("m2", "r2", session="s1", out=50,
                                                          ts="2026-01-10T10:01:00.000Z")]))
    s1 = save([m1.parent], tmp_path / "one.state", capsys)
    s2 = save([m2.parent], tmp_path / "two.state", capsys)
    merged = report([s1, s2], capsys)
    assert merged == report([m2.parent], capsys)
    assert merged["totals"]["requests"] == 2 and merged["diagnostics"]["files"] == 1


SENTINEL = "SeNtInEl"


def test_redact_leaves_no_path_or_session_id_and_still_merges(tmp_path, capsys, monkeypatch):
    """Intent: --redact: no project path, folder or file name or session id of the logs is in the state file (a
    sentinel in each), and the merged report has the same spend, sessions and requests."""
    monkeypatch.setenv("TOKENSCOPE_REDACT_KEY", "team-key")
    proj = tmp_path / f"{SENTINEL}-folder"
    proj.mkdir()
    sid = f"{SENTINEL}-session"
    log = jsonl(user("secret prompt text", uuid=f"{SENTINEL}-uuid", session=sid, ts="2026-01-10T09:59:00.000Z",
                     cwd=f"/home/{SENTINEL}/proj"),
                asst("m1", "r1", session=sid, cwd=f"/home/{SENTINEL}/proj", ts="2026-01-10T10:00:00.000Z"),
                asst("m2", "r2", session=sid, cwd=f"/home/{SENTINEL}/proj", ts="2026-01-10T10:01:00.000Z",
                     agent="a1", sidechain=True))
    (proj / f"{SENTINEL}.jsonl").write_bytes(log)
    path = save([proj], tmp_path / "r.state", capsys, "--redact", "--label", "alice")
    raw = path.read_bytes()
    text = zlib.decompress(raw[len(MAGIC):]).decode()
    assert SENTINEL.lower() not in text.lower() and "secret prompt" not in text
    plain = report([proj], capsys)
    red = report([path], capsys)
    for k in ("cost_usd", "requests", "sessions", "user_prompts", "tokens"):
        assert red["totals"][k] == plain["totals"][k]
    assert SENTINEL.lower() not in json.dumps(red).lower()
    # The same key gives the same hashes: saved twice, merged, still one session.
    again = save([proj], tmp_path / "r2.state", capsys, "--redact", "--label", "alice")
    both = report([path, again], capsys)
    assert both["totals"]["sessions"] == 1 and both["totals"]["requests"] == 2


def test_labelled_states_make_a_team_table(tmp_path, capsys):
    """Intent: two developers' labelled states: the report's team rows give each one's spend (hand-computed:
    Sonnet 4.5 output at $15/M -> 100k output tokens = $1.50), and the totals are their sum."""
    for who, n in (("alice", 1), ("bob", 2)):
        d = tmp_path / who / "proj"
        d.mkdir(parents=True)
        (d / "s.jsonl").write_bytes(jsonl(*(asst(f"{who}{i}", f"r{who}{i}", session=f"{who}-s", inp=0, out=100_000,
                                                 ts=f"2026-01-10T10:0{i}:00.000Z") for i in range(n))))
        save([d.parent], tmp_path / f"{who}.state", capsys, "--label", who)
    rep = report([tmp_path / "alice.state", tmp_path / "bob.state"], capsys)
    assert [(t["label"], t["sessions"], t["requests"], t["cost_usd"]) for t in rep["team"]] == [
        ("bob", 1, 2, 3.0), ("alice", 1, 1, 1.5)]
    assert rep["totals"]["cost_usd"] == 4.5


def hostile(tmp_path):
    good = tmp_path / "good.state"
    d = tmp_path / "logs" / "proj"
    d.mkdir(parents=True)
    (d / "s.jsonl").write_bytes(session_log())
    return good, d.parent


def body(doc):
    return MAGIC + zlib.compress(json.dumps(doc).encode())


HOSTILE = {
    "truncated": lambda good: good[:len(good) // 2],
    "garbage after the header": lambda good: MAGIC + b"\x00\xffnot zlib at all",
    "another version": lambda good: body({"format": 1, "v": 1, "label": None, "files": []}),
    "not an object": lambda good: body([1, 2, 3]),
    "a pickle": lambda good: MAGIC + zlib.compress(b"\x80\x04\x95cos\nsystem\n(S'echo pwned'\ntR."),
    "string token counts": lambda good: body({"format": 1, "v": json.loads(zlib.decompress(good[len(MAGIC):]))["v"],
                                              "label": None, "files": [{"source": "p/s.jsonl", "bytes": 1, "state": dict(
                                                  json.loads(zlib.decompress(good[len(MAGIC):]))["files"][0]["state"],
                                                  requests=[[None, None, "s", "", False, "m", "10", 0, 0, 0, 0, 0,
                                                             None, None, "x", None, "p/s.jsonl", 1, 0, None, False,
                                                             True]])}]}),
    "a number with 400 digits": lambda good: good[:len(MAGIC)] + zlib.compress(
        zlib.decompress(good[len(MAGIC):]).replace(b'"bytes":', b'"bytes":' + b"9" * 400 + b', "x":')),
    "a zip bomb": lambda good: MAGIC + zlib.compress(b"[" + b" " * (3 << 30) if False else b" " * (64 << 20), 9),
    "nested deep": lambda good: body({"format": 1, "files": [[[[[[]]]]]] * 1} | {"x": json.loads("[" * 300 + "]" * 300)}),
    "a label with a slash": lambda good: body({"format": 1, "v": json.loads(zlib.decompress(good[len(MAGIC):]))["v"],
                                               "label": "../etc", "files": []}),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_state_file_is_refused_by_name(tmp_path, capsys, case):
    """Intent: a malformed, truncated, hostile or wrong-version state file: one line naming it, exit 2, nothing of
    it merged (and nothing executed)."""
    good, logs = hostile(tmp_path)
    save([logs], good, capsys)
    bad = tmp_path / "bad-one.bin"
    bad.write_bytes(HOSTILE[case](good.read_bytes()))
    code, out, err = run([logs, bad, "--json", "--no-cache"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("tokenscope: bad state file bad-one.bin: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_state_file_needs_no_extension_and_logs_beside_it_count_once(tmp_path, capsys):
    """Intent: a state file is known by its header, whatever its name; a log given beside a state that holds it is
    billed once."""
    good, logs = hostile(tmp_path)
    odd = save([logs], tmp_path / "anything.txt", capsys)
    alone = report([logs], capsys)
    assert report([odd], capsys) == alone
    both = report([logs, odd], capsys)
    assert both["totals"]["requests"] == alone["totals"]["requests"] and both["totals"]["cost_usd"] == \
        alone["totals"]["cost_usd"]


def test_dask_engine_equals_one_process(real_dir, corpus50):
    """Intent: --engine dask on a LocalCluster of 2 workers gives the single process's --json, byte for byte, on
    the real logs and on the 50 MB corpus (CI runs it)."""
    sys.path.insert(0, str(ROOT / "bench"))
    c50 = corpus50
    for root in (real_dir, c50):
        base = [sys.executable, "-m", "py_core", str(root), "--json", "--tz", "UTC", "--no-curve"]
        one = subprocess.run(base + ["--no-cache", "--jobs", "1"], cwd=ROOT, capture_output=True, timeout=600)
        dask = subprocess.run(base + ["--engine", "dask", "--jobs", "2"], cwd=ROOT, capture_output=True, timeout=600)
        assert one.returncode == 0 and dask.returncode == 0, dask.stderr[-2000:]
        assert dask.stdout == one.stdout


def test_dask_engine_reads_fsspec_urls(tmp_path):
    """Intent: PATH may be an fsspec URL (file:// here, s3:// on a cluster): the same report as the folder."""
    good, logs = hostile(tmp_path)
    base = [sys.executable, "-m", "py_core", "--json", "--tz", "UTC"]
    url = subprocess.run(base + [logs.as_uri(), "--engine", "dask", "--jobs", "1"], cwd=ROOT, capture_output=True,
                         timeout=300)
    local = subprocess.run(base + [str(logs), "--no-cache"], cwd=ROOT, capture_output=True, timeout=300)
    assert url.returncode == 0, url.stderr[-2000:]
    a, b = json.loads(url.stdout), json.loads(local.stdout)
    assert a["totals"] == b["totals"] and a["sessions"] == b["sessions"]


def test_watch_and_the_dask_engine_take_state_files_too(tmp_path, capsys):
    """Intent: "any command accepts state files as PATHs": `watch --once` shows a session a state file holds, and
    `--engine dask` merges a named state file beside the logs it reads (each response once)."""
    m1 = tmp_path / "m1" / "proj"
    m1.mkdir(parents=True)
    (m1 / "s1.jsonl").write_bytes(session_log())
    state = save([m1.parent], tmp_path / "m1.tokenscope", capsys)
    m2 = tmp_path / "m2" / "proj"
    m2.mkdir(parents=True)
    (m2 / "s2.jsonl").write_bytes(jsonl(asst("x1", "rx", session="s2", ts="2026-01-10T10:02:00.000Z")))
    now = "1768039500"  # 2026-01-10T10:05:00Z
    w = subprocess.run([sys.executable, "-m", "py_core", "watch", "--once", "--no-cache", str(state), "--now", now],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert w.returncode == 0 and w.stderr == "" and "s1 " in w.stdout
    both = report([m1.parent, m2.parent], capsys)
    d = subprocess.run([sys.executable, "-m", "py_core", str(m2.parent), str(state), "--engine", "dask", "--jobs", "1",
                        "--json", "--tz", "UTC"], cwd=ROOT, capture_output=True, timeout=300)
    assert d.returncode == 0, d.stderr[-2000:]
    got = json.loads(d.stdout)
    assert got["totals"]["requests"] == both["totals"]["requests"] == 2
    assert got["totals"]["cost_usd"] == both["totals"]["cost_usd"]


def test_save_state_is_the_local_engines(tmp_path, capsys):
    """Intent: --save-state with --engine dask is one line and exit 2 (a Dask run keeps no per-file states)."""
    _good, logs = hostile(tmp_path)
    code, out, err = run([logs, "--engine", "dask", "--save-state", tmp_path / "x.state"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--save-state" in err
    assert not (tmp_path / "x.state").exists()


def test_redact_hides_every_free_form_string_in_the_state_and_what_is_built_from_it(tmp_path, capsys, monkeypatch):
    """Intent (issue 21): --redact kept custom subagent types (a Task input), agent meta types, compaction trigger
    text, unparseable timestamps — a sentinel in every free-form field of a log (ids, paths, types, triggers, times,
    line types) is in neither the raw state nor any view of it; Claude Code's own types and triggers stay."""
    monkeypatch.setenv("TOKENSCOPE_REDACT_KEY", "k1")
    s = SENTINEL
    proj = tmp_path / "root" / f"{s}-proj"
    sub = proj / f"{s}-sess" / "subagents"
    sub.mkdir(parents=True)
    sid, cwd = f"{s}-sess", f"/home/{s}/p"
    task = {"type": "tool_use", "id": f"toolu_{s}", "name": "Task",
            "input": {"subagent_type": f"{s}-type", "prompt": f"{s} prompt", "description": s}}
    builtin = {"type": "tool_use", "id": "toolu_01AbC234", "name": "Task",
               "input": {"subagent_type": "Explore", "prompt": "look"}}
    # Issue 24: tool inputs name files, programs and MCP servers: hashed too.
    tools = [{"type": "tool_use", "id": "toolu_02Rd5678", "name": "Read", "input": {"file_path": f"/x/{s}.py"}},
             {"type": "tool_use", "id": "toolu_03Bs9012", "name": "Bash", "input": {"command": f"{s}-prog -x"}},
             {"type": "tool_use", "id": "toolu_04Mc3456", "name": f"mcp__{s}srv__do_it", "input": {}}]
    results = [user([{"type": "tool_result", "tool_use_id": t["id"], "content": "ok"}], uuid=f"r-{t['id']}0000",
                    session=sid, cwd=cwd) for t in tools]
    compact = {"type": "system", "subtype": "compact_boundary", "uuid": f"{s}-cuuid", "sessionId": sid, "cwd": cwd,
               "timestamp": "2026-01-10T10:02:00.000Z", "compactMetadata": {"trigger": f"{s}-trigger",
                                                                              "preTokens": 5000}}
    auto = dict(compact, uuid="c0ffee00-1234-4abc-8def-000000000001", compactMetadata={"trigger": "auto"})
    (proj / f"{s}-sess.jsonl").write_bytes(jsonl(
        user("hi", uuid=f"{s}-uuid", session=sid, cwd=cwd),
        asst("m1", "r1", session=sid, cwd=cwd, content=[task, builtin, *tools]), *results,
        asst("m2", "r2", session=sid, cwd=cwd, ts=f"{s}-time", cw=500),
        {"type": f"{s}-linetype", "sessionId": sid}, compact, auto))
    (sub / f"agent-{s}.jsonl").write_bytes(jsonl(asst("m3", "r3", session=sid, cwd=cwd, sidechain=True,
                                                      agent=f"{s}-agent", ts="2026-01-10T10:03:00.000Z")))
    (sub / f"agent-{s}.meta.json").write_text(json.dumps({"agentType": f"{s}-meta", "toolUseId": f"toolu_{s}"}))
    state = save([tmp_path / "root"], tmp_path / "r.state", capsys, "--redact")
    raw = zlib.decompress(state.read_bytes()[len(MAGIC):]).decode()
    assert s.lower() not in raw.lower()
    assert '"Explore"' in raw and '"auto"' in raw  # Claude Code's own words are not personal
    plain = report([tmp_path / "root"], capsys)
    for args in (["--json"], [], ["--csv"], ["--share"], ["--wide", "--by", "day"]):
        code, out, err = run([state, "--no-cache", "--tz", "UTC", *args], capsys)
        assert code == 0 and s.lower() not in (out + err).lower(), args
    red = report([state], capsys)
    for k in ("cost_usd", "requests", "sessions", "user_prompts", "tokens"):
        assert red["totals"][k] == plain["totals"][k]
    assert len(red["sessions"][0]["compactions"]) == len(plain["sessions"][0]["compactions"]) == 2


def test_two_keys_over_overlapping_logs_merge_to_the_single_report(tmp_path, capsys, monkeypatch):
    """Intent (issue 21): two people's redacted states of overlapping logs, made with different keys, counted
    shared prompts and files twice; a file is recognised across keys by a fingerprint of its content (the longer
    copy kept) and a prompt by its random uuid, so the merge is the report of the logs themselves."""
    def log(sid, n):
        return [user(f"q{i}", uuid=f"{sid}-0000-4000-8000-{i:012d}", session=sid,
                     ts=f"2026-01-10T1{i}:00:00.000Z") for i in range(n)] + \
               [asst(f"msg_{sid}{i}", f"req_{sid}{i}", session=sid, out=100 + i, cr=1000 * i,
                     ts=f"2026-01-10T1{i}:00:30.000Z") for i in range(n)]
    logs = {"s1": log("11111111", 2), "s2": log("22222222", 4), "s3": log("33333333", 3)}
    whole, a, b = (tmp_path / x / "proj" for x in ("whole", "a", "b"))
    for d in (whole, a, b):
        d.mkdir(parents=True)
    for name, objs in logs.items():
        (whole / f"{name}.jsonl").write_bytes(jsonl(*objs))
    (a / "s1.jsonl").write_bytes(jsonl(*logs["s1"]))
    (a / "s2.jsonl").write_bytes(jsonl(*logs["s2"][:3]))   # an older, shorter copy
    (b / "s2.jsonl").write_bytes(jsonl(*logs["s2"]))
    (b / "s3.jsonl").write_bytes(jsonl(*logs["s3"]))
    monkeypatch.setenv("TOKENSCOPE_REDACT_KEY", "alice's key")
    sa = save([a.parent], tmp_path / "a.state", capsys, "--redact")
    monkeypatch.setenv("TOKENSCOPE_REDACT_KEY", "bob's key")
    sb = save([b.parent], tmp_path / "b.state", capsys, "--redact")
    single = report([whole.parent], capsys)
    for order in ((sa, sb), (sb, sa)):
        merged = report(list(order), capsys)
        for k in ("cost_usd", "requests", "sessions", "user_prompts", "tokens"):
            assert merged["totals"][k] == single["totals"][k], k
        assert merged["diagnostics"]["files"] == single["diagnostics"]["files"] == 3


def test_dask_with_an_s3_path_and_no_s3fs_names_the_package(capsys, monkeypatch):
    """Intent (issue 21): `--engine dask s3://…` without s3fs said "internal error (ImportError)": the message names
    what to install, exit 2, one line. s3fs is made unimportable here, whatever this machine has."""
    monkeypatch.setitem(sys.modules, "s3fs", None)  # `import s3fs` raises ImportError
    code, out, err = run(["s3://tokenscope-nowhere/logs", "--engine", "dask", "--json"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "s3fs" in err and "internal error" not in err, err
