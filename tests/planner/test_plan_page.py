"""The Plan page (AppTest): the floors in, the cheapest policy out with its frontier, reasons
and simulated interval; "add to scenario" makes it a policy of the scenario; the budget
section chooses thresholds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import workbench.app

os.environ.setdefault("WORKBENCH_APP_DAYS", "1")
os.environ.setdefault("WORKBENCH_APP_REPLICATIONS", "1")
MAIN = str(Path(workbench.app.__file__).with_name("main.py"))


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_plan_page_finds_adds_and_budgets():
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.run()
    at.switch_page("app_pages/plan.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.info  # nothing searched before the button
    at.number_input(key="plan_min_pass").set_value(0.9)
    at.button(key="plan_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cost = _metric(at, "Cheapest monthly cost")
    assert cost.startswith("$")
    assert " - " in _metric(at, "Simulated (95% interval)")
    assert float(_metric(at, "Pass rate").rstrip("%")) >= 90.0
    assert any("binds" in m.value or "room" in m.value for m in at.markdown)
    assert _metric(at, "Chosen thresholds")
    at.button(key="plan_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "optimized" in at.session_state["scenario"].policy_names
    assert at.session_state["chosen"] == "optimized"
