"""Cost charts: monthly cost by a breakdown dimension per policy, and cost over simulated time
(from `workbench.metrics.series.cost_over_time`)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from workbench.viz.theme import colour_map, empty_figure, escape_label, escape_labels, styled


def breakdown_figure(summaries: dict[str, dict], dimension: str = "model") -> go.Figure:
    """Stacked monthly USD per policy, split by ``dimension`` (task_type, model, provider,
    team) from the summaries' ``breakdown_usd``."""
    keys = sorted({k for s in summaries.values() for k in s["breakdown_usd"][dimension]})
    colours = colour_map(keys)
    fig = go.Figure()
    policies = list(summaries)
    for key in keys:
        fig.add_trace(go.Bar(
            x=escape_labels(policies), y=[summaries[p]["breakdown_usd"][dimension].get(key, 0.0)
                           for p in policies],
            name=escape_label(key), marker_color=colours[key],
            hovertemplate="%{x} - " + escape_label(key) + ": $%{y:,.0f}/month<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="USD per month", tickformat="$,.0f")
    return styled(fig, f"Monthly cost by {dimension.replace('_', ' ')}")


def cost_over_time_figure(costs: pl.DataFrame, policy: str | None = None) -> go.Figure:
    """Daily USD by model (stacked areas) for one policy, or total daily USD per policy when
    ``policy`` is None."""
    if costs.is_empty():
        return empty_figure("Cost over time", "no simulated records")
    key = next(c for c in costs.columns if c not in ("policy", "day", "cost_usd"))
    fig = go.Figure()
    if policy is None:
        totals = costs.group_by("policy", "day").agg(pl.col("cost_usd").sum()).sort("day")
        colours = colour_map(totals["policy"].to_list())
        for (name,), group in totals.group_by("policy", maintain_order=True):
            fig.add_trace(go.Scatter(x=group["day"].to_list(), y=group["cost_usd"].to_list(),
                                     name=escape_label(name), mode="lines+markers",
                                     line={"color": colours[str(name)]}))
        title = "Daily cost per policy"
    else:
        frame = costs.filter(pl.col("policy") == policy).sort("day")
        colours = colour_map(frame[key].to_list())
        for (name,), group in frame.group_by(key, maintain_order=True):
            fig.add_trace(go.Scatter(x=group["day"].to_list(), y=group["cost_usd"].to_list(),
                                     name=escape_label(name), stackgroup="one",
                                     line={"color": colours[str(name)]}))
        title = f"Daily cost by {key} - {policy}"
    fig.update_xaxes(title="day of simulation")
    fig.update_yaxes(title="USD per day", tickformat="$,.0f")
    return styled(fig, title)
