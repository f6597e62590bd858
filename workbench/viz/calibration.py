"""Live against simulated: per model, what a probe measured beside what the simulator
assumed (from `workbench.metrics.series.measured_vs_simulated`)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from workbench.viz.theme import empty_figure, escape_labels, styled

FIGURES = (("latency_p50_s", "latency p50 (s)"), ("latency_p95_s", "latency p95 (s)"),
           ("error_rate", "error rate"), ("cost_per_attempt_usd", "USD per attempt"))


def measured_vs_simulated_figure(frame: pl.DataFrame) -> go.Figure:
    """Grouped bars, one panel per figure: measured (probe) and simulated per model."""
    if frame.is_empty():
        return empty_figure("Measured against simulated", "no model in both runs")
    fig = make_subplots(rows=1, cols=len(FIGURES), subplot_titles=[t for _, t in FIGURES])
    models = escape_labels(frame["model"].to_list())
    for col, (key, _) in enumerate(FIGURES, start=1):
        for side, colour in (("measured", "#f97316"), ("simulated", "#2563eb")):
            fig.add_trace(go.Bar(x=models, y=frame[f"{key}_{side}"].to_list(), name=side,
                                 marker_color=colour, legendgroup=side, showlegend=col == 1),
                          row=1, col=col)
    fig.update_layout(barmode="group")
    return styled(fig, "Live probe: measured against simulated")
