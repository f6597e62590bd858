"""The three fidelities agree: estimator vs simulator on every shipped scenario, batch vs
contention path, and runs reproduce from their seed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from workbench.domain import load_scenario
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate
from workbench.estimator import estimate

SCENARIOS = sorted(p for p in Path(__file__).parents[2].joinpath("scenarios").glob("*.yaml")
                   if "probe" not in p.name and "prompts" not in p.name)


REPLICATIONS = 6
COMPARISONS = 40  # policies over all shipped scenarios, rounded up


def family_interval(ci95: list[float]) -> tuple[float, float]:
    """The 95% interval widened (Bonferroni) so that all COMPARISONS policies together hold at
    95%: with one 95% interval each, 40 unbiased comparisons would fail about 2 at a time."""
    from scipy.stats import t

    low, high = ci95
    mid, half = (low + high) / 2, (high - low) / 2
    dof = REPLICATIONS - 1
    widen = t.ppf(1 - 0.025 / COMPARISONS, dof) / t.ppf(0.975, dof)
    return mid - half * widen, mid + half * widen


def without_outages_or_limits(s: Scenario) -> Scenario:
    """The same scenario with providers that never fail for long and never throttle."""
    calm = [p.model_copy(update={"mtbf_days": None, "incidents": None, "rpm": None,
                                 "tpm": None, "concurrency": None}) for p in s.providers]
    policies = [p.model_copy(update={"failover": p.failover.model_copy(
        update={"breaker": None, "mode": "sequential" if p.failover.mode == "predictive"
                else p.failover.mode})}) for p in s.policies]
    out = s.model_copy(update={"providers": calm, "policies": policies})
    out._source = s.source
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_simulated_cost_within_interval_of_estimate(path):
    scenario = without_outages_or_limits(load_scenario(path))
    expected = estimate(scenario).to_json()["policies"]
    budgets = any(p.budget is not None for p in scenario.policies)  # rules need a whole month
    days = scenario.horizon.days if budgets else min(scenario.horizon.days, 5.0)
    result = simulate(scenario, replications=REPLICATIONS, days=days, keep_records=False)
    for name, summary in result.summaries.items():
        low, high = family_interval(summary["monthly_cost_usd_ci95"])
        assert low <= expected[name]["monthly_cost_usd"] <= high, (name, expected[name], summary)


def test_support_desk_routed_within_one_percent_of_1965():
    result = simulate(load_scenario("scenarios/support_desk.yaml"), replications=10,
                      keep_records=False)
    assert result.summaries["routed"]["monthly_cost_usd"] == pytest.approx(1965.0, rel=0.01)


def test_same_seed_same_records():
    scenario = load_scenario("scenarios/multi_provider_failover.yaml")
    runs = [simulate(scenario, replications=2, days=0.25, policies=["failover", "breaker"])
            for _ in range(2)]
    assert runs[0].records.height > 0
    assert_frame_equal(runs[0].records, runs[1].records)
    other = simulate(scenario, replications=2, days=0.25, seed=scenario.seed + 1,
                     policies=["failover"])
    assert not other.records.equals(runs[0].records.filter(pl.col("policy") == "failover"))


@pytest.mark.parametrize("file", ["support_desk.yaml", "tiered_escalation.yaml"])
def test_batch_and_contention_paths_agree(file):
    scenario = load_scenario(f"scenarios/{file}")
    days = 4.0 if file == "support_desk.yaml" else 0.5
    batch = simulate(scenario, replications=4, days=days, path="batch", keep_records=False)
    events = simulate(scenario, replications=4, days=days, path="contention",
                      keep_records=False)
    for name in scenario.policy_names:
        b, e = batch.summaries[name], events.summaries[name]
        low, high = b["monthly_cost_usd_ci95"]
        half = (high - low) / 2
        assert abs(b["monthly_cost_usd"] - e["monthly_cost_usd"]) <= 2 * half + 1e-9
        assert e["quality_pass_rate"] == pytest.approx(b["quality_pass_rate"], abs=0.02)
        assert e["latency_p50_s"] == pytest.approx(b["latency_p50_s"], rel=0.05)


@pytest.mark.parametrize("file", ["content_pipeline.yaml", "multi_provider_failover.yaml",
                                  "agency_fullservice.yaml"])
def test_log_reduction_equals_records_reduction(file):
    """Large runs reduce from the attempt log; it must equal reducing the records frame."""
    from workbench.engine.simulation import run_replication
    from workbench.metrics.summary import reduce_records

    scenario = load_scenario(f"scenarios/{file}")
    records, reduced, *_ = run_replication(scenario, 0, scenario.seed, 2.0,
                                           scenario.policy_names, True, keep_records=True)
    expected = reduce_records(scenario, records)
    order = ["policy", "replication"]
    assert_frame_equal(reduced.counts.sort(order), expected.counts.sort(order),
                       check_dtypes=False)
    keys = ["policy", "replication", "dimension", "key"]
    assert_frame_equal(reduced.spend.sort(keys), expected.spend.sort(keys), check_dtypes=False,
                       rel_tol=1e-9)
    assert_frame_equal(reduced.groups.sort(keys[:1] + keys[2:]),
                       expected.groups.sort(keys[:1] + keys[2:]), check_dtypes=False)
    assert reduced.latencies == expected.latencies  # histograms: same counts, min and max
    assert reduced.hosting == expected.hosting
