"""The recommendation of `workbench optimize`: the optimum of the integer program, checked by
the exact estimator and by a simulation (95% intervals), with the frontier, the binding
constraints, the size of the space searched, and the policy as YAML a scenario can include.

>>> from workbench.domain.loader import load_scenario
>>> plan = optimize(load_scenario("scenarios/marketing_14_tasks.yaml"),
...                 Constraints(min_pass=0.93))  # doctest: +SKIP
>>> plan.best.monthly_cost_usd  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field

from workbench.domain.errors import PolicyError
from workbench.domain.policy import Escalation, Failover, Policy
from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import estimate_policy
from workbench.planner.frontier import FrontierPoint, binding, frontier, violations
from workbench.planner.model import Constraints, PlanModel, Solution
from workbench.planner.space import SearchSpace, search_space
from workbench.planner.terms import TermTable

MAX_BLOCK_OPTIONS = 5000  # joint options of one workflow's task types, each an estimator call
FLAGS = {"min_pass": "--min-pass", "min_availability": "--min-availability",
         "max_p95_s": "--max-p95-s", "budget_usd": "--budget-usd"}


@dataclass
class Plan:
    """What `optimize` found: the space searched, the frontier, the best policy, its estimate
    and simulation, and the binding constraints."""

    scenario: Scenario
    space: SearchSpace
    constraints: Constraints
    objective: str
    best: Solution
    policy: Policy
    frontier: list[FrontierPoint]
    binding: list[dict]
    searched: dict
    estimated: dict
    simulated: dict | None = None
    frontier_policies: list[Policy] = field(default_factory=list)
    thresholds: dict | None = None

    def to_json(self) -> dict:
        """The ``workbench optimize --json`` document."""
        return {
            "scenario": self.scenario.name, "objective": self.objective,
            "constraints": {k: v for k, v in self.constraints.__dict__.items() if v is not None},
            "searched": self.searched,
            "frontier": [{"name": p.name, "pass_floor": round(pt.floor, 6),
                          "policy": policy_mapping(p), **pt.solution.metrics()}
                         for pt, p in zip(self.frontier, self.frontier_policies)],
            "best": {"name": self.policy.name, "policy": policy_mapping(self.policy),
                     "global_choice": self.space.globals[self.best.g].label,
                     "assignment": self.best.assignment, **self.best.metrics(),
                     "estimated": self.estimated, "simulated": self.simulated},
            "binding": self.binding,
            "next_cheaper": self.next_cheaper(),
            "budget_thresholds": self.thresholds,
        }

    def next_cheaper(self) -> dict | None:
        """The dearest frontier policy cheaper than the recommendation, and the constraints
        it breaks (None when the recommendation is the cheapest on the frontier)."""
        cheaper = [(pt, p) for pt, p in zip(self.frontier, self.frontier_policies)
                   if pt.solution.monthly_cost_usd < self.best.monthly_cost_usd * (1 - 1e-9)]
        if not cheaper:
            return None
        pt, policy = max(cheaper, key=lambda item: item[0].solution.monthly_cost_usd)
        return {"name": policy.name, **pt.solution.metrics(),
                "violates": violations(pt.solution, self.constraints)}


def policy_mapping(policy: Policy) -> dict:
    """The policy as plain data for YAML / JSON (defaults left out), the shape of one entry
    of a scenario's ``policies`` list."""
    return policy.model_dump(mode="json", exclude_defaults=True)


POOL_MIN_OPTIONS = 1000  # below, starting processes costs more than the terms


