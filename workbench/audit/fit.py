"""Fitting a workload to a request log: volumes, token distributions, arrival profiles,
growth, the models used today, the retries and fallbacks they made, and latency and error
rates by model.

A request is counted once (its first call: `workbench.audit.attempts`); its retries and
fallbacks are attempts, counted in the models' error rates and latency, never as more work.

Token sizes are kept as an empirical sample: the means of ``SAMPLE_BINS`` equal-count bins of
the sorted sizes, so the sample's mean is the log's mean exactly and its quantiles are within
one bin of the log's. Growth is a log-linear fit of daily counts (after the weekday profile);
it is kept only when it exceeds twice its standard error, else 0 (and said so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from workbench.audit.attempts import FailoverSeen, failover_seen
from workbench.audit.requests import RequestLog

SAMPLE_BINS = 200
MIN_LATENCY_CALLS = 5


@dataclass
class FittedTask:
    """One task type as the log shows it."""

    name: str
    team: str
    requests: int
    per_day: float
    input_sample: list[float]
    output_sample: list[float]
    input_quantiles: dict[str, float]
    output_quantiles: dict[str, float]
    cached_input_share: float
    model_shares: dict[str, float]
    cost_usd: float


@dataclass
class FittedModel:
    """Latency and outcome of one model's calls (seconds; shares of calls)."""

    name: str
    provider: str
    requests: int
    error_rate: float
    cache_hit_share: float
    ttft_median_s: float | None = None
    ttft_p95_s: float | None = None
    tokens_per_s: float | None = None
    tokens_per_s_p05: float | None = None


@dataclass
class FittedWorkload:
    """What the log says about the workload over ``days`` calendar days."""

    days: float
    first_day: str
    start_weekday: int
    hour_profile: list[float]
    weekday_profile: list[float]
    growth_monthly: float
    tasks: list[FittedTask]
    models: list[FittedModel]
    failover: FailoverSeen
    notes: list[str] = field(default_factory=list)


def token_sample(values: np.ndarray, bins: int = SAMPLE_BINS) -> list[float]:
    """Means of ``bins`` equal-mass slices of the sorted values (a value on a slice edge is
    shared by fraction), so the sample's mean is the values' mean exactly."""
    ordered = np.sort(values.astype(float))
    n = ordered.size
    if n <= bins:
        return [float(v) for v in ordered]
    cumulative = np.concatenate([[0.0], np.cumsum(ordered)])
    edges = np.arange(bins + 1) * (n / bins)
    whole = np.minimum(np.floor(edges).astype(int), n - 1)
    at_edge = cumulative[whole] + (edges - whole) * ordered[whole]
    at_edge[-1] = cumulative[-1]
    return [float(v) for v in np.diff(at_edge) / (n / bins)]


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {"p50": float(np.quantile(values, 0.5)), "p95": float(np.quantile(values, 0.95)),
            "mean": float(values.mean())}


def profile_shares(counts: pl.DataFrame, key: str, size: int) -> list[float]:
    shares = [0.0] * size
    total = float(counts["n"].sum())
    for row in counts.iter_rows(named=True):
        shares[int(row[key])] = row["n"] / total * size
    return [round(s, 4) for s in shares]


def fitted_growth(daily: pl.DataFrame, weekday: list[float], notes: list[str]) -> float:
    if daily.height < 14:
        notes.append("growth not fitted: fewer than 14 days of logs")
        return 0.0
    x = daily["day_index"].to_numpy().astype(float)
    weights = np.array([weekday[int(w)] or 1.0 for w in daily["weekday"].to_numpy()])
    y = np.log(np.maximum(daily["n"].to_numpy() / weights, 0.5))
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    se = math.sqrt(residual.var(ddof=2) / ((x - x.mean()) ** 2).sum())
    monthly = math.exp(30.0 * slope) - 1.0
    if abs(slope) < 2.0 * se:
        notes.append(f"growth {monthly:+.1%}/month is within noise (under 2 standard errors): "
                     "kept at 0")
        return 0.0
    return round(monthly, 4)


