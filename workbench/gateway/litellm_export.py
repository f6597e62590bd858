"""A policy as a LiteLLM proxy ``config.yaml``: one model group named after the policy, whose
deployments carry the task types they serve as tags (``enable_tag_filtering``; the
``default``-tagged deployment takes every other request), one group per fallback model, and
``router_settings`` for fallbacks, retries, timeout and cooldowns.

    model_list:
      - model_name: routed                      # the group clients call
        litellm_params: {model: openai/served-name, api_base: ..., api_key: os.environ/KEY,
                         tags: [default, "task_type:complex"]}
        model_info: {id: "routed:gpt-4", workbench_model: gpt-4}
    router_settings: {routing_strategy: simple-shuffle, enable_tag_filtering: true,
                      num_retries: 0, timeout: 600, fallbacks: [{routed: [gpt-4o-mini]}], ...}
"""

from __future__ import annotations

from typing import Any

from workbench.domain.scenario import Scenario
from workbench.gateway import approximation as approx
from workbench.gateway import parts as common
from workbench.gateway.routing_table import is_task_type_table, routing_table
from workbench.gateway.served import Served, check_served
from workbench.gateway.translation import Part, Translation
from workbench.policies.routing import LADDER

TARGET = "LiteLLM"
TAG_PREFIX = "task_type:"
DEFAULT_TAG = "default"
NO_KEY = "no-key-needed"


def litellm_params(s: Served, tags: list[str] | None = None) -> dict[str, Any]:
    """``litellm_params`` of a deployment of served model ``s`` (the key by variable name)."""
    params: dict[str, Any] = {"model": f"{s.api}/{s.served_name}", "api_base": s.base_url}
    # an endpoint without a key still needs one for LiteLLM's OpenAI client (checked against
    # litellm.Router): a literal that is no secret
    params["api_key"] = (f"os.environ/{s.api_key_env}" if s.api_key_env is not None
                         else NO_KEY)
    if tags:
        params["tags"] = tags
    return params


def export_litellm(scenario: Scenario, policy_name: str, served: dict[str, Served],
                   endpoints_file: str = "endpoints") -> Translation:
    """Translate policy ``policy_name`` of ``scenario`` into a LiteLLM proxy config."""
    policy = scenario.policy(policy_name)
    check_served(policy, served, endpoints_file)
    data = approx.policy_data(policy)
    table = routing_table(policy, list(scenario.workload.task_types))
    first_rung = policy.escalation.ladder[0].model if policy.escalation else None

    def model_of(target: str) -> str:
        return str(first_rung) if target == LADDER else target

    tags: dict[str, list[str]] = {}
    for group in table.groups:
        tags.setdefault(model_of(group.target), []).extend(
            TAG_PREFIX + t for t in group.task_types)
    default_model = model_of(table.default)
    tags.setdefault(default_model, [])
    tags[default_model].insert(0, DEFAULT_TAG)
    model_list = [{"model_name": policy.name,
                   "litellm_params": litellm_params(served[m], t if table.groups else None),
                   "model_info": {"id": f"{policy.name}:{m}", "workbench_model": m}}
                  for m, t in tags.items()]

    parts: list[Part] = []
    rules = len(policy.routing.rules) if policy.routing else 0
    if table.groups:
        how = ("tag routing: one deployment per rule, tagged with its task types"
               if is_task_type_table(policy, table) else
               "tag routing compiled per task type (same route for every task type of the "
               "scenario; the rules' other conditions are not in the config)")
        parts.append(Part(f"routing ({rules} rules)", how))
    parts.append(Part("routing default", f"deployment {default_model} tagged 'default'"
                      if table.groups else f"the only deployment, {default_model}"))
    parts += common.ladder_part(policy, data, TARGET)
    parts += common.split_parts(policy, data, TARGET)
    parts += common.fallback_parts(policy, data, TARGET)

    settings: dict[str, Any] = {"routing_strategy": "simple-shuffle"}
    if table.groups:
        settings["enable_tag_filtering"] = True
    f = approx.attempted(policy.failover)
    chain = list(f.chain) + (approx.ladder_fallbacks(data) if policy.escalation else [])
    settings["num_retries"] = f.retries
    settings["timeout"] = f.timeout_s
    parts.append(Part("failover.retries", f"router_settings.num_retries: {f.retries}"))
    parts.append(Part("failover.timeout_s", f"router_settings.timeout: {f.timeout_s:g}"))
    if f.retries:
        settings["retry_after"] = round(f.backoff_s)
        exact = f.backoff_s == round(f.backoff_s) and f.backoff_multiplier == 2.0
        parts.append(Part("failover.backoff_s", f"router_settings.retry_after: "
                          f"{round(f.backoff_s)} (LiteLLM's own backoff schedule above it)",
                          exact=exact, lost="" if exact else
                          f"backoff {f.backoff_s:g} s x{f.backoff_multiplier:g}: LiteLLM waits "
                          "at least retry_after whole seconds (latency only)"))
    if chain:
        settings["fallbacks"] = [{policy.name: chain}]
        for m in chain:
            # tagged 'default': with tag filtering on, an untagged group refuses the tagged
            # requests that fall back to it (checked against litellm.Router)
            model_list.append({"model_name": m, "litellm_params": litellm_params(
                served[m], [DEFAULT_TAG] if table.groups else None),
                               "model_info": {"id": f"fallback:{m}", "workbench_model": m}})
        if f.chain and policy.failover.chain:
            parts.append(Part("failover.chain", f"router_settings.fallbacks: "
                              f"{policy.name} -> {', '.join(f.chain)}"))
    parts += common.failover_mode_part(policy, data, TARGET)
    if f.breaker is not None:
        settings["allowed_fails"] = f.breaker.failures
        settings["cooldown_time"] = f.breaker.cooldown_s
        parts.append(Part("failover.breaker", f"allowed_fails: {f.breaker.failures}, "
                          f"cooldown_time: {f.breaker.cooldown_s:g} (LiteLLM counts failures "
                          "per minute, not consecutive ones)"))
    else:
        settings["disable_cooldowns"] = True
        parts.append(Part("no circuit breaker", "disable_cooldowns: true (LiteLLM cools "
                          "failing deployments down by default)"))
    parts += common.budget_parts(policy, data, TARGET, "not in the config (a LiteLLM "
                                 "max_budget would block every request at 100%)")
    config = {"model_list": model_list, "router_settings": settings}
    notes = [f"call model group `{policy.name}`"]
    if table.groups:
        notes.append("send the task type as a request tag, e.g. "
                     f"`metadata: {{tags: [\"{TAG_PREFIX}{table.groups[0].task_types[0]}\"]}}`")
    eff = approx.effective(data, ladder=True, budget=True, failover_mode=True, breaker=False)
    return Translation("litellm", policy.name, config, parts, eff, notes)
