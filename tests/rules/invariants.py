"""What every estimate must satisfy, whatever the scenario: costs >= 0, rates within [0, 1],
and every total equal to a recomputation from its parts (components, each breakdown
dimension, cost per task, savings, ROI from the monthly figures)."""

from __future__ import annotations

import math

import pytest

from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import ScenarioEstimate, volume_factor
from workbench.metrics.roi import roi


def tasks_per_month(scenario: Scenario) -> float:
    """Standalone volume + workflow volume x steps, x the month's volume factor x days."""
    w = scenario.workload
    per_day = sum(w.standalone_per_day(t) for t in w.task_types)
    per_day += sum(wf.per_day * len(wf.steps) for wf in w.workflows)
    return per_day * volume_factor(scenario) * scenario.days_per_month


def check_estimate(scenario: Scenario, est: ScenarioEstimate) -> None:
    """Assert the invariants of ``est`` (rel 1e-9 on recomputations)."""
    close = lambda value: pytest.approx(value, rel=1e-9, abs=1e-9)
    assert list(est.policies) == scenario.policy_names
    base = est.policies[scenario.baseline]
    for name, p in est.policies.items():
        for value in (p.monthly_cost_usd, p.model_usd, p.judge_usd, p.hosting_usd,
                      p.rework_hours, p.escalations_per_task, p.tasks_per_month):
            assert math.isfinite(value) and value >= 0.0, (name, value)
        assert p.monthly_cost_usd == close(p.model_usd + p.judge_usd + p.hosting_usd), name
        for dim, parts in p.breakdown.items():
            assert all(v >= 0.0 for v in parts.values()), (name, dim)
            assert sum(parts.values()) == close(p.monthly_cost_usd), (name, dim)
        assert p.tasks_per_month == close(tasks_per_month(scenario)), name
        assert p.cost_per_task_usd == close(p.monthly_cost_usd / p.tasks_per_month
                                            if p.tasks_per_month else 0.0)
        for rate in (p.success_rate, p.availability, p.quality_pass_rate):
            assert rate is None or -1e-12 <= rate <= 1.0 + 1e-12, (name, rate)
        assert p.availability <= p.success_rate + 1e-12, name  # on time implies delivered
        if base.monthly_cost_usd > 0:
            assert p.savings_vs_baseline == close(1.0 - p.monthly_cost_usd
                                                  / base.monthly_cost_usd), name
        if name == scenario.baseline:
            assert p.roi is None
        else:
            again = roi(p.figures(), base.figures(), scenario.finance, scenario.days_per_month)
            assert p.roi == again, name
            assert p.roi.token_savings_usd == close(base.model_usd - p.model_usd)
            assert p.roi.net_monthly_usd == close(
                p.roi.token_savings_usd + p.roi.rework_saved_usd + p.roi.downtime_avoided_usd
                - p.roi.overhead_usd)
