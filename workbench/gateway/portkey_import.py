"""A Portkey config (plain data) read back into policy data of a scenario.

``strategy.mode: conditional`` gives the routing rules (conditions on ``metadata.<attribute>``,
first match wins) and the default; a ``fallback`` target gives the failover chain; a leaf's
``retry.attempts`` and ``request_timeout`` (ms) give retries and timeout. A ``loadbalance``
target keeps its heaviest target (the split is not modelled, and said so).
"""

from __future__ import annotations

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
from workbench.gateway.portkey_export import OPS, RETRY_STATUS_CODES

TARGET_KEYS = {"strategy", "targets", "name", "provider", "api_key", "virtual_key",
               "custom_host", "override_params", "retry", "request_timeout", "weight",
               "on_status_codes"}
STRATEGY = {"mode", "conditions", "default", "on_status_codes"}
RETRY = {"attempts", "on_status_codes", "use_retry_after_header"}
FROM_OP = {v: k for k, v in OPS.items()}


def sub(path: str, key: str) -> str:
    """``path.key`` (``key`` alone at the top)."""
    return f"{path}.{key}" if path else key


class _Walk:
    """State of one import: the reader, the model matcher and what the leaves said."""

    def __init__(self, r: Reader, matcher: ModelMatcher) -> None:
        self.r = r
        self.matcher = matcher
        self.retries: list[int] = []
        self.timeouts: list[float] = []
        self.chains: list[list[str]] = []

    def leaf(self, t: dict[str, Any], path: str) -> str | None:
        params = self.r.mapping(t.get("override_params"), sub(path, "override_params"),
                                {"model"})
        served = params.get("model")
        model = self.matcher.match(served, t.get("name"))
        if model is None:
            self.r.result.unmapped.append(f"{path or 'config'}: target {served or t.get('name')!r} is not a "
                                          "model of the scenario (give --endpoints with its "
                                          "served name)")
        if "retry" in t:
            retry = self.r.mapping(t["retry"], sub(path, "retry"), RETRY)
            self.retries.append(int(self.r.number(retry.get("attempts"),
                                                  sub(path, "retry.attempts"))))
            codes = retry.get("on_status_codes")
            if codes is not None and codes != RETRY_STATUS_CODES:
                self.r.result.notes.append(f"{sub(path, 'retry.on_status_codes')} {codes}: retried "
                                           "status codes are not modelled")
        else:
            self.retries.append(0)
        if "request_timeout" in t:
            self.timeouts.append(self.r.number(t["request_timeout"],
                                               sub(path, "request_timeout"), 1) / 1000)
        return model

    def route(self, t: Any, path: str) -> str | None:
        """The model a target sends to first; records its fallback chain."""
        t = self.r.mapping(t, path, TARGET_KEYS)
        codes = t.get("on_status_codes") or (t.get("strategy") or {}).get("on_status_codes")
        if codes:
            self.r.result.notes.append(f"{path or 'config'}: fallback only on status codes "
                                       f"{codes}; the workbench falls back on any failure")
        if "strategy" not in t:
            return self.leaf(t, path)
        strategy = self.r.mapping(t["strategy"], sub(path, "strategy"), STRATEGY)
        mode = strategy.get("mode")
        targets = self.r.seq(t.get("targets"), sub(path, "targets"))
        if not targets:
            raise self.r.fail("a strategy needs targets", sub(path, "targets"), t.get("targets"))
        if mode == "fallback":
            models = [self.route(x, sub(path, f"targets[{i}]")) for i, x in enumerate(targets)]
            self.chains.append([m for m in models[1:] if m is not None])
            return models[0]
        if mode in ("loadbalance", "single"):
            weights = [x.get("weight", 1) if isinstance(x, dict) else 1 for x in targets]
            best = weights.index(max(weights)) if mode == "loadbalance" else 0
            if len(targets) > 1:
                self.r.result.notes.append(f"{path or 'config'}: {mode} over {len(targets)} targets; "
                                           f"only targets[{best}] is modelled")
            return self.route(targets[best], sub(path, f"targets[{best}]"))
        raise self.r.fail("expected strategy.mode fallback, loadbalance, single or conditional "
                          "(conditional only at the top)", sub(path, "strategy.mode"), mode)


