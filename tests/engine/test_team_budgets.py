"""Per-team budgets (issue 11): a team's budget watches its own spend and acts on its own
tasks; the policy's budget watches all spend. Worked example, by hand:

team A: 1,000 tasks a day on ``big`` at $0.01 = $10/day; team B: 500 a day = $5/day.
Team A's budget $100, downgrade big -> small ($0.001) at 50%: fires when A has spent $50,
on day 5. The policy's budget $300, downgrade big -> small at 50% = $150: by day 5 all spend
is $75; then A costs $1/day and B $5/day, so $75 more takes 12.5 days: day 17.5. Then B
costs $0.50/day.

month: 5 x $15 + 12.5 x $6 + 12.5 x $1.50 = $75 + $75 + $18.75 = $168.75
team A: $50 + 25 x $1 = $75; team B: $25 + 12.5 x $5 + 12.5 x $0.50 = $93.75.
"""

from __future__ import annotations

import pytest

from workbench.domain.errors import ScenarioError
from workbench.domain.loader import validate_as
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate
from workbench.estimator import estimate
from workbench.policies.budget import BudgetState, BudgetStates

DOWNGRADE = {"at": 0.5, "action": "downgrade", "map": {"big": "small"}}


def team_scenario(team_budgets: dict | None = None) -> Scenario:
    data = {
        "name": "teams", "seed": 3, "baseline": "baseline", "horizon": {"days": 30},
        "providers": [{"name": "p"}],
        "models": [{"name": "big", "provider": "p", "price": {"per_request_usd": 0.01}},
                   {"name": "small", "provider": "p", "price": {"per_request_usd": 0.001}}],
        "workload": {"task_types": [
            {"name": "a", "per_day": 1000, "team": "A"},
            {"name": "b", "per_day": 500, "team": "B"}]},
        "policies": [
            {"name": "baseline", "routing": {"default": "big"}},
            {"name": "teams", "routing": {"default": "big"},
             "budget": {"monthly_usd": 300, "rules": [DOWNGRADE]},
             "team_budgets": team_budgets if team_budgets is not None else
             {"A": {"monthly_usd": 100, "rules": [DOWNGRADE]}}}],
    }
    scenario = validate_as(Scenario, data, "teams.yaml")
    check_references(scenario)
    return scenario


def test_estimate_is_the_worked_example():
    est = estimate(team_scenario()).policies["teams"]
    assert est.monthly_cost_usd == pytest.approx(168.75, abs=1e-9)
    assert est.breakdown["team"] == pytest.approx({"A": 75.0, "B": 93.75}, abs=1e-9)
    fired = [(f["team"], f["rule"], f["day"], f["spend_usd"]) for f in est.budget_firings]
    assert fired == [("A", 0, 5.0, 50.0), (None, 0, 17.5, 150.0)]


@pytest.mark.parametrize("path", ["batch", "contention"])
def test_simulation_agrees_with_the_worked_example(path):
    result = simulate(team_scenario(), replications=2, days=30, keep_records=False, path=path,
                      policies=["teams"])
    summary = result.summaries["teams"]
    low, high = summary["monthly_cost_usd_ci95"]
    assert low - 2.0 <= 168.75 <= high + 2.0  # Poisson arrivals: a few dollars either way
    firings = summary["budget_firings"]
    team_a = [f for f in firings if f["team"] == "A"]
    overall = [f for f in firings if f["team"] is None]
    assert len(team_a) == len(overall) == 2  # once per replication
    assert all(abs(f["time_s"] / 86_400 - 5.0) < 0.2 for f in team_a)
    assert all(abs(f["time_s"] / 86_400 - 17.5) < 0.6 for f in overall)


def test_team_rules_act_on_their_team_only():
    both = BudgetStates(BudgetState({"big": "mid"}), {"A": BudgetState({"mid": "small"}, True)})
    assert both.for_team("A").substitute("big") == "small"  # the team's map, then the policy's
    assert both.for_team("A").block_noncritical
    assert both.for_team("B") == BudgetState({"big": "mid"})


def test_a_team_no_task_belongs_to_is_refused():
    with pytest.raises(ScenarioError, match=r"policies\[1\]\.team_budgets: no task type "
                                            r"belongs to this team.*'C'"):
        team_scenario({"C": {"monthly_usd": 100, "rules": [DOWNGRADE]}})
