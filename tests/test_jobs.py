"""Splitting work (processes in the CLI, workers in the page) never changes the answer (issue 4)."""

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from py_core.shells import api
from py_core.shells.cli import main
from py_core.state.jobs import plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def cli(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*map(str, args)]) == 0
    return out.getvalue()


def test_jobs_give_the_single_process_report_on_50mb(corpus50):
    """Intent: --jobs 1, 2 and 3 print byte-identical JSON and CSV on the 50 MB corpus."""
    one = cli(corpus50, "--json", "--tz", "UTC", "--jobs", "1")
    assert json.loads(one)["diagnostics"]["bytes_read"] > 50_000_000
    for j in ("2", "3"):
        assert cli(corpus50, "--json", "--tz", "UTC", "--jobs", j) == one
    assert cli(corpus50, "--csv", "--tz", "UTC", "--jobs", "2") == cli(corpus50, "--csv", "--tz", "UTC", "--jobs", "1")


def test_worker_split_through_the_browser_api_gives_the_same_report(corpus50):
    """Intent: files split across two api jobs (as across page workers) and merged equal one job; a whole file
    in one `file` call (what the page sends for files up to 16 MB) equals open, feed and close."""
    files = sorted(p for p in corpus50.rglob("*.jsonl"))
    rel = [str(p.relative_to(corpus50)) for p in files]

    def call(req, data=None):
        out = json.loads(api.handle(json.dumps(req), data))
        assert "error" not in out, out
        return out

    def feed(job, names, whole_files=False):
        call({"op": "begin", "job": job})
        for name in names:
            data = (corpus50 / name).read_bytes()
            if whole_files:
                call({"op": "file", "job": job, "source": name}, data)
                continue
            call({"op": "open", "job": job, "source": name})
            for i in range(0, len(data), 1 << 20):
                call({"op": "feed", "job": job, "source": name}, data[i:i + (1 << 20)])
            call({"op": "close", "job": job, "source": name})

    feed("whole", rel)
    feed("w1", rel[0::2])
    feed("w2", rel[1::2], whole_files=True)
    state = call({"op": "export", "job": "w2"})["state"]
    call({"op": "import", "job": "w1", "state": state})
    whole = call({"op": "report", "job": "whole", "tz": "UTC"})["report"]
    merged = call({"op": "report", "job": "w1", "tz": "UTC"})["report"]
    for j in ("whole", "w1", "w2"):
        call({"op": "end", "job": j})
    assert whole["diagnostics"]["files"] == len(files)
    # the CLI names files relative to the folder too
    assert merged == whole == json.loads(cli(corpus50, "--json", "--tz", "UTC", "--jobs", "1"))


def test_plan_balances_bytes():
    """Intent: the largest files are spread first, so one big session does not idle the other cores."""
    files = [("a", "a", 100), ("b", "b", 60), ("c", "c", 50), ("d", "d", 40)] + [(f"s{i}", "x", 1) for i in range(10)]
    batches = plan([(n, p, s * 1_000_000) for n, p, s in files], 2)
    sizes = sorted(sum(dict((n, s) for n, _p, s in files)[label] for label, _ in b) for b in batches)
    # largest first, each to the lighter batch: 100+40 | 60+50+10x1 (within 4/3 of the best split)
    assert sizes == [120, 140]
    assert plan([("a", "a", 10)], 4) == [[("a", "a")]]  # small input: one process


