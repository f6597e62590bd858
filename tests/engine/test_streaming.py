"""The streaming batch path: blocks of simulated time drawn, resolved and reduced one at a time
give the same results whatever the chunk size, executor or worker count; records stream to
Parquet; month-to-date budget state carries across blocks."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.engine.helpers import one_model as one_model_data
from tests.engine.helpers import scenario_from
from workbench.domain import load_scenario
from workbench.engine import blocks
from workbench.engine.blocks import BlockPlan
from workbench.engine.simulation import simulate


@pytest.fixture
def hour_blocks(monkeypatch):
    """Blocks of one hour for any scenario (the default would be a day at these volumes)."""
    monkeypatch.setattr(blocks, "BLOCK_TASKS", 1)


def test_block_length_follows_volume():
    data = {"name": "v", "seed": 1, "baseline": "p", "horizon": {"days": 30},
            "providers": [{"name": "prov"}],
            "models": [{"name": "m", "provider": "prov", "price": {"per_request_usd": 0.01}}],
            "policies": [{"name": "p", "routing": {"default": "m"}}]}
    hours = {}
    for per_day in (1_000, 10_000, 300_000, 1_000_000, 3_000_000):
        data["workload"] = {"task_types": [{"name": "t", "per_day": per_day}]}
        hours[per_day] = BlockPlan.of(scenario_from(data), 30).hours
    # blocks of at most 250,000 expected tasks: 1k/day -> 30 days (30k), 10k/day -> 7 days
    # (300k > 250k for 30 days), 300k/day -> 12 h, 1M -> 6 h (1M/24*6 = 250k), 3M -> 2 h
    assert hours == {1_000: 720, 10_000: 168, 300_000: 12, 1_000_000: 6, 3_000_000: 2}
    plan = BlockPlan(hours=6, days=2.5)
    assert plan.n_blocks == 10 and plan.bounds(9) == (54, 0.25)
    assert plan.chunks(1.0) == [range(4), range(4, 8), range(8, 10)]
    assert plan.chunks(None) == [range(10)]


@pytest.mark.parametrize("file", ["multi_provider_failover.yaml", "content_pipeline.yaml",
                                  "tiered_escalation.yaml"])
def test_chunked_equals_unchunked(file, hour_blocks, tmp_path):
    """Hour blocks grouped in chunks of 1 day, 5 hours or one chunk: identical summaries,
    firings and records (1.25 days: the last day is a quarter day)."""
    scenario = load_scenario(f"scenarios/{file}")
    runs = {}
    for chunk_days in (None, 1.0, 5 / 24):
        runs[chunk_days] = simulate(scenario, replications=2, days=1.25, chunk_days=chunk_days,
                                    records_path=tmp_path / f"{chunk_days}.parquet")
    whole = runs[None]
    assert whole.records.height > 0
    for chunk_days, run in runs.items():
        assert run.summaries == whole.summaries, chunk_days
        assert run.firings == whole.firings
        assert_frame_equal(run.records, whole.records)
        assert_frame_equal(run.outages, whole.outages)
        streamed = pl.read_parquet(tmp_path / f"{chunk_days}.parquet")
        assert_frame_equal(streamed, whole.records, check_dtypes=False)


def test_records_not_kept_give_the_same_summaries(tmp_path):
    scenario = load_scenario("scenarios/support_desk.yaml")
    kept = simulate(scenario, replications=2, days=3)
    lean = simulate(scenario, replications=2, days=3, keep_records=False,
                    records_path=tmp_path / "r.parquet")
    assert lean.records.height == 0
    assert lean.summaries == kept.summaries
    assert pl.read_parquet(tmp_path / "r.parquet").height == kept.records.height


def monthly_budget_scenario():
    """400 tasks a day at $0.05 (the first model always fails, the backup answers) under a
    $100 budget whose rule at 50% downgrades the backup to a $0.01 model; months of 5 days."""
    price = lambda usd: {"per_request_usd": usd}
    return scenario_from({
        "name": "monthly", "seed": 3, "baseline": "p",
        "horizon": {"days": 10, "days_per_month": 5},
        "providers": [{"name": "broken", "error_rate": 1.0}, {"name": "ok"}],
        "models": [{"name": "big", "provider": "broken", "price": price(0.10)},
                   {"name": "backup", "provider": "ok", "price": price(0.05)},
                   {"name": "cheap", "provider": "ok", "price": price(0.01)}],
        "workload": {"task_types": [{"name": "t", "per_day": 400}]},
        "policies": [{"name": "p", "routing": {"default": "big"},
                      "failover": {"mode": "sequential", "chain": ["backup"]},
                      "budget": {"monthly_usd": 100,
                                 "rules": [{"at": 0.5, "action": "downgrade",
                                            "map": {"backup": "cheap"}}]}}],
    })


def test_budget_state_carries_across_hour_blocks(hour_blocks):
    """$50 = 1,000 backup answers at $0.05: the rule fires once a month, about 2.5 days in,
    on the job that brings month-to-date spend to $50 - counted over ~60 hour blocks."""
    result = simulate(monthly_budget_scenario(), replications=1)
    fired = result.firings["p"]
    assert [f["month"] for f in fired] == [0, 1]
    arrival = pl.col("start_s").filter(pl.col("attempt") == 0).first().over("task_id")
    records = result.records.with_columns(arrival_s=arrival).filter(pl.col("outcome") == "ok")
    for f in fired:
        month_start = f["month"] * 5 * 86_400.0
        before = records.filter(pl.col("arrival_s").is_between(month_start, f["time_s"]))
        assert 50.0 - 1e-9 <= f["spend_usd"] <= 50.05 + 1e-9  # the job crossing $50
        assert before["cost_usd"].sum() == pytest.approx(f["spend_usd"])
        assert f["day"] - f["month"] * 5 == pytest.approx(2.5, abs=0.3)
        later = records.filter((pl.col("start_s") > f["time_s"] + 60)
                               & (pl.col("start_s") < month_start + 5 * 86_400.0))
        assert set(later["model"].cast(pl.String)) == {"cheap"}


def test_process_pool_equals_in_process():
    scenario = load_scenario("scenarios/tiered_escalation.yaml")
    local = simulate(scenario, replications=2, days=2, keep_records=False)
    pooled = simulate(scenario, replications=2, days=2, keep_records=False, workers=2)
    assert pooled.summaries == local.summaries


def test_dask_cluster_equals_local_run():
    distributed = pytest.importorskip("dask.distributed")
    scenario = load_scenario("scenarios/multi_provider_failover.yaml")
    local = simulate(scenario, replications=2, days=1.5)
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = simulate(scenario, replications=2, days=1.5, executor=client.get_executor())
    assert remote.summaries == local.summaries
    assert_frame_equal(remote.records, local.records)


def test_growth_and_arrivals_follow_absolute_time_in_hour_blocks(hour_blocks):
    """Growth of 100% a month: day 29 carries 2^(29.5/30) / 2^(0.5/30) = 1.96 x the tasks of
    day 0, though each hour block draws its own arrivals; every arrival lies in its block."""
    from workbench.engine.blocks import TASKS, block_seed
    from workbench.engine.tasks import HOUR_S, build_tasks

    scenario = scenario_from({**one_model_data(2_000), "workload": {
        "growth_monthly": 1.0, "task_types": [{"name": "t", "per_day": 2_000}]}})
    plan = BlockPlan.of(scenario, 30.0)
    assert plan.hours == 1
    per_day = np.zeros(30)
    for block in range(plan.n_blocks):
        start, days = plan.bounds(block)
        tasks = build_tasks(scenario, days, np.random.default_rng(block_seed(1, 0, TASKS, block)),
                            start)
        assert ((tasks.arrival_s >= start * HOUR_S)
                & (tasks.arrival_s < (start + 1) * HOUR_S)).all()
        per_day[start // 24] += len(tasks)
    assert per_day[29] / per_day[0] == pytest.approx(2 ** (29 / 30), rel=0.08)
