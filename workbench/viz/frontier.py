"""Cost-quality frontier of a replay: single models and the oracle as markers, router and
cascade families as lines, the non-decreasing convex hull of every point as a dashed frontier."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from workbench.metrics.frontier import nondecreasing_hull
from workbench.viz.theme import colour_map, empty_figure, escape_label, escape_labels, styled

POINT_SCHEMA = {"family": pl.String, "kind": pl.String, "name": pl.String,
                "cost_usd": pl.Float64, "quality": pl.Float64, "strong_share": pl.Float64}


def frontier_points(document: dict) -> pl.DataFrame:
    """Every (cost, quality) point of a ``workbench replay --json`` document: one row per
    point with ``family`` (model name, ``oracle``, curve name or policy name), ``kind``,
    ``name``, ``cost_usd``, ``quality`` and ``strong_share``."""
    rows = []
    for name, m in document["models"].items():
        rows.append({"family": name, "kind": "model", "name": name, "cost_usd": m["cost_usd"],
                     "quality": m["quality"],
                     "strong_share": 1.0 if name == document["strong"] else 0.0})
    o = document["oracle"]
    rows.append({"family": "oracle", "kind": "oracle", "name": "oracle",
                 "cost_usd": o["cost_usd"], "quality": o["quality"],
                 "strong_share": o["strong_share"]})
    for family, curve in document["curves"].items():
        for p in curve["points"]:
            rows.append({"family": family, "kind": curve["kind"],
                         "name": p.get("name", f"{family} @ {p['strong_share']:.0%}"),
                         "cost_usd": p["cost_usd"], "quality": p["quality"],
                         "strong_share": p["strong_share"]})
    for p in document["policies"]:
        if p["kind"] != "cascade":
            rows.append({"family": p["name"], "kind": p["kind"], "name": p["name"],
                         "cost_usd": p["cost_usd"], "quality": p["quality"],
                         "strong_share": p["strong_share"]})
    return pl.DataFrame(rows, schema=POINT_SCHEMA)


def _hull(frame: pl.DataFrame) -> tuple[list[float], list[float]]:
    hull = nondecreasing_hull(frame["cost_usd"].to_numpy(), frame["quality"].to_numpy())
    return hull[:, 0].tolist(), hull[:, 1].tolist()


def frontier_figure(data: dict | pl.DataFrame, title: str | None = None,
                    per_prompt: bool = False) -> go.Figure:
    """Quality vs cost of every replayed policy, from a replay document or a frame of
    `frontier_points`. ``per_prompt`` divides cost by the document's prompt count."""
    frame = frontier_points(data) if isinstance(data, dict) else data
    if title is None:
        title = (f"Cost-quality frontier - {data['benchmark']}, {data['prompts_replayed']} "
                 "prompts" if isinstance(data, dict) else "Cost-quality frontier")
    if per_prompt and isinstance(data, dict):
        frame = frame.with_columns(pl.col("cost_usd") / data["prompts_replayed"])
    priced = frame.filter(pl.col("cost_usd").is_not_null() & pl.col("quality").is_not_null())
    if priced.is_empty():
        return empty_figure(title, "no priced policy: pass --price to place models on a cost "
                                   "axis")
    colours = colour_map(priced["family"].unique().to_list())
    fig = go.Figure()
    for (family,), group in priced.group_by("family", maintain_order=True):
        kind = group["kind"][0]
        line = kind in ("random", "threshold", "optimal", "cascade")
        fig.add_trace(go.Scatter(
            x=group["cost_usd"].to_list(), y=group["quality"].to_list(), name=escape_label(family),
            mode="lines+markers" if line else "markers",
            marker={"size": 6 if line else 12, "color": colours[str(family)],
                    "symbol": "star" if kind == "oracle" else "circle"},
            text=escape_labels(group["name"].to_list()), customdata=np.array(group["strong_share"].to_list()),
            hovertemplate="%{text}<br>cost $%{x:,.4f}<br>quality %{y:.4f}"
                          "<br>strong share %{customdata:.1%}<extra></extra>"))
    xs, ys = _hull(priced.filter(pl.col("kind") != "oracle"))
    fig.add_trace(go.Scatter(x=xs, y=ys, name="frontier (hull)", mode="lines",
                             line={"dash": "dash", "color": "#111827", "width": 1}))
    unit = "USD per prompt" if per_prompt else "USD, all prompts"
    fig.update_xaxes(title=f"cost ({unit})", tickprefix="$")
    fig.update_yaxes(title="quality (mean score, 0-1)")
    return styled(fig, title, height=480)
