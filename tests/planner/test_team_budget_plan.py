"""`budget-plan --team`: thresholds for one team's own budget, planned on that team's demand
and spend, hold P(the team's month > its budget) within the limit in the engine, where the
other team keeps running on the same policy without any budget."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from workbench.domain.errors import PolicyError
from workbench.domain.loader import load_scenario
from workbench.domain.policy import Budget
from workbench.engine.simulation import simulate
from workbench.planner.budget_plan import budget_plan

TEAMS = """
name: bp_teams
seed: 5
horizon: {days: 30, days_per_month: 30}
baseline: premium
providers: [{name: p}]
models:
  - {name: cheap, provider: p, price: {per_request_usd: 0.002}, quality: {mean: 0.85, sd: 0.05}}
  - {name: dear, provider: p, price: {per_request_usd: 0.02}, quality: {mean: 0.95, sd: 0.02}}
workload:
  weekday_profile: [1.2, 1.1, 1.0, 1.0, 1.0, 0.4, 0.3]
  task_types:
    - {name: answer, per_day: 60, client_facing: true, team: support}
    - {name: digest, per_day: 40, latency_class: batch, team: ops}
policies:
  - name: premium
    routing: {default: dear}
"""
# The weekday profile is scaled to a mean of 1; a 30-day month from a Monday is four weeks
# and a Monday and a Tuesday: 28 + (1.2 + 1.1) x 7 / 6 = 30.683 days' worth of traffic.
DAYS_WORTH = 28 + (1.2 + 1.1) * 7 / 6
OPS_BUDGET = 20.0  # the ops team alone: 40 x $0.02 x 30.683 = $24.55 a month
LIMIT = 0.05


@pytest.fixture(scope="module")
def teams(tmp_path_factory):
    path = tmp_path_factory.mktemp("teams") / "teams.yaml"
    path.write_text(TEAMS, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def plan(teams):
    return budget_plan(teams, "premium", OPS_BUDGET, LIMIT, months=2000, seed=1, team="ops")


def test_the_plan_is_on_the_team_s_demand_only(plan):
    assert plan["team"] == "ops" and plan["streams"] == ["digest"]
    no_rules = next(c for c in plan["candidates"] if c["name"] == "no rules")
    assert no_rules["mean_month_usd"] == pytest.approx(40 * 0.02 * DAYS_WORTH, rel=0.01)
    assert no_rules["overrun_probability"] == 1.0
    assert plan["meets_limit"] and plan["chosen"]["name"] != "no rules"


def test_chosen_team_thresholds_hold_over_200_months_in_the_engine(teams, plan):
    budget = Budget.model_validate(plan["chosen_budget"])
    policy = teams.policy("premium").model_copy(update={"name": "planned",
                                                        "team_budgets": {"ops": budget}})
    world = teams.model_copy(update={"policies": [policy], "baseline": "planned"})
    world._indexes = {}
    result = simulate(world, replications=200, seed=777)
    records = result.records.with_columns(usd=pl.col("cost_usd") + pl.col("judge_cost_usd"))
    ops = records.filter(pl.col("team") == "ops").group_by("replication").agg(pl.col("usd").sum())
    support = records.filter(pl.col("team") == "support").group_by("replication").agg(
        pl.col("usd").sum())
    assert ops.height == 200
    assert np.mean(ops["usd"].to_numpy() > OPS_BUDGET) <= LIMIT
    # support is untouched by ops' budget: every answer on the dear model
    assert support["usd"].mean() == pytest.approx(60 * 0.02 * DAYS_WORTH, rel=0.02)


def test_an_unknown_team_is_refused(teams):
    with pytest.raises(PolicyError, match="--team: no task type belongs to team 'sales' "
                                          r"\(teams: ops, support\)"):
        budget_plan(teams, "premium", OPS_BUDGET, LIMIT, months=100, team="sales")
