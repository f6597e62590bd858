"""Reliability charts: the outage timeline per provider, availability and SLA misses per
policy, and failover / escalation / retry counts."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from workbench.metrics.formats import pct
from workbench.viz.theme import colour_map, empty_figure, escape_labels, styled

STATE_COLOURS = {"down": "#dc2626", "degraded": "#f59e0b"}


def outage_timeline_figure(spans: pl.DataFrame, providers: list[str],
                           horizon_days: float) -> go.Figure:
    """One row per provider, a bar per outage span (from
    `workbench.metrics.series.outage_spans`), coloured down / degraded."""
    fig = go.Figure()
    for state, colour in STATE_COLOURS.items():
        frame = spans.filter(pl.col("state") == state)
        fig.add_trace(go.Bar(
            y=escape_labels(frame["provider"].to_list()), x=(frame["end_day"] - frame["start_day"]).to_list(),
            base=frame["start_day"].to_list(), orientation="h", name=state,
            marker_color=colour, customdata=frame["hours"].to_list(),
            hovertemplate="%{y} " + state + " from day %{base:.2f} for %{customdata:.1f} h"
                          "<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=escape_labels(providers), type="category")
    fig.update_xaxes(range=[0, horizon_days], title="day of simulation")
    title = "Simulated outages per provider (first replication)"
    if spans.is_empty():
        title += " - none in this run"
    fig.update_layout(barmode="overlay")
    return styled(fig, title, height=140 + 45 * max(1, len(providers)))


def availability_figure(summaries: dict[str, dict]) -> go.Figure:
    """Availability (share of tasks within their deadline) per policy, with the monthly count
    of SLA misses as text."""
    policies = list(summaries)
    avail = [summaries[p]["availability"] for p in policies]
    misses = [(1.0 - summaries[p]["availability"]) * summaries[p]["tasks_per_month"]
              for p in policies]
    colours = colour_map(policies)
    fig = go.Figure(go.Bar(x=escape_labels(policies), y=avail, marker_color=[colours[p] for p in policies],
                           text=[f"{pct(a, 2)}<br>{m:,.0f} misses/month"
                                 for a, m in zip(avail, misses, strict=True)],
                           textposition="inside", insidetextanchor="end",
                           textfont={"color": "#ffffff"},
                           hovertemplate="%{x}: %{y:.2%}<extra></extra>"))
    low = min(avail) if avail else 1.0
    # labels inside the bars: outside, a bar at 100% pushed them past the title
    fig.update_yaxes(range=[max(0.0, low - (1.0 - low) * 2 - 0.001), 1.0005], tickformat=".2%",
                     title="tasks within deadline")
    return styled(fig, "Availability and SLA misses per policy")


def event_counts_figure(summaries: dict[str, dict],
                        keys: tuple[str, ...] = ("failovers", "retries", "escalations",
                                                 "rate_limited")) -> go.Figure:
    """Monthly counts of failovers, retries, escalations and rate-limited attempts per
    policy (keys missing from the summaries are skipped)."""
    present = [k for k in keys if any(k in s for s in summaries.values())]
    if not present:
        return empty_figure("Failovers and retries", "run the simulation to count them")
    if not any(s.get(k) for s in summaries.values() for k in present):
        return empty_figure("Failovers, retries and escalations per policy",
                            "none in this run: no attempt failed over, was retried or escalated")
    fig = go.Figure()
    colours = colour_map(present)
    for key in present:
        fig.add_trace(go.Bar(x=escape_labels(summaries), y=[s.get(key, 0) or 0 for s in summaries.values()],
                             name=key.replace("_", " "), marker_color=colours[key]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="per month (mean over replications)")
    return styled(fig, "Failovers, retries and escalations per policy")
