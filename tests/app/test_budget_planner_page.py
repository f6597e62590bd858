"""The Budget page uses the planner (issue 11): per-team budgets shown with when they fire,
and thresholds planned for the policy or one team, added to the scenario with feedback."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, open_page


def _agency_budget_page():
    at = open_page("audit")
    at.selectbox(key="audit_scenario").set_value("agency_fullservice.yaml").run()
    at.switch_page("app_pages/budget.py")
    at.run()
    at.selectbox(key="bud_policy").set_value("stack_team_budget").run()
    assert_ok(at)
    return at


def test_team_budgets_are_listed_with_the_day_they_fire():
    at = _agency_budget_page()
    (teams,) = [d.value for d in at.dataframe if "team" in d.value.columns]
    row = teams.iloc[0]
    assert (row["team"], row["monthly budget"], row["fires on day"]) == ("creative", "$50",
                                                                          "15.4")
    assert row["rules"] == "rule 1: 80% downgrade"


def test_the_planner_plans_a_team_budget_and_adds_it():
    at = _agency_budget_page()
    at.selectbox(key="bud_plan_whose").set_value("team creative").run()
    at.number_input(key="bud_plan_usd_team creative").set_value(40.0).run()
    assert_ok(at)
    chosen = next(m.value for m in at.metric if m.label == "Chosen thresholds")
    assert chosen.startswith("downgrade at")
    at.button(key="bud_plan_add").click().run()
    assert_ok(at)
    assert any("Added policy 'stack_team_budget_planned'" in s.value for s in at.success)
    planned = at.session_state["scenario"].policy("stack_team_budget_planned")
    assert planned.team_budgets["creative"].monthly_usd == 40.0
    assert planned.team_budgets["creative"].rules[0].map == {
        "claude-sonnet-4.6": "mistral-small-3"}  # the team's own downgrade map
    assert at.session_state["chosen"] == "stack_team_budget_planned"
