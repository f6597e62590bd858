"""Overview: the headline for leadership."""

import streamlit as st

from workbench.app import state, widgets
from workbench.domain.claims import judge_claims
from workbench.metrics.formats import interval, label, metric_format, metric_text
from workbench.metrics.scenario_frames import kpi_frame
from workbench.viz.compare import policy_frontier_figure
from workbench.viz.cost import breakdown_figure

scenario = state.scenario()
doc, source, runs = state.headline_doc()
chosen = state.chosen_policy()

st.title("Overview")
st.caption(f"**{scenario.name}** - {scenario.description}  \nNumbers: {source}.")
if state.stale_simulation() is not None:
    st.warning("These are closed-form estimates: the last simulation is out of date (the "
               "scenario or the simulation size changed since). Run Simulate & compare again "
               "for simulated figures with intervals.")
widgets.headline_cards(doc["policies"], doc["baseline"], chosen, runs)
left, right = st.columns(2)
with left:
    widgets.chart(breakdown_figure(doc["policies"], "model"), key="overview_breakdown")
with right:
    widgets.chart(policy_frontier_figure(doc["policies"], doc["baseline"]), key="overview_frontier")
st.subheader("All policies")
widgets.kpi_table(kpi_frame(doc["policies"]))


def _claimed(claim: dict) -> str:
    """The claimed value, or its range (``>= 92.2%``, ``<= $2,000``, ``[a, b]``), in the
    metric's format."""
    fmt = metric_format(claim["metric"])
    low, high = claim.get("claimed_range") or (None, None)
    if claim.get("claimed") is not None or (low is None and high is None):
        return fmt(claim.get("claimed"))
    if high is None:
        return f">= {fmt(low)}"
    return f"<= {fmt(high)}" if low is None else interval(low, high, fmt)


run = state.last_simulation()
claims = judge_claims(scenario, state.estimate_doc()["policies"],
                      run["doc"]["policies"] if run else None)
if claims:
    st.subheader("Claims checked against the numbers")
    st.caption("Each claim is judged by the fidelity that models it: reliability and latency "
               "under outages or limits on a simulation (run one), with its 95% interval.")
    rows = [{"claim": c["text"], "policy": c["policy"], "metric": label(c["metric"]),
             "claimed": _claimed(c), "computed": metric_text(c["metric"], c.get("computed")),
             "judged by": c.get("judged_by") or "-",
             "95% interval": (interval(*c["interval"], metric_format(c["metric"]))
                              if c.get("interval") else "-"),
             "status": c.get("status")} for c in claims]
    widgets.dataframe(rows, hide_index=True, width="stretch")