def optimize(scenario: Scenario, cons: Constraints, objective: str = "cost",
             points: int = 10, models: list[str] | None = None,
             ladders: list[Escalation] | None = None, failovers: list[Failover] | None = None,
             max_rungs: int = 3, replications: int = 3, name: str = "optimized",
             simulate_check: bool = True, executor: Executor | None = None,
             workers: int | None = 1) -> Plan:
    """The optimum policy under ``cons`` (``objective`` cost or quality), the frontier and
    the binding constraints; ``replications`` > 0 checks it by simulation. With
    ``executor`` (a process pool or a Dask cluster's), the estimator terms of the whole space
    are computed on it first: the same answer, the inner loop spread out; without one,
    ``workers`` > 1 does so on a local process pool of that size (None: every CPU when the
    space has `POOL_MIN_OPTIONS` options or more)."""
    if objective not in ("cost", "quality"):
        raise PolicyError(f"--objective: must be cost or quality (got {objective!r})")
    started = time.perf_counter()
    for name_ in models or []:
        if name_ not in {m.name for m in scenario.models}:
            raise PolicyError(f"--model: no model {name_!r} in the scenario")
    space = search_space(scenario, models, ladders, failovers, max_rungs)
    for task in space.task_order():
        if not any(space.choices(g, task) for g in space.globals):
            why = "; ".join(f"{m}: {space.why_not[(m, task)]}" for m in space.models
                            if (m, task) in space.why_not)
            raise PolicyError(f"no candidate model may serve task type {task!r} ({why})")
    for g in space.globals[:1]:
        for block in space.blocks:
            count = len(space.block_options(g, block))
            if count > MAX_BLOCK_OPTIONS:
                raise PolicyError(
                    f"the task types {', '.join(block.members)} share a workflow and have "
                    f"{count:,} joint options (more than {MAX_BLOCK_OPTIONS:,}): name fewer "
                    f"candidate models with --model")
    table = TermTable(space)
    if executor is not None:
        table.prefill(executor)
    elif workers is None:
        import os

        options = sum(len(space.block_options(g, b)) for g in space.globals
                      for b in space.blocks)
        workers = (os.cpu_count() or 1) if options >= POOL_MIN_OPTIONS else 1
    if executor is None and workers > 1:
        from multiprocessing import get_context

        with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
            table.prefill(pool)
    model = PlanModel(space, table, cons.max_p95_s)
    built = time.perf_counter() - started
    best = model.solve(cons, objective)
    if best is None:
        raise PolicyError(_infeasible(model, cons))
    policy = space.policy(_unique(scenario, name), space.globals[best.g], best.assignment)
    points_ = frontier(model, cons, points)
    policies = [space.policy(f"{policy.name}-frontier-{i + 1}", space.globals[pt.solution.g],
                             pt.solution.assignment) for i, pt in enumerate(points_)]
    bind = binding(model, cons, best, objective)
    est = estimate_policy(scenario, policy)
    estimated = {**_metrics(est.summary()), "violates": violations(best, cons)}
    searched = {"space_size": space.size(), "global_choices": len(space.globals),
                "blocks": len(space.blocks), "candidate_models": len(space.models),
                "block_options": model.options, "estimator_evaluations": table.evaluations,
                "columns_after_dominance": len(model.columns),
                "ladders_dropped": model.ladders_dropped,
                "failovers_dropped": model.failovers_dropped, "milp_solves": model.solves,
                "terms_seconds": round(built, 3),
                "evaluations_per_s": round(table.evaluations / built, 1) if built else None,
                "proved_optimal": best.mip_gap == 0.0, "mip_gap": best.mip_gap,
                "method": "exact: integer program over the estimator's per-block terms, "
                          "HiGHS branch and cut with zero gap",
                "seconds": round(time.perf_counter() - started, 3)}
    plan = Plan(scenario, space, cons, objective, best, policy, points_, bind, searched,
                estimated, None, policies)
    if simulate_check and replications > 0:
        plan.simulated = simulate_policy(scenario, policy, cons, replications)
        searched["seconds_with_simulation"] = round(time.perf_counter() - started, 3)
    if cons.budget_usd is not None:
        plan.thresholds = budget_thresholds(scenario, policy, cons.budget_usd)
    return plan


