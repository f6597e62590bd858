"""Plan: the cheapest policy that meets the floors (exact, with its frontier, its reasons and a
simulation check), added to the scenario in one click; then budget thresholds that keep
P(month over budget) under a limit."""

import streamlit as st

from workbench.app import budget_planner, state, widgets
from workbench.domain import edits
from workbench.domain.errors import WorkbenchError
from workbench.viz.plan import optimize_frontier_figure
from workbench.viz.theme import pct, usd

st.title("Plan")
scenario = state.scenario()
st.caption("Searches, per task type, a model or the escalation ladder, with one ladder and one "
           "failover plan for the policy: the whole space, solved exactly (integer program "
           "over the estimator's per-task-type figures).")
cols = st.columns(4)
min_pass = cols[0].number_input("Pass rate at least", 0.0, 1.0, 0.9, 0.005, format="%.3f",
                                key="plan_min_pass")
min_avail = cols[1].number_input("Availability at least", 0.0, 1.0, 0.0, 0.001,
                                 format="%.3f", key="plan_min_avail")
max_p95 = cols[2].number_input("Latency p95 at most (s, 0: none)", 0.0, 3600.0, 0.0, 1.0,
                               key="plan_max_p95")
budget = cols[3].number_input("Monthly cost at most (USD, 0: none)", 0.0, 1e9, 0.0, 100.0,
                              key="plan_budget")


@st.cache_data(show_spinner=False, max_entries=16)
def _optimize(key: str, cons: tuple, replications: int, _scenario) -> dict:
    from workbench.planner.model import Constraints
    from workbench.planner.recommendation import optimize

    return optimize(_scenario, Constraints(*cons), replications=replications, points=8,
                    max_rungs=2).to_json()


cons = (min_pass or None, min_avail or None, max_p95 or None, budget or None)
if st.button("Find the cheapest policy", key="plan_run", type="primary"):
    st.session_state["plan_request"] = (state.scenario_key(scenario), cons)
request = st.session_state.get("plan_request")
if request is None or request != (state.scenario_key(scenario), cons):
    st.info("Set the floors and press the button.")
    st.stop()
try:
    with st.spinner("Searching and checking by simulation..."):
        doc = _optimize(request[0], cons, state.sim_size()[1], scenario)
except WorkbenchError as exc:
    st.error(str(exc))
    st.stop()
best, searched = doc["best"], doc["searched"]
sim = best.get("simulated") or {}
cols = st.columns(4)
cols[0].metric("Cheapest monthly cost", usd(best["monthly_cost_usd"], 2), border=True)
ci = sim.get("monthly_cost_usd_ci95") or [None, None]
cols[1].metric("Simulated (95% interval)", f"{usd(ci[0], 2)} - {usd(ci[1], 2)}", border=True)
cols[2].metric("Pass rate", pct(best["quality_pass_rate"], 2), border=True)
cols[3].metric("Availability", pct(best["availability"], 2), border=True)
st.caption(f"{searched['space_size']:,} policies searched, proved optimal: "
           f"{'yes' if searched['proved_optimal'] else 'no'}; {best['global_choice']}.")
widgets.chart(optimize_frontier_figure(doc), key="plan_frontier")
reasons = []
for b in doc["binding"]:
    if b["binding"]:
        nxt = b["next_option"]
        broken = ", ".join(f"{v['constraint']} {v['value']} (limit {v['limit']})"
                           for v in nxt["violates"])
        reasons.append(f"**{b['label']}** binds: the next cheaper option "
                       f"({usd(nxt['monthly_cost_usd'], 2)}) breaks {broken}.")
    else:
        reasons.append(f"{b['label']}: met with room ({b['value']} against {b['limit']}).")
st.markdown("\n".join(f"- {r}" for r in reasons) or "- No constraint binds: the cheapest "
            "policy of the space.")
st.dataframe([{"task type": t, "model or ladder": c} for t, c in best["assignment"].items()],
             hide_index=True, width="stretch")
if sim and not sim.get("confirmed", True):
    st.warning(f"The simulation does not confirm: {sim['violates']}")


def _add() -> None:
    if state.apply(edits.with_policy, best["policy"]):
        st.session_state["chosen"] = best["policy"]["name"]


st.button(f"Add {best['policy']['name']!r} to the scenario", key="plan_add", on_click=_add)

st.subheader("Budget thresholds")
names = scenario.policy_names
policy = st.selectbox("Policy", names, index=names.index(state.chosen_policy()),
                      key="plan_bud_policy")
budget_planner.render(policy, "plan_bud")
