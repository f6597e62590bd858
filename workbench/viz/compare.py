"""Policy comparison: the quality-cost frontier of the candidate policies (one point per
policy, the Pareto-optimal ones joined)."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.viz.theme import colour_map, escape_label, styled


def pareto_policies(summaries: dict[str, dict]) -> list[str]:
    """Policies no other policy beats on both monthly cost (lower) and pass rate (higher),
    sorted by cost."""
    points = {p: (s["monthly_cost_usd"], s["quality_pass_rate"] or 0.0)
              for p, s in summaries.items()}
    front = [p for p, (c, q) in points.items()
             if not any((c2 <= c and q2 >= q) and (c2 < c or q2 > q)
                        for c2, q2 in points.values())]
    return sorted(front, key=lambda p: points[p][0])


def policy_frontier_figure(summaries: dict[str, dict], baseline: str | None = None) -> go.Figure:
    """Monthly cost (x) against quality pass rate (y) per policy; error bars from
    ``monthly_cost_usd_ci95`` when present."""
    colours = colour_map(summaries)
    fig = go.Figure()
    front = pareto_policies(summaries)
    fig.add_trace(go.Scatter(
        x=[summaries[p]["monthly_cost_usd"] for p in front],
        y=[summaries[p]["quality_pass_rate"] for p in front], mode="lines",
        line={"color": "#9ca3af", "dash": "dot"}, name="frontier", hoverinfo="skip"))
    for name, s in summaries.items():
        ci = s.get("monthly_cost_usd_ci95")
        error = None
        if ci:
            error = {"type": "data", "symmetric": False,
                     "array": [ci[1] - s["monthly_cost_usd"]],
                     "arrayminus": [s["monthly_cost_usd"] - ci[0]]}
        label = escape_label(name + (" (baseline)" if name == baseline else ""))
        fig.add_trace(go.Scatter(
            x=[s["monthly_cost_usd"]], y=[s["quality_pass_rate"]], mode="markers+text",
            text=[escape_label(name)], textposition="bottom center", name=label, error_x=error,
            marker={"size": 14, "color": colours[name],
                    "symbol": "diamond" if name == baseline else "circle"},
            hovertemplate=label + ": $%{x:,.0f}/month, pass rate %{y:.1%}<extra></extra>"))
    costs = [s["monthly_cost_usd"] for s in summaries.values()]
    rates = [s["quality_pass_rate"] or 0.0 for s in summaries.values()]
    pad_x = max(0.15 * (max(costs) - min(costs)), 0.05 * max(costs), 1.0)
    pad_y = max(0.15 * (max(rates) - min(rates)), 0.005)
    fig.update_xaxes(title="USD per month", tickformat="$,.0f",
                     range=[min(costs) - pad_x, max(costs) + pad_x])
    fig.update_yaxes(range=[min(rates) - pad_y, max(rates) + pad_y])
    fig.update_yaxes(title="quality pass rate", tickformat=".1%")
    return styled(fig, "Quality-cost frontier of the policies")
