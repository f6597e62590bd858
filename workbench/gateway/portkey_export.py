"""A policy as a Portkey gateway config: ``strategy.mode: conditional`` with one condition per
routing rule, queried on request metadata (``metadata.<attribute>``: the client sends the
task's attributes, e.g. ``x-portkey-metadata: {"task_type": "simple"}``), each route a
``fallback`` strategy down the failover chain, leaf targets with ``retry`` and
``request_timeout`` (milliseconds).

    {"strategy": {"mode": "conditional", "default": "gpt-4",
                  "conditions": [{"query": {"metadata.task_type": {"$eq": "simple"}},
                                  "then": "claude-3.5-haiku"}]},
     "targets": [{"name": "claude-3.5-haiku", "provider": "openai", ...}, ...]}
"""

from __future__ import annotations

from typing import Any

from workbench.domain.policy import Failover, fallbacks_text
from workbench.domain.scenario import Scenario
from workbench.gateway import approximation as approx
from workbench.gateway import parts as common
from workbench.gateway.served import Served, check_served
from workbench.gateway.translation import Part, Translation

TARGET = "Portkey"
MAX_RETRY_ATTEMPTS = 5  # Portkey's documented maximum for retry.attempts
RETRY_STATUS_CODES = [429, 500, 502, 503, 504]  # Portkey's default retry.on_status_codes
PROVIDER = {"openai": "openai", "anthropic": "anthropic"}
OPS = {"eq": "$eq", "ne": "$ne", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte",
       "in": "$in", "not_in": "$nin"}


def metadata_value(value: Any) -> Any:
    """Portkey metadata values are strings: ``True`` -> ``"true"``, ``5.0`` -> ``"5"``."""
    if isinstance(value, list):
        return [metadata_value(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def query_of(when: dict[str, Any]) -> dict[str, Any]:
    """A routing rule's ``when`` as a Portkey condition query (all keys must hold)."""
    query: dict[str, Any] = {}
    for key, cond in when.items():
        if isinstance(cond, dict):
            query[f"metadata.{key}"] = {
                OPS[op]: (target if op in ("gt", "gte", "lt", "lte")
                          else metadata_value(target)) for op, target in cond.items()}
        elif isinstance(cond, list):
            query[f"metadata.{key}"] = {"$in": metadata_value(cond)}
        else:
            query[f"metadata.{key}"] = {"$eq": metadata_value(cond)}
    return query


def leaf(s: Served, f: Failover) -> dict[str, Any]:
    """One provider target: host, served model, key placeholder, retry and timeout."""
    out: dict[str, Any] = {"provider": PROVIDER[s.api], "custom_host": s.base_url,
                           "override_params": {"model": s.served_name}}
    if s.api_key_env is not None:
        out["api_key"] = "${" + s.api_key_env + "}"
    if f.retries:
        out["retry"] = {"attempts": min(f.retries, MAX_RETRY_ATTEMPTS),
                        "on_status_codes": RETRY_STATUS_CODES}
    out["request_timeout"] = round(f.timeout_s * 1000)
    return out


def export_portkey(scenario: Scenario, policy_name: str, served: dict[str, Served],
                   endpoints_file: str = "endpoints") -> Translation:
    """Translate policy ``policy_name`` of ``scenario`` into a Portkey config."""
    policy = scenario.policy(policy_name)
    check_served(policy, served, endpoints_file)
    data = approx.policy_data(policy)
    f = approx.attempted(policy.failover)
    own = policy.failover.fallbacks if policy.failover.mode != "none" else {}
    first_rung = policy.escalation.ladder[0].model if policy.escalation else None
    plain = list(policy.failover.chain if own else f.chain)  # the chain of the other routes
    chain = plain + (approx.ladder_fallbacks(data) if policy.escalation else [])

    def route_target(model: str) -> dict[str, Any]:
        backups = list(own[model]) if model in own else [m for m in chain if m != model]
        if not backups:
            return leaf(served[model], f)
        return {"strategy": {"mode": "fallback"},
                "targets": [leaf(served[m], f) for m in [model] + backups]}

    def model_of(rule_model: str | None, split: dict[str, float] | None,
                 escalate: bool) -> str:
        """The route's model: the first rung, the model, or a split's heaviest model."""
        if escalate:
            return str(first_rung)
        return str(rule_model) if split is None else approx.heaviest(split)

    routing = policy.routing
    default = (model_of(None, None, True) if routing is None
               else model_of(routing.default, routing.default_split, routing.default_escalate))
    rules = routing.rules if routing is not None else []
    parts: list[Part] = []
    if rules:
        conditions = [{"query": query_of(r.when), "then": model_of(r.model, r.split, r.escalate)}
                      for r in rules]
        names = list(dict.fromkeys([c["then"] for c in conditions] + [default]))
        config: dict[str, Any] = {
            "strategy": {"mode": "conditional", "conditions": conditions, "default": default},
            "targets": [{"name": n, **route_target(n)} for n in names]}
        parts.append(Part(f"routing ({len(rules)} rules)", "strategy.mode conditional: one "
                          "condition per rule on request metadata, first match wins"))
    else:
        config = route_target(default)
    parts.append(Part("routing default", f"strategy.default: {default}" if rules
                      else f"the single route, {default}"))
    parts += common.ladder_part(policy, data, TARGET)
    parts += common.split_parts(policy, data, TARGET)
    if own:
        parts.append(Part("failover.fallbacks", "each route's strategy.mode fallback targets: "
                          + fallbacks_text(own)))
    exact_retries = f.retries <= MAX_RETRY_ATTEMPTS
    parts.append(Part("failover.retries", f"retry.attempts: {min(f.retries, MAX_RETRY_ATTEMPTS)}"
                      if f.retries else "no retry", exact=exact_retries,
                      lost="" if exact_retries else f"{f.retries} retries: Portkey allows at "
                      f"most {MAX_RETRY_ATTEMPTS}",
                      approximation=None if exact_retries else {
                          **data, "failover": {**data["failover"],
                                               "retries": MAX_RETRY_ATTEMPTS}}))
    parts.append(Part("failover.timeout_s", f"request_timeout: {round(f.timeout_s * 1000)} ms"))
    if f.retries:
        parts.append(Part("failover.backoff_s", "Portkey's own exponential backoff", exact=False,
                          lost=f"backoff {f.backoff_s:g} s x{f.backoff_multiplier:g} is not "
                               "configurable in Portkey (latency only)"))
    if plain:
        parts.append(Part("failover.chain", f"strategy.mode fallback per route: "
                          f"{', '.join(plain)} (any non-2xx status)"))
    parts += common.failover_mode_part(policy, data, TARGET)
    parts += common.breaker_part(policy, data, TARGET)
    parts += common.budget_parts(policy, data, TARGET, "not in the config (Portkey budget "
                                 "limits live on its workspaces and keys)")
    notes = []
    keys = sorted({k for r in rules for k in r.when})
    if keys:
        notes.append("send the task's attributes as request metadata "
                     f"(x-portkey-metadata), keys: {', '.join(keys)}")
    if any(s.api_key_env for s in served.values()):
        notes.append("replace each ${VARIABLE} api_key placeholder (e.g. with envsubst) or "
                     "use a Portkey virtual key; the config holds no key")
    eff = approx.effective(data, ladder=True, budget=True, failover_mode=True, breaker=True,
                           fallbacks=False)
    return Translation("portkey", policy.name, config, parts, eff, notes)
