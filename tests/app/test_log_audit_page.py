"""Audit from logs in the app (issue 10): upload the bundled month of LiteLLM SpendLogs and
the OpenAI usage export; the page shows the fitted workload, the reconciliation and the
planted untracked spend; the scenario can be downloaded or used. Bad uploads get a message
naming the uploaded file, never the server's temporary folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, open_page
from workbench.app import uploads
from workbench.app.log_audit import run_audit

DATA = Path(__file__).resolve().parents[2] / "data" / "audit"


def _upload(path: Path, name: str | None = None):
    data = path.read_bytes()
    buffer = io.BytesIO(data)
    buffer.name, buffer.size = name or path.name, len(data)
    return buffer


def test_the_bundled_month_audits_and_finds_the_untracked_spend():
    result = run_audit([_upload(DATA / "litellm_spendlogs_march.csv.gz")], "litellm",
                       _upload(DATA / "openai_usage_march.json"), "openai-usage", None)
    doc = result["doc"]
    assert abs(doc["residual_share"]) < 0.01
    assert doc["untracked"]["cost_usd"] == pytest.approx(2.415, abs=0.001)
    assert "today" in result["yaml"] and not any(uploads.upload_root().iterdir())
    assert "latency" in result["overlay"] and "error_rate" in result["overlay"]


def test_a_bad_upload_names_the_file_not_the_temporary_folder():
    bad = io.BytesIO(b"request_id,spend\nx,1\n")
    bad.name, bad.size = "mine.csv", 20
    result = run_audit([bad], "litellm", None, "openai-usage", None)
    assert result["error"].startswith("mine.csv")
    assert str(uploads.upload_root()) not in result["error"]
    assert not any(uploads.upload_root().iterdir())


def test_the_audit_page_shows_the_result_and_uses_the_scenario():
    at = open_page("audit")
    at.session_state["log_audit"] = run_audit(
        [_upload(DATA / "litellm_spendlogs_march.csv.gz")], "litellm",
        _upload(DATA / "openai_usage_march.json"), "openai-usage", None)
    at.run()
    assert_ok(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Untracked spend (period)"] == "$2.42"
    assert "Estimate of 'today'" in labels
    tables = [d.value for d in at.dataframe]
    assert any("task type" in t.columns and len(t) == 8 for t in tables)
    at.button(key="log_use").click().run()
    assert_ok(at)
    assert at.session_state["scenario"].baseline == "today"
    assert at.session_state["scenario_label"] == "audited.yaml (from logs)"


def test_a_usage_export_audits_on_its_own_in_the_page():
    at = open_page("audit")
    at.session_state["log_audit"] = run_audit(
        [_upload(DATA / "openai_usage_march.json")], "openai-usage", None, "openai-usage",
        None)
    at.run()
    assert_ok(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Untracked spend (period)"] == "-"
    assert any("tails are unknown" in c.value for c in at.caption)


def test_an_uploaded_task_map_renames_and_merges():
    task_map = io.BytesIO(b"tasks: {reply: writing, draft: writing}\n")
    task_map.name, task_map.size = "tasks.yaml", 40
    result = run_audit([_upload(DATA / "litellm_spendlogs_march.csv.gz")], "litellm", None,
                       "openai-usage", None, task_map)
    tasks = result["doc"]["task_types"]
    assert "writing" in tasks and "reply" not in tasks and "draft" not in tasks
    assert any("tasks.yaml" in n for n in result["doc"]["notes"])
    assert not any(uploads.upload_root().iterdir())


def test_the_policies_form_shows_fallbacks_as_yaml_instead_of_dropping_them():
    """The form edits one chain; an audited today with per-model fallbacks (and no split) is
    shown as YAML, so saving the form cannot lose them."""
    from streamlit.testing.v1 import AppTest

    from tests.app.test_pages import MAIN
    from tests.engine.test_model_fallbacks import fallback_scenario

    scenario = fallback_scenario({"mode": "sequential", "fallbacks": {"a": ["c"]}})
    scenario = scenario.model_copy(update={"policies": [
        scenario.policies[0],
        scenario.policies[1].model_copy(update={"routing": scenario.policies[0].routing})]})
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.session_state["scenario"] = scenario
    at.session_state["chosen"] = "fallbacks"
    at.run()
    at.switch_page("app_pages/policies.py").run()
    assert_ok(at)
    assert any("gives models their own fallbacks" in i.value for i in at.info)
    assert any("fallbacks:" in c.value for c in at.code)
