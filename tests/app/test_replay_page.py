"""App defect 5 of issue 13: the replay page on AlpacaEval 2 showed "Strong: NullModel", 57
unpriced models, an empty frontier and advice to "pass --price", which the app cannot do."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, open_page
from workbench.replay.cost import suggest_price_refs

LABEL = "AlpacaEval 2"


def _alpaca():
    at = open_page("replay")
    at.selectbox(key="replay_table").set_value(LABEL).run()
    assert_ok(at)
    return at


def _frontier_points(at) -> int:
    import json

    (chart,) = at.get("plotly_chart")
    fig = json.loads(chart.proto.spec)
    return sum(len(t.get("x") or []) for t in fig["data"] if t.get("x") is not None)


def test_alpacaeval_gets_priced_models_a_real_strong_model_and_a_frontier():
    at = _alpaca()
    labels = [m.label for m in at.metric]
    assert "Strong: gpt4_1106_preview" in labels  # the best priced model, not NullModel
    assert not any("NullModel" in label for label in labels)
    assert at.multiselect(key=f"replay_exclude_{LABEL}").value == ["NullModel"]
    strong = at.selectbox(key=f"replay_strong_{LABEL}")
    assert "NullModel" not in strong.options and len(strong.options) >= 8  # catalogue matches
    assert not any("--price" in c.value for c in at.caption)
    assert any("price them in the table above" in c.value for c in at.caption)
    assert _frontier_points(at) > 0


def test_a_price_from_the_app_prices_the_model():
    """What the page passes for a price typed in its table: the model gets a cost."""
    from workbench.app import state

    doc = state.replay_doc.__wrapped__(LABEL, 0.1, (("vicuna-13b", "0.2/0.2"),), ("NullModel",))
    assert doc["models"]["vicuna-13b"]["cost_usd"] > 0
    assert "NullModel" not in doc["models"]
    unpriced = state.replay_doc.__wrapped__(LABEL, 0.1, (), ("NullModel",))
    assert unpriced["models"]["vicuna-13b"]["cost_usd"] is None


def test_leaderboard_names_match_the_catalogue():
    refs = suggest_price_refs(["gpt4_1106_preview", "claude-2.1_concise", "gpt35_turbo_instruct",
                               "vicuna-13b", "NullModel"])
    assert refs == {"gpt4_1106_preview": "openai:gpt-4-1106-preview",
                    "claude-2.1_concise": "anthropic:claude-2.1",
                    "gpt35_turbo_instruct": "openai:gpt-3.5-turbo-instruct"}
