"""`budget-plan`: the chosen thresholds hold P(month over budget) within the limit over 200
months the planner did not see - its own Monte Carlo on a fresh seed, and the engine's
simulation (real arrivals, the engine's budget ledger); the Monte Carlo's mean month agrees
with the closed-form estimate."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from workbench.domain.loader import load_scenario
from workbench.domain.policy import Budget
from workbench.engine.simulation import simulate
from workbench.estimator.estimate import estimate_policy
from workbench.planner.budget_plan import (
    Demand,
    budget_plan,
    candidates,
    demand_draws,
    evaluate,
    streams,
)

SMALL = """
name: bp_small
seed: 5
horizon: {days: 30, days_per_month: 30}
baseline: premium
providers: [{name: p}]
models:
  - {name: cheap, provider: p, price: {per_request_usd: 0.002}, quality: {mean: 0.85, sd: 0.05}}
  - {name: dear, provider: p, price: {per_request_usd: 0.02}, quality: {mean: 0.95, sd: 0.02}}
workload:
  weekday_profile: [1.2, 1.1, 1.0, 1.0, 1.0, 0.4, 0.3]
  growth_monthly: 0.1
  task_types:
    - {name: answer, per_day: 60, client_facing: true}
    - {name: digest, per_day: 40, latency_class: batch}
policies:
  - name: premium
    routing: {default: dear}
"""
BUDGET = 60.0
LIMIT = 0.05


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("budget") / "bp.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def plan(small):
    return budget_plan(small, "premium", BUDGET, LIMIT, months=2000, seed=1)


def test_monte_carlo_mean_month_is_the_estimate(small):
    """Poisson demand around the engine's rates: the mean month is the estimator's
    (100 tasks/day x $0.02 at weekday and growth factors, no rules)."""
    st, subs = streams(small, Demand())
    counts = demand_draws(st, Demand(), 4000, seed=2)
    out = evaluate(small, small.policy("premium"), [], BUDGET, counts, subs)
    est = estimate_policy(small, small.policy("premium")).monthly_cost_usd
    assert out.month_usd.mean() == pytest.approx(est, rel=0.002)
    # with a downgrade rule, the same agreement (the rule fires on the same threshold)
    rules = candidates({"dear": "cheap"})[1][1]
    ruled = evaluate(small, small.policy("premium"), rules, BUDGET, counts, subs)
    policy = small.policy("premium").model_copy(
        update={"budget": Budget(monthly_usd=BUDGET, rules=rules)})
    assert ruled.month_usd.mean() == pytest.approx(
        estimate_policy(small, policy).monthly_cost_usd, rel=0.002)


def test_no_rules_overruns_and_the_plan_does_not(plan):
    by_name = {c["name"]: c for c in plan["candidates"]}
    assert by_name["no rules"]["overrun_probability"] > 0.9  # $64.3 expected against $60
    assert plan["meets_limit"]
    chosen = plan["chosen"]
    assert chosen["overrun_probability_upper95"] <= LIMIT
    fan = json.loads(json.dumps(plan))["fan_chart_usd"]
    assert len(fan["days"]) == 30 and fan["p5"][-1] <= fan["p50"][-1] <= fan["p95"][-1]
    assert all(a <= b for a, b in zip(fan["p50"], fan["p50"][1:]))  # spend only accrues


def test_blocking_is_deferred_work_not_outage(plan):
    block = {c["name"]: c for c in plan["candidates"]}["block non-critical at 80%"]
    assert block["affects"] == {"block_noncritical@0.8": ["digest"]}
    assert block["deferred_tasks_per_month"] > 0
    assert block["availability_of_served"] == 1.0  # no outages: nothing served late


def test_chosen_thresholds_hold_over_200_fresh_months(small, plan):
    rules = [r for r in Budget(monthly_usd=BUDGET, rules=plan["chosen_budget"]["rules"]).rules]
    st, subs = streams(small, Demand())
    fresh = demand_draws(st, Demand(), 200, seed=12345)
    out = evaluate(small, small.policy("premium"), rules, BUDGET, fresh, subs)
    assert out.overruns / 200 <= LIMIT


def test_chosen_thresholds_hold_over_200_simulated_months_in_the_engine(small, plan):
    """200 replications of one 30-day month through the engine with the chosen budget."""
    budget = Budget.model_validate(plan["chosen_budget"])
    policy = small.policy("premium").model_copy(update={"name": "planned", "budget": budget})
    world = small.model_copy(update={"policies": [policy], "baseline": "planned"})
    world._indexes = {}
    result = simulate(world, replications=200, seed=777)
    per_month = (result.records.group_by("replication")
                 .agg((pl.col("cost_usd") + pl.col("judge_cost_usd")).sum().alias("usd")))
    usd = per_month["usd"].to_numpy()
    assert usd.size == 200
    assert np.mean(usd > BUDGET) <= LIMIT
