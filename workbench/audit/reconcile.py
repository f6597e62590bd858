"""Reconciliation: the estimate of ``today`` on the fitted scenario against the spend the log
observed, with the parts of the residual the fitted scenario cannot express named and priced;
and, with the provider's own usage export, the spend the gateway never saw."""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.audit.build import MIN_SPLIT_SHARE, dominant_model, split_shares
from workbench.audit.fit import FittedWorkload
from workbench.audit.prices import PriceMatch
from workbench.domain.model import Price


def _per_mtok(match: PriceMatch) -> tuple[float, float, float]:
    token = Price(**match.price()).token_price()
    assert token is not None  # audit prices are per token
    return (token.input_per_mtok_usd, token.cached_input_per_mtok_usd,
            token.output_per_mtok_usd)


def token_cost(frame: pl.DataFrame, match: PriceMatch) -> pl.Expr:
    """USD of the calls' tokens at ``match``'s list price (cached input at its cached rate)."""
    inp, cached, out = _per_mtok(match)
    return ((pl.col("input_tokens") - pl.col("cached_tokens")) * inp
            + pl.col("cached_tokens") * cached + pl.col("output_tokens") * out) / 1e6


def residual_items(frame: pl.DataFrame, fitted: FittedWorkload,
                   prices: dict[str, PriceMatch], month_factor: float) -> list[dict[str, Any]]:
    """What explains the difference between the observed and the estimated month (USD per
    month; positive: the log paid more than the scenario's estimate). ``frame``: the calls,
    marked by `workbench.audit.attempts.mark_follow_ups`."""
    items = []
    billed_failures = frame.filter(~pl.col("ok") & (pl.col("cost_usd") > 0))
    if billed_failures.height:
        items.append({"reason": "failed calls that were billed (the scenario bills none)",
                      "requests": billed_failures.height,
                      "monthly_usd": float(billed_failures["cost_usd"].sum()) * month_factor})
    for task in fitted.tasks:
        split = split_shares(task.model_shares)
        main = dominant_model(split)
        others = frame.filter((pl.col("task_type") == task.name)
                              & ~pl.col("follow_up")  # retries and fallbacks: the failover
                              & ~pl.col("model").is_in(list(split)) & pl.col("ok"))
        if others.height == 0:
            continue
        at_main = float(others.select(token_cost(others, prices[main])).sum().item())
        items.append({"reason": f"task type {task.name!r}: {others.height} calls went to models "
                                f"with under {MIN_SPLIT_SHARE:.0%} of its calls (the scenario "
                                f"routes them to {main!r})",
                      "requests": others.height,
                      "monthly_usd": (float(others["cost_usd"].sum()) - at_main) * month_factor})
    for match in prices.values():
        if match.ref is None:
            items.append({"reason": f"model {match.model!r} is not in the price catalogue: "
                                    "priced from the log's own amounts (least squares)",
                          "requests": int(frame.filter(pl.col("model") == match.model).height),
                          "monthly_usd": None})
    return items


def list_price_gap(frame: pl.DataFrame, prices: dict[str, PriceMatch],
                   month_factor: float) -> float:
    """Billed minus list price of the successful calls, USD per month (negotiated or batch
    discounts, price changes inside the period, a gateway's own cost map)."""
    gap = 0.0
    for (model,), group in frame.filter(pl.col("ok")).group_by("model"):
        listed = float(group.select(token_cost(group, prices[str(model)])).sum().item())
        gap += float(group["cost_usd"].sum()) - listed
    return gap * month_factor


def untracked_spend(gateway: pl.DataFrame, usage: pl.DataFrame,
                    prices: dict[str, PriceMatch]) -> dict[str, Any]:
    """Provider usage minus what the gateway logged, per catalogue model and UTC day, priced at
    list price. ``usage`` has ``day, model_key, requests, input_tokens, cached_tokens,
    output_tokens``; ``gateway`` is a request frame with a ``model_key`` column."""
    seen = (gateway.filter(pl.col("ok") & ~pl.col("cache_hit"))
            .group_by(pl.col("start").dt.date().alias("day"), "model_key")
            .agg(pl.len().alias("g_requests"), pl.col("input_tokens").sum().alias("g_input"),
                 pl.col("cached_tokens").sum().alias("g_cached"),
                 pl.col("output_tokens").sum().alias("g_output")))
    joined = usage.join(seen, on=["day", "model_key"], how="left").fill_null(0)
    diff = joined.select(
        "day", "model_key", (pl.col("requests") - pl.col("g_requests")).alias("requests"),
        (pl.col("input_tokens") - pl.col("g_input")).alias("input_tokens"),
        (pl.col("cached_tokens") - pl.col("g_cached")).alias("cached_tokens"),
        (pl.col("output_tokens") - pl.col("g_output")).alias("output_tokens"),
    ).filter(pl.col("requests") > 0)
    by_key = {m.key: m for m in prices.values()}
    rows = []
    for row in diff.sort("day", "model_key").iter_rows(named=True):
        match = by_key.get(row["model_key"])
        usd = None
        if match is not None:
            inp, cached, out = _per_mtok(match)
            usd = ((row["input_tokens"] - row["cached_tokens"]) * inp
                   + row["cached_tokens"] * cached + row["output_tokens"] * out) / 1e6
        rows.append({**row, "day": str(row["day"]), "cost_usd": usd})
    total = sum(r["cost_usd"] or 0.0 for r in rows)
    return {"rows": rows, "requests": int(sum(r["requests"] for r in rows)),
            "cost_usd": total,
            "unpriced_models": sorted({r["model_key"] for r in rows if r["cost_usd"] is None})}
