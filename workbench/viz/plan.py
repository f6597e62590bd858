"""Planner figures: the optimize frontier (cheapest monthly cost at each pass rate, the
recommendation marked) and the budget plan's spend fan chart."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.viz.theme import empty_figure, escape_label, styled


def optimize_frontier_figure(document: dict) -> go.Figure:
    """From a ``workbench optimize --json`` document: frontier points (cost vs pass rate,
    availability in the hover) and the recommended policy."""
    points = document.get("frontier") or []
    if not points:
        return empty_figure("Frontier", "no policy meets the constraints")
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[p["quality_pass_rate"] for p in points], y=[p["monthly_cost_usd"] for p in points],
        mode="lines+markers", name="cheapest at each pass-rate floor",
        text=[escape_label(p["name"]) for p in points],
        customdata=[[p["availability"], p["latency_p95_s"]] for p in points],
        hovertemplate="%{text}<br>pass %{x:.2%}<br>$%{y:,.2f}/month<br>"
                      "availability %{customdata[0]:.3%}<br>p95 %{customdata[1]:.2f} s"
                      "<extra></extra>"))
    best = document["best"]
    fig.add_trace(go.Scatter(x=[best["quality_pass_rate"]], y=[best["monthly_cost_usd"]],
                             mode="markers", name=escape_label(f"recommended: {best['name']}"),
                             marker={"size": 14, "symbol": "star"}))
    fig.update_xaxes(title="quality pass rate", tickformat=".1%")
    fig.update_yaxes(title="monthly cost (USD)", tickprefix="$")
    return styled(fig, "Cost against pass rate: the exact frontier")


def spend_fan_figure(document: dict) -> go.Figure:
    """From a ``workbench budget-plan --json`` document: month-to-date spend quantiles of
    the chosen plan against the budget line."""
    fan = document["fan_chart_usd"]
    days = fan["days"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=days, y=fan["p95"], mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=days, y=fan["p5"], mode="lines", line={"width": 0},
                             fill="tonexty", name="5-95%"))
    fig.add_trace(go.Scatter(x=days, y=fan["p50"], mode="lines", name="median"))
    fig.add_hline(y=document["budget_usd"], line_dash="dash", annotation_text="budget")
    fig.update_xaxes(title="day of month")
    fig.update_yaxes(title="month-to-date spend (USD)", tickprefix="$")
    return styled(fig, f"Spend paths under: {document['chosen']['name']}")
