"""The LiteLLM and Portkey example configs of their own documentation (rebuilt as fixtures in
tests/gateway/fixtures, sources named in each file or test) import to the expected policies,
with what could not be mapped and every ignored key listed."""

from __future__ import annotations

from workbench.domain.bounded_read import read_json, read_yaml
from workbench.domain.edits import with_policy
from workbench.domain.loader import load_scenario
from workbench.domain.policy import Policy
from workbench.gateway import import_litellm, import_portkey

from .conftest import FIXTURES

SCENARIO = load_scenario(FIXTURES / "docs_scenario.yaml")


def imported(name: str):
    path = FIXTURES / name
    if name.startswith("litellm"):
        result = import_litellm(read_yaml(path), SCENARIO, "today", str(path))
    else:
        result = import_portkey(read_json(path), SCENARIO, "today", str(path))
    policy = with_policy(SCENARIO, result.policy).policy("today")
    gateway = "LiteLLM" if name.startswith("litellm") else "Portkey"
    assert policy.description == f"Imported from {gateway} config {name}"
    return result, policy.model_copy(update={"description": ""})


def test_litellm_configs_md_example():
    """configs.md: zephyr-beta (3 deployments) falls back to gpt-4o; router_settings'
    num_retries 2 and timeout 30 s; allowed_fails 3 with LiteLLM's 5 s default cooldown."""
    result, policy = imported("litellm_configs.yaml")
    assert policy == Policy.model_validate({
        "name": "today", "routing": {"default": "zephyr-beta"},
        "failover": {"mode": "sequential", "chain": ["gpt-4o"], "retries": 2,
                     "timeout_s": 30.0, "breaker": {"failures": 3, "cooldown_s": 5.0}}})
    assert result.unmapped == []
    ignored = "\n".join(result.ignored)
    for key in ("litellm_settings.context_window_fallbacks", "router_settings.model_group_alias",
                "router_settings.redis_host", "model_list[0].litellm_params.rpm",
                "group 'gpt-3.5-turbo-16k'"):
        assert key in ignored
    notes = "\n".join(result.notes)
    assert "load balancing is not modelled" in notes
    assert "router_settings' 2 taken over litellm_settings' 3" in notes


def test_litellm_tag_routing_md_example():
    """tag_routing.md: the 'paid' tag is the scenario's user_plan value, the 'default'
    deployment gpt-4o; 'openai/fake' is no model of the scenario and is listed."""
    result, policy = imported("litellm_tag_routing.yaml")
    assert policy.routing.model_dump(exclude_none=True) == {
        "default": "gpt-4o", "default_escalate": False,
        "rules": [{"when": {"user_plan": "paid"}, "model": "gpt-4o", "escalate": False}]}
    assert len(result.unmapped) == 1 and "'openai/fake'" in result.unmapped[0]
    assert any("general_settings.master_key" in line for line in result.ignored)
    assert not any("sk-1234" in line for line in result.ignored + result.notes)


def test_portkey_conditional_routing_example():
    """cookbook/integrations/vercel/.../conditional-routing.ts: paid -> claude, free and the
    default -> gpt-4o."""
    result, policy = imported("portkey_conditional.json")
    assert policy == Policy.model_validate({
        "name": "today", "routing": {"default": "gpt-4o", "rules": [
            {"when": {"user_plan": "paid"}, "model": "claude-3-5-sonnet-20240620"},
            {"when": {"user_plan": "free"}, "model": "gpt-4o"}]}})
    assert result.unmapped == [] and result.ignored == []


def test_portkey_fallback_example():
    """cookbook/integrations/vercel/.../fallback.ts: claude first, gpt-4o on any error."""
    result, policy = imported("portkey_fallback.json")
    assert policy == Policy.model_validate({
        "name": "today", "routing": {"default": "claude-3-5-sonnet-20240620"},
        "failover": {"mode": "sequential", "chain": ["gpt-4o"]}})
    assert result.unmapped == [] and result.ignored == []


def test_portkey_conditions_the_scenario_cannot_hold_are_listed_not_fatal(tmp_path):
    """$or, params.* and an attribute no task type has: each rule left out and listed; the
    mappable rule and the default kept."""
    config = {"strategy": {"mode": "conditional", "default": "b", "conditions": [
        {"query": {"$or": [{"metadata.user_plan": "paid"}]}, "then": "a"},
        {"query": {"params.model": {"$eq": "x"}}, "then": "a"},
        {"query": {"metadata.region": {"$eq": "eu"}}, "then": "a"},
        {"query": {"metadata.user_plan": {"$regex": "^p"}}, "then": "a"},
        {"query": {"metadata.user_plan": {"$ne": "free"}}, "then": "a"}]},
        "targets": [{"name": "a", "provider": "openai", "api_key": "k",
                     "override_params": {"model": "gpt-4o", "temperature": 0}},
                    {"name": "b", "provider": "openai", "api_key": "k",
                     "override_params": {"model": "zephyr-beta"}}]}
    result = import_portkey(config, SCENARIO, "today", "c.json")
    assert result.policy["routing"] == {"default": "zephyr-beta", "rules": [
        {"when": {"user_plan": {"ne": "free"}}, "model": "gpt-4o"}]}
    assert [u.split(":")[0] for u in result.unmapped] == [
        "strategy.conditions[0].query.$or", "strategy.conditions[1].query.params.model",
        "strategy.conditions[2].query.metadata.region",
        "strategy.conditions[3].query.metadata.user_plan.$regex"]
    assert result.ignored == [
        "targets[0].override_params.temperature: not a key the importer maps (ignored)"]
