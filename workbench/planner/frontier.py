"""The cost / pass-rate / availability frontier by the epsilon-constraint method, and the
binding constraints of an optimum.

Frontier: under the availability, latency and budget constraints, the pass floor is swept over
an even grid from the pass rate of the cheapest feasible policy to the highest attainable; each
point is the exact minimum-cost policy at its floor (one integer program each). Every point is
on the Pareto frontier of (cost, pass rate) within the grid's resolution.

Binding: a constraint binds when dropping it (keeping the others) gives a strictly better
optimum; that better optimum is "the next cheaper option" and the figures it would violate are
named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.planner.model import Constraints, PlanModel, Solution

LABELS = {"min_pass": "quality pass rate", "min_availability": "availability",
          "max_p95_s": "latency p95 (s)", "budget_usd": "monthly budget (USD)"}
FIELDS = {"min_pass": "quality_pass_rate", "min_availability": "availability",
          "max_p95_s": "latency_p95_s", "budget_usd": "monthly_cost_usd"}


@dataclass
class FrontierPoint:
    """The cheapest policy whose pass rate is at least ``floor``."""

    floor: float
    solution: Solution


def violations(solution: Solution, cons: Constraints) -> list[dict]:
    """The constraints ``solution`` breaks: name, limit, its value."""
    out = []
    for name, limit in cons.__dict__.items():
        if limit is None:
            continue
        value = getattr(solution, FIELDS[name])
        cap = name in ("max_p95_s", "budget_usd")
        broken = value is None or (value > limit + 1e-9 if cap else value < limit - 1e-9)
        if broken:
            out.append({"constraint": name, "limit": limit,
                        "value": None if value is None else round(value, 6)})
    return out


def pass_range(model: PlanModel, cons: Constraints) -> tuple[Solution, Solution] | None:
    """(cheapest, highest-pass-rate) policies under ``cons`` without its pass floor."""
    free = cons.relaxed("min_pass")
    cheapest = model.solve(free, "cost")
    if cheapest is None:
        return None
    best = model.solve(free, "quality")
    return cheapest, best if best is not None else cheapest


def frontier(model: PlanModel, cons: Constraints, points: int = 10) -> list[FrontierPoint]:
    """Minimum-cost policies at ``points`` pass floors from the cheapest policy's pass rate to
    the highest attainable, under the other constraints of ``cons``; equal policies appear
    once."""
    ends = pass_range(model, cons)
    if ends is None:
        return []
    low = ends[0].quality_pass_rate or 0.0
    high = ends[1].quality_pass_rate or 0.0
    floors = [low] if high <= low + 1e-12 else list(np.linspace(low, high, max(points, 2)))
    out: list[FrontierPoint] = []
    free = cons.relaxed("min_pass")
    for floor in floors:
        sol = model.solve(Constraints(**{**free.__dict__, "min_pass": float(floor) - 1e-12}))
        if sol is None:
            continue
        if out and out[-1].solution.assignment == sol.assignment \
                and out[-1].solution.g == sol.g:
            continue
        out.append(FrontierPoint(float(floor), sol))
    return out


def binding(model: PlanModel, cons: Constraints, best: Solution,
            objective: str = "cost") -> list[dict]:
    """Per constraint given: whether it binds, the optimum without it, and what that
    cheaper (or better) policy would violate."""
    out = []
    for name, limit in cons.__dict__.items():
        if limit is None:
            continue
        relaxed = cons.relaxed(name)
        if name == "max_p95_s":
            other = PlanModel(model.space, model.table, None).solve(relaxed, objective)
        else:
            other = model.solve(relaxed, objective)
        better = other is not None and (
            other.monthly_cost_usd < best.monthly_cost_usd * (1 - 1e-9) - 1e-12
            if objective == "cost"
            else (other.quality_pass_rate or 0.0) > (best.quality_pass_rate or 0.0) + 1e-9)
        entry = {"constraint": name, "label": LABELS[name], "limit": limit,
                 "value": _value(best, name), "binding": bool(better)}
        if better and other is not None:
            entry["next_option"] = {**other.metrics(),
                                    "violates": violations(other, cons)}
        out.append(entry)
    return out


def _value(solution: Solution, name: str) -> float | None:
    value = getattr(solution, FIELDS[name])
    return None if value is None else round(value, 6)
