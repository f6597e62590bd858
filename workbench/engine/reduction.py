"""Reducing a replication straight from its attempt log (numpy), without building the records
frame: what large runs (``keep_records=False``) keep. It must equal
`workbench.metrics.summary.reduce_records` on the records frame; a test holds the two together."""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.domain.records import OUTCOMES, REASONS
from workbench.domain.scenario import Scenario
from workbench.engine.attempts import OUTCOME, AttemptLog
from workbench.engine.tasks import TaskTable
from workbench.metrics.breakdown import DIMENSIONS, hosted_monthly_usd
from workbench.metrics.summary import GROUPS, Reduced

COUNT_SCHEMA = {"policy": pl.String, "replication": pl.Int32, "model_usd": pl.Float64,
                "judge_usd": pl.Float64, "tasks": pl.UInt32, "delivered": pl.UInt32,
                "passed": pl.UInt32, "on_time": pl.UInt32, "attempts": pl.UInt32,
                "failovers": pl.UInt32, "retries": pl.UInt32, "hedges": pl.UInt32,
                "escalations": pl.UInt32, "rate_limited": pl.UInt32, "blocked": pl.UInt32,
                "errors": pl.UInt32}


def _stream_key(tasks: TaskTable, dim: str) -> list[str]:
    pick = {"task_type": lambda s: s.task.name, "team": lambda s: s.task.team,
            "latency_class": lambda s: s.task.latency_class}[dim]
    return [pick(s) for s in tasks.streams]


def _sum_by(keys: list[str], values: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in zip(keys, values.tolist()):
        out[key] = out.get(key, 0.0) + value
    return out


def reduce_log(scenario: Scenario, log: AttemptLog, tasks: TaskTable,
               outcome: dict[str, np.ndarray], *, policy: str, replication: int,
               deadlines_s: np.ndarray) -> Reduced:
    """The Reduced of one policy and replication, from the attempt log."""
    col = log.columns(("task", "model", "reason", "outcome", "cost_usd", "judge_cost_usd"))
    task = col["task"]
    stream = tasks.stream.astype(np.int64)
    spend = col["cost_usd"] + col["judge_cost_usd"]
    latency = outcome["end_s"] - tasks.arrival_s
    delivered = outcome["delivered"]
    on_time = delivered & (latency <= deadlines_s[stream])
    reasons = np.bincount(col["reason"], minlength=len(REASONS))
    outcomes = np.bincount(col["outcome"], minlength=len(OUTCOMES))
    reason = dict(zip(REASONS, reasons.tolist()))
    counts = pl.DataFrame([{
        "policy": policy, "replication": replication, "model_usd": float(col["cost_usd"].sum()),
        "judge_usd": float(col["judge_cost_usd"].sum()), "tasks": len(tasks),
        "delivered": int(delivered.sum()), "passed": int(outcome["passed"].sum()),
        "on_time": int(on_time.sum()), "attempts": int(task.size),
        "failovers": reason["failover"], "retries": reason["retry"], "hedges": reason["hedge"],
        "escalations": reason["escalation"], "rate_limited": int(outcomes[OUTCOME["rate_limited"]]),
        "blocked": int(outcomes[OUTCOME["blocked"]]),
        "errors": int(task.size - outcomes[OUTCOME["ok"]])}], schema=COUNT_SCHEMA)
    n_streams = len(tasks.streams)
    attempt_stream = stream[task]
    by_stream = np.bincount(attempt_stream, weights=spend, minlength=n_streams)
    streams_seen = np.bincount(attempt_stream, minlength=n_streams) > 0
    by_model = np.bincount(col["model"], weights=spend, minlength=len(log.models))
    rows = []
    used_models = np.bincount(col["model"], minlength=len(log.models)) > 0
    for dim in DIMENSIONS:
        if dim in ("task_type", "team"):
            keys = _stream_key(tasks, dim)
            totals = _sum_by(keys, by_stream)
            present = {k for k, seen in zip(keys, streams_seen) if seen}
        else:
            names = log.models if dim == "model" else log.providers
            totals = _sum_by([n for n, u in zip(names, used_models) if u], by_model[used_models])
            present = set(totals)
        rows += [(policy, replication, dim, key, usd) for key, usd in totals.items()
                 if key in present]
    spend_frame = pl.DataFrame(rows, schema={"policy": pl.String, "replication": pl.Int32,
                                             "dimension": pl.String, "key": pl.String,
                                             "usd": pl.Float64}, orient="row")
    latencies = pl.DataFrame({"task_latency_s": latency[delivered]}).select(
        pl.lit(policy, dtype=pl.String).alias("policy"), "task_latency_s")
    return Reduced(counts, spend_frame, latencies, _hosting(scenario, log, col, policy,
                                                            replication),
                   _groups(tasks, stream, delivered, outcome["passed"], on_time, policy))


def _hosting(scenario: Scenario, log: AttemptLog, col: dict, policy: str,
             replication: int) -> dict:
    hosted = hosted_monthly_usd(scenario)
    if not hosted:
        return {}
    sent = col["model"][col["outcome"] != OUTCOME["blocked"]]
    counts = np.bincount(sent, minlength=len(log.models))
    used = {m for m, c in zip(log.models, counts) if c} & set(hosted)
    return {(policy, replication): {m: hosted[m] for m in sorted(used)}} if used else {}


def _groups(tasks: TaskTable, stream: np.ndarray, delivered: np.ndarray, passed: np.ndarray,
            on_time: np.ndarray, policy: str) -> pl.DataFrame:
    n = len(tasks.streams)
    per_stream = [np.bincount(stream, weights=w.astype(float), minlength=n)
                  for w in (np.ones(stream.size), delivered, passed, on_time)]
    rows = []
    for dim in GROUPS:
        keys = _stream_key(tasks, dim)
        acc: dict[str, list[float]] = {}
        for i, key in enumerate(keys):
            if per_stream[0][i] == 0:
                continue
            acc.setdefault(key, [0.0] * 4)
            for k in range(4):
                acc[key][k] += per_stream[k][i]
        rows += [(policy, dim, key, *(int(v) for v in vals)) for key, vals in acc.items()]
    return pl.DataFrame(rows, schema={"policy": pl.String, "dimension": pl.String,
                                      "key": pl.String, "tasks": pl.UInt32,
                                      "delivered": pl.UInt32, "passed": pl.UInt32,
                                      "on_time": pl.UInt32}, orient="row")
