"""Small Streamlit building blocks shared by the pages: metric cards and tables."""

from __future__ import annotations

import re
from functools import partial

import polars as pl
import streamlit as st

from workbench.metrics.csv_export import csv_bytes, parquet_bytes
from workbench.metrics.formats import (
    hours,
    interval,
    label,
    months,
    months_value,
    number,
    pct_points,
    seconds,
    usd_per_task,
)
from workbench.viz.theme import pct, usd


def headline_cards(summaries: dict[str, dict], baseline: str, chosen: str,
                   runs: int = 0) -> None:
    """The leadership headline: cost now and with the chosen policy, savings, payback,
    availability and quality pass rate, with deltas against the baseline; under each card
    its source - "estimate" (``runs`` 0), or "simulated" with the 95% interval of the runs."""
    base, pick = summaries[baseline], summaries[chosen]
    roi = pick.get("roi") or {}
    roi_ci = pick.get("roi_ci95") or {}
    cols = st.columns(6)
    cols[0].metric("Monthly cost now", usd(base["monthly_cost_usd"]), border=True,
                   delta=baseline, delta_color="off", delta_arrow="off")
    cols[1].metric(f"With {chosen}", usd(pick["monthly_cost_usd"]),
                   delta=usd(pick["monthly_cost_usd"] - base["monthly_cost_usd"]),
                   delta_color="inverse", border=True)
    cols[2].metric("Savings", pct(pick.get("savings_vs_baseline")),
                   delta=f"{usd(base['monthly_cost_usd'] - pick['monthly_cost_usd'])}/month",
                   border=True)
    cols[3].metric("Payback, months", months_value(roi.get("payback_months")) if roi else "-",
                   delta=(f"{usd(roi['net_monthly_usd'])}/mo net" if roi else None),
                   border=True)
    cols[4].metric("Availability", pct(pick["availability"], 2),
                   delta=pct_points(pick["availability"] - base["availability"], 2),
                   border=True)
    rate, base_rate = pick.get("quality_pass_rate"), base.get("quality_pass_rate")
    cols[5].metric("Quality pass rate", pct(rate),
                   delta=(pct_points(rate - base_rate)
                          if rate is not None and base_rate is not None else None),
                   border=True)
    intervals = (
        (base.get("monthly_cost_usd_ci95"), usd), (pick.get("monthly_cost_usd_ci95"), usd),
        (pick.get("savings_vs_baseline_ci95"), pct), (roi_ci.get("payback_months"), months),
        (pick.get("availability_ci95"), partial(pct, digits=2)),
        (pick.get("quality_pass_rate_ci95"), pct))
    for col, (ci, fmt) in zip(cols, intervals):
        col.caption(source_note(runs, ci, fmt))


def source_note(runs: int, ci: list | None, fmt) -> str:
    """Where a headline figure comes from: ``estimate`` (``runs`` 0), or ``simulated, 95%
    [a, b]`` over ``runs`` replications (one run has no interval)."""
    if not runs:
        return "estimate (closed form)"
    if runs < 2 or not ci:
        return "simulated, one run: no interval"
    return f"simulated, 95% {interval(ci[0], ci[1], fmt)}"


def policy_cards(summaries: dict[str, dict], baseline: str) -> None:
    """One row of KPI cards per policy: cost (95% interval in the help), pass rate,
    availability, latency p95."""
    for name, s in summaries.items():
        cols = st.columns([1.1, 1.3, 1, 1, 1])
        cols[0].markdown(f"**{name}**" + ("  \n(baseline)" if name == baseline else ""))
        ci = s.get("monthly_cost_usd_ci95")
        savings = s.get("savings_vs_baseline")
        cols[1].metric("Cost / month", usd(s["monthly_cost_usd"]), border=True,
                       delta=(f"{-savings:+.1%}" if name != baseline and savings else None),
                       delta_color="inverse",
                       help=f"95% interval {usd(ci[0])} - {usd(ci[1])}" if ci else None)
        cols[2].metric("Pass rate", pct(s.get("quality_pass_rate")), border=True)
        cols[3].metric("Availability", pct(s["availability"], 2), border=True)
        p95 = s.get("latency_p95_s")
        cols[4].metric("Latency p95", "-" if p95 is None else f"{p95:.1f} s", border=True)


KPI_DISPLAY = (("monthly_cost_usd", "cost / month", usd),
               ("cost_per_task_usd", "cost / task", usd_per_task),
               ("savings_vs_baseline", "savings", pct), ("quality_pass_rate", "pass rate", pct),
               ("success_rate", "success", partial(pct, digits=2)),
               ("availability", "availability", partial(pct, digits=2)),
               ("latency_p50_s", "p50", seconds), ("latency_p95_s", "p95", seconds),
               ("rework_hours", "rework h", hours), ("net_monthly_usd", "net / month", usd),
               ("payback_months", "payback", months))


def kpi_table(frame: pl.DataFrame) -> None:
    """Per-policy KPI table, every figure through `workbench.metrics.formats` (one precision
    per kind, a dash for a missing one, the cost interval when simulated)."""
    rows = []
    for row in frame.iter_rows(named=True):
        shown = {"policy": row["policy"]}
        shown.update({title: fmt(row.get(key)) for key, title, fmt in KPI_DISPLAY
                      if key in row})
        if row.get("cost_ci95_low") is not None:
            shown["cost / month, 95%"] = interval(row["cost_ci95_low"], row["cost_ci95_high"],
                                                  usd)
        rows.append(shown)
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")


def dataframe(frame, column_config: dict | None = None, **kwargs) -> None:
    """``st.dataframe`` with words for column names (`workbench.metrics.formats.label`) where
    ``column_config`` says nothing, and ``-`` for missing numbers (never "None")."""
    if isinstance(frame, list):
        frame = pl.DataFrame(frame) if frame else pl.DataFrame()
    if isinstance(frame, pl.DataFrame):
        frame = frame.with_columns(
            pl.col(c).map_elements(number, return_dtype=pl.String).fill_null("-")
            if frame[c].dtype.is_numeric() else pl.col(c).fill_null("-")
            for c in frame.columns if frame[c].null_count() and frame[c].dtype != pl.Boolean)
        config = {c: label(c) for c in frame.columns} | (column_config or {})
    else:
        config = column_config
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(frame, column_config=config, **kwargs)


def chart(fig, key: str | None = None) -> None:
    """A plotly figure at full width."""
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})


def download_name(name: str, suffix: str) -> str:
    """A file name for a download from user text (a scenario name): safe characters only."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "workbench")[:80] + suffix


def csv_download(label: str, frame: pl.DataFrame, file_name: str, key: str) -> None:
    """A download button for ``frame`` as spreadsheet-safe CSV (`workbench.metrics.csv_export`),
    built only when clicked."""
    st.download_button(label, data=partial(csv_bytes, frame), file_name=file_name,
                       mime="text/csv", key=key, icon=":material/download:", on_click="ignore")


def downloads(stem: str, frame: pl.DataFrame, file_stem: str, key: str) -> None:
    """CSV and Parquet download buttons for ``frame`` side by side, built only when clicked."""
    left, right = st.columns(2)
    with left:
        csv_download(f"{stem} (CSV)", frame, f"{file_stem}.csv", key=f"{key}_csv")
    with right:
        st.download_button(f"{stem} (Parquet)", data=partial(parquet_bytes, frame),
                           file_name=f"{file_stem}.parquet", mime="application/vnd.apache.parquet",
                           key=f"{key}_parquet", icon=":material/download:", on_click="ignore")

