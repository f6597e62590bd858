"""Flow of tasks: a Sankey from task types to models, one link per (task type, model, reason)
coloured by why the model was called (route, escalation, failover, retry, hedge, budget)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from workbench.viz.theme import REASON_COLOURS, empty_figure, escape_labels, styled


def flow_sankey_figure(flows: pl.DataFrame, policy: str) -> go.Figure:
    """Sankey of ``workbench.metrics.series.task_flows`` rows of one policy."""
    frame = flows.filter(pl.col("policy") == policy)
    if frame.is_empty():
        return empty_figure(f"Task flow - {policy}", "no simulated records")
    tasks = sorted(frame["task_type"].unique().to_list())
    models = sorted(frame["model"].unique().to_list())
    labels = tasks + models
    index = {("t", n): i for i, n in enumerate(tasks)}
    index.update({("m", n): len(tasks) + i for i, n in enumerate(models)})
    rows = frame.to_dicts()
    link = {"source": [index[("t", r["task_type"])] for r in rows],
            "target": [index[("m", r["model"])] for r in rows],
            "value": [r["attempts"] for r in rows],
            "color": [REASON_COLOURS.get(r["reason"], "rgba(75,85,99,0.4)") for r in rows],
            "customdata": [r["reason"] for r in rows],
            "hovertemplate": "%{source.label} -> %{target.label} (%{customdata}): "
                             "%{value:,.0f} attempts<extra></extra>"}
    fig = go.Figure(go.Sankey(node={"label": escape_labels(labels), "pad": 14, "thickness": 16,
                                    "color": ["#2563eb"] * len(tasks) + ["#4b5563"] * len(models)},
                              link=link, arrangement="snap",
                              textfont={"size": 13, "color": "#111827"}))
    reasons = sorted(frame["reason"].unique().to_list())
    legend = "  ".join(f"<span style='color:{REASON_COLOURS.get(r, '#4b5563')}'>&#9632;</span> {r}"
                       for r in reasons)
    fig.add_annotation(text=legend, showarrow=False, x=0.0, y=-0.08, xref="paper", yref="paper",
                       xanchor="left")
    styled(fig, f"Task types to models - {policy} (attempts per run)", height=440)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 40})
    return fig
