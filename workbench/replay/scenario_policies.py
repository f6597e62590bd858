"""A scenario's rule policies replayed on an evaluation table.

Each prompt becomes a task whose ``task_type`` and ``category`` are the prompt's group (MMLU
subject, RouterBench ``eval_name``, AlpacaEval dataset); the policy's routing rules pick a model
or the escalation ladder exactly as `workbench.policies.routing.route` does in the simulator.
Scenario models are matched to table models by ``--map SCENARIO_MODEL=TABLE_MODEL`` (or by equal
names). The ladder is replayed as a cascade with the policy judge's false-accept / false-reject
rates and ``cost_usd`` per judge call, a pass meaning a score >= the pass bar.

Costs are the table's (or estimated from it), not the scenario's prices.
Not replayed (a table has no time, providers or budget): failover, budgets, a judge priced as a
model call, rung ``pass_probability``. A policy whose rules test an attribute other than
``task_type``/``category``, or that names a model with no column, is skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.domain.errors import ReplayError
from workbench.domain.loader import load_scenario
from workbench.domain.policy import Policy
from workbench.domain.workload import TaskType
from workbench.policies.routing import route
from workbench.replay import policies
from workbench.replay.table import EvalTable

TABLE_ATTRIBUTES = {"task_type", "category"}


def parse_map(items: list[str]) -> dict[str, str]:
    """``["a=b", ...]`` -> ``{a: b}``."""
    out: dict[str, str] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left or not right:
            raise ReplayError(f"--map: expected SCENARIO_MODEL=TABLE_MODEL (got {item!r})")
        out[left] = right
    return out


def _why_not(policy: Policy, table: EvalTable, mapping: dict[str, str]) -> str | None:
    if policy.routing is not None:
        if policy.routing.default_split or any(r.split for r in policy.routing.rules):
            return ("a weighted split sends a share of the prompts to each model; the replay "
                    "routes every prompt of a group one way")
        for i, rule in enumerate(policy.routing.rules):
            other = sorted(set(rule.when) - TABLE_ATTRIBUTES)
            if other:
                return (f"routing.rules[{i}] tests {', '.join(other)}; a table prompt only has "
                        "task_type/category (its group)")
            if table.groups is None:
                return f"routing.rules[{i}] needs prompt groups and {table.source} has none"
    needed = []
    if policy.routing is not None:
        needed += [m for m in [policy.routing.default] + [r.model for r in policy.routing.rules]
                   if m is not None]
    if policy.escalation is not None:
        needed += [r.model for r in policy.escalation.ladder]
    for model in needed:
        if mapping.get(model, model) not in table.models:
            return (f"model {model!r} has no column in the table; pass --map {model}=COLUMN "
                    f"(columns: {', '.join(table.models)})")
    return None


def _outcome(policy: Policy, mapping: dict[str, str], pass_bar: float):
    def run(table: EvalTable, rng: np.random.Generator) -> policies.Outcome:
        n = table.n_prompts
        names, codes = table.group_codes or (np.array(["all"]), np.zeros(n, dtype=np.int64))
        target = np.full(n, -1)  # -1 = the ladder
        for code, group in enumerate(names):
            decision = route(policy, TaskType(name=str(group) or "-", category=str(group)))
            if not decision.escalates:
                target[codes == code] = table.index(mapping.get(decision.model,
                                                                decision.model))
        cost = table.cost_usd if table.cost_usd is not None else np.full(table.scores.shape,
                                                                           np.nan)
        rows = np.arange(n)
        delivered = np.where(target >= 0, target, 0)
        paid = cost[rows, delivered].copy()
        calls = np.bincount(delivered[target >= 0], minlength=len(table.models))
        laddered = target < 0
        params: dict = {"scenario_policy": policy.name}
        if laddered.any():
            esc = policy.escalation
            assert esc is not None
            sub = policies.cascade(
                table.subset(laddered), [mapping.get(r.model, r.model) for r in esc.ladder],
                rng, false_accept=esc.judge.false_accept, false_reject=esc.judge.false_reject,
                judge_cost_usd=esc.judge.cost_usd, pass_bar=pass_bar,
                judge_last=esc.judge_last)
            delivered[laddered], paid[laddered] = sub.delivered, sub.cost_usd
            calls = calls + sub.calls
            params["escalated_share"] = float(laddered.mean())
        return policies.Outcome(f"scenario:{policy.name}", "scenario", delivered, paid, calls,
                                params)
    return run


def scenario_outcomes(path: Path, table: EvalTable, map_items: list[str],
                      pass_bar: float = 0.5) -> tuple[list, list[dict]]:
    """(runnable policies, skipped [{policy, reason}]) of the scenario at ``path``."""
    scenario = load_scenario(path)
    mapping = parse_map(map_items)
    known = {m.name for m in scenario.models}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ReplayError(f"--map names {unknown[0]!r}, not a model of {path} "
                          f"(models: {', '.join(sorted(known))})")
    bad = sorted(v for v in mapping.values() if v not in table.models)
    if bad:
        raise ReplayError(f"--map points to {bad[0]!r}, not a model of {table.source} "
                          f"(models: {', '.join(table.models)})")
    runnable, skipped = [], []
    for policy in scenario.policies:
        reason = _why_not(policy, table, mapping)
        if reason is None:
            runnable.append(_outcome(policy, mapping, pass_bar))
        else:
            skipped.append({"policy": policy.name, "reason": reason})
    return runnable, skipped
