"""A workload from a provider's usage export alone (``audit --format openai-usage`` or
``anthropic-usage``): totals per bucket (day or hour) and model, and per project, key or user
with ``--task-from``. What the export cannot tell is said, never guessed:

- token sizes are per-request means (the export holds sums): the token sample is that one
  mean and p50 = p95 = mean. Costs are linear in tokens, so the month's cost is exact; tails
  (context needs, latency of long answers) are unknown. A group that used several models
  becomes one task type per model (``<group>:<model>``, team ``<group>``): a mean over
  models would price one model's tokens at another's rate;
- the hour-of-day profile comes from hourly buckets (``bucket_width=1h``); daily buckets
  leave it flat;
- error rates and latency are unknown (the export counts billed requests only);
- the spend is the list price of the tokens (the export carries no amounts).
"""

from __future__ import annotations

import polars as pl

from workbench.audit.attempts import FailoverSeen
from workbench.audit.fit import (
    FittedModel,
    FittedTask,
    FittedWorkload,
    fitted_growth,
    profile_shares,
)
from workbench.audit.prices import PriceMatch, catalog_match
from workbench.audit.reconcile import token_cost

USAGE_NOTES = [
    ("fitted from a usage export (totals per bucket): token sizes are per-request means, so "
    "p50 = p95 = mean and tails are unknown"),
    ("the usage export counts billed requests only: error rates and latency are unknown "
    "(0 errors assumed; calibrate with live mode or audit the gateway logs)"),
    "observed spend is the list price of the exported tokens (the export carries no amounts)",
]


def usage_prices(daily: pl.DataFrame) -> dict[str, PriceMatch]:
    """Catalogue prices of the exported models; an unknown one is priced $0 per token and
    listed as unpriced (the export has no amounts to fit a price from)."""
    out = {}
    for model, provider in daily.select("model", "provider").unique(maintain_order=True).rows():
        found = catalog_match(model, provider)
        out[model] = (PriceMatch(model, f"{found[1]}:{model}", found[0], found[1]) if found
                      else PriceMatch(model, None, None, provider, 0.0, 0.0))
    return out


def _task(name: str, rows: pl.DataFrame, days: float, team: str,
          price: PriceMatch) -> FittedTask:
    """One task type from the rows of one model (per-request means of their sums)."""
    requests = int(rows["requests"].sum())
    per_request = {c: float(rows[c].sum()) / requests
                   for c in ("input_tokens", "output_tokens", "cached_tokens")}
    inp, out = per_request["input_tokens"], per_request["output_tokens"]
    return FittedTask(
        name=name, team=team, requests=requests, per_day=requests / days,
        input_sample=[inp], output_sample=[out],
        input_quantiles={"p50": inp, "p95": inp, "mean": inp},
        output_quantiles={"p50": out, "p95": out, "mean": out},
        cached_input_share=per_request["cached_tokens"] / inp if inp else 0.0,
        model_shares={price.model: 1.0},
        cost_usd=float(rows.select(token_cost(rows, price)).sum().item()))


def fit_usage(daily: pl.DataFrame, prices: dict[str, PriceMatch],
              teams_from_groups: bool) -> FittedWorkload:
    """The workload of ``provider_usage``'s frame: task types from its ``group`` column when
    present, else one per model; a group on several models is one task type per model.
    With ``teams_from_groups`` (groups from ``--task-from``) each group is a team too."""
    daily = daily.filter(pl.col("requests") > 0)
    key = "group" if "group" in daily.columns else "model"
    first, last = daily["day"].min(), daily["day"].max()
    days = float((last - first).days + 1)  # type: ignore[operator]
    notes = list(USAGE_NOTES)
    by_day = (daily.group_by("day").agg(pl.col("requests").sum().alias("n")).sort("day")
              .with_columns((pl.col("day").dt.weekday() - 1).alias("weekday"),
                            (pl.col("day") - first).dt.total_days().alias("day_index")))
    weekday = profile_shares(by_day.group_by("weekday").agg(pl.col("n").sum()), "weekday", 7)
    growth = fitted_growth(by_day, weekday, notes)
    if daily["hour"].n_unique() > 1:
        hour = profile_shares(daily.group_by("hour").agg(pl.col("requests").sum().alias("n")),
                        "hour", 24)
    else:
        hour = [1.0] * 24
        notes.append("daily buckets: the hour-of-day profile is flat (export hourly buckets "
                     "to fit it)")
    tasks = []
    for (name,), rows in daily.group_by(key, maintain_order=True):
        team = str(name) if teams_from_groups else "default"
        by_model = rows.partition_by("model", maintain_order=True)
        for part in by_model:
            model = str(part["model"][0])
            task = str(name) if len(by_model) == 1 else f"{name}:{model}"
            tasks.append(_task(task, part, days, team, prices[model]))
    models = [FittedModel(name=str(m), provider=str(p), requests=int(n), error_rate=0.0,
                          cache_hit_share=0.0)
              for m, p, n in daily.group_by("model", "provider").agg(pl.col("requests").sum())
              .sort("requests", descending=True).rows()]
    unpriced = sorted(m for m, p in prices.items() if p.ref is None)
    if unpriced:
        notes.append(f"not in the price catalogue, priced $0 until you give a price: "
                     f"{', '.join(unpriced)}")
    return FittedWorkload(days=days, first_day=str(first), start_weekday=first.weekday(),
                          hour_profile=hour, weekday_profile=weekday,
                          growth_monthly=growth,
                          tasks=sorted(tasks, key=lambda t: -t.requests), models=models,
                          failover=FailoverSeen(0, 0, 0, 0), notes=notes)
