"""App defects of issue 13, each reproduced with AppTest: Save as the baseline, budget page
feedback and warnings, the cut-off payback card, rule numbering, and the empty events chart."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, key_starting, metric, open_page


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_save_as_baseline_asks_before_replacing_it():
    """Defect 1: editing routed and saving as "baseline" silently replaced the baseline."""
    at = open_page("policies")
    key_starting(at, "text_input", "pol_save_as_").set_value("baseline").run()
    assert_ok(at)
    assert "'baseline' is the baseline" in _texts(at.warning)
    assert at.button(key="pol_save").disabled  # a browser user cannot click it
    assert not at.session_state["scenario"].policy("baseline").routing.rules  # GPT-4 for all
    # confirming on purpose replaces it
    key_starting(at, "checkbox", "pol_replace_").check().run()
    at.button(key="pol_save").click().run()
    assert_ok(at)
    assert at.session_state["scenario"].policy("baseline").routing.rules


def test_budget_page_warns_and_confirms():
    """Defect 7: no feedback on Add, the block rule dropped silently below the downgrade, and
    no warning for a $1 budget against $1,965 of expected spend."""
    at = open_page("budget")
    at.slider(key="bud_at_routed").set_value(0.8).run()
    at.slider(key="bud_block_routed").set_value(0.5).run()
    assert_ok(at)
    assert "keeps the downgrade only" in _texts(at.warning)
    key_starting(at, "number_input", "bud_monthly_").set_value(1.0).run()
    assert_ok(at)
    assert "above the budget of $1" in _texts(at.warning)
    at.button(key="bud_add").click().run()
    assert_ok(at)
    assert "Added policy 'routed_budgeted'" in _texts(at.success)
    assert at.selectbox(key="bud_policy").value == "routed_budgeted"


def test_rule_impacts_number_rules_from_one():
    at = open_page("budget")
    (table,) = [d.value for d in at.dataframe if "pass_rate_delta" in d.value.columns]
    assert "rule" not in table.columns
    assert str(table.iloc[0, 0]).startswith("rule 1:")
    assert "block non-critical" in " ".join(map(str, table.iloc[:, 0]))


def test_payback_card_fits():
    """Defect 12: "32.8 months" was cut to "32.8 ..." in a sixth-width card."""
    at = open_page("overview")
    assert metric(at, "Payback, months") == "32.8"


def test_events_chart_says_when_there_are_none():
    """Defect 9: no failovers, retries or escalations drew an empty axis from -1 to 1."""
    from workbench.viz.reliability import event_counts_figure

    fig = event_counts_figure({"a": {"failovers": 0, "retries": 0.0, "escalations": 0},
                               "b": {"failovers": 0, "retries": 0, "escalations": 0}})
    assert not fig.data
    assert "none in this run" in fig.layout.annotations[0].text


def test_roi_page_shows_the_sensitivity_and_break_even():
    """Defect 13 (a sensitivity view): the tornado and the break-even values on the ROI page."""
    at = open_page("roi")
    assert len(at.get("plotly_chart")) == 2  # waterfall and payback before the button
    at.button(key="roi_sens").click().run()
    assert_ok(at)
    assert len(at.get("plotly_chart")) == 4
    table = at.dataframe[0].value
    row = table[table["assumption"] == "rework minutes per below-bar answer"].iloc[0]
    assert row["break-even (net = 0)"] == "12.73 min"


def test_roi_assumptions_table_uses_words_and_still_applies():
    """Defect 10: the finance editor showed field names (hourly_rate_usd)."""
    at = open_page("roi")
    names = [str(v) for v in at.dataframe[0].value.iloc[:, 0]]  # the editor in the form
    assert "hourly rate (USD)" in names and "hourly_rate_usd" not in names
    next(b for b in at.button if b.label == "Apply assumptions").click().run()
    assert_ok(at)
    assert at.session_state["scenario"].finance.hourly_rate_usd == 45.0


def test_money_inputs_show_whole_dollars():
    """Defect 10: the trial budget read "1572.00"."""
    at = open_page("budget")
    assert key_starting(at, "number_input", "bud_monthly_").proto.format == "%.0f"
