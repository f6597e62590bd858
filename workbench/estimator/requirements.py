"""Requirements: which model may serve which task type and why not, its expected pass rate
against the tier's bar and its cost per task; and the seeds' threshold heuristic as a starting
policy (client-facing -> premium, internal -> mid-tier, intermediate workflow step -> budget).
"""

from __future__ import annotations

import polars as pl

from workbench.domain.model import Model
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.estimator.call import call_cost_usd
from workbench.estimator.ladder import pass_probability
from workbench.estimator.latency import attempt_latency, mixture_quantile
from workbench.policies.eligibility import eligibility

HEURISTIC_POLICY = "threshold_heuristic"
TIER_ORDER = ("budget", "standard", "premium")


def deadline_s(scenario: Scenario, task: TaskType) -> float:
    """Seconds a task tolerates: its requirement, else its latency class's deadline."""
    stated = task.requirements.deadline_s
    return float(stated) if stated is not None else \
        scenario.latency_classes[task.latency_class].deadline_s


def single_call_p95_s(model: Model, task: TaskType) -> float:
    """95th percentile seconds of one call of ``task`` on ``model`` (no queueing, no retry)."""
    return mixture_quantile([attempt_latency(model.latency, task.output_tokens, 1.0)], 0.95) or 0.0


def hosting_usd_per_task(scenario: Scenario, model: Model) -> float:
    """A self-hosted model's monthly hosting cost spread over every task of the workload's
    month (the cost per task if it served them all); 0 for API models."""
    from workbench.estimator.estimate import units

    hosting = model.deployment.monthly_usd(scenario.days_per_month)
    if hosting == 0.0:
        return 0.0
    tasks = sum(u.per_day for u in units(scenario)) * scenario.days_per_month
    return hosting / tasks if tasks > 0 else hosting


def requirements_frame(scenario: Scenario) -> pl.DataFrame:
    """Task types x models: eligible (hard requirements) and why; the expected pass rate
    (P(score >= the tier's bar)) against the task's required pass rate - two different
    things, kept apart; single-call p95 latency against the deadline; USD per task with a
    self-hosted model's share of hosting."""
    rows = []
    for task in scenario.workload.task_types:
        required = task.requirements.required_pass_rate
        deadline = deadline_s(scenario, task)
        for model in scenario.models:
            ok, why = eligibility(model, task, scenario.data_classes)
            rate = pass_probability(scenario, model.name, task)
            p95 = single_call_p95_s(model, task)
            hosting = hosting_usd_per_task(scenario, model)
            rows.append({
                "task_type": task.name, "tier": task.tier, "model": model.name,
                "model_tier": model.tier or "-", "eligible": ok, "why": why,
                "score_bar": scenario.bar(task), "pass_rate": rate,
                "required_pass_rate": required,
                "meets_pass_rate": required is None or rate >= required,
                "latency_p95_s": p95, "deadline_s": deadline, "meets_deadline": p95 <= deadline,
                "hosting_usd_per_task": hosting,
                "cost_per_task_usd": call_cost_usd(scenario, model.name, task) + hosting})
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        (pl.col("eligible") & pl.col("meets_pass_rate") & pl.col("meets_deadline"))
        .alias("meets_all"))


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


def _pick(scenario: Scenario, task: TaskType, tier: str, fit: set[str]) -> str:
    """Cheapest model of ``tier`` that meets every requirement (``fit``: eligible, clears the
    required pass rate and the deadline), else of the next tier up, else the cheapest fit
    one; with no fit model, the same over the eligible ones."""
    eligible = [m for m in scenario.models if eligibility(m, task, scenario.data_classes)[0]] \
        or list(scenario.models)
    eligible = [m for m in eligible if m.name in fit] or eligible
    cost = lambda m: call_cost_usd(scenario, m.name, task)
    for t in TIER_ORDER[TIER_ORDER.index(tier):]:
        of_tier = [m for m in eligible if m.tier == t]
        if of_tier:
            return min(of_tier, key=cost).name
    return min(eligible, key=cost).name


def threshold_policy(scenario: Scenario, name: str = HEURISTIC_POLICY) -> dict:
    """The threshold heuristic as policy data: one routing rule per task type, default the
    cheapest premium model."""
    matrix = requirements_frame(scenario).filter(pl.col("meets_all"))
    fit = {t: set(matrix.filter(pl.col("task_type") == t)["model"])
           for t in matrix["task_type"].unique()}
    rules = [{"when": {"task_type": t.name},
              "model": _pick(scenario, t, target_tier(scenario, t), fit.get(t.name, set()))}
             for t in scenario.workload.task_types]
    premium = [m for m in scenario.models if m.tier == "premium"] or list(scenario.models)
    default = min(premium, key=lambda m: m.call_cost_usd(1000, 250)).name
    return {"name": name,
            "description": "Seeds' threshold heuristic: client-facing -> premium, internal -> "
                           "mid-tier, intermediate step -> budget (cheapest eligible model).",
            "routing": {"default": default, "rules": rules}}
