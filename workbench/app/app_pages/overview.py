"""Overview: the headline for leadership."""

import streamlit as st

from workbench.app import state, widgets
from workbench.domain.claims import judge_claims
from workbench.metrics.scenario_frames import kpi_frame
from workbench.viz.compare import policy_frontier_figure
from workbench.viz.cost import breakdown_figure

scenario = state.scenario()
doc, source, simulated = state.headline_doc()
chosen = state.chosen_policy()

st.title("Overview")
st.caption(f"**{scenario.name}** - {scenario.description}  \nNumbers: {source}.")
if state.stale_simulation() is not None:
    st.warning("These are closed-form estimates: the last simulation is out of date (the "
               "scenario or the simulation size changed since). Run Simulate & compare again "
               "for simulated figures with intervals.")
widgets.headline_cards(doc["policies"], doc["baseline"], chosen, simulated)
left, right = st.columns(2)
with left:
    widgets.chart(breakdown_figure(doc["policies"], "model"), key="overview_breakdown")
with right:
    widgets.chart(policy_frontier_figure(doc["policies"], doc["baseline"]), key="overview_frontier")
st.subheader("All policies")
widgets.kpi_table(kpi_frame(doc["policies"]))
run = state.last_simulation()
claims = judge_claims(scenario, state.estimate_doc()["policies"],
                      run["doc"]["policies"] if run else None)
if claims:
    st.subheader("Claims checked against the numbers")
    st.caption("Each claim is judged by the fidelity that models it: reliability and latency "
               "under outages or limits on a simulation (run one), with its 95% interval.")
    keys = ("text", "policy", "metric", "claimed", "computed", "judged_by", "interval", "status")
    widgets.dataframe([{k: c.get(k) for k in keys}
                  for c in claims], hide_index=True, width="stretch")