def test_meta_files_in_one_call_name_each_agent():
    """Intent: the page's batched `meta` op (bytes back to back, sizes) gives each agent its own type, as
    one call per file does; a pretty-printed meta file (newlines inside) is no problem."""
    metas = [("a1", b'{"agentType": "Explore"}'), ("a2", b'{\n  "agentType": "code-reviewer"\n}'),
             ("a3", b"not json")]

    def types(batched):
        job = f"meta-{batched}"
        api.handle(json.dumps({"op": "begin", "job": job}))
        for aid, _ in metas:
            line = {"type": "assistant", "isSidechain": True, "agentId": aid, "sessionId": "s", "requestId": "r" + aid,
                    "message": {"id": "m" + aid, "model": "claude-sonnet-4-5", "usage": {"output_tokens": 1}}}
            api.handle(json.dumps({"op": "file", "job": job, "source": f"p/s/subagents/agent-{aid}.jsonl"}),
                       json.dumps(line).encode())
        if batched:
            api.handle(json.dumps({"op": "meta", "job": job, "agent_ids": [a for a, _ in metas],
                                   "sizes": [len(b) for _, b in metas]}), b"".join(b for _, b in metas))
        else:
            for aid, b in metas:
                api.handle(json.dumps({"op": "meta", "job": job, "agent_id": aid}), b)
        rep = json.loads(api.handle(json.dumps({"op": "report", "job": job, "tz": "UTC"})))["report"]
        api.handle(json.dumps({"op": "end", "job": job}))
        return {a["agent"]: a["agent_type"] for a in rep["sessions"][0]["agents"]}

    assert types(True) == types(False) == {"a1": "Explore", "a2": "code-reviewer", "a3": None}


def test_one_response_across_processes_bills_once(tmp_path, monkeypatch):
    """Intent: the same response with and without requestId, and its progress copy, in files read by different
    processes (pickled partial states), bills once — as in one process (issue 10)."""
    from py_core import build_report
    from py_core.state import jobs
    from tests.conftest import asst, jsonl
    prog = {"type": "progress", "sessionId": "s1", "data": {"type": "agent_progress", "agentId": "a1", "message": {
        "message": {"id": "m2", "model": "claude-haiku-4-5", "usage": {"input_tokens": 5, "output_tokens": 9}}}}}
    logs = {"a.jsonl": jsonl(asst("m1", "r1", out=50)), "b.jsonl": jsonl(asst("m1", None, out=50), prog),
            "c.jsonl": jsonl(asst("m1", "r9", out=50, sidechain=True, agent="a1"))}
    files = []
    for name, data in logs.items():
        (tmp_path / name).write_bytes(data)
        files.append((name, str(tmp_path / name), len(data)))
    monkeypatch.setattr(jobs, "MIN_BYTES_PER_JOB", 1)  # a process per file, however small
    assert len(jobs.plan(files, 3)) == 3
    split = build_report(jobs.analyze_files(files, 3), tz="UTC")
    single = build_report(jobs.analyze_files(files, 1), tz="UTC")
    assert split == single
    assert (split["totals"]["requests"], split["totals"]["requests_main"]) == (2, 1)
    assert split["diagnostics"]["recovered_from_progress"]["requests"] == 1


@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("curve", [True, False])
def test_parts_built_in_processes_give_the_single_process_report(real_dir, monkeypatch, jobs, curve):
    """Intent (issue 22): the sessions' parts built in forked processes (jobs.parts_mapper, every session however
    few its requests) assemble the report one process builds — curves, top requests and the chosen curve too."""
    from py_core import Analyzer, build_report
    from py_core.state import jobs as jobs_mod
    monkeypatch.setattr(jobs_mod, "MIN_PART_REQUESTS", 0)
    a = Analyzer()
    for p in sorted(real_dir.rglob("*.jsonl")):
        a.feed_bytes(str(p.relative_to(real_dir)), p.read_bytes())
    opts = dict(tz="UTC", curve=curve, curve_for=None if curve else "top")
    calls = []
    mapper = jobs_mod.parts_mapper(jobs)

    def spy(ctx, sids, weights):
        got = mapper(ctx, sids, weights)
        calls.append(got is not None and len(got) == len(sids) > 1)  # built in the processes, not declined
        return got

    assert json.dumps(build_report(a, mapper=spy, **opts)) == json.dumps(build_report(a, **opts))
    assert calls == [True]
