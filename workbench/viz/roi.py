"""ROI charts: the waterfall from the baseline's monthly cost to the chosen policy's net cost,
and the payback curve (cumulative net benefit by month)."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.viz.theme import empty_figure, escape_label, styled


def payback_series(roi: dict, months: int = 24) -> tuple[list[float], list[float]]:
    """Cumulative net USD at month t = -implementation cost + net x max(0, t - ramp), the
    same formula as `workbench.metrics.roi` (it crosses zero at the payback month)."""
    xs = [m / 4.0 for m in range(4 * months + 1)]
    ys = [-roi["implementation_cost_usd"]
          + roi["net_monthly_usd"] * max(0.0, x - roi["ramp_months"]) for x in xs]
    return xs, ys


def _signed(value: float, measure: str) -> str:
    if measure == "absolute":
        return f"${value:,.0f}"
    return f"{'+' if value > 0 else '-' if value < 0 else ''}${abs(value):,.0f}"


def waterfall_figure(baseline_cost_usd: float, roi: dict | None, policy: str) -> go.Figure:
    """Baseline monthly cost, minus token savings, rework saved and downtime avoided, plus
    orchestration overhead, gives the policy's net monthly cost."""
    if not roi:
        return empty_figure("ROI waterfall", f"{policy} is the baseline: nothing to compare")
    steps = [("baseline cost", baseline_cost_usd, "absolute"),
             ("token savings", -roi["token_savings_usd"], "relative"),
             ("rework saved", -roi["rework_saved_usd"], "relative"),
             ("downtime avoided", -roi["downtime_avoided_usd"], "relative"),
             ("orchestration overhead", roi["overhead_usd"], "relative"),
             (f"net cost with {escape_label(policy)}", None, "total")]
    net = baseline_cost_usd - roi["net_monthly_usd"]
    fig = go.Figure(go.Waterfall(
        x=[s[0] for s in steps], y=[s[1] if s[1] is not None else 0.0 for s in steps],
        measure=[s[2] for s in steps],
        text=[_signed(s[1], s[2]) if s[1] is not None else f"${net:,.0f}" for s in steps],
        textposition="outside",
        decreasing={"marker": {"color": "#16a34a"}}, increasing={"marker": {"color": "#dc2626"}},
        totals={"marker": {"color": "#2563eb"}}, connector={"line": {"color": "#9ca3af"}}))
    fig.update_yaxes(title="USD per month", tickformat="$,.0f")
    return styled(fig, f"From the baseline's monthly cost to {policy}'s net", height=420)


def payback_figure(roi: dict | None, policy: str, months: int = 24) -> go.Figure:
    """Cumulative net benefit over ``months`` months; the payback month is marked."""
    if not roi:
        return empty_figure("Payback", f"{policy} is the baseline: nothing to pay back")
    xs, ys = payback_series(roi, months)
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#2563eb", "width": 3},
                               name="cumulative net",
                               hovertemplate="month %{x:.2f}: $%{y:,.0f}<extra></extra>"))
    fig.add_hline(y=0.0, line_color="#111827")
    if roi["ramp_months"]:
        fig.add_vrect(x0=0, x1=roi["ramp_months"], fillcolor="#9ca3af", opacity=0.15,
                      annotation_text="ramp", annotation_position="top left", line_width=0)
    payback = roi.get("payback_months")
    if payback is not None and payback <= months:
        fig.add_vline(x=payback, line_dash="dash", line_color="#16a34a",
                      annotation_text=f"payback {payback:.1f} months")
    fig.update_xaxes(title="months from the decision")
    fig.update_yaxes(title="cumulative net USD", tickformat="$,.0f")
    return styled(fig, f"Payback curve - {policy}")
