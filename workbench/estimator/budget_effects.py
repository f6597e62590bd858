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
    """Per budget rule k: pass rate and monthly cost with rules 0..k minus with rules 0..k-1
    (columns rule, label, pass_rate_delta, monthly_cost_delta_usd)."""
    spec = scenario.policy(policy)
    schema = {"rule": pl.Int64, "label": pl.String, "pass_rate_delta": pl.Float64,
              "monthly_cost_delta_usd": pl.Float64}
    if spec.budget is None or not spec.budget.rules:
        return pl.DataFrame(schema=schema)
    rows = []
    previous = None
    for k in range(len(spec.budget.rules) + 1):
        budget = spec.budget.model_copy(update={"rules": spec.budget.rules[:k]})
        est = estimate_policy(scenario, spec.model_copy(update={"budget": budget}))
        current = (est.quality_pass_rate or 0.0, est.monthly_cost_usd)
        if previous is not None:
            rule = spec.budget.rules[k - 1]
            rows.append({"rule": k - 1,
                         "label": f"{rule_label(k - 1)}: {rule.at:.0%} {label(rule.action)}",
                         "pass_rate_delta": current[0] - previous[0],
                         "monthly_cost_delta_usd": current[1] - previous[1]})
        previous = current
    return pl.DataFrame(rows, schema=schema)
