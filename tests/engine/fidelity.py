"""Helpers that hold the three fidelities side by side: per-replication figures of a simulation
path, the estimator's figures, and a comparison within a widened (Bonferroni) t interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from workbench.domain.scenario import Scenario
from workbench.engine.simulation import run_replication
from workbench.estimator import estimate

METRICS = ("monthly_cost_usd", "quality_pass_rate", "success_rate", "availability",
           "escalations_per_task", "failovers_per_task")
RATES = METRICS[1:]


def per_replication(scenario: Scenario, days: float, replications: int,
                    path: str) -> dict[str, dict[str, np.ndarray]]:
    """Per policy, per metric: one value per replication (cost in USD a month), and the total
    number of tasks under ``"tasks"``."""
    scale = scenario.days_per_month / days
    rows: dict[str, dict[str, list[float]]] = {}
    for rep in range(replications):
        _, reduced, *_ = run_replication(scenario, rep, scenario.seed, days,
                                         scenario.policy_names, True, path, keep_records=False)
        for r in reduced.counts.to_dicts():
            hosting = sum(reduced.hosting.get((r["policy"], rep), {}).values())
            tasks = r["tasks"]
            out = rows.setdefault(r["policy"], {m: [] for m in (*METRICS, "tasks")})
            out["monthly_cost_usd"].append((r["model_usd"] + r["judge_usd"]) * scale + hosting)
            out["quality_pass_rate"].append(r["passed"] / r["delivered"] if r["delivered"]
                                            else np.nan)
            out["success_rate"].append(r["delivered"] / tasks)
            out["availability"].append(r["on_time"] / tasks)
            out["escalations_per_task"].append(r["escalations"] / tasks)
            out["failovers_per_task"].append(r["failovers"] / tasks)
            out["tasks"].append(tasks)
    return {p: {m: np.asarray(v, dtype=float) for m, v in d.items()} for p, d in rows.items()}


def estimated(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per policy, per metric: the closed form (pass rate 1 when nothing is delivered)."""
    out = {}
    for name, p in estimate(scenario).policies.items():
        out[name] = {"monthly_cost_usd": p.monthly_cost_usd,
                     "quality_pass_rate": 1.0 if p.quality_pass_rate is None
                     else p.quality_pass_rate,
                     "success_rate": p.success_rate, "availability": p.availability,
                     "escalations_per_task": p.escalations_per_task,
                     "failovers_per_task": p.failovers_per_task}
    return out


@dataclass(frozen=True)
class Interval:
    """A simulated mean with its widened interval."""

    mean: float
    low: float
    high: float

    def holds(self, value: float) -> bool:
        """True when ``value`` lies in the interval."""
        return self.low <= value <= self.high


def widened(values: np.ndarray, comparisons: int, tasks: float | None = None) -> Interval:
    """Mean of ``values`` (one per replication) with a two-sided t interval at family level
    95% over ``comparisons`` (Bonferroni: each at 1 - 0.05 / comparisons). For a rate over
    ``tasks`` tasks in all, the half width is at least -ln(0.05 / comparisons) / tasks (no
    event seen in ``tasks`` trials still allows a rate that high at the same level: the rule
    of three, Bonferroni-adjusted), so a rate that never varies across replications is not
    held to equality."""
    values = values[~np.isnan(values)]
    n = values.size
    mean = float(values.mean())
    q = student_t.ppf(1.0 - 0.025 / comparisons, n - 1)
    half = q * float(values.std(ddof=1)) / np.sqrt(n)
    if tasks:
        half = max(half, -np.log(0.05 / comparisons) / tasks)
    half = max(half, 1e-9 * max(1.0, abs(mean)))
    return Interval(mean, mean - half, mean + half)
