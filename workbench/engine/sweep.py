"""Sweeps: simulate a grid of scenario variants (parameter values x seeds) on any
`concurrent.futures.Executor` - a local process pool by default, or a Dask cluster's executor
(``dask.distributed.Client(address).get_executor()``)."""

from __future__ import annotations

import itertools
import re
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from workbench.domain.bounded_read import parse_yaml
from workbench.domain.errors import ScenarioError
from workbench.domain.loader import read_yaml_mapping, scenario_from_data
from workbench.domain.scenario import Scenario

_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")
SWEEP_METRICS = ("monthly_cost_usd", "savings_vs_baseline", "quality_pass_rate", "success_rate",
                 "availability", "latency_p95_s", "rework_hours")


def parse_grid(specs: list[str]) -> dict[str, list[Any]]:
    """``["providers[openai].mtbf_days=2,5,10"]`` -> ``{"providers[openai].mtbf_days": [2, 5, 10]}``."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        path, sep, values = spec.partition("=")
        if not sep or not path or not values:
            raise ScenarioError("a sweep parameter is PATH=V1,V2,...", path="--param", value=spec)
        grid[path.strip()] = [_value(v, spec) for v in values.split(",")]
    return grid


def _value(text: str, spec: str) -> Any:
    """One swept value, read as YAML (bounded, like every file)."""
    try:
        return parse_yaml(text, None)
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, path="--param", value=spec) from None


def set_path(data: dict, path: str, value: Any) -> dict:
    """Set ``value`` at ``path`` (``a.b[2].c``; a list item may be named: ``models[gpt-4]``)."""
    node: Any = data
    steps = [m.group(1) or m.group(2) for m in _STEP.finditer(path)]
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        if isinstance(node, list):
            index = _list_index(node, step, path)
            if last:
                node[index] = value
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[step] = value
            else:
                node = node.setdefault(step, {})
        else:
            raise ScenarioError("cannot descend into a scalar", path=path, value=step)
    return data


def _list_index(items: list, step: str, path: str) -> int:
    if step.lstrip("-").isdigit():
        return int(step)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == step:
            return i
    raise ScenarioError("no list item of that name", path=path, value=step)


def variant(base: dict, assignment: dict[str, Any], file: str) -> Scenario:
    """A validated scenario with ``assignment`` applied to a copy of ``base``."""
    import copy

    data = copy.deepcopy(base)
    for path, value in assignment.items():
        set_path(data, path, value)
    return scenario_from_data(data, file, Path(file))


def _run_point(args: tuple) -> list[dict]:
    from workbench.engine.simulation import simulate

    base, assignment, file, replications, seed, days, policies = args
    scenario = variant(base, assignment, file)
    result = simulate(scenario, replications=replications, seed=seed, days=days,
                      policies=policies, keep_records=False)
    return [{"params": assignment, "seed": result.seed, "policy": name,
             **{k: summary.get(k) for k in SWEEP_METRICS},
             "monthly_cost_usd_ci95": summary["monthly_cost_usd_ci95"]}
            for name, summary in result.summaries.items() if not policies or name in policies]


def sweep(file: str, grid: dict[str, list[Any]], replications: int = 3,
          seeds: list[int] | None = None, days: float | None = None,
          executor: Executor | None = None, policies: list[str] | None = None) -> list[dict]:
    """Simulate every combination of ``grid`` values for every seed; one row per policy
    (only ``policies`` when given: the baseline is still simulated for the savings, and
    rows of the others are left out)."""
    base = read_yaml_mapping(file)
    keys = list(grid)
    points = [dict(zip(keys, combo)) for combo in itertools.product(*grid.values())] or [{}]
    for point in points:  # fail fast, in this process, on an invalid variant
        scenario = variant(base, point, file)
        for name in policies or []:
            if name not in scenario.policy_names:
                raise ScenarioError(f"no policy of that name (policies: "
                                    f"{', '.join(scenario.policy_names)})", file=file,
                                    path="--policy", value=name)
    jobs = [(base, point, file, replications, seed, days, policies or None)
            for point in points for seed in (seeds or [None])]
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=2)
    try:
        return [row for rows in pool.map(_run_point, jobs) for row in rows]
    finally:
        if own:
            pool.shutdown()
