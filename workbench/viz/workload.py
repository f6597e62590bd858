"""Workload charts: daily volume and tokens by task type (from a workload frame with columns
task_type, per_day, input_tokens, output_tokens, tokens_per_day)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from workbench.viz.theme import escape_labels, styled


def volume_figure(workload: pl.DataFrame) -> go.Figure:
    """Tasks per day by task type (horizontal bars, largest on top)."""
    frame = workload.sort("per_day")
    fig = go.Figure(go.Bar(x=frame["per_day"].to_list(), y=escape_labels(frame["task_type"]),
                           orientation="h", marker_color="#2563eb",
                           hovertemplate="%{y}: %{x:,.0f} tasks/day<extra></extra>"))
    fig.update_xaxes(title="tasks per day")
    return styled(fig, "Volume by task type", height=120 + 40 * frame.height)


def tokens_figure(workload: pl.DataFrame) -> go.Figure:
    """Input and output tokens per day by task type (stacked horizontal bars)."""
    frame = workload.sort("tokens_per_day")
    fig = go.Figure()
    for column, name, colour in (("input_tokens", "input", "#0891b2"),
                                 ("output_tokens", "output", "#f97316")):
        per_day = (frame[column] * frame["per_day"]).to_list()
        fig.add_trace(go.Bar(x=per_day, y=escape_labels(frame["task_type"]), orientation="h",
                             name=name, marker_color=colour,
                             hovertemplate="%{y}: %{x:,.0f} " + name
                                           + " tokens/day<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="tokens per day (mean per call x calls)")
    return styled(fig, "Tokens by task type", height=120 + 40 * frame.height)