def _when(r: Reader, query: Any, path: str,
          samples: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """A condition query as a rule's ``when``, or None and why it cannot be one."""
    query = r.mapping(query, path, set(query) if isinstance(query, dict) else set())
    when: dict[str, Any] = {}
    for key, cond in query.items():
        if not key.startswith("metadata.") or key.count(".") != 1:
            return None, (f"{path}.{key}: only conditions on metadata.<attribute> are mapped "
                          "($and, $or and params.* are not)")
        attr = key.split(".", 1)[1]
        if attr not in samples:
            return None, (f"{path}.{key}: {attr!r} is no attribute of the scenario's task "
                          f"types ({', '.join(sorted(samples))})")
        sample = samples[attr]
        if isinstance(cond, dict):
            ops = {}
            for op, target in cond.items():
                if op not in FROM_OP:
                    return None, (f"{path}.{key}.{op}: operator not mapped (mapped: "
                                  f"{', '.join(FROM_OP)})")
                ops[FROM_OP[op]] = coerce(target, sample)
            if list(ops) == ["eq"]:
                when[attr] = ops["eq"]
            elif list(ops) == ["in"]:
                when[attr] = ops["in"]
            else:
                when[attr] = ops
        else:
            when[attr] = coerce(cond, sample)
    return when, ""


def import_portkey(config: Any, scenario: Scenario, name: str, file: str,
                   served_names: dict[str, str] | None = None) -> ImportResult:
    """Policy data named ``name`` from a Portkey config; ScenarioError names file, field and
    value for anything malformed."""
    result = ImportResult(policy={"name": name, "description": f"Imported from Portkey config "
                                                              f"{Path(file).name}"})
    r = Reader(file, result)
    walk = _Walk(r, ModelMatcher(scenario, served_names or {}))
    top = r.mapping(config, "", TARGET_KEYS | {"cache", "before_request_hooks",
                                               "after_request_hooks", "input_guardrails",
                                               "output_guardrails"})
    for key in ("cache", "before_request_hooks", "after_request_hooks", "input_guardrails",
                "output_guardrails"):
        if key in top:
            result.ignored.append(f"{key}: not modelled by the workbench (ignored)")
    strategy = top.get("strategy") if isinstance(top.get("strategy"), dict) else {}
    if strategy.get("mode") == "conditional":
        r.mapping(strategy, "strategy", STRATEGY)
        targets = r.seq(top.get("targets"), "targets")
        by_name = {t.get("name"): i for i, t in enumerate(targets) if isinstance(t, dict)}
        models: dict[str, str | None] = {}

        def target_model(target_name: Any, path: str) -> str | None:
            if target_name not in by_name:
                raise r.fail(f"no target of that name (targets: {', '.join(map(str, by_name))})",
                             path, target_name)
            if target_name not in models:
                i = by_name[target_name]
                models[target_name] = walk.route(targets[i], f"targets[{i}]")
            return models[target_name]

        samples: dict[str, Any] = {}  # attribute -> a value some task type has (or None)
        for task in scenario.workload.task_types:
            for attr in [*task.attributes, "task_type", *BUILTIN_ATTRIBUTES]:
                if samples.get(attr) is None:
                    samples[attr] = task.attribute(attr)
        rules = []
        for i, cond in enumerate(r.seq(strategy.get("conditions"), "strategy.conditions")):
            cond = r.mapping(cond, f"strategy.conditions[{i}]", {"query", "then"})
            model = target_model(cond.get("then"), f"strategy.conditions[{i}].then")
            when, why = _when(r, cond.get("query"), f"strategy.conditions[{i}].query", samples)
            if when is None:
                result.unmapped.append(f"{why}; the rule is left out")
            elif model is not None:
                rules.append({"when": when, "model": model})
        if "default" not in strategy:
            raise r.fail("a conditional strategy without a default fails unmatched requests; "
                         "the workbench needs a default", "strategy.default", None)
        default = target_model(strategy["default"], "strategy.default")
        for tname, i in by_name.items():
            if tname not in models:
                result.ignored.append(f"targets[{i}]: target {tname!r} is never routed to "
                                      "(ignored)")
    else:
        rules = []
        default = walk.route(top, "")
    if default is None:
        raise r.fail("the default target maps to no scenario model", "strategy.default",
                     strategy.get("default"))
    result.policy["routing"] = {"default": default, "rules": rules}
    chains = [c for c in walk.chains if c]
    if len({tuple(c) for c in chains}) > 1:
        result.notes.append(f"routes have different fallback chains {chains}; the first is "
                            "imported")
    if len(set(walk.retries)) > 1 or len(set(walk.timeouts)) > 1:
        result.notes.append("targets differ in retry.attempts or request_timeout; the largest "
                            "is imported")
    timeout = max(walk.timeouts) if walk.timeouts else None
    result.policy["failover"] = failover_data(chains[0] if chains else [],
                                              max(walk.retries, default=0), timeout)
    return result
