"""Requirements: which model may serve which task type and why not, its expected pass rate
against the tier's bar and its cost per task; and the seeds' threshold heuristic as a starting
policy (client-facing -> premium, internal -> mid-tier, intermediate workflow step -> budget).
"""

from __future__ import annotations

import polars as pl

from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.estimator.call import call_cost_usd
from workbench.estimator.ladder import pass_probability
from workbench.policies.eligibility import eligibility

HEURISTIC_POLICY = "threshold_heuristic"
TIER_ORDER = ("budget", "standard", "premium")


def requirements_frame(scenario: Scenario) -> pl.DataFrame:
    """Task types x models: eligible, why, expected pass rate, the tier's bar, whether the
    rate clears it, and the expected USD per task of a single call."""
    rows = []
    for task in scenario.workload.task_types:
        bar = scenario.bar(task)
        for model in scenario.models:
            ok, why = eligibility(model, task)
            rate = pass_probability(scenario, model.name, task)
            rows.append({"task_type": task.name, "tier": task.tier, "model": model.name,
                         "model_tier": model.tier or "-", "eligible": ok, "why": why,
                         "pass_rate": rate, "bar": bar, "meets_bar": ok and rate >= bar,
                         "cost_per_task_usd": call_cost_usd(scenario, model.name, task)})
    return pl.DataFrame(rows)


def intermediate_steps(scenario: Scenario) -> set[str]:
    """Task types that only feed a later workflow step (some step runs after them)."""
    names: set[str] = set()
    for wf in scenario.workload.workflows:
        upstream = {a for step in wf.steps for a in step.after}
        names |= {step.task_type for step in wf.steps if step.name in upstream}
    return names


def target_tier(scenario: Scenario, task: TaskType) -> str:
    """The heuristic's model tier for ``task``."""
    if task.client_facing:
        return "premium"
    if task.name in intermediate_steps(scenario):
        return "budget"
    return "standard"


def _pick(scenario: Scenario, task: TaskType, tier: str) -> str:
    """Cheapest eligible model of ``tier``, else of the next tier up, else cheapest eligible."""
    eligible = [m for m in scenario.models if eligibility(m, task)[0]] or list(scenario.models)
    cost = lambda m: call_cost_usd(scenario, m.name, task)
    for t in TIER_ORDER[TIER_ORDER.index(tier):]:
        of_tier = [m for m in eligible if m.tier == t]
        if of_tier:
            return min(of_tier, key=cost).name
    return min(eligible, key=cost).name


def threshold_policy(scenario: Scenario, name: str = HEURISTIC_POLICY) -> dict:
    """The threshold heuristic as policy data: one routing rule per task type, default the
    cheapest premium model."""
    rules = [{"when": {"task_type": t.name}, "model": _pick(scenario, t, target_tier(scenario, t))}
             for t in scenario.workload.task_types]
    premium = [m for m in scenario.models if m.tier == "premium"] or list(scenario.models)
    default = min(premium, key=lambda m: m.call_cost_usd(1000, 250)).name
    return {"name": name,
            "description": "Seeds' threshold heuristic: client-facing -> premium, internal -> "
                           "mid-tier, intermediate step -> budget (cheapest eligible model).",
            "routing": {"default": default, "rules": rules}}
