"""The benchmark's smoke run (CI): every measurement runs on the 50 MB corpus, and every configuration
gives the single-process report. No speed is asserted here: figures live in bench/RESULTS.md."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke(tmp_path):
    out = tmp_path / "RESULTS.md"
    r = subprocess.run([sys.executable, "bench/run.py", "--smoke", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    text = out.read_text()
    for measure in ("CLI, msgspec 0.23.0, 1 process", "CLI, json (standard library), 1 process",
                    "page: ready, cold profile / warm", "analysis of the dropped folder", "`?decoder=json`",
                    "PSS / RSS", "browser JSON.parse per line", "ccusage 20.0.24",
                    "processes: first run (fills the store)", "warm re-run after appending 1 MB across 10 files",
                    "store: size on disk", "the same folder dropped again", "`statusline` on a 5",
                    "`watch` while nothing changes: CPU", "`--engine dask`, LocalCluster", "Dask scaling model"):
        assert measure in text, measure
    assert "every configuration gives the single-process report | yes |" in text
    data = json.loads(out.with_suffix(".json").read_text())
    row = data["rows"][0]
    assert row["bytes"] > 50_000_000 and row["identical_cli"] is True
    assert row["page"]["identical"] is True and row["page_json"]["identical"] is True
    assert row["cli1"]["wall"] > 0 and row["cli1_json"]["wall"] > 0
    assert row["store"]["identical"] is True and row["store"]["store_bytes"] > 0 and row["page"]["redrop"] > 0
    assert row["statusline"]["median"] > 0 and row["statusline"]["watch_idle_cpu"] >= 0
    assert row["dask"]["identical"] is True and row["dask"]["map_s_per_mb"] > 0
