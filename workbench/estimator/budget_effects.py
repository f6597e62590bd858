"""Budget effects on the closed form: the expected month-to-date spend path (USD by day) of a
policy under its budget rules, and what each rule changes in pass rate and monthly USD."""

from __future__ import annotations

import polars as pl

from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import budget_segments, estimate_policy
from workbench.metrics.formats import label, rule_label


def expected_spend(scenario: Scenario, policy: str, points_per_segment: int = 8) -> pl.DataFrame:
    """Expected month-to-date spend (models + judge) of ``policy`` through one month:
    columns policy, day, spend_usd."""
    segments, _ = budget_segments(scenario, scenario.policy(policy))
    rows = [{"policy": policy, "day": 0.0, "spend_usd": 0.0}]
    day, spent = 0.0, 0.0
    for days, figures in segments:
        for k in range(1, points_per_segment + 1):
            rows.append({"policy": policy, "day": day + days * k / points_per_segment,
                         "spend_usd": spent + figures.spend_usd * days * k / points_per_segment})
        day += days
        spent += figures.spend_usd * days
    return pl.DataFrame(rows)


def rule_impacts(scenario: Scenario, policy: str) -> pl.DataFrame:
    """Per budget rule - the policy's, then each team's - pass rate and monthly cost with it
    and the rules before it, minus without it (columns rule, team, label, pass_rate_delta,
    monthly_cost_delta_usd)."""
    spec = scenario.policy(policy)
    schema = {"rule": pl.Int64, "team": pl.String, "label": pl.String,
              "pass_rate_delta": pl.Float64, "monthly_cost_delta_usd": pl.Float64}
    order = [(team, k) for team, budget in _budgets(spec) for k in range(len(budget.rules))]
    if not order:
        return pl.DataFrame(schema=schema)
    rows = []
    previous = _figures(scenario, spec, {})
    for n, (team, k) in enumerate(order):
        counts = {}
        for t, j in order[: n + 1]:
            counts[t] = j + 1
        current = _figures(scenario, spec, counts)
        rule = (spec.budget if team is None else spec.team_budgets[team]).rules[k]
        owner = "" if team is None else f"team {team} "
        rows.append({"rule": k, "team": team,
                     "label": f"{owner}{rule_label(k)}: {rule.at:.0%} {label(rule.action)}",
                     "pass_rate_delta": current[0] - previous[0],
                     "monthly_cost_delta_usd": current[1] - previous[1]})
        previous = current
    return pl.DataFrame(rows, schema=schema)


def _budgets(spec) -> list:
    """(team or None, budget) of every budget with rules: the policy's first."""
    own = [(None, spec.budget)] if spec.budget is not None and spec.budget.rules else []
    return own + [(t, b) for t, b in spec.team_budgets.items() if b.rules]


def _figures(scenario: Scenario, spec, counts: dict) -> tuple[float, float]:
    """(pass rate, monthly cost) of ``spec`` with the first ``counts[team]`` rules of each
    budget (team None: the policy's)."""
    budget = (spec.budget.model_copy(update={"rules": spec.budget.rules[:counts.get(None, 0)]})
              if spec.budget is not None else None)
    teams = {t: b.model_copy(update={"rules": b.rules[:counts.get(t, 0)]})
             for t, b in spec.team_budgets.items()}
    est = estimate_policy(scenario, spec.model_copy(update={"budget": budget,
                                                            "team_budgets": teams}))
    return est.quality_pass_rate or 0.0, est.monthly_cost_usd
