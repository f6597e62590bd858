"""Latency: the CDF of task latency per policy, one panel per latency class (from
`workbench.metrics.series.latency_cdf`)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from workbench.viz.theme import colour_map, empty_figure, escape_label, escape_labels, styled


def latency_cdf_figure(cdf: pl.DataFrame, deadlines_s: dict[str, float] | None = None) -> go.Figure:
    """Share of tasks done by time t per policy; a dashed line marks each class's deadline."""
    if cdf.is_empty():
        return empty_figure("Task latency", "no simulated records")
    classes = sorted(cdf["latency_class"].unique().to_list())
    colours = colour_map(cdf["policy"].to_list())
    fig = make_subplots(rows=1, cols=len(classes), subplot_titles=escape_labels(classes))
    for col, latency_class in enumerate(classes, start=1):
        frame = cdf.filter(pl.col("latency_class") == latency_class)
        for (policy,), group in frame.group_by("policy", maintain_order=True):
            fig.add_trace(go.Scatter(x=group["latency_s"].to_list(), y=group["share"].to_list(),
                                     name=escape_label(policy), legendgroup=escape_label(policy),
                                     showlegend=col == 1, mode="lines",
                                     line={"color": colours[str(policy)]}), row=1, col=col)
        deadline = (deadlines_s or {}).get(latency_class)
        if deadline is not None and deadline <= 2 * frame["latency_s"].max():
            fig.add_vline(x=deadline, line_dash="dash", line_color="#dc2626", row=1, col=col)
        fig.update_xaxes(title="task latency (s)", row=1, col=col)
    fig.update_yaxes(title="share of tasks done", tickformat=".0%", row=1, col=1)
    return styled(fig, "Task latency CDF by latency class")
