"""Editing task types, tier bars and data classes as the app's Edit scenario page does
(issue 13, defect 13: these could only be changed by uploading YAML)."""

from __future__ import annotations

import pytest

from workbench.domain import edits, load_scenario
from workbench.domain.errors import ScenarioError

SCENARIO = "scenarios/support_desk.yaml"


def _rows(scenario):
    return [{"name": t.name, "per_day": t.per_day or t.share * scenario.workload.total_per_day,
             "tier": t.tier, "latency_class": t.latency_class, "client_facing": t.client_facing,
             "team": t.team, "data_class": t.requirements.data_class,
             "required_pass_rate": t.requirements.required_pass_rate,
             "deadline_s": t.requirements.deadline_s} for t in scenario.workload.task_types]


def test_unchanged_table_keeps_the_volumes_as_tasks_per_day():
    scenario = load_scenario(SCENARIO)
    edited = edits.with_task_types(scenario, _rows(scenario))
    assert edited.workload.total_per_day is None
    assert [t.per_day for t in edited.workload.task_types] == pytest.approx([400, 350, 200, 50])
    assert edited.workload.task_types[0].input_tokens == scenario.workload.task_types[0].input_tokens


def test_edit_add_and_requirements():
    scenario = load_scenario(SCENARIO)
    rows = _rows(scenario)
    rows[1].update(tier="premium", data_class="confidential", required_pass_rate=0.9,
                   deadline_s=float("nan"))  # a blank numeric cell arrives as NaN
    rows.append({"name": "refund", "per_day": 30.0, "tier": "basic", "latency_class": None,
                 "client_facing": True, "team": "billing", "data_class": "public",
                 "required_pass_rate": None, "deadline_s": 20.0})
    edited = edits.with_task_types(scenario, rows)
    moderate = next(t for t in edited.workload.task_types if t.name == "moderate")
    assert (moderate.tier, moderate.requirements.data_class,
            moderate.requirements.required_pass_rate) == ("premium", "confidential", 0.9)
    assert moderate.requirements.deadline_s is None
    refund = edited.workload.task_types[-1]
    assert (refund.per_day, refund.team, refund.latency_class) == (30.0, "billing", "realtime")
    assert refund.requirements.deadline_s == 20.0
    assert refund.input_tokens.fixed == 500  # the schema's default


def test_deleting_a_task_type_a_rule_names_fails_naming_the_rule():
    scenario = load_scenario(SCENARIO)
    rows = [r for r in _rows(scenario) if r["name"] != "complex"]
    with pytest.raises(ScenarioError, match=r"policies\[1\]\.routing\.rules\[2\].*complex"):
        edits.with_task_types(scenario, rows)


def test_a_requirement_the_policies_break_is_refused_naming_policy_and_model():
    scenario = load_scenario(SCENARIO)
    rows = _rows(scenario)
    rows[0]["data_class"] = "regulated"  # self-hosted only; every policy here uses APIs
    with pytest.raises(ScenarioError, match=r"policy 'baseline' can send task type 'simple' "
                                            r"to model 'gpt-4'.*deployment"):
        edits.with_task_types(scenario, rows)


def test_a_row_without_a_name_is_refused():
    scenario = load_scenario(SCENARIO)
    rows = _rows(scenario) + [{"name": None, "per_day": 5.0}]
    with pytest.raises(ScenarioError, match=r"workload.task_types\[4\].name: a task type needs"):
        edits.with_task_types(scenario, rows)


def test_bars_and_data_classes():
    scenario = load_scenario(SCENARIO)
    edited = edits.with_quality_bars(scenario, {"premium": 0.9})
    assert edited.quality_bars["premium"] == 0.9
    assert edited.quality_bars["basic"] == scenario.quality_bars["basic"]
    with pytest.raises(ScenarioError, match="quality_bars"):
        edits.with_quality_bars(scenario, {"premium": 1.5})
    rules = {"public": {"regions": None, "deployments": None},
             "confidential": {"regions": ["eu"], "deployments": ["api", "self_hosted"]}}
    edited = edits.with_data_classes(scenario, rules)
    assert edited.data_classes["confidential"].regions == ["eu"]
    assert edited.data_classes["regulated"].deployments == ["self_hosted"]  # the default kept
