"""Series: polars aggregations of a records frame (one row per attempt, ``RECORD_SCHEMA``)
into the small frames charts draw - cost over time, month-to-date spend, task flows, latency
CDFs, outage spans. Every function takes a records frame and returns a new frame; none touches
an engine object.

    >>> import polars as pl
    >>> daily = cost_over_time(records, by="model")   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.domain.records import RECORD_SCHEMA

DAY_S = 86_400.0


def polars_schema() -> dict[str, pl.DataType]:
    """``RECORD_SCHEMA`` as polars dtypes."""
    return {name: getattr(pl, dtype)() for name, dtype in RECORD_SCHEMA.items()}


def records_frame(rows: list[dict] | None = None) -> pl.DataFrame:
    """A records frame with the declared schema (empty when ``rows`` is None)."""
    return pl.DataFrame(rows or [], schema=polars_schema())


def _replications(records: pl.DataFrame) -> pl.DataFrame:
    """Number of replications per policy (means over replications divide by it)."""
    return records.group_by("policy").agg(pl.col("replication").n_unique().alias("_reps"))


def filter_records(records: pl.DataFrame, teams: list[str] | None = None,
                   task_types: list[str] | None = None,
                   days: tuple[int, int] | None = None) -> pl.DataFrame:
    """The attempts of the given teams and task types (None or empty: all) sent on simulated
    days ``days[0]..days[1]`` (1 = the first 24 h, inclusive)."""
    keep = pl.lit(True)
    if teams:
        keep &= pl.col("team").cast(pl.String).is_in(teams)
    if task_types:
        keep &= pl.col("task_type").cast(pl.String).is_in(task_types)
    if days is not None:
        day = (pl.col("start_s") // DAY_S) + 1
        keep &= day.is_between(days[0], days[1])
    return records.filter(keep)


def cost_over_time(records: pl.DataFrame, by: str = "model",
                   bucket_s: float = DAY_S) -> pl.DataFrame:
    """Mean USD per replication per time bucket: columns policy, day (bucket index x
    ``bucket_s`` / 86400), ``by``, cost_usd. Judge calls appear under ``(judge)``."""
    if records.is_empty():
        return pl.DataFrame(schema={"policy": pl.String, "day": pl.Float64, by: pl.String,
                                    "cost_usd": pl.Float64})
    bucket = (pl.col("start_s") // bucket_s) * (bucket_s / DAY_S)
    frame = records.select(pl.col("policy").cast(pl.String), bucket.alias("day"),
                           pl.col(by).cast(pl.String), "cost_usd", "judge_cost_usd")
    model_cost = frame.select("policy", "day", by, "cost_usd")
    judge = (frame.filter(pl.col("judge_cost_usd") > 0)
             .select("policy", "day", pl.lit("(judge)").alias(by),
                     pl.col("judge_cost_usd").alias("cost_usd")))
    reps = _replications(records).with_columns(pl.col("policy").cast(pl.String))
    return (pl.concat([model_cost, judge])
            .group_by("policy", "day", by).agg(pl.col("cost_usd").sum())
            .join(reps, on="policy")
            .with_columns(pl.col("cost_usd") / pl.col("_reps"))
            .drop("_reps").sort("policy", "day", by))


def month_to_date_spend(records: pl.DataFrame, days_per_month: float,
                        bucket_s: float = 3_600.0) -> pl.DataFrame:
    """Mean month-to-date spend (models + judge) per policy at the end of each bucket:
    columns policy, day (time since start in days), month, spend_usd."""
    if records.is_empty():
        return pl.DataFrame(schema={"policy": pl.String, "day": pl.Float64, "month": pl.Int64,
                                    "spend_usd": pl.Float64})
    month_s = days_per_month * DAY_S
    reps = _replications(records).with_columns(pl.col("policy").cast(pl.String))
    spent = (records.select(
        pl.col("policy").cast(pl.String),
        ((pl.col("start_s") // bucket_s + 1) * bucket_s).alias("end_s"),
        (pl.col("cost_usd") + pl.col("judge_cost_usd")).alias("usd"))
        .group_by("policy", "end_s").agg(pl.col("usd").sum())
        .join(reps, on="policy").with_columns(pl.col("usd") / pl.col("_reps"))
        .with_columns(((pl.col("end_s") - 1e-9) // month_s).cast(pl.Int64).alias("month"))
        .sort("policy", "end_s"))
    return (spent.with_columns(pl.col("usd").cum_sum().over("policy", "month")
                               .alias("spend_usd"),
                               (pl.col("end_s") / DAY_S).alias("day"))
            .select("policy", "day", "month", "spend_usd"))


def task_flows(records: pl.DataFrame, policy: str | None = None) -> pl.DataFrame:
    """Attempts from task type to model by why the model was chosen, mean per replication:
    columns policy, task_type, model, reason, attempts (sorted by attempts, descending)."""
    frame = records if policy is None else records.filter(pl.col("policy") == policy)
    if frame.is_empty():
        return pl.DataFrame(schema={"policy": pl.String, "task_type": pl.String,
                                    "model": pl.String, "reason": pl.String,
                                    "attempts": pl.Float64})
    reps = _replications(frame).with_columns(pl.col("policy").cast(pl.String))
    return (frame.select(*(pl.col(c).cast(pl.String) for c in
                           ("policy", "task_type", "model", "reason")))
            .group_by("policy", "task_type", "model", "reason").len("attempts")
            .join(reps, on="policy")
            .with_columns(pl.col("attempts") / pl.col("_reps")).drop("_reps")
            .sort(["attempts", "policy", "task_type", "model", "reason"],
                  descending=[True, False, False, False, False]))


def latency_cdf(records: pl.DataFrame, points: int = 101) -> pl.DataFrame:
    """Empirical CDF of task latency (final records of delivered tasks) per policy and
    latency class at ``points`` quantiles: columns policy, latency_class, latency_s, share."""
    finals = records.filter(pl.col("final") & pl.col("task_success").fill_null(False)
                            & pl.col("task_latency_s").is_not_null())
    rows: list[dict] = []
    shares = np.linspace(0.0, 1.0, points)
    for (policy, latency_class), group in finals.group_by("policy", "latency_class",
                                                          maintain_order=True):
        values = group["task_latency_s"].to_numpy()
        for share, value in zip(shares, np.quantile(values, shares)):
            rows.append({"policy": str(policy), "latency_class": str(latency_class),
                         "latency_s": float(value), "share": float(share)})
    schema = {"policy": pl.String, "latency_class": pl.String, "latency_s": pl.Float64,
              "share": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("policy", "latency_class", "share")


def reason_counts(records: pl.DataFrame) -> pl.DataFrame:
    """Attempts per policy and reason (route, escalation, retry, failover, hedge,
    budget_downgrade), mean per replication: columns policy, reason, attempts."""
    flows = task_flows(records)
    return (flows.group_by("policy", "reason").agg(pl.col("attempts").sum())
            .sort("policy", "reason"))


def outcome_shares(records: pl.DataFrame) -> pl.DataFrame:
    """Share of attempts per outcome, per policy and provider: columns policy, provider,
    outcome, attempts, share."""
    counts = (records.select(*(pl.col(c).cast(pl.String) for c in
                               ("policy", "provider", "outcome")))
              .group_by("policy", "provider", "outcome").len("attempts"))
    return (counts.with_columns((pl.col("attempts") / pl.col("attempts").sum()
                                 .over("policy", "provider")).alias("share"))
            .sort("policy", "provider", "outcome"))


def task_summary(records: pl.DataFrame) -> pl.DataFrame:
    """Per policy from final records: tasks (mean per replication), success, pass and
    within-deadline rates, cost per task in USD (all attempts and judge calls)."""
    reps = _replications(records).with_columns(pl.col("policy").cast(pl.String))
    costs = (records.group_by(pl.col("policy").cast(pl.String))
             .agg((pl.col("cost_usd") + pl.col("judge_cost_usd")).sum().alias("usd")))
    finals = (records.filter(pl.col("final"))
              .group_by(pl.col("policy").cast(pl.String))
              .agg(pl.len().alias("n"),
                   pl.col("task_success").fill_null(False).mean().alias("success_rate"),
                   pl.col("task_passed").fill_null(False).mean().alias("pass_rate"),
                   pl.col("within_deadline").fill_null(False).mean().alias("availability")))
    return (finals.join(costs, on="policy").join(reps, on="policy")
            .with_columns((pl.col("n") / pl.col("_reps")).alias("tasks"),
                          (pl.col("usd") / pl.col("n")).alias("cost_per_task_usd"))
            .select("policy", "tasks", "success_rate", "pass_rate", "availability",
                    "cost_per_task_usd").sort("policy"))


def outage_spans(outages: pl.DataFrame, replication: int = 0) -> pl.DataFrame:
    """Outage spans of one replication in days: columns provider, state, start_day, end_day,
    hours."""
    schema = {"provider": pl.String, "state": pl.String, "start_day": pl.Float64,
              "end_day": pl.Float64, "hours": pl.Float64}
    if outages.is_empty():
        return pl.DataFrame(schema=schema)
    return (outages.filter(pl.col("replication") == replication)
            .select(pl.col("provider").cast(pl.String), pl.col("state").cast(pl.String),
                    (pl.col("start_s") / DAY_S).alias("start_day"),
                    (pl.col("end_s") / DAY_S).alias("end_day"),
                    ((pl.col("end_s") - pl.col("start_s")) / 3_600.0).alias("hours"))
            .sort("provider", "start_day"))


def per_model_calls(records: pl.DataFrame) -> pl.DataFrame:
    """Per model: attempts, error rate, latency p50 / p95 of successful attempts in seconds,
    mean USD per attempt - what a probe measures and the simulator assumes."""
    schema = {"model": pl.String, "attempts": pl.UInt32, "error_rate": pl.Float64,
              "latency_p50_s": pl.Float64, "latency_p95_s": pl.Float64,
              "cost_per_attempt_usd": pl.Float64}
    if records.is_empty():
        return pl.DataFrame(schema=schema)
    ok = pl.col("outcome").cast(pl.String) == "ok"
    return (records.group_by(pl.col("model").cast(pl.String))
            .agg(pl.len().alias("attempts"), (~ok).mean().alias("error_rate"),
                 pl.col("latency_s").filter(ok).quantile(0.5).alias("latency_p50_s"),
                 pl.col("latency_s").filter(ok).quantile(0.95).alias("latency_p95_s"),
                 pl.col("cost_usd").mean().alias("cost_per_attempt_usd"))
            .cast(schema).sort("model"))


def measured_vs_simulated(measured: pl.DataFrame, simulated: pl.DataFrame) -> pl.DataFrame:
    """`per_model_calls` of probe records beside those of simulated records, for the models
    both hold: columns model, then each figure with ``_measured`` and ``_simulated``."""
    return (per_model_calls(measured)
            .join(per_model_calls(simulated), on="model", suffix="_simulated")
            .rename({c: f"{c}_measured" for c in ("attempts", "error_rate", "latency_p50_s",
                                                  "latency_p95_s", "cost_per_attempt_usd")}))