def budget_thresholds(scenario: Scenario, policy: Policy, budget_usd: float,
                      max_overrun_prob: float = 0.05) -> dict:
    """The `budget-plan` answer for the recommended policy under the budget: its expected
    month meets the budget; these rules hold P(month > budget) under the limit when demand
    varies (Poisson days). Not part of the policy: adding them changes its figures."""
    from workbench.planner.budget_plan import budget_plan

    with_it = scenario.model_copy(update={"policies": [*scenario.policies, policy]})
    with_it._indexes = {}
    doc = budget_plan(with_it, policy.name, budget_usd, max_overrun_prob, months=1000)
    return {"max_overrun_prob": max_overrun_prob, "meets_limit": doc["meets_limit"],
            "chosen": doc["chosen"], "budget": doc["chosen_budget"],
            "overrun_probability_without_rules": doc["candidates"][0]["overrun_probability"]}


def _unique(scenario: Scenario, name: str) -> str:
    taken = set(scenario.policy_names)
    out, i = name, 1
    while out in taken:
        i += 1
        out = f"{name}-{i}"
    return out


def _metrics(summary: dict) -> dict:
    return {k: summary[k] for k in ("monthly_cost_usd", "quality_pass_rate", "availability",
                                    "latency_p95_s")}


def _infeasible(model: PlanModel, cons: Constraints) -> str:
    """Name the constraints no policy in the space meets together, with the best reachable."""
    parts = []
    for name, limit in cons.__dict__.items():
        if limit is None:
            continue
        alone = Constraints(**{name: limit, "max_p95_s": cons.max_p95_s})
        if name != "max_p95_s" and model.solve(alone) is None:
            parts.append(f"{FLAGS[name]} {limit:g} is out of reach on its own")
    reach = model.solve(Constraints(max_p95_s=cons.max_p95_s), "quality")
    best = "" if reach is None else (f"; the highest pass rate in the space is "
                                     f"{reach.quality_pass_rate:.4f}")
    which = "; ".join(parts) or "the constraints cannot all hold at once"
    return f"no policy in the searched space meets the constraints: {which}{best}"


def simulate_policy(scenario: Scenario, policy: Policy, cons: Constraints,
                    replications: int) -> dict:
    """Simulate ``policy`` alone (as the baseline of a copy of the scenario): its figures
    with 95% intervals and whether the simulated means meet each constraint."""
    from workbench.engine.simulation import simulate

    alone = scenario.model_copy(update={"policies": [policy], "baseline": policy.name})
    alone._indexes = {}  # the copy's own name indexes, not the original's
    days = min(float(scenario.horizon.days), scenario.days_per_month)  # one month suffices
    result = simulate(alone, replications=replications, policies=[policy.name],
                      keep_records=False, days=days)
    s = result.summaries[policy.name]
    out = {k: s.get(k) for k in ("monthly_cost_usd", "monthly_cost_usd_ci95",
                                 "quality_pass_rate", "availability", "availability_ci95",
                                 "latency_p95_s")}
    out["replications"] = replications
    out["days"] = result.days
    sim = Solution(0, {}, s["monthly_cost_usd"], s.get("quality_pass_rate"),
                   s["availability"], s.get("latency_p95_s"))
    tasks = (s.get("tasks_per_month") or 0.0) * result.days / scenario.days_per_month \
        * replications
    out["violates"] = [v for v in violations(sim, cons) if _beyond_noise(v, s, tasks)
                       and (replications > 1 or v["constraint"] != "budget_usd")]
    if replications < 2:
        out["note"] = "one replication gives no cost interval: the budget is not checked"
    out["confirmed"] = not out["violates"]
    return out


def _beyond_noise(v: dict, summary: dict, tasks: float) -> bool:
    """A simulated mean on the wrong side of a limit counts only beyond sampling error: for
    a share, 1.96 binomial standard errors over the simulated tasks; for the cost, the 95%
    interval's low end above the budget; latency p95 as it is."""
    value = v["value"]
    if value is None:
        return True
    if v["constraint"] in ("min_pass", "min_availability"):
        margin = 1.96 * math.sqrt(max(value * (1.0 - value), 0.0) / tasks) if tasks else 0.0
        return value < v["limit"] - margin
    if v["constraint"] == "budget_usd":
        ci = summary.get("monthly_cost_usd_ci95") or [value, value]
        return ci[0] > v["limit"]
    return True
