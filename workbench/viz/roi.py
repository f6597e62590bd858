"""ROI charts: the waterfall from the baseline's monthly cost to the chosen policy's net cost,
and the payback curve (cumulative net benefit by month)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from workbench.metrics.formats import usd, usd_signed
from workbench.viz.theme import empty_figure, escape_label, styled

MIN_HORIZON_MONTHS = 24


def payback_series(roi: dict, months: int = MIN_HORIZON_MONTHS) -> tuple[list[float], list[float]]:
    """Cumulative net USD at month t = -implementation cost + net x max(0, t - ramp), the
    same formula as `workbench.metrics.roi` (it crosses zero at the payback month)."""
    xs = [m / 4.0 for m in range(4 * months + 1)]
    ys = [-roi["implementation_cost_usd"]
          + roi["net_monthly_usd"] * max(0.0, x - roi["ramp_months"]) for x in xs]
    return xs, ys


def payback_horizon_months(payback_months: float | None) -> int:
    """Months the payback curve shows: at least 24, and past the payback month by a quarter
    (rounded up to a half year) so the crossing is always on the chart."""
    if payback_months is None:
        return MIN_HORIZON_MONTHS
    return max(MIN_HORIZON_MONTHS, 6 * math.ceil(payback_months * 1.25 / 6.0))


def waterfall_steps(baseline_cost_usd: float, roi: dict) -> list[tuple[str, float]]:
    """(label, change of the monthly net cost in USD) per ROI component, named by its sign: a
    negative rework saving is "extra rework" that adds to the cost, never "rework saved"."""
    def named(value: float, saving: str, cost: str) -> tuple[str, float]:
        return (saving, -value) if value >= 0 else (cost, -value)
    return [named(roi["token_savings_usd"], "token savings", "higher token spend"),
            named(roi["rework_saved_usd"], "rework saved", "extra rework"),
            named(roi["downtime_avoided_usd"], "downtime avoided", "extra downtime"),
            named(-roi["overhead_usd"], "overhead saved", "orchestration overhead")]


def waterfall_figure(baseline_cost_usd: float, roi: dict | None, policy: str) -> go.Figure:
    """Baseline monthly cost, then each ROI component as the change it makes to the monthly
    cost (green lowers it, red raises it; labels follow the sign, see `waterfall_steps`),
    gives the policy's net monthly cost (rework and downtime valued in USD)."""
    if not roi:
        return empty_figure("ROI waterfall", f"{policy} is the baseline: nothing to compare")
    changes = [(label, value) for label, value in waterfall_steps(baseline_cost_usd, roi)
               if value != 0.0]
    net = baseline_cost_usd - roi["net_monthly_usd"]
    steps = ([("baseline cost", baseline_cost_usd, "absolute", usd(baseline_cost_usd))]
             + [(label, value, "relative", usd_signed(value)) for label, value in changes]
             + [(f"net cost with {escape_label(policy)}", 0.0, "total", usd(net))])
    fig = go.Figure(go.Waterfall(
        x=[s[0] for s in steps], y=[s[1] for s in steps], measure=[s[2] for s in steps],
        text=[s[3] for s in steps], cliponaxis=False,
        textposition="outside",
        decreasing={"marker": {"color": "#16a34a"}}, increasing={"marker": {"color": "#dc2626"}},
        totals={"marker": {"color": "#2563eb"}}, connector={"line": {"color": "#9ca3af"}}))
    fig.update_yaxes(title="USD per month", tickformat="$,.0f")
    return styled(fig, f"From the baseline's monthly cost to {policy}'s net", height=420)


def payback_figure(roi: dict | None, policy: str, months: int | None = None) -> go.Figure:
    """Cumulative net benefit over ``months`` months (default: `payback_horizon_months`, past
    the payback month); the payback month is marked."""
    if not roi:
        return empty_figure("Payback", f"{policy} is the baseline: nothing to pay back")
    months = months or payback_horizon_months(roi.get("payback_months"))
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
                      annotation_text=f"payback {payback:.1f} months",
                      annotation_position="top right")
    elif payback is None:
        fig.add_annotation(text="never pays back: the net benefit is not positive",
                           showarrow=False, x=0.5, y=0.9, xref="paper", yref="paper")
    fig.update_xaxes(title="months from the decision")
    fig.update_yaxes(title="cumulative net USD", tickformat="$,.0f")
    return styled(fig, f"Payback curve - {policy}")
