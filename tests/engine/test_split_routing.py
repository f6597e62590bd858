"""Weighted routing, ``split: {model: weight}`` (issue 10: the audit's ``today`` reproduces
traffic a gateway spreads over several models). Each task draws its model with probability
weight / sum; the estimate is the exact mixture, the engines draw per task.

By hand: 1,000 tasks a day, 70% to ``a`` at $0.01 per call and 30% to ``b`` at $0.002,
over a 30-day month: 30,000 x (0.7 x 0.01 + 0.3 x 0.002) = $228.00. Pass rates: ``a`` always
passes (quality 1.0 > bar), ``b`` never (0.0): the mixture passes 70%.
"""

from __future__ import annotations

import pytest

from workbench.domain.errors import ScenarioError
from workbench.domain.loader import validate_as
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate
from workbench.estimator import estimate


def split_scenario(routing: dict | None = None) -> Scenario:
    data = {
        "name": "split", "seed": 11, "baseline": "all_a", "horizon": {"days": 30},
        "providers": [{"name": "p"}],
        "models": [
            {"name": "a", "provider": "p", "price": {"per_request_usd": 0.01},
             "quality": {"mean": 1.0, "sd": 0.0}},
            {"name": "b", "provider": "p", "price": {"per_request_usd": 0.002},
             "quality": {"mean": 0.0, "sd": 0.0}}],
        "workload": {"task_types": [{"name": "t", "per_day": 1000}]},
        "policies": [{"name": "all_a", "routing": {"default": "a"}},
                     {"name": "split", "routing": routing or {"default_split": {"a": 7,
                                                                              "b": 3}}}],
    }
    scenario = validate_as(Scenario, data, "split.yaml")
    check_references(scenario)
    return scenario


def test_estimate_is_the_exact_mixture():
    est = estimate(split_scenario()).policies["split"]
    assert est.monthly_cost_usd == pytest.approx(228.0, abs=1e-9)
    assert est.quality_pass_rate == pytest.approx(0.7, abs=1e-12)
    assert est.breakdown["model"] == pytest.approx({"a": 210.0, "b": 18.0})


def test_a_rule_can_split_too():
    rule = {"default": "a", "rules": [{"when": {"task_type": "t"}, "split": {"a": 1, "b": 1}}]}
    est = estimate(split_scenario(rule)).policies["split"]
    assert est.monthly_cost_usd == pytest.approx(30_000 * (0.005 + 0.001))


@pytest.mark.parametrize("path", ["batch", "contention"])
def test_engines_draw_the_split_per_task(path):
    result = simulate(split_scenario(), replications=2, days=30, keep_records=False,
                      path=path, policies=["split"])
    s = result.summaries["split"]
    low, high = s["monthly_cost_usd_ci95"]
    assert low - 3.0 <= 228.0 <= high + 3.0
    assert s["quality_pass_rate"] == pytest.approx(0.7, abs=0.01)  # 60,000 draws: sd 0.002


def test_the_split_is_the_same_for_any_chunk_size():
    scenario = split_scenario()
    one = simulate(scenario, replications=1, days=3, chunk_days=None, keep_records=False)
    many = simulate(scenario, replications=1, days=3, chunk_days=0.5, keep_records=False)
    assert one.summaries == many.summaries


@pytest.mark.parametrize(("routing", "message"), [
    ({"default": "a", "default_split": {"a": 1}}, ("routing needs a default model, a "
                                                    "default_split or default_escalate")),
    ({"default_split": {}}, "default_split"),
    ({"default_split": {"a": 1, "b": -1}}, "default_split.b"),
    ({"default_split": {"a": 1, "zz": 1}}, "zz"),
])
def test_bad_splits_name_the_field(routing, message):
    with pytest.raises(ScenarioError, match=message):
        split_scenario(routing)
