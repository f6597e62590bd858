"""Simulate & compare: Monte Carlo run with a progress bar; KPI cards per policy; cost by model
over time; the quality-cost frontier; the task flow Sankey; latency CDFs."""

import math
from functools import partial

import polars as pl
import streamlit as st

from workbench.app import state, widgets
from workbench.metrics import formats as fmt
from workbench.metrics import series
from workbench.metrics.scenario_frames import group_frame, kpi_frame
from workbench.metrics.series import filter_records
from workbench.viz.compare import policy_frontier_figure
from workbench.viz.cost import cost_over_time_figure
from workbench.viz.latency import latency_cdf_figure
from workbench.viz.sankey import flow_sankey_figure
from workbench.viz.theme import plural

st.title("Simulate & compare")
scenario = state.scenario()
days, reps = state.sim_size()
st.caption(f"{plural(reps, 'replication')} of {plural(days, 'simulated day')}, "
           f"seed {scenario.seed} "
           "(change the size in the sidebar); monthly figures scale to "
           f"{scenario.days_per_month:g}-day months.")

if not state.simulator_available():
    st.warning("The simulator (workbench.engine.simulate) is not installed in this build: "
               "showing the closed-form estimate instead.")
    run = None
else:
    if st.button("Run simulation", key="sim_run", type="primary"):
        bar = st.progress(0.0, text="simulating...")

        def progress(done: float, total: float, tasks: int = 0) -> None:
            if done >= total:  # the chunks are in; what is left is the reduction
                bar.progress(0.99, text=f"all {total:g} days simulated ({tasks:,} tasks): "
                             "summarising the results...")
            else:
                bar.progress(0.99 * done / max(total, 1),
                             text=f"simulating: {done:g} of {total:g} days, {tasks:,} tasks")

        state.run_simulation(progress=progress)
        bar.progress(1.0, text="done")
        st.rerun()  # so the sidebar's report holds this run
    run = state.last_simulation()

if run is None:
    doc = state.estimate_doc()
    st.info("Not simulated yet: the cards show the closed-form estimate.")
    widgets.policy_cards(doc["policies"], doc["baseline"])
    widgets.chart(policy_frontier_figure(doc["policies"], doc["baseline"]), key="sim_frontier_est")
    st.stop()

doc, records = run["doc"], run["records"]
widgets.policy_cards(doc["policies"], doc["baseline"])
policies = list(doc["policies"])
file_stem = widgets.download_name(scenario.name, "")
GROUPS = {"task type": "task_type", "team": "team", "latency class": "latency_class"}

st.subheader("Results by group")
cols = st.columns([1, 3])
by = GROUPS[cols[0].selectbox("Group by", list(GROUPS), key="sim_group_by")]
groups = group_frame(doc["policies"], by)
values = sorted(groups[by].unique().to_list()) if groups.height else []
keep = cols[1].multiselect("Only these (none: all)", values, key=f"sim_filter_{by}")
shown = groups.filter(pl.col(by).is_in(keep)) if keep else groups
RATES = ("success_rate", "availability", "quality_pass_rate")
widgets.dataframe(shown.with_columns(pl.col(c).map_elements(partial(fmt.pct, digits=2),
                                                            return_dtype=pl.String)
                                     for c in RATES if c in shown.columns),
                  column_config={"tasks": st.column_config.NumberColumn("tasks simulated",
                                                                        format="%d")})
widgets.downloads("Results by group", shown, f"{file_stem}-by-{by}", key="sim_groups")
widgets.downloads("Policy summaries", kpi_frame(doc["policies"]), f"{file_stem}-policies",
                  key="sim_policies")
if records is None:
    chosen = doc["policies"].get(state.chosen_policy()) or doc["policies"][policies[0]]
    per_run = run["days"] / scenario.days_per_month  # summaries are per month
    cols = st.columns(4)
    attempts = chosen["attempts_per_task"] * chosen["tasks_per_month"] * per_run
    cols[0].metric("Attempts per run", f"{attempts:,.0f}", border=True)
    for col, key in zip(cols[1:], ("escalations", "failovers", "retries")):
        col.metric(f"{key} per run", f"{chosen[key] * per_run:,.0f}", border=True)
    widgets.chart(policy_frontier_figure(doc["policies"], doc["baseline"]), key="sim_frontier")
    st.info("Summaries only: tick *Keep every attempt* under Simulation size in the sidebar "
            "and run again for cost over time, task flows and latency CDFs.")
    st.stop()
st.subheader("Every attempt")
cols = st.columns(3)
teams = cols[0].multiselect("Teams (none: all)", sorted(records["team"].unique().to_list()),
                            key="sim_rec_teams")
types = cols[1].multiselect("Task types (none: all)",
                            sorted(records["task_type"].unique().to_list()), key="sim_rec_types")
last_day = max(1, math.ceil(run["days"]))
first, last = (cols[2].slider("Days", 1, last_day, (1, last_day), key="sim_rec_days")
               if last_day > 1 else (1, 1))
records = filter_records(records, teams, types, (first, last))
st.caption(f"{records.height:,} attempts in the filter; the charts below and the download "
           "show these only.")
widgets.downloads("Attempts in the filter", records, f"{file_stem}-records", key="sim_records")
left, right = st.columns(2)
with left:
    widgets.chart(policy_frontier_figure(doc["policies"], doc["baseline"]), key="sim_frontier")
with right:
    pick = st.selectbox("Cost over time of", ["(all policies)"] + policies, key="sim_cost_policy")
    costs = series.cost_over_time(records, by="model")
    spend = {name: float(costs.filter(costs["policy"] == name)["cost_usd"].sum())
             for name in (policies if pick == "(all policies)" else [pick])}
    # alternatives are never added together: one figure per policy
    for col, (name, usd) in zip(st.columns(len(spend)), spend.items()):
        col.metric(f"{name}: spend over {fmt.plural(run['days'], 'day')}", fmt.usd_short(usd),
                   border=True, help="Simulated, mean per run.")
    widgets.chart(cost_over_time_figure(costs, None if pick == "(all policies)" else pick),
                  key="sim_cost")

flow_policy = st.selectbox("Task flow of", policies,
                           index=policies.index(state.chosen_policy()), key="sim_flow_policy")
flows = series.task_flows(records, flow_policy)
counts = {r: float(flows.filter(flows["reason"] == r)["attempts"].sum())
          for r in ("route", "escalation", "failover", "retry")}
cols = st.columns(5)
cols[0].metric("Attempts per run", f"{flows['attempts'].sum():,.0f}", border=True)
for col, (reason, n) in zip(cols[1:], counts.items()):
    col.metric(f"{reason} attempts", f"{n:,.0f}", border=True)
widgets.chart(flow_sankey_figure(flows, flow_policy), key="sim_sankey")
deadlines = {name: c.deadline_s for name, c in scenario.latency_classes.items()}
widgets.chart(latency_cdf_figure(series.latency_cdf(records), deadlines), key="sim_latency")
