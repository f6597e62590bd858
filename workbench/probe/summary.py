"""Summary of a probe run from its records: per arm and model, tasks, success, pass rate, cost
and latency (plain Python over record dicts; no polars needed)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np


def quantile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (linear interpolation), None for no values."""
    return float(np.quantile(np.asarray(values, dtype=float), q)) if values else None


def group_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures of one group of records (all attempts of some tasks)."""
    finals = [r for r in rows if r["final"]]
    ok = [r for r in finals if r["task_success"]]
    checked = [r for r in finals if r["task_passed"] is not None]
    ok_attempts = [r for r in rows if r["outcome"] == "ok"]
    cost = sum(r["cost_usd"] for r in rows) + sum(r["judge_cost_usd"] for r in rows)
    return {
        "tasks": len(finals),
        "attempts": len(rows),
        "success_rate": len(ok) / len(finals) if finals else None,
        "quality_pass_rate": (sum(bool(r["task_passed"]) for r in checked) / len(checked)
                              if checked else None),
        "cost_usd": cost,
        "cost_per_task_usd": cost / len(finals) if finals else None,
        "latency_p50_s": quantile([r["task_latency_s"] for r in ok], 0.5),
        "latency_p95_s": quantile([r["task_latency_s"] for r in ok], 0.95),
        "ttft_p50_s": quantile([r["ttft_s"] for r in ok_attempts if r["ttft_s"] is not None],
                               0.5),
        "output_tokens_mean": (sum(r["output_tokens"] for r in ok_attempts) / len(ok_attempts)
                               if ok_attempts else None),
        "tokens_estimated": sum(bool(r["tokens_estimated"]) for r in rows),
        "outcomes": dict(sorted(Counter(r["outcome"] for r in rows).items())),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals and per (arm, model) figures of a run's records."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["model"] if r["policy"] == "probe" else f"{r['policy']}:{r['model']}"].append(r)
    return {"total": group_summary(rows),
            "by_model": {name: group_summary(g) for name, g in sorted(groups.items())}}
