"""The simulator as a user runs it: the workbench command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest

from workbench.domain.records import RECORD_SCHEMA


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], check=False,
                          capture_output=True,
                          text=True, timeout=300, env=env)


def test_simulate_json_and_records(tmp_path):
    out = tmp_path / "records.parquet"
    proc = run("simulate", "scenarios/support_desk.yaml", "-r", "2", "--days", "3", "--json",
               "--records", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    routed = doc["policies"]["routed"]
    for key in ("monthly_cost_usd", "cost_per_task_usd", "savings_vs_baseline",
                "quality_pass_rate", "success_rate", "availability", "latency_p50_s",
                "latency_p95_s", "rework_hours", "monthly_cost_usd_ci95"):
        assert key in routed
    assert routed["monthly_cost_usd_ci95"][0] <= routed["monthly_cost_usd"]
    records = pl.read_parquet(out)
    assert list(records.columns) == list(RECORD_SCHEMA)
    assert records.filter(pl.col("final")).height == records["task_id"].n_unique() * 2 * 2 \
        or records.filter(pl.col("final")).height > 0


def test_simulate_human_output_names_policies():
    proc = run("simulate", "scenarios/tiered_escalation.yaml", "-r", "2", "--days", "0.2")
    assert proc.returncode == 0, proc.stderr
    assert "tiered" in proc.stdout and "always_tier3" in proc.stdout


def test_compare_json_has_both_fidelities():
    proc = run("compare", "scenarios/math_shift.yaml", "-r", "2", "--days", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    shifted = doc["policies"]["shifted"]
    assert shifted["estimate"]["savings_vs_baseline"] == pytest.approx(0.27)
    assert shifted["simulate"]["savings_vs_baseline"] == pytest.approx(0.27, abs=0.02)


def test_sweep_over_mtbf(tmp_path):
    proc = run("sweep", "scenarios/incident_replay.yaml", "--param",
               "providers[openai].degraded_error_rate=0.1,0.9", "-r", "1", "--days", "2",
               "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert len(rows) == 4
    assert {r["params"]["providers[openai].degraded_error_rate"] for r in rows} == {0.1, 0.9}


@pytest.mark.parametrize("args, needle", [
    (["simulate", "scenarios/support_desk.yaml", "-r", "0"], "--replications"),
    (["simulate", "scenarios/support_desk.yaml", "--policy", "nope"], "nope"),
    (["simulate", "scenarios/support_desk.yaml", "--path", "fast"], "--path"),
    (["simulate", "missing.yaml"], "missing.yaml"),
    (["sweep", "scenarios/support_desk.yaml", "--param", "models[gpt-9].price=1"], "gpt-9"),
    (["sweep", "scenarios/support_desk.yaml", "--param", "seed"], "--param"),
])
def test_bad_input_exits_2_without_traceback(args, needle):
    proc = run(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_simulate_refuses_a_run_over_max_memory():
    """support_desk: 1,000 tasks a day, 30-day blocks; 3 days hold 3,000 tasks of a block at
    once x 400 bytes + one 150 MiB process: about 151 MiB, over 100 MiB."""
    proc = run("simulate", "scenarios/support_desk.yaml", "-r", "1", "--days", "3",
               "--max-memory", "100MiB")
    assert proc.returncode == 2
    assert "--max-memory" in proc.stderr and "3,000 tasks" in proc.stderr
    assert "151 MiB" in proc.stderr and "Traceback" not in proc.stderr
    bad = run("simulate", "scenarios/support_desk.yaml", "--max-memory", "lots")
    assert bad.returncode == 2 and "lots" in bad.stderr


def test_simulate_on_dask_equals_local_run():
    distributed = pytest.importorskip("dask.distributed")
    args = ("simulate", "scenarios/tiered_escalation.yaml", "-r", "2", "--days", "2", "--json")
    local = run(*args)
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = run(*args, "--dask", cluster.scheduler_address)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout)["policies"] == json.loads(local.stdout)["policies"]
