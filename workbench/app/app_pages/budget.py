"""Budget: month-to-date spend against the budget line, thresholds and their crossings
marked, and what each rule costs in quality."""

import streamlit as st

from workbench.app import budget_planner, state, widgets
from workbench.domain import edits
from workbench.domain.budget_trial import downgrade_map, trial_budget
from workbench.domain.errors import WorkbenchError
from workbench.metrics import series
from workbench.metrics.formats import label, pct_points, rule_label
from workbench.viz.budget import burn_down_figure, rule_impact_figure
from workbench.viz.theme import pct, usd

st.title("Budget")
scenario = state.scenario()
names = scenario.policy_names
name = st.selectbox("Policy", names, index=names.index(state.chosen_policy()), key="bud_policy")
policy = scenario.policy(name)
base_cost = state.estimate_doc()["policies"][name]["monthly_cost_usd"]
tab_rules, tab_plan = st.tabs(["Rules and spend path", "Plan thresholds (P(over budget))"])
with tab_plan:
    st.caption("The planner: with day-to-day demand variance, downgrade / block thresholds that "
               "keep P(month over budget) within the limit while passing the most work; for the "
               "policy's own budget or one team's.")
    budget_planner.render(name, "bud_plan")
def _rules_and_spend() -> None:
    """The policy's team budgets, its own rules (or a trial of them), the spend path and what
    each rule changes."""
    if policy.team_budgets:
        st.subheader("Team budgets")
        est = state.estimate_doc()["policies"][name]
        fired = {(f["team"], f["rule"]): f["day"] for f in est["budget_firings"] if f.get("team")}
        widgets.dataframe([
            {"team": team, "monthly budget": usd(b.monthly_usd),
             "expected team spend / month": usd(est["breakdown_usd"]["team"].get(team, 0.0)),
             "rules": "; ".join(f"{rule_label(k)}: {r.at:.0%} {label(r.action)}"
                                for k, r in enumerate(b.rules)),
             "fires on day": ", ".join(f"{fired[(team, k)]:.1f}" for k in range(len(b.rules))
                                       if (team, k) in fired) or "-"}
            for team, b in policy.team_budgets.items()])
        st.caption("A team's budget watches that team's spend and acts on its tasks only; the "
                   "policy's budget (below) watches all spend.")

    if policy.budget is None:
        st.info(f"{name} has no budget rules. Try one here (a downgrade to the next cheaper tier, "
                "then blocking non-critical tasks), or define rules on Policies.")
        cols = st.columns(3)
        monthly = cols[0].number_input("Monthly budget USD", min_value=1.0, step=100.0, format="%.0f",
                                       value=float(round(0.8 * base_cost, 0) or 100.0),
                                       key=f"bud_monthly_{name}")
        at_downgrade = cols[1].slider("Downgrade at share of budget", 0.1, 1.0, 0.7, 0.05,
                                      key=f"bud_at_{name}")
        at_block = cols[2].slider("Block non-critical at", 0.1, 1.0, 0.95, 0.05,
                                  key=f"bud_block_{name}")
        if at_block <= at_downgrade and downgrade_map(scenario, name):
            st.warning(f"Blocking non-critical tasks at {at_block:.0%} is not above the downgrade "
                       f"at {at_downgrade:.0%}: rules fire in the order of their thresholds, so this "
                       "trial keeps the downgrade only. Move the block threshold above the "
                       "downgrade to keep both rules.")
        draft = trial_budget(scenario, name, monthly, at_downgrade, max(at_block, at_downgrade))
        try:
            trial = edits.with_policy(scenario, draft)
        except WorkbenchError as exc:  # an invalid trial is shown as a message
            st.error(str(exc))
            return
        target = draft["name"]

        def _add() -> None:
            replaced = target in state.scenario().policy_names
            if state.apply(edits.with_policy, draft):
                st.session_state["chosen"] = target
                st.session_state.pop("bud_policy", None)  # the selector follows the choice
                st.session_state["bud_added"] = (f"{'Replaced' if replaced else 'Added'} policy "
                                                 f"{target!r} in the scenario and chose it; its "
                                                 "rules are shown below and on Policies.")

        st.button(f"Add {target!r} to the scenario", key="bud_add", on_click=_add)
    else:
        trial, target = scenario, name

    if "bud_added" in st.session_state:
        st.success(st.session_state.pop("bud_added"))
    figures = state.estimate_doc(trial)["policies"][target]
    spec = trial.policy(target)
    budget_usd = spec.budget.monthly_usd
    if figures["monthly_cost_usd"] > budget_usd * (1.0 + 1e-9):
        st.warning(f"Even under its rules {target} is expected to spend "
                   f"{usd(figures['monthly_cost_usd'])} a month, above the budget of "
                   f"{usd(budget_usd)}: downgrades and blocking non-critical tasks cannot bring it "
                   "lower. Raise the budget or route more work to cheaper models.")
    elif base_cost > budget_usd:
        first = min(r.at for r in spec.budget.rules)
        day = first * budget_usd / (base_cost / scenario.days_per_month)
        st.info(f"Without rules {name} would spend {usd(base_cost)} a month; the first rule fires "
                f"around day {day:.1f} of each month and holds until the month resets.")
    cols = st.columns(4)
    cols[0].metric("Monthly budget", usd(spec.budget.monthly_usd), border=True)
    cols[1].metric("Expected month-end spend", usd(figures["monthly_cost_usd"]),
                   delta=usd(figures["monthly_cost_usd"] - base_cost), delta_color="inverse",
                   border=True)
    base_rate = state.estimate_doc()["policies"][name]["quality_pass_rate"] or 0.0
    cols[2].metric("Pass rate under the rules", pct(figures["quality_pass_rate"]),
                   delta=pct_points((figures["quality_pass_rate"] or 0.0) - base_rate, 2),
                   border=True)
    cols[3].metric("Rules fired", f"{len(figures['budget_firings'])} / {len(spec.budget.rules)}",
                   border=True)

    rules = [{"at": r.at, "action": r.action} for r in spec.budget.rules]
    spend, impacts = state.budget_what_if(trial, target)
    firings = [f for f in figures["budget_firings"] if f.get("team") is None]
    run = state.last_simulation()
    if run is not None and run["records"] is not None and target in run["doc"]["policies"]:
        spend = series.month_to_date_spend(run["records"], scenario.days_per_month)
        firings = [f for f in run["doc"]["policies"][target].get("budget_firings") or []
                   if f.get("team") is None]
        st.caption("Spend path: simulated (mean over replications).")
    else:
        st.caption("Spend path: expected (closed form); run Simulate & compare with this policy "
                   "in the scenario for a simulated path.")
    widgets.chart(burn_down_figure(spend, target, spec.budget.monthly_usd, rules, firings),
                  key="bud_burn")
    widgets.chart(rule_impact_figure(impacts), key="bud_impacts")
    widgets.dataframe(impacts.drop("rule", "team"),  # the label names the rule, numbered from 1
                      column_config={"pass_rate_delta": st.column_config.NumberColumn(
                     "pass rate change", format="percent"),
                     "monthly_cost_delta_usd": st.column_config.NumberColumn(
                         "monthly cost change", format="dollar")})


with tab_rules:
    _rules_and_spend()
