"""A LiteLLM proxy ``config.yaml`` (plain data) read back into policy data of a scenario.

The group clients call is the first group with fallbacks, else the first whose deployments
carry tags, else the first group. Its ``default``-tagged (or first) deployment is the routing
default; each other deployment's ``task_type:<name>`` tags become a rule. Fallbacks of that
group become the failover chain; ``num_retries``, ``timeout``, ``retry_after``,
``allowed_fails`` / ``cooldown_time`` the retries, timeout, backoff and breaker;
``litellm_settings.max_budget`` over ``budget_duration`` the monthly budget.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.domain.scenario import Scenario
from workbench.domain.workload import BUILTIN_ATTRIBUTES
from workbench.gateway.gateway_import import (
    ImportResult,
    ModelMatcher,
    Reader,
    coerce,
    failover_data,
)
from workbench.gateway.litellm_export import DEFAULT_TAG, TAG_PREFIX

TOP = {"model_list", "router_settings", "litellm_settings", "general_settings",
       "environment_variables"}
DEPLOYMENT = {"model_name", "litellm_params", "model_info"}
MODEL_INFO = {"id", "workbench_model"}
PARAMS = {"model", "api_base", "api_key", "api_version", "tags"}
ROUTER = {"routing_strategy", "enable_tag_filtering", "num_retries", "timeout", "retry_after",
          "fallbacks", "allowed_fails", "cooldown_time", "disable_cooldowns"}
SETTINGS = {"fallbacks", "num_retries", "request_timeout", "max_budget", "budget_duration",
            "allowed_fails", "cooldown_time", "disable_cooldowns"}
NOT_MODELLED = {"context_window_fallbacks": "the workbench models no context windows",
                "content_policy_fallbacks": "the workbench models no content-policy errors",
                "provider_budget_config": "per-provider budgets are not modelled",
                "default_fallbacks": "fallbacks for every group are not modelled",
                "routing_strategy_args": "load-balancing settings are not modelled",
                "retry_policy": "per-error retry counts are not modelled",
                "allowed_fails_policy": "per-error allowed fails are not modelled",
                "model_group_alias": "group aliases are not modelled"}
DEFAULT_ALLOWED_FAILS = 3  # LiteLLM's DEFAULT_ALLOWED_FAILS
DEFAULT_COOLDOWN_S = 5.0  # LiteLLM's DEFAULT_COOLDOWN_TIME_SECONDS
DAYS = {"s": 1 / 86400, "m": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0, "mo": 30.0}


def import_litellm(config: Any, scenario: Scenario, name: str, file: str,
                   served_names: dict[str, str] | None = None) -> ImportResult:
    """Policy data named ``name`` from a LiteLLM config; ScenarioError names file, field and
    value for anything malformed."""
    result = ImportResult(policy={"name": name, "description": f"Imported from LiteLLM config "
                                                              f"{Path(file).name}"})
    r = Reader(file, result)
    top = r.mapping(config, "", TOP)
    matcher = ModelMatcher(scenario, served_names or {})
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, dep in enumerate(r.seq(top.get("model_list"), "model_list")):
        dep = r.mapping(dep, f"model_list[{i}]", DEPLOYMENT)
        group = r.text(dep.get("model_name"), f"model_list[{i}].model_name")
        params = r.mapping(dep.get("litellm_params"), f"model_list[{i}].litellm_params", PARAMS)
        r.text(params.get("model"), f"model_list[{i}].litellm_params.model")
        r.mapping(dep.get("model_info"), f"model_list[{i}].model_info", MODEL_INFO)
        groups.setdefault(group, []).append((i, dep))
    if not groups:
        raise r.fail("no deployments: a policy needs at least one model", "model_list",
                     top.get("model_list"))
    router = r.mapping(top.get("router_settings"), "router_settings",
                       ROUTER | set(NOT_MODELLED))
    settings = r.mapping(top.get("litellm_settings"), "litellm_settings",
                         SETTINGS | set(NOT_MODELLED))
    strategy = router.get("routing_strategy", "simple-shuffle")
    if strategy != "simple-shuffle":
        result.notes.append(f"router_settings.routing_strategy {strategy!r}: the choice among "
                            "a group's deployments is not modelled")
    r.mapping(top.get("general_settings"), "general_settings", set())
    for section, values in (("router_settings", router), ("litellm_settings", settings)):
        for key, why in NOT_MODELLED.items():
            if key in values:
                result.ignored.append(f"{section}.{key}: {why} (ignored)")

    def model_of(i: int, dep: dict[str, Any]) -> str | None:
        info = dep.get("model_info") or {}
        params = dep["litellm_params"]
        found = matcher.match(info.get("workbench_model"), params.get("model"),
                              dep["model_name"])
        if found is None:
            result.unmapped.append(f"model_list[{i}]: deployment {params.get('model')!r} of "
                                   f"group {dep['model_name']!r} is not a model of the "
                                   "scenario (give --endpoints with its served name)")
        return found

    fallbacks = _fallbacks(r, router, settings)
    tagged = [g for g, deps in groups.items()
              if any(d["litellm_params"].get("tags") for _, d in deps)]
    primary = next((g for g in fallbacks if g in groups), tagged[0] if tagged else
                   next(iter(groups)))
    result.notes.append(f"model group {primary!r} taken as the policy's entry point")
    for g in groups:
        if g != primary and g not in {m for chain in fallbacks.values() for m in chain}:
            result.ignored.append(f"model_list: group {g!r} is neither the entry point nor a "
                                  "fallback of it (ignored)")
    result.policy["routing"] = _routing(r, groups[primary], model_of, scenario, result)
    chain = []
    for j, group in enumerate(fallbacks.get(primary, [])):
        deps = groups.get(group)
        model = model_of(*deps[0]) if deps else matcher.match(group)
        if model is None and not deps:
            result.unmapped.append(f"fallbacks[{primary}][{j}]: {group!r} is neither a group "
                                   "nor a scenario model")
        elif model is not None:
            chain.append(model)
    for g in fallbacks:
        if g != primary:
            result.ignored.append(f"fallbacks: fallbacks of group {g!r} (only the entry "
                                  f"point's are modelled; ignored)")
    retries = router.get("num_retries", settings.get("num_retries", 2))
    retries = int(r.number(retries, "router_settings.num_retries"))
    if "num_retries" in router and settings.get("num_retries", router["num_retries"]) != \
            router["num_retries"]:
        result.notes.append(f"num_retries: router_settings' {router['num_retries']} taken over "
                            f"litellm_settings' {settings['num_retries']}")
    if "num_retries" not in router and "num_retries" not in settings:
        result.notes.append("num_retries not set: LiteLLM's default of 2 retries imported")
    timeout = router.get("timeout", settings.get("request_timeout"))
    extra: dict[str, Any] = {}
    if "retry_after" in router:
        extra["backoff_s"] = r.number(router["retry_after"], "router_settings.retry_after")
    cooldown = {k: router.get(k, settings.get(k)) for k in ("allowed_fails", "cooldown_time")}
    if router.get("disable_cooldowns") or settings.get("disable_cooldowns"):
        pass
    else:
        if cooldown["allowed_fails"] is None and cooldown["cooldown_time"] is None:
            result.notes.append("cooldowns not disabled: LiteLLM's defaults (3 allowed fails, "
                                "5 s cooldown) imported as the breaker")
        extra["breaker"] = {
            "failures": max(1, int(r.number(cooldown["allowed_fails"] or DEFAULT_ALLOWED_FAILS,
                                            "router_settings.allowed_fails"))),
            "cooldown_s": r.number(cooldown["cooldown_time"] or DEFAULT_COOLDOWN_S,
                                   "router_settings.cooldown_time", 0.001)}
    result.policy["failover"] = failover_data(
        chain, min(retries, 10),
        None if timeout is None else r.number(timeout, "router_settings.timeout", 0.001),
        extra)
    if retries > 10:
        result.notes.append(f"num_retries {retries} capped at the workbench's 10")
    if "max_budget" in settings:
        result.policy["budget"] = _budget(r, settings, result)
    return result


def _fallbacks(r: Reader, router: dict, settings: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section, values in (("litellm_settings", settings), ("router_settings", router)):
        for i, entry in enumerate(r.seq(values.get("fallbacks"), f"{section}.fallbacks")):
            if not isinstance(entry, dict):
                raise r.fail("expected {group: [fallback groups]}", f"{section}.fallbacks[{i}]",
                             entry)
            for group, targets in entry.items():
                path = f"{section}.fallbacks[{i}].{group}"
                out[str(group)] = [r.text(t, path) for t in r.seq(targets, path)]
    return out


def _routing(r: Reader, deps: list[tuple[int, dict]], model_of, scenario: Scenario,
             result: ImportResult) -> dict[str, Any]:
    task_names = [t.name for t in scenario.workload.task_types]
    default = None
    rules = []
    for i, dep in deps:
        tags = [r.text(t, f"model_list[{i}].litellm_params.tags")
                for t in r.seq(dep["litellm_params"].get("tags"), f"model_list[{i}].tags")]
        model = model_of(i, dep)
        if model is None:
            continue
        if DEFAULT_TAG in tags or not tags:
            if default is not None:
                result.notes.append(f"model_list[{i}]: a second default deployment ({model}); "
                                    "load balancing is not modelled, the first is kept")
            else:
                default = model
        types: list[str] = []
        others: list[dict[str, Any]] = []
        for tag in tags:
            if tag == DEFAULT_TAG:
                continue
            found = tag_condition(tag, scenario)
            if found is None:
                result.unmapped.append(
                    f"model_list[{i}].litellm_params.tags: {tag!r} names no task type "
                    f"({', '.join(task_names)}) nor a task attribute value of the scenario")
            elif list(found) == ["task_type"]:
                types.append(found["task_type"])
            else:
                others.append(found)
        if types:
            rules.append({"when": {"task_type": types[0] if len(types) == 1 else types},
                          "model": model})
        # LiteLLM matches any of a deployment's tags: one rule per tag
        rules += [{"when": when, "model": model} for when in others]
    if default is None:
        if not rules:
            raise r.fail("no deployment of the entry group maps to a scenario model",
                         "model_list", [d["litellm_params"]["model"] for _, d in deps])
        default = rules[0]["model"]
        result.notes.append(f"no default deployment: {default} taken as the default")
    return {"default": default, "rules": rules}


def tag_condition(tag: str, scenario: Scenario) -> dict[str, Any] | None:
    """The routing condition a request tag stands for: ``task_type:<name>`` or a task type's
    name; ``<attribute>:<value>`` (or ``=``); or a value only one custom attribute takes
    (``paid`` -> ``{user_plan: paid}``). None when it stands for nothing of the scenario."""
    tasks = scenario.workload.task_types
    body = tag.removeprefix(TAG_PREFIX)
    if body in [t.name for t in tasks]:
        return {"task_type": body}
    custom = sorted({k for t in tasks for k in t.attributes})
    for sep in (":", "="):
        key, found, value = tag.partition(sep)
        if found and key in (*custom, *BUILTIN_ATTRIBUTES):
            sample = next((t.attribute(key) for t in tasks if t.attribute(key) is not None), None)
            return {key: coerce(value, sample)}
    owners = {(k, t.attributes[k]) for t in tasks for k in custom
              if k in t.attributes and str(t.attributes[k]) == tag}
    if len({k for k, _ in owners}) == 1:
        key, value = next(iter(owners))
        return {key: value}
    return None


def _budget(r: Reader, settings: dict, result: ImportResult) -> dict[str, Any]:
    usd = r.number(settings["max_budget"], "litellm_settings.max_budget", 0.01)
    duration = settings.get("budget_duration", "30d")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(mo|s|m|h|d|w)", str(duration))
    if match is None:
        raise r.fail("expected a duration like 30d, 1mo, 24h", "litellm_settings.budget_duration",
                     duration)
    days = float(match.group(1)) * DAYS[match.group(2)]
    result.notes.append(f"max_budget ${usd:g} per {duration} imported as ${usd * 30 / days:g} "
                        "per month; LiteLLM blocks every request past it, imported as "
                        "block_noncritical at 100% (critical tasks would be blocked too)")
    return {"monthly_usd": usd * 30 / days,
            "rules": [{"at": 1.0, "action": "block_noncritical"}]}
