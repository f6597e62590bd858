"""AttemptLog: attempts collected as numpy column chunks during a run, assembled into one
polars records frame with the declared schema (`workbench.domain.records.RECORD_SCHEMA`)."""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.domain.records import OUTCOMES, REASONS, RECORD_SCHEMA

OUTCOME = {name: i for i, name in enumerate(OUTCOMES)}
REASON = {name: i for i, name in enumerate(REASONS)}
HTTP_STATUS = {"ok": 200, "error_5xx": 503, "rate_limited": 429}
COLUMNS = ("task", "attempt", "model", "reason", "start_s", "queue_s", "ttft_s", "latency_s",
           "cost_usd", "judge_cost_usd", "outcome", "quality_score", "passed", "accepted")


class AttemptLog:
    """Append-only columnar store of attempts (model as a code into ``models``)."""

    def __init__(self, models: list[str], providers: list[str]) -> None:
        self.models = models
        self.providers = providers
        self.model_code = {m: i for i, m in enumerate(models)}
        self.chunks: list[dict[str, np.ndarray]] = []

    def add(self, **columns: np.ndarray) -> None:
        """Append one chunk; every column of ``COLUMNS`` must be given, same length."""
        self.chunks.append(columns)

    def columns(self, names: tuple[str, ...] = COLUMNS) -> dict[str, np.ndarray]:
        """The named columns over all chunks (empty arrays when nothing was logged)."""
        if not self.chunks:
            return {c: np.empty(0) for c in names}
        return {c: np.concatenate([ch[c] for ch in self.chunks]) for c in names}

    def keep(self, keep_task: np.ndarray) -> None:
        """Drop attempts of tasks whose ``keep_task[task]`` is False (budget re-resolution)."""
        kept = []
        for ch in self.chunks:
            mask = keep_task[ch["task"]]
            if mask.all():
                kept.append(ch)
            elif mask.any():
                kept.append({c: v[mask] for c, v in ch.items()})
        self.chunks = kept

    def fork(self) -> AttemptLog:
        """An empty log over the same models."""
        return AttemptLog(self.models, self.providers)

    def extend(self, other: AttemptLog) -> None:
        """Append all chunks of ``other``."""
        self.chunks += other.chunks


def _categorical(names: list[str], codes: np.ndarray) -> pl.Series:
    return pl.Series(names, dtype=pl.Categorical).gather(codes.astype(np.uint32))


def records_frame(log: AttemptLog, tasks, outcome: dict[str, np.ndarray], *, run_id: str,
                  policy: str, replication: int, deadlines_s: np.ndarray) -> pl.DataFrame:
    """The records of one policy and replication. ``outcome`` holds per-task arrays ``end_s``,
    ``delivered``, ``passed`` and ``attempts``; ``deadlines_s`` is the deadline per stream."""
    col = log.columns()
    task = col["task"].astype(np.int64)
    n = task.size
    order = np.lexsort((col["attempt"], task))
    col = {k: v[order] for k, v in col.items()}
    task = task[order]
    stream = tasks.stream[task]
    streams = tasks.streams
    final = col["attempt"] == outcome["attempts"][task] - 1
    latency = outcome["end_s"][task] - tasks.arrival_s[task]
    delivered = outcome["delivered"][task]
    outcomes = np.asarray(OUTCOMES)[col["outcome"].astype(int)] if n else np.empty(0, str)
    status = np.array([HTTP_STATUS.get(o, 504 if o == "timeout" else 0) for o in OUTCOMES])
    status = status[col["outcome"].astype(int)] if n else np.empty(0, int)
    attr = lambda f: [f(s) for s in streams]
    stream_codes = stream.astype(np.uint32)
    frame = {
        "run_id": pl.Series([run_id], dtype=pl.String).gather(np.zeros(n, dtype=np.uint32)),
        "policy": pl.Series([policy], dtype=pl.Categorical).gather(np.zeros(n, np.uint32)),
        "replication": pl.Series(np.full(n, replication, dtype=np.int32)),
        "task_id": pl.Series(task),
        "workflow": pl.Series(attr(lambda s: s.workflow), dtype=pl.Categorical).gather(stream_codes),
        "step": pl.Series(attr(lambda s: s.step), dtype=pl.Categorical).gather(stream_codes),
        "task_type": _categorical(attr(lambda s: s.task.name), stream),
        "category": _categorical(attr(lambda s: s.task.category_name), stream),
        "team": _categorical(attr(lambda s: s.task.team), stream),
        "tier": _categorical(attr(lambda s: s.task.tier), stream),
        "latency_class": _categorical(attr(lambda s: s.task.latency_class), stream),
        "client_facing": pl.Series(np.array(attr(lambda s: s.task.client_facing),
                                             dtype=bool)[stream] if n else []),
        "attempt": pl.Series(col["attempt"].astype(np.int16)),
        "model": _categorical(log.models, col["model"]),
        "provider": _categorical(log.providers, col["model"]),
        "reason": _categorical(list(REASONS), col["reason"]),
        "start_s": pl.Series(col["start_s"].astype(float)),
        "queue_s": pl.Series(col["queue_s"].astype(float)),
        "ttft_s": pl.Series(col["ttft_s"].astype(float), nan_to_null=True),
        "latency_s": pl.Series(col["latency_s"].astype(float)),
        "input_tokens": pl.Series(tasks.input_tokens[task]),
        "cached_input_tokens": pl.Series(tasks.cached_tokens[task]),
        "output_tokens": pl.Series(np.where(outcomes == "ok", tasks.output_tokens[task], 0)
                                   if n else np.empty(0, np.int64)),
        "tokens_estimated": pl.Series(np.zeros(n, dtype=bool)),
        "cost_usd": pl.Series(col["cost_usd"].astype(float)),
        "judge_cost_usd": pl.Series(col["judge_cost_usd"].astype(float)),
        "outcome": pl.Series(list(OUTCOMES), dtype=pl.Categorical).gather(
            col["outcome"].astype(np.uint32)),
        "http_status": pl.Series(status.astype(np.int16)),
        "quality_score": pl.Series(col["quality_score"].astype(float), nan_to_null=True),
        "passed": pl.Series(col["passed"].astype(np.int8)),
        "accepted": pl.Series(col["accepted"].astype(np.int8)),
        "final": pl.Series(final),
        "task_latency_s": pl.Series(latency.astype(float)),
        "task_success": pl.Series(delivered.astype(bool)),
        "task_passed": pl.Series(outcome["passed"][task].astype(bool)),
        "within_deadline": pl.Series(delivered & (latency <= deadlines_s[stream])),
    }
    df = pl.DataFrame({k: s.alias(k) for k, s in frame.items()})
    on_final = [pl.when(pl.col("final")).then(pl.col(c)).alias(c)
                for c in ("task_latency_s", "task_success", "task_passed", "within_deadline")]
    tri_state = [pl.when(pl.col(c) >= 0).then(pl.col(c) == 1).alias(c)
                 for c in ("passed", "accepted")]
    df = df.with_columns(*on_final, *tri_state,
                         pl.when(pl.col("http_status") > 0).then(pl.col("http_status"))
                         .alias("http_status"))
    return df.cast(record_schema())


def record_schema() -> dict[str, pl.DataType]:
    """RECORD_SCHEMA as polars dtypes."""
    return {name: getattr(pl, dtype) for name, dtype in RECORD_SCHEMA.items()}


def empty_records() -> pl.DataFrame:
    """A records frame with no rows."""
    return pl.DataFrame(schema=record_schema())
