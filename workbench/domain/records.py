"""CallRecord: one attempt of one task on one model - the only output of the simulator and of
the probe. ``RECORD_SCHEMA`` declares the columns (polars dtype names) of a records frame;
`workbench.metrics.records` turns it into a polars schema. Low-cardinality text columns are
``Categorical`` (a records frame can hold tens of millions of rows)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

Outcome = Literal["ok", "error_5xx", "timeout", "rate_limited", "blocked", "auth",
                  "not_found", "malformed", "stream_cut", "connection",
                  "truncated", "unreachable", "interrupted"]
Reason = Literal["route", "escalation", "retry", "failover", "hedge", "budget_downgrade"]

OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
REASONS: tuple[str, ...] = Reason.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One attempt. Times are seconds since the run's start; costs in USD.

    ``final`` marks the attempt whose output was delivered (or the last attempt of a task that
    failed); task-level columns (``task_*``) are filled on final records only.
    """

    run_id: str
    policy: str
    replication: int
    task_id: int
    workflow: str | None
    step: str | None
    task_type: str
    category: str
    team: str
    tier: str
    latency_class: str
    client_facing: bool
    attempt: int
    model: str
    provider: str
    reason: str
    start_s: float
    queue_s: float
    ttft_s: float | None
    latency_s: float
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    cost_usd: float
    judge_cost_usd: float
    outcome: str
    http_status: int | None
    quality_score: float | None
    passed: bool | None
    accepted: bool | None
    final: bool
    task_latency_s: float | None
    task_success: bool | None
    task_passed: bool | None
    within_deadline: bool | None


RECORD_SCHEMA: dict[str, str] = {
    "run_id": "String", "policy": "Categorical", "replication": "Int32", "task_id": "Int64",
    "workflow": "Categorical", "step": "Categorical", "task_type": "Categorical", "category": "Categorical",
    "team": "Categorical", "tier": "Categorical", "latency_class": "Categorical", "client_facing": "Boolean",
    "attempt": "Int16", "model": "Categorical", "provider": "Categorical", "reason": "Categorical",
    "start_s": "Float64", "queue_s": "Float64", "ttft_s": "Float64", "latency_s": "Float64",
    "input_tokens": "Int64", "cached_input_tokens": "Int64", "output_tokens": "Int64",
    "tokens_estimated": "Boolean", "cost_usd": "Float64", "judge_cost_usd": "Float64",
    "outcome": "Categorical", "http_status": "Int16", "quality_score": "Float64", "passed": "Boolean",
    "accepted": "Boolean", "final": "Boolean", "task_latency_s": "Float64",
    "task_success": "Boolean", "task_passed": "Boolean", "within_deadline": "Boolean",
}

assert list(RECORD_SCHEMA) == [f.name for f in fields(CallRecord)], "schema and record disagree"
