"""import(export(P)) == P for the policies a target can express: bundled ones, hand-written
ones and Hypothesis-generated simple ones (task-type rules, sequential failover)."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.domain.bounded_read import parse_json, parse_yaml
from workbench.domain.edits import with_policy
from workbench.domain.loader import load_scenario
from workbench.domain.policy import Policy
from workbench.gateway import (
    export_litellm,
    export_portkey,
    import_litellm,
    import_portkey,
)
from workbench.gateway.served import by_served_name
from workbench.policies.routing import route

from .conftest import served_all

SUPPORT = load_scenario("scenarios/support_desk.yaml")
FAILOVER = load_scenario("scenarios/multi_provider_failover.yaml")
MARKETING = load_scenario("scenarios/marketing_14_tasks.yaml")


def round_trip(scenario, name: str, target: str) -> Policy:
    """Export, write as text, read back through the bounded reader, import."""
    served = served_all(scenario, names={m.name: f"srv-{m.name}" for m in scenario.models})
    if target == "litellm":
        t = export_litellm(scenario, name, served)
        data = parse_yaml(yaml.safe_dump(t.config), "config.yaml")
        result = import_litellm(data, scenario, name, "config.yaml", by_served_name(served))
    else:
        t = export_portkey(scenario, name, served)
        data = parse_json(json.dumps(t.config), "config.json")
        result = import_portkey(data, scenario, name, "config.json", by_served_name(served))
    assert not result.unmapped, result.unmapped
    assert not result.ignored, result.ignored
    return with_policy(scenario, result.policy).policy(name)


def same(a: Policy, b: Policy) -> bool:
    return a.model_copy(update={"description": ""}) == b.model_copy(update={"description": ""})


@pytest.mark.parametrize("target", ["litellm", "portkey"])
@pytest.mark.parametrize(("scenario", "name"), [
    (SUPPORT, "baseline"), (SUPPORT, "routed"), (FAILOVER, "single"),
    (FAILOVER, "failover"), (FAILOVER, "same_provider_backup")])
def test_bundled_expressible_policies_round_trip(scenario, name, target):
    assert same(round_trip(scenario, name, target), scenario.policy(name))


def test_a_breaker_round_trips_through_litellm_cooldowns():
    assert same(round_trip(FAILOVER, "breaker", "litellm"), FAILOVER.policy("breaker"))


def test_portkey_keeps_rules_on_any_attribute_exactly():
    """Conditions on tier, critical and comparisons survive as metadata queries."""
    names = [t.name for t in MARKETING.workload.task_types]
    models = [m.name for m in MARKETING.models]
    policy = {"name": "attrs", "routing": {"default": models[0], "rules": [
        {"when": {"tier": "premium", "critical": True}, "model": models[1]},
        {"when": {"task_type": {"not_in": names[:2]}, "critical": False}, "model": models[2]},
        {"when": {"task_type": names[:3]}, "model": models[1]}]},
        "failover": {"mode": "sequential", "chain": [models[3]], "retries": 2,
                     "timeout_s": 45.0}}
    scenario = with_policy(MARKETING, policy)
    assert same(round_trip(scenario, "attrs", "portkey"), scenario.policy("attrs"))


def test_litellm_compiles_other_conditions_to_the_same_routes():
    """LiteLLM tags carry the task type only: rules on other attributes come back as task-type
    rules that route every task type of the scenario the same way."""
    models = [m.name for m in MARKETING.models]
    policy = {"name": "by_tier", "routing": {"default": models[0], "rules": [
        {"when": {"tier": "premium"}, "model": models[1]},
        {"when": {"critical": True}, "model": models[2]}]}}
    scenario = with_policy(MARKETING, policy)
    back = round_trip(scenario, "by_tier", "litellm")
    for task in scenario.workload.task_types:
        assert route(back, task).model == route(scenario.policy("by_tier"), task).model


@st.composite
def simple_policies(draw, scenario):
    """Task-type rules (one per model, in canonical order) and sequential failover whose
    chain avoids the routed models."""
    tasks = [t.name for t in scenario.workload.task_types]
    models = [m.name for m in scenario.models]
    assign = draw(st.lists(st.sampled_from([None, *models]), min_size=len(tasks),
                           max_size=len(tasks)))
    default = draw(st.sampled_from(models))
    rules: dict[str, list[str]] = {}
    for task, model in zip(tasks, assign, strict=True):
        if model is not None:
            rules.setdefault(model, []).append(task)
    routed = set(rules) | {default}
    spare = [m for m in models if m not in routed]
    chain = draw(st.lists(st.sampled_from(spare), unique=True, max_size=3)) if spare else []
    retries = draw(st.integers(0, 5))
    failover = ({"mode": "sequential", "chain": chain, "retries": retries,
                 "timeout_s": float(draw(st.integers(1, 900))),
                 # the backoff matters (and is exported) only with retries
                 "backoff_s": float(draw(st.integers(0, 5))) if retries else 1.0}
                if chain or retries else {"mode": "none",
                                          "timeout_s": float(draw(st.integers(1, 900)))})
    return {"name": "gen", "routing": {"default": default, "rules": [
        {"when": {"task_type": ts[0] if len(ts) == 1 else ts}, "model": m}
        for m, ts in rules.items()]}, "failover": failover}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_simple_policies_round_trip_through_both(data):
    policy = data.draw(simple_policies(MARKETING))
    scenario = with_policy(MARKETING, policy)
    original = scenario.policy("gen")
    assert same(round_trip(scenario, "gen", "litellm"), original)
    if original.failover.mode == "none" or original.failover.backoff_s == 1.0:
        assert same(round_trip(scenario, "gen", "portkey"), original)
