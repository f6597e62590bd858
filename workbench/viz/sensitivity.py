"""Sensitivity charts: tornadoes of a policy's net monthly benefit and payback over its
assumptions (from `workbench.estimator.sensitivity.Sensitivity.as_dict`)."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.metrics.formats import number, usd
from workbench.viz.theme import empty_figure, escape_label, styled


def _value(value: float, unit: str) -> str:
    return f"{number(value)}x" if unit == "x today" else f"{number(value)} {unit}"


def tornado_figure(doc: dict, measure: str = "net") -> go.Figure:
    """Horizontal bars from today's value to the value with each assumption at its low (blue)
    and high (orange) end; ``measure`` ``net`` (USD / month) or ``payback`` (months; a change
    that never pays back is drawn at the chart's right edge and labelled "never")."""
    # an assumption that moves the net by less than a dollar a month draws no bar
    rows = [r for r in doc.get("rows") or [] if abs(r["net_high_usd"] - r["net_low_usd"]) >= 1.0]
    policy = doc["policy"]  # raw: styled() escapes the title once
    if not rows:
        return empty_figure("Sensitivity", "no assumption moves this policy's ROI")
    if measure == "net":
        base, key_low, key_high = doc["net_usd"], "net_low_usd", "net_high_usd"
        title, axis, fmt = f"Net benefit / month of {policy} vs {doc['baseline']}", "USD / month", usd
    else:
        base, key_low, key_high = doc["payback_months"], "payback_low_months", "payback_high_months"
        title, axis = f"Payback of {policy} (months)", "months to pay back"
        fmt = lambda v: "never" if v is None else f"{v:.1f}"
    values = [v for r in rows for v in (r[key_low], r[key_high]) if v is not None]
    cap = max(values + [base or 0.0]) * 1.15 if measure == "payback" else None
    shown = lambda v: cap if v is None else v
    base_x = shown(base) if measure == "payback" else base
    labels = [escape_label(r["label"]) for r in rows][::-1]
    fig = go.Figure()
    for end, key, colour in (("low", key_low, "#2563eb"), ("high", key_high, "#f97316")):
        ordered = rows[::-1]
        fig.add_trace(go.Bar(
            y=labels, x=[shown(r[key]) - base_x for r in ordered], base=base_x,
            orientation="h", name=f"assumption at its {end} end", marker_color=colour,
            text=[f"{_value(r[end], r['unit'])}: {fmt(r[key])}" for r in ordered],
            textposition="auto", cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>"))
    fig.add_vline(x=base_x, line_color="#111827",
                  annotation_text=f"today: {fmt(base)}", annotation_position="top")
    if measure == "net":
        fig.add_vline(x=0.0, line_dash="dot", line_color="#dc2626")
        fig.update_xaxes(tickformat="$,.0f")
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title=axis)
    return styled(fig, title, height=max(300, 120 + 48 * len(rows)))