def fit_workload(log: RequestLog) -> FittedWorkload:
    """The workload, per task type and model, that the calls of ``log`` show (its frame
    marked by `workbench.audit.attempts.mark_follow_ups`)."""
    calls = log.frame
    frame = calls.filter(~pl.col("follow_up")).with_columns(
        pl.col("start").dt.date().alias("day"), pl.col("start").dt.hour().alias("hour"),
        (pl.col("start").dt.weekday() - 1).alias("weekday"))
    days = log.days
    first = frame["day"].min()
    notes: list[str] = []
    hour = profile_shares(frame.group_by("hour").agg(pl.len().alias("n")), "hour", 24)
    weekday = profile_shares(frame.group_by("weekday").agg(pl.len().alias("n")), "weekday", 7)
    daily = (frame.group_by("day", "weekday").agg(pl.len().alias("n")).sort("day")
             .with_columns((pl.col("day") - first).dt.total_days().alias("day_index")))
    growth = fitted_growth(daily, weekday, notes)
    tasks = [_fit_task(name, group, days)
             for (name,), group in frame.group_by("task_type", maintain_order=True)]
    models = [_fit_model(name, group)
              for (name,), group in calls.group_by("model", maintain_order=True)]
    failover = failover_seen(calls)
    note = failover.note()
    if note:
        notes.append(note)
    return FittedWorkload(days=days, first_day=str(first), start_weekday=first.weekday(),
                          hour_profile=hour, weekday_profile=weekday, growth_monthly=growth,
                          tasks=sorted(tasks, key=lambda t: -t.requests),
                          models=sorted(models, key=lambda m: -m.requests),
                          failover=failover, notes=notes)


def _fit_task(name: str, group: pl.DataFrame, days: float) -> FittedTask:
    inp = group["input_tokens"].to_numpy()
    out = group["output_tokens"].to_numpy()
    teams = group["team"].value_counts(sort=True)
    models = group["model"].value_counts(sort=True)
    total_input = float(inp.sum())
    return FittedTask(
        name=name, team=str(teams["team"][0]), requests=group.height,
        per_day=group.height / days,
        input_sample=token_sample(inp), output_sample=token_sample(out),
        input_quantiles=_quantiles(inp), output_quantiles=_quantiles(out),
        cached_input_share=float(group["cached_tokens"].sum()) / total_input if total_input else 0.0,
        model_shares={str(m): c / group.height for m, c in models.iter_rows()},
        cost_usd=float(group["cost_usd"].sum()))


def _fit_model(name: str, group: pl.DataFrame) -> FittedModel:
    providers = group["provider"].value_counts(sort=True)
    fitted = FittedModel(name=name, provider=str(providers["provider"][0]),
                         requests=group.height,
                         error_rate=1.0 - float(group["ok"].mean()),
                         cache_hit_share=float(group["cache_hit"].mean()))
    timed = group.filter(pl.col("ok") & ~pl.col("cache_hit") & pl.col("first_token").is_not_null()
                         & (pl.col("end") > pl.col("first_token")))
    if timed.height >= MIN_LATENCY_CALLS:
        ttft = (timed["first_token"] - timed["start"]).dt.total_microseconds().to_numpy() / 1e6
        stream = (timed["end"] - timed["first_token"]).dt.total_microseconds().to_numpy() / 1e6
        tps = timed["output_tokens"].to_numpy() / stream
        ttft = np.maximum(ttft, 1e-3)
        fitted.ttft_median_s = float(np.median(ttft))
        fitted.ttft_p95_s = max(float(np.quantile(ttft, 0.95)), fitted.ttft_median_s)
        fitted.tokens_per_s = float(np.median(tps))
        fitted.tokens_per_s_p05 = min(float(np.quantile(tps, 0.05)), fitted.tokens_per_s)
    return fitted
