"""The Edit scenario page (issue 13, defect 13): task types, tier bars and data classes are
edited in the app, validated by the schema, and the pages follow."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, metric, open_page


def test_page_shows_task_types_bars_and_data_classes():
    at = open_page("scenario_editor")
    tables = list(at.dataframe)
    assert len(tables) == 2
    names = tables[0].value["name"].tolist()
    assert names == ["simple", "moderate", "complex", "edge_case"]
    assert tables[1].value["data_class"].tolist() == ["public", "internal", "confidential",
                                                      "regulated"]
    assert "Download the scenario (YAML)" in [b.proto.label for b in at.get("download_button")]


def test_a_bar_edit_applies_and_moves_the_pass_rate():
    at = open_page("overview")
    before = metric(at, "Quality pass rate")
    at.switch_page("app_pages/scenario_editor.py")
    at.run()
    key = next(n.key for n in at.number_input if n.key.startswith("edit_bar_premium_"))
    at.number_input(key=key).set_value(0.99)
    next(b for b in at.button if b.key == "FormSubmitter:edit_bars-Apply bars").click().run()
    assert_ok(at)
    assert "Score bars applied." in [s.value for s in at.success]
    assert at.session_state["scenario"].quality_bars["premium"] == 0.99
    at.switch_page("app_pages/overview.py")
    at.run()
    assert metric(at, "Quality pass rate") != before
