"""Requirements: task types x models - eligible or not and why, expected pass rate against
the tier's bar, cost per task; the threshold heuristic as a one-click starting policy."""

import polars as pl
import streamlit as st

from workbench.app import state, widgets
from workbench.domain import edits
from workbench.estimator.requirements import HEURISTIC_POLICY, requirements_frame, threshold_policy
from workbench.viz.theme import pct, usd

st.title("Requirements")
scenario = state.scenario()
matrix = requirements_frame(scenario)

cols = st.columns(3)
cols[0].metric("Eligible pairs", f"{matrix['eligible'].sum()} / {matrix.height}", border=True)
cols[1].metric("Pairs meeting every requirement", f"{matrix['meets_all'].sum()}", border=True)
heuristic = threshold_policy(scenario)
with_heuristic = edits.with_policy(scenario, heuristic)
estimate = state.estimate_doc(with_heuristic)["policies"][HEURISTIC_POLICY]
cols[2].metric("Threshold heuristic: cost / month", usd(estimate["monthly_cost_usd"]),
               delta=f"pass rate {pct(estimate['quality_pass_rate'])}", delta_color="off",
               delta_arrow="off",
               border=True)

task_names = [t.name for t in scenario.workload.task_types]
task = st.selectbox("Task type", task_names, key="req_task")
rows = matrix.filter(pl.col("task_type") == task)
fit = rows.filter(pl.col("meets_all")).sort("cost_per_task_usd")
if fit.is_empty():
    st.warning(f"No model meets every requirement of {task} (hard requirements, required pass "
               "rate, deadline): see the reasons below.")
else:
    best = fit.row(0, named=True)
    st.metric(f"Cheapest model meeting every requirement of {task}", best["model"],
              delta=f"{usd(best['cost_per_task_usd'], 4)} per task, pass rate "
                    f"{pct(best['pass_rate'])}", delta_color="off", delta_arrow="off", border=True)
widgets.dataframe(rows.drop("task_type"), hide_index=True, width="stretch",
             column_config={"pass_rate": st.column_config.ProgressColumn(
                                "expected pass rate", format="percent", min_value=0.0,
                                max_value=1.0),
                            "score_bar": st.column_config.NumberColumn("score bar",
                                                                       format="%.2f"),
                            "required_pass_rate": st.column_config.NumberColumn(
                                "required pass rate", format="percent"),
                            "latency_p95_s": st.column_config.NumberColumn("p95 s",
                                                                           format="%.1f"),
                            "deadline_s": st.column_config.NumberColumn("deadline s",
                                                                        format="%.0f"),
                            "hosting_usd_per_task": st.column_config.NumberColumn(
                                "hosting / task", format="$%.4f"),
                            "cost_per_task_usd": st.column_config.NumberColumn(
                                "cost / task", format="$%.4f")})

with st.expander("Full matrix: expected pass rate (task types x models)"):
    pivot = (matrix.with_columns(pl.col("pass_rate").alias("margin"))
             .pivot("model", index="task_type", values="margin"))
    widgets.dataframe(pivot, hide_index=True, width="stretch")

untiered = [m.name for m in scenario.models if m.tier is None]
if untiered:
    st.warning(f"Models without a tier ({', '.join(untiered)}) are never the heuristic's pick "
               "for a tier: set `tier` on them (premium, standard, budget).")
st.subheader("Starting policy: the threshold heuristic")
st.caption("Client-facing -> premium, internal -> mid-tier, intermediate workflow step -> "
           "budget; the cheapest eligible model of that tier.")
widgets.dataframe([{"task_type": r["when"]["task_type"], "model": r["model"]}
              for r in heuristic["routing"]["rules"]], hide_index=True)


def _use_heuristic() -> None:
    if state.apply(edits.with_policy, heuristic):
        st.session_state["chosen"] = HEURISTIC_POLICY
        st.session_state["req_added"] = True


st.button("Use the threshold heuristic as a starting policy", key="req_use_heuristic",
          type="primary", on_click=_use_heuristic)
if st.session_state.pop("req_added", False):
    st.success(f"Added policy {HEURISTIC_POLICY!r} and chose it; edit it on Policies.")
