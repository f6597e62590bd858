"""One AppTest per page: it runs without an exception, its key widgets are there, and changing
an input changes a number it shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import workbench.app

MAIN = str(Path(workbench.app.__file__).with_name("main.py"))


def open_page(name: str) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.run()
    at.switch_page(f"app_pages/{name}.py")
    at.run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metric(at: AppTest, prefix: str) -> str:
    """Value of the first metric whose label starts with ``prefix``."""
    for m in at.metric:
        if m.label.startswith(prefix):
            return m.value
    raise AssertionError(f"no metric {prefix!r} in {[m.label for m in at.metric]}")


def key_starting(at: AppTest, kind: str, prefix: str):
    widgets = [w for w in getattr(at, kind) if w.key and w.key.startswith(prefix)]
    assert widgets, f"no {kind} with a key starting {prefix!r}"
    return widgets[0]


def test_default_scenario_loads_untouched():
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    assert_ok(at)
    assert at.title[0].value == "Overview"
    assert at.session_state["scenario"].name == "support_desk"
    assert at.sidebar.selectbox(key="chosen").value == "routed"
    assert at.sidebar.get("download_button")


def test_overview_cards_follow_the_chosen_policy():
    at = open_page("overview")
    assert metric(at, "Monthly cost now") == "$4,500"
    assert metric(at, "With routed") == "$1,965"
    assert metric(at, "Savings") == "56.3%"
    for label in ("Payback", "Availability", "Quality pass rate"):
        metric(at, label)
    at.sidebar.selectbox(key="chosen").set_value("baseline").run()
    assert_ok(at)
    assert metric(at, "With baseline") == "$4,500"
    assert metric(at, "Savings") == "0.0%"


def test_audit_volume_change_moves_the_cost():
    at = open_page("audit")
    assert at.selectbox(key="audit_scenario").value == "support_desk.yaml"
    assert at.get("file_uploader")
    assert metric(at, "Tasks per day") == "1,000"
    assert metric(at, "Monthly cost (routed)") == "$1,965"
    key_starting(at, "number_input", "audit_total_").set_value(2000.0).run()
    assert_ok(at)
    assert metric(at, "Tasks per day") == "2,000"
    assert metric(at, "Monthly cost (routed)") == "$3,930"


def test_audit_switches_bundled_scenario():
    at = open_page("audit")
    at.selectbox(key="audit_scenario").set_value("tiered_escalation.yaml").run()
    assert_ok(at)
    assert at.session_state["scenario"].name == "tiered_escalation"


def test_requirements_matrix_and_heuristic():
    at = open_page("requirements")
    assert metric(at, "Eligible pairs") == "16 / 16"
    assert metric(at, "Cheapest model meeting every requirement of simple") == \
        "claude-3.5-haiku"
    at.selectbox(key="req_task").set_value("complex").run()
    assert_ok(at)  # no required pass rate stated: the cheapest eligible model
    assert metric(at, "Cheapest model meeting every requirement of complex") == \
        "claude-3.5-haiku"
    at.button(key="req_use_heuristic").click().run()
    assert_ok(at)
    assert "threshold_heuristic" in at.session_state["scenario"].policy_names
    assert at.sidebar.selectbox(key="chosen").value == "threshold_heuristic"


def test_policies_draft_cost_follows_the_form_and_saves():
    at = open_page("policies")
    at.selectbox(key="pol_edit").set_value("baseline").run()
    assert_ok(at)
    assert metric(at, "Draft: cost / month") == "$4,500"
    assert at.code and "default: gpt-4" in at.code[0].value
    key_starting(at, "selectbox", "pol_default_").set_value("claude-3.5-haiku").run()
    assert_ok(at)
    assert metric(at, "Draft: cost / month") == "$600"
    key_starting(at, "text_input", "pol_save_as_").set_value("all_haiku").run()
    at.button(key="pol_save").click().run()
    assert_ok(at)
    assert "all_haiku" in at.session_state["scenario"].policy_names


def test_simulate_runs_and_shows_cards_and_charts():
    at = open_page("simulate")
    assert metric(at, "Cost / month") == "$4,500"  # the estimate before a run
    at.button(key="sim_run").click().run()
    assert_ok(at)
    # summaries only by default: cards and the frontier, no records behind the other charts
    assert metric(at, "Cost / month") != "$4,500"
    assert len(at.get("plotly_chart")) == 1
    assert any("Keep every attempt" in i.value for i in at.info)
    at.sidebar.checkbox(key="sim_records").check().run()
    at.button(key="sim_run").click().run()
    assert_ok(at)
    assert len(at.get("plotly_chart")) >= 4
    baseline = metric(at, "baseline: spend over")
    at.selectbox(key="sim_cost_policy").set_value("routed").run()
    assert_ok(at)
    assert metric(at, "routed: spend over") != baseline
    assert float(metric(at, "Attempts per run").replace(",", "")) > 0


def test_budget_trial_follows_the_budget_input():
    at = open_page("budget")
    before = metric(at, "Expected month-end spend")
    key_starting(at, "number_input", "bud_monthly_").set_value(1000.0).run()
    assert_ok(at)
    assert metric(at, "Monthly budget") == "$1,000"
    assert metric(at, "Expected month-end spend") != before
    at.button(key="bud_add").click().run()
    assert_ok(at)
    assert "routed_budgeted" in at.session_state["scenario"].policy_names


def test_reliability_whatif_moves_availability():
    at = open_page("reliability")
    before = metric(at, "Availability (routed)")
    at.slider(key="rel_mtbf_openai").set_value(2.0).run()
    assert_ok(at)
    assert metric(at, "Availability (routed)") != before
    at.button(key="rel_run").click().run()
    assert_ok(at)
    assert len(at.get("plotly_chart")) >= 3


def test_roi_assumption_moves_the_net():
    at = open_page("roi")
    before = metric(at, "Net benefit / month")
    assert at.get("arrow_data_frame") or at.dataframe
    key_starting(at, "number_input", "roi_rate_").set_value(10.0).run()
    assert_ok(at)
    assert metric(at, "Net benefit / month") != before
    assert at.session_state["scenario"].finance.hourly_rate_usd == 10.0


def test_replay_frontier_and_judge_error():
    at = open_page("replay")
    assert at.selectbox(key="replay_table").value == "RouteLLM GSM8K"
    before = metric(at, "Cascade")
    at.select_slider(key="replay_judge_error").set_value(0.3).run()
    assert_ok(at)
    assert metric(at, "Cascade") != before
    assert at.get("plotly_chart")


def test_live_reads_a_probe_run(tmp_path, monkeypatch):
    from workbench.domain import load_scenario
    from workbench.engine.simulation import simulate

    monkeypatch.chdir(tmp_path)
    at = open_page("live")
    assert at.info  # no runs yet: says how to make one
    root = Path(workbench.app.__file__).parents[2]
    scenario = load_scenario(root / "scenarios" / "support_desk.yaml")
    records = simulate(scenario, replications=1, days=0.05, policies=["routed"]).records
    for name, rows in (("a", records.head(10)), ("b", records.head(20))):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        (folder / "records.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows.to_dicts()))
    at.text_input(key="live_folder").set_value(str(tmp_path / "runs" / "a")).run()
    assert_ok(at)
    assert metric(at, "Measured attempts") == "10"
    at.text_input(key="live_folder").set_value(str(tmp_path / "runs" / "b")).run()
    assert_ok(at)
    assert metric(at, "Measured attempts") == "20"


SCENARIOS = sorted(p.name for p in (Path(MAIN).parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_bundled_scenario_opens_on_every_page(name):
    at = open_page("audit")
    at.selectbox(key="audit_scenario").set_value(name).run()
    assert_ok(at)
    for page in ("overview", "scenario_editor", "requirements", "policies", "budget", "plan",
                 "reliability", "roi"):
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert_ok(at)


def test_app_command_is_local_and_quiet():
    from workbench.cli.dashboard import streamlit_command

    cmd = streamlit_command(8599)
    flag = lambda name: cmd[cmd.index(name) + 1]
    assert flag("--server.address") == "127.0.0.1" and flag("--server.port") == "8599"
    assert flag("--browser.gatherUsageStats") == "false"
    assert flag("--server.headless") == "true"
    assert cmd[cmd.index("run") + 1].endswith("main.py")


def test_upload_errors_name_the_uploaded_file():
    from workbench.app import state
    from workbench.domain.errors import ScenarioError

    text = (Path(MAIN).parents[2] / "scenarios" / "support_desk.yaml").read_bytes()
    assert state.load_upload("mine.yaml", text).name == "support_desk"
    with pytest.raises(ScenarioError, match="mine.yaml"):
        state.load_upload("mine.yaml", b"name: [unclosed")


def test_overview_judges_claims_on_the_last_simulation():
    """Before a simulation the replay's availability claim is "not modelled by the estimate";
    after one, the simulation judges it with its interval."""
    at = open_page("audit")
    at.selectbox(key="audit_scenario").set_value("incident_replay.yaml").run()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert_ok(at)
    (claims,) = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert claims["status"].tolist() == ["not modelled by the estimate"]
    at.switch_page("app_pages/simulate.py")
    at.run()
    at.button(key="sim_run").click().run()
    assert_ok(at)
    at.switch_page("app_pages/overview.py")
    at.run()
    assert_ok(at)
    (claims,) = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert claims["judged by"].tolist() == ["simulation"]
    assert claims["status"].tolist()[0] != "not modelled by the estimate"
