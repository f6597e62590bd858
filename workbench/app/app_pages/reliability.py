"""Reliability: the simulated outage timeline per provider, availability and SLA misses per
policy, failover counts; what-if sliders for MTBF and MTTR."""

import streamlit as st

from workbench.app import state, widgets
from workbench.domain import edits
from workbench.metrics import series
from workbench.metrics.formats import metric_text, pct_points, plural
from workbench.metrics.scenario_frames import providers_frame
from workbench.viz.reliability import (
    availability_figure,
    event_counts_figure,
    outage_timeline_figure,
)

st.title("Reliability")
scenario = state.scenario()
widgets.dataframe(providers_frame(scenario), hide_index=True, width="stretch")

st.subheader("What if providers failed more often?")
if all(p.mtbf_days is None and p.incidents is None for p in scenario.providers):
    st.info(f"{scenario.name} models no provider outages; move an MTBF slider to add some.")
st.caption("MTBF 0 means the provider never fails. Figures below are for these settings.")
whatif = scenario
for provider in scenario.providers:
    cols = st.columns([1, 2, 2])
    cols[0].markdown(f"**{provider.name}**")
    if provider.incidents is not None:  # the history is replayed: MTBF / MTTR do not apply
        cols[1].caption(f"replays {provider.incidents} (MTBF / MTTR do not apply)")
        continue
    mtbf = cols[1].slider("MTBF days", 0.0, 180.0, float(provider.mtbf_days or 0.0), 0.5,
                          key=f"rel_mtbf_{provider.name}")
    mttr = cols[2].slider("MTTR hours", 0.25, 48.0, float(provider.mttr_hours), 0.25,
                          key=f"rel_mttr_{provider.name}")
    if mtbf != (provider.mtbf_days or 0.0) or mttr != provider.mttr_hours:
        whatif = edits.with_outages(whatif, provider.name, mtbf or None, mttr)

doc = state.estimate_doc(whatif)
chosen = state.chosen_policy()
pick = doc["policies"][chosen]
cols = st.columns(3)
as_is = state.estimate_doc()["policies"][chosen]["availability"]
cols[0].metric(f"Availability ({chosen})", metric_text("availability", pick["availability"]),
               delta=f"{pct_points(pick['availability'] - as_is, 2)} vs scenario",
               border=True)
cols[1].metric("SLA misses / month", f"{(1 - pick['availability']) * pick['tasks_per_month']:,.0f}",
               border=True)
cols[2].metric("Success rate", metric_text("success_rate", pick["success_rate"]), border=True)
for col in cols:
    col.caption(widgets.source_note(0, None, None))  # these cards: the what-if's estimate

run = None
if state.simulator_available():
    if st.button("Simulate these outages", key="rel_run", type="primary"):
        bar = st.progress(0.0, text="simulating...")
        st.session_state["rel_sim"] = (state.scenario_key(whatif), state.run_simulation(
            whatif, lambda done, total, _tasks=0: bar.progress(min(1.0, done / max(total, 1)))))
    stored = st.session_state.get("rel_sim")
    if stored and stored[0] == state.scenario_key(whatif):
        run = stored[1]
    elif whatif is scenario:
        run = state.last_simulation()

if run is None:
    st.info("Availability above is the closed-form estimate; simulate to see outages, SLA "
            "misses and failovers of a run.")
    widgets.chart(availability_figure(doc["policies"]), key="rel_avail_est")
else:
    sim = run["doc"]["policies"]
    st.caption(f"Charts below: simulated, {plural(run['replications'], 'replication')} of "
               f"{plural(run['days'], 'day')} (the cards above are the closed-form estimate).")
    spans = series.outage_spans(run["outages"])
    widgets.chart(outage_timeline_figure(spans, [p.name for p in whatif.providers], run["days"]),
                  key="rel_timeline")
    left, right = st.columns(2)
    with left:
        widgets.chart(availability_figure(sim), key="rel_avail")
    with right:
        widgets.chart(event_counts_figure(sim), key="rel_events")
