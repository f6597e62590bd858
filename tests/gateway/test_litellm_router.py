"""The exported LiteLLM config drives LiteLLM's own ``Router`` against local OpenAI-compatible
servers on 127.0.0.1: each task type's tag takes the route the policy says, and a failing
model falls back down the failover chain. No call leaves the machine."""

from __future__ import annotations

import asyncio
import os

import pytest
from probe.fake_servers import FakeLLM, ServerThread

from workbench.domain.edits import with_policy
from workbench.domain.loader import load_scenario
from workbench.gateway import export_litellm

from .conftest import served_all

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no cost-map download
os.environ.setdefault("LITELLM_TELEMETRY", "False")
litellm = pytest.importorskip("litellm")
litellm.telemetry = False

KEY = "sk-gateway-test-4b1d"
SERVED = {"claude-3.5-haiku": "haiku?text=haiku&tokens=1",
          "gpt-4o-mini": "mini?fault=500",          # fails on purpose
          "gpt-4": "gpt4?text=gpt4&tokens=1",
          "claude-opus": "opus?text=opus&tokens=1"}
POLICY = {"name": "gateway", "routing": {"default": "gpt-4", "rules": [
    {"when": {"task_type": "simple"}, "model": "claude-3.5-haiku"},
    {"when": {"task_type": "moderate"}, "model": "gpt-4o-mini"}]},
    "failover": {"mode": "sequential", "chain": ["claude-opus"], "retries": 0,
                 "timeout_s": 20.0}}


@pytest.fixture(scope="module")
def server():
    llm = FakeLLM(key=KEY)
    with ServerThread(llm.app) as running:
        yield llm, running.base_url


def router_for(config):
    settings = dict(config["router_settings"])
    return litellm.Router(model_list=config["model_list"], **settings)


async def ask(router, group: str, task_type: str) -> str:
    response = await router.acompletion(
        model=group, messages=[{"role": "user", "content": f"a {task_type} task"}],
        metadata={"tags": [f"task_type:{task_type}"]}, max_tokens=4)
    return response.choices[0].message.content


def test_routes_and_fallback_through_litellm_router(server, monkeypatch):
    llm, base_url = server
    monkeypatch.setenv("GATEWAY_TEST_KEY", KEY)
    scenario = with_policy(load_scenario("scenarios/support_desk.yaml"), POLICY)
    config = export_litellm(scenario, "gateway", served_all(scenario, base_url,
                                                            names=SERVED)).config
    assert config["router_settings"]["fallbacks"] == [{"gateway": ["claude-opus"]}]
    router = router_for(config)

    async def run():
        return {t: await ask(router, "gateway", t)
                for t in ("simple", "moderate", "complex", "edge_case")}

    answers = asyncio.run(run())
    # simple -> haiku by its tag; moderate -> mini, which fails (500), then the chain's opus;
    # complex and edge_case have no rule -> the default-tagged gpt-4
    assert answers == {"simple": "haiku", "moderate": "opus", "complex": "gpt4",
                       "edge_case": "gpt4"}
    tried = {model.split("?")[0] for model, _ in llm.attempts}
    assert "mini" in tried  # the failing model was really called first
    assert sum(n for (model, _), n in llm.attempts.items() if model.startswith("mini")) == 1


def test_retries_hit_the_failing_model_again_before_the_fallback(server, monkeypatch):
    llm, base_url = server
    llm.attempts.clear()
    monkeypatch.setenv("GATEWAY_TEST_KEY", KEY)
    policy = {**POLICY, "name": "retrying",
              "failover": {**POLICY["failover"], "retries": 2, "backoff_s": 0.0}}
    scenario = with_policy(load_scenario("scenarios/support_desk.yaml"), policy)
    config = export_litellm(scenario, "retrying", served_all(scenario, base_url,
                                                             names=SERVED)).config
    assert config["router_settings"]["num_retries"] == 2
    answer = asyncio.run(ask(router_for(config), "retrying", "moderate"))
    assert answer == "opus"
    mini = sum(n for (model, _), n in llm.attempts.items() if model.startswith("mini"))
    assert mini == 3  # the first attempt and 2 retries, then the fallback


def test_a_policy_without_rules_falls_back_without_tags(server, monkeypatch):
    """No routing rules: one untagged deployment, tag filtering off; gpt-4 fails (500) and the
    chain's haiku answers; a request carrying tags changes nothing."""
    llm, base_url = server
    llm.attempts.clear()
    monkeypatch.setenv("GATEWAY_TEST_KEY", KEY)
    policy = {"name": "single", "routing": {"default": "gpt-4"},
              "failover": {"mode": "sequential", "chain": ["claude-3.5-haiku"],
                           "timeout_s": 20.0}}
    names = {**SERVED, "gpt-4": "gpt4?fault=500"}
    scenario = with_policy(load_scenario("scenarios/support_desk.yaml"), policy)
    config = export_litellm(scenario, "single", served_all(scenario, base_url,
                                                           names=names)).config
    assert "enable_tag_filtering" not in config["router_settings"]
    assert all("tags" not in d["litellm_params"] for d in config["model_list"])
    router = router_for(config)
    assert asyncio.run(ask(router, "single", "complex")) == "haiku"
    assert sum(n for (model, _), n in llm.attempts.items() if model.startswith("gpt4")) == 1


def test_an_endpoint_without_a_key_still_gets_an_answer(monkeypatch):
    """``api_key_env`` unset: LiteLLM's OpenAI client refuses to call without some key, so
    the export writes a literal placeholder and the keyless server answers."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    llm = FakeLLM()
    with ServerThread(llm.app) as running:
        scenario = load_scenario("scenarios/support_desk.yaml")
        config = export_litellm(scenario, "baseline", served_all(
            scenario, running.base_url, key_env=None, names=SERVED)).config
        assert config["model_list"][0]["litellm_params"]["api_key"] == "no-key-needed"
        assert asyncio.run(ask(router_for(config), "baseline", "simple")) == "gpt4"
