"""Shared look: a stable colour per name, number formats and the base layout."""

from __future__ import annotations

import plotly.graph_objects as go

from workbench.metrics.formats import months, pct, plural, usd  # noqa: F401 (re-exported)

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04",
           "#db2777", "#4b5563", "#65a30d")
REASON_COLOURS = {"route": "rgba(37,99,235,0.45)", "escalation": "rgba(249,115,22,0.6)",
                  "retry": "rgba(202,138,4,0.6)", "failover": "rgba(220,38,38,0.6)",
                  "hedge": "rgba(147,51,234,0.55)", "budget_downgrade": "rgba(22,163,74,0.6)"}


def colour_map(names) -> dict[str, str]:
    """A colour per name, stable for a given sorted set of names."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def escape_label(text: object) -> str:
    """User text (a policy, model or task type name) for a plotly name, label, title or hover
    text: plotly renders a subset of HTML there, so ``&``, ``<`` and ``>`` become entities
    (shown as written). The one place this is done; escape once, where text enters a figure.

    >>> escape_label("<b>x</b> & y")
    '&lt;b&gt;x&lt;/b&gt; &amp; y'
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_labels(values) -> list[str]:
    """`escape_label` of each value (category axes, sankey nodes, subplot titles)."""
    return [escape_label(v) for v in values]


TOP_MARGIN_PX = 84  # title line + legend line


def styled(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    """Apply the common layout: title (escaped: it may name a policy), white template,
    compact margins, legend on top."""
    # the title sits at the top of the figure and the legend on its own line below it, just
    # above the plot: a long title and a wide legend no longer overlap
    fig.update_layout(title={"text": escape_label(title), "x": 0.0, "xanchor": "left",
                             "y": 1.0, "yref": "container", "yanchor": "top",
                             "pad": {"t": 12}},
                      template="plotly_white", height=height,
                      margin={"l": 10, "r": 10, "t": TOP_MARGIN_PX, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1.0,
                              "xanchor": "right", "title": None})
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    """A figure that says why it is empty."""
    fig = go.Figure()
    fig.add_annotation(text=escape_label(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, title, height=220)
