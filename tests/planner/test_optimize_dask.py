"""`optimize` on a cluster (issue 11): the estimator terms of the whole space computed on a
process pool or a Dask cluster give exactly the local answer; `--dask` from the CLI."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest

from workbench.planner.model import Constraints
from workbench.planner.recommendation import optimize

from .test_cli_planner import run
from .test_optimize import FAILOVERS, LADDERS, MODELS, SMALL

TIMING = ("seconds", "terms_seconds", "evaluations_per_s", "seconds_with_simulation")


def _answer(plan) -> dict:
    doc = plan.to_json()
    doc["searched"] = {k: v for k, v in doc["searched"].items() if k not in TIMING}
    return doc


@pytest.fixture(scope="module")
def local(small_scenario):
    return optimize(small_scenario, Constraints(min_pass=0.93), models=MODELS, ladders=LADDERS,
                    failovers=FAILOVERS, replications=0)


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory):
    from workbench.domain.loader import load_scenario

    path = tmp_path_factory.mktemp("opt") / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_scenario(path)


def test_a_process_pool_gives_the_local_answer(small_scenario, local):
    with ProcessPoolExecutor(2) as pool:
        pooled = optimize(small_scenario, Constraints(min_pass=0.93), models=MODELS,
                          ladders=LADDERS, failovers=FAILOVERS, replications=0, executor=pool)
    assert _answer(pooled) == _answer(local)
    assert pooled.searched["estimator_evaluations"] == local.searched["estimator_evaluations"]


def test_a_dask_cluster_gives_the_local_answer(small_scenario, local):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = optimize(small_scenario, Constraints(min_pass=0.93), models=MODELS,
                          ladders=LADDERS, failovers=FAILOVERS, replications=0,
                          executor=client.get_executor())
    assert _answer(remote) == _answer(local)


def test_cli_dask_flag(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    args = ("optimize", str(scenario), "--min-pass", "0.93", "--max-rungs", "2", "-r", "0",
            "--points", "3", "--json")
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=2,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = run(*args, "--dask", cluster.scheduler_address)
    assert remote.returncode == 0, remote.stderr
    local = run(*args)
    strip = lambda d: {k: v for k, v in d.items() if k != "searched"}
    assert strip(json.loads(remote.stdout)) == strip(json.loads(local.stdout))
    down = run(*args, "--dask", "tcp://127.0.0.1:9")
    assert down.returncode == 2
    assert "--dask: cannot reach the Dask scheduler" in down.stderr


def test_solver_chatter_goes_to_stderr(capfd):
    """HiGHS printed "HighsMipSolverData::transformNewIntegerFeasibleSolution" on standard
    output from C++, ahead of optimize's JSON document."""
    import os

    from workbench.planner.model import solver_output_to_stderr

    with solver_output_to_stderr():
        os.write(1, b"HighsMipSolverData chatter\n")
    os.write(1, b"{}\n")
    out, err = capfd.readouterr()
    assert out == "{}\n" and "HighsMipSolverData chatter" in err
