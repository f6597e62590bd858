"""Budget charts: month-to-date spend against the budget line with the rule thresholds and
the moments they fired, and what each rule cost in quality and saved in USD."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from workbench.metrics.formats import label, rule_label
from workbench.viz.theme import empty_figure, escape_labels, styled


def burn_down_figure(spend: pl.DataFrame, policy: str, monthly_usd: float | None,
                     rules: list[dict], firings: list[dict]) -> go.Figure:
    """Month-to-date spend of ``policy`` (columns day, spend_usd; from
    `workbench.metrics.series.month_to_date_spend` or the estimator's expected path), the
    budget line, each rule's threshold (``{"at", "action"}``) and each firing (``{"rule",
    "day"}``) marked."""
    frame = spend.filter(pl.col("policy") == policy).sort("day")
    if frame.is_empty():
        return empty_figure(f"Budget - {policy}", "no spend to show")
    days = frame["day"].to_list()
    fig = go.Figure(go.Scatter(x=days, y=frame["spend_usd"].to_list(), mode="lines",
                               name="month-to-date spend", line={"color": "#2563eb", "width": 3}))
    if monthly_usd:
        fig.add_hline(y=monthly_usd, line_color="#111827", annotation_text="monthly budget",
                      annotation_position="top left")
        for rule in rules:
            fig.add_hline(y=rule["at"] * monthly_usd, line_dash="dot", line_color="#f97316",
                          annotation_text=f"{rule['at']:.0%}: {label(rule['action'])}",
                          annotation_position="bottom right")
    if firings:
        xs = [f["day"] for f in firings]
        ys = [f.get("spend_usd", (rules[f["rule"]]["at"] * (monthly_usd or 0.0))) for f in firings]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name="rule fired",
                                 marker={"size": 13, "color": "#dc2626", "symbol": "x"},
                                 text=[f"{rule_label(f['rule'])}: {label(f.get('action', ''))}"
                                       for f in firings],
                                 hovertemplate="%{text} on day %{x:.1f}<extra></extra>"))
    fig.update_xaxes(title="day")
    fig.update_yaxes(title="USD spent this month", tickformat="$,.0f")
    return styled(fig, f"Month-to-date spend - {policy}")


def rule_impact_figure(impacts: pl.DataFrame) -> go.Figure:
    """Per rule (columns label, pass_rate_delta, monthly_cost_delta_usd): quality points lost
    and USD saved a month."""
    if impacts.is_empty():
        return empty_figure("What each budget rule costs", "this policy has no budget rules")
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("pass rate change (points)",
                                                        "monthly cost change (USD)"))
    labels = escape_labels(impacts["label"].to_list())
    fig.add_trace(go.Bar(x=labels, y=(impacts["pass_rate_delta"] * 100).to_list(),
                         marker_color="#dc2626", name="pass rate",
                         hovertemplate="%{x}: %{y:+.2f} points<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=impacts["monthly_cost_delta_usd"].to_list(),
                         marker_color="#16a34a", name="cost",
                         hovertemplate="%{x}: %{y:+$,.0f}/month<extra></extra>"), row=1, col=2)
    fig.update_layout(showlegend=False)
    return styled(fig, "What each budget rule costs in quality and saves in USD")
