"""The budget-threshold planner as a page section (Plan and Budget pages): for a policy's own
budget or one team's, the thresholds that keep P(month over budget) within a limit with the
most work passed, the spend fan chart, every candidate, and "add to the scenario"."""

from __future__ import annotations

import streamlit as st

from workbench.app import state, widgets
from workbench.domain import edits
from workbench.metrics.formats import pct, usd
from workbench.viz.plan import spend_fan_figure

POLICY_WIDE = "the whole policy"


@st.cache_data(show_spinner="Planning thresholds...", max_entries=16)
def _plan(key: str, policy: str, monthly: float, limit: float, team: str | None,
          _scenario) -> dict:
    from workbench.planner.budget_plan import budget_plan

    return budget_plan(_scenario, policy, monthly, limit, months=1000, team=team)


def planned_policy(scenario, policy: str, team: str | None, budget: dict) -> dict:
    """``policy`` as plain data with the planned ``budget`` (its own, or ``team``'s), named
    ``<policy>_planned``."""
    data = edits.scenario_data(scenario)
    spec = next(p for p in data["policies"] if p["name"] == policy)
    spec = {**spec, "name": f"{policy}_planned"}
    if team is None:
        spec["budget"] = budget
    else:
        spec["team_budgets"] = {**spec.get("team_budgets", {}), team: budget}
    return spec


def render(policy: str, key: str) -> None:
    """The planner section for ``policy`` (widget keys start with ``key``)."""
    scenario = state.scenario()
    teams = sorted({t.team for t in scenario.workload.task_types})
    cols = st.columns(3)
    whose = cols[0].selectbox("Whose budget", [POLICY_WIDE] + [f"team {t}" for t in teams],
                              key=f"{key}_whose")
    team = None if whose == POLICY_WIDE else whose.removeprefix("team ")
    doc = state.estimate_doc()["policies"][policy]
    expected = doc["monthly_cost_usd"] if team is None else \
        doc["breakdown_usd"]["team"].get(team, 0.0)
    monthly = cols[1].number_input("Monthly budget USD", min_value=1.0, step=10.0,
                                   value=float(round(0.9 * expected, 0) or 100.0),
                                   key=f"{key}_usd_{whose}")
    limit = cols[2].number_input("P(month over budget) at most", 0.0, 1.0, 0.05, 0.01,
                                 key=f"{key}_limit")
    plan = _plan(state.scenario_key(scenario), policy, monthly, limit, team, scenario)
    chosen = plan["chosen"]
    cols = st.columns(4)
    cols[0].metric("Chosen thresholds", chosen["name"], border=True)
    cols[1].metric("P(month over budget)", pct(chosen["overrun_probability"], 2), border=True,
                   help=f"Over {plan['months']:,} Monte Carlo months; upper 95%: "
                        f"{pct(chosen['overrun_probability_upper95'], 2)}.")
    cols[2].metric("Mean month", usd(chosen["mean_month_usd"]), border=True)
    cols[3].metric("Deferred tasks / month", f"{chosen['deferred_tasks_per_month']:,.0f}",
                   border=True, help="Blocked non-critical work: deferred, not an outage.")
    if not plan["meets_limit"]:
        st.warning("No candidate keeps the overrun probability within the limit; shown: the "
                   "lowest. Raise the budget or route more work to cheaper models.")
    widgets.chart(spend_fan_figure(plan), key=f"{key}_fan")
    widgets.dataframe([{"candidate": c["name"],
                        "P(over)": pct(c["overrun_probability"], 2),
                        "mean month": usd(c["mean_month_usd"]),
                        "pass rate": pct(c["quality_pass_rate"]),
                        "deferred / month": f"{c['deferred_tasks_per_month']:,.0f}"}
                       for c in plan["candidates"]])
    spec = planned_policy(scenario, policy, team, plan["chosen_budget"])

    def _add() -> None:
        if state.apply(edits.with_policy, spec):
            st.session_state["chosen"] = spec["name"]
            st.session_state[f"{key}_added"] = (
                f"Added policy {spec['name']!r} ({policy} with the chosen thresholds for "
                f"{whose}) and chose it.")

    st.button(f"Add {spec['name']!r} to the scenario", key=f"{key}_add", on_click=_add)
    if f"{key}_added" in st.session_state:
        st.success(st.session_state.pop(f"{key}_added"))
