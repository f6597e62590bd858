"""Per-model fallbacks, ``failover.fallbacks: {primary: [backups]}`` (issue 10: the audit's
``today`` reproduces the fallbacks a LiteLLM proxy made, which are per model group). A primary
with an entry tries its own backups; any other primary the ``chain``.

By hand: 1,000 tasks a day split 50/50 between ``a`` (provider p, 20% errors, $0.01) and ``b``
(provider q, 10% errors, $0.02); ``c`` (provider r, no errors, $0.04). Fallbacks a -> [c],
b -> [a]. Failed calls are not billed. Per task:
  a-routed: 0.8 x 0.01 + 0.2 x 0.04 = 0.016, always served;
  b-routed: 0.9 x 0.02 + 0.1 x 0.8 x 0.01 = 0.0188, served 1 - 0.1 x 0.2 = 0.98.
Month of 30 days: 30,000 x (0.016 + 0.0188) / 2 = $522.00; availability (1 + 0.98) / 2 = 0.99.
"""

from __future__ import annotations

import pytest

from workbench.domain.errors import ScenarioError
from workbench.domain.loader import validate_as
from workbench.domain.policy import Failover
from workbench.domain.reachability import reachable
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate
from workbench.estimator import estimate
from workbench.policies.failover import attempt_plan

FALLBACKS = {"a": ["c"], "b": ["a"]}


def fallback_scenario(failover: dict | None = None) -> Scenario:
    data = {
        "name": "fallbacks", "seed": 5, "baseline": "plain", "horizon": {"days": 30},
        "providers": [{"name": "p", "error_rate": 0.2}, {"name": "q", "error_rate": 0.1},
                      {"name": "r"}],
        "models": [{"name": "a", "provider": "p", "price": {"per_request_usd": 0.01}},
                   {"name": "b", "provider": "q", "price": {"per_request_usd": 0.02}},
                   {"name": "c", "provider": "r", "price": {"per_request_usd": 0.04}}],
        "workload": {"task_types": [{"name": "t", "per_day": 1000}]},
        "policies": [
            {"name": "plain", "routing": {"default": "a"}},
            {"name": "fallbacks", "routing": {"default_split": {"a": 1, "b": 1}},
             "failover": failover or {"mode": "sequential", "fallbacks": FALLBACKS}}],
    }
    scenario = validate_as(Scenario, data, "fallbacks.yaml")
    check_references(scenario)
    return scenario


def test_a_primary_with_fallbacks_tries_its_own_backups_others_the_chain():
    failover = Failover(mode="sequential", chain=["c", "b"], fallbacks={"a": ["b"]})
    assert [p.model for p in attempt_plan(failover, "a")] == ["a", "b"]
    assert [p.model for p in attempt_plan(failover, "b")] == ["b", "c"]
    assert [p.model for p in attempt_plan(failover, "c")] == ["c", "b"]


def test_estimate_by_hand():
    est = estimate(fallback_scenario()).policies["fallbacks"]
    assert est.monthly_cost_usd == pytest.approx(522.0, abs=1e-9)
    assert est.availability == pytest.approx(0.99, abs=1e-12)


@pytest.mark.parametrize("path", ["batch", "contention"])
def test_engines_follow_each_primarys_fallbacks(path):
    result = simulate(fallback_scenario(), replications=2, days=30, keep_records=False,
                      path=path, policies=["fallbacks"])
    s = result.summaries["fallbacks"]
    low, high = s["monthly_cost_usd_ci95"]
    assert low - 5.0 <= 522.0 <= high + 5.0
    assert s["availability"] == pytest.approx(0.99, abs=0.002)  # 60,000 tasks: sd 0.0004


def test_reachability_names_the_fallback_field():
    scenario = fallback_scenario()
    policy = scenario.policies[1]
    found = reachable(policy, scenario.workload.task_types[0], "policies[1]")
    assert ("c", "policies[1].failover.fallbacks.a[0]", "failover backup 1") in found
    assert ("a", "policies[1].failover.fallbacks.b[0]", "failover backup 1") in found


@pytest.mark.parametrize(("failover", "message"), [
    ({"fallbacks": {"a": ["a"]}}, "own backup"),
    ({"fallbacks": {"a": []}}, "1 to 8"),
    ({"fallbacks": {"a": ["zz"]}}, "zz"),
    ({"fallbacks": {"zz": ["a"]}}, "zz"),
])
def test_bad_fallbacks_name_the_field(failover, message):
    with pytest.raises(ScenarioError, match=message):
        fallback_scenario({"mode": "sequential", **failover})
