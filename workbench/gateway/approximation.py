"""What a gateway does instead of a part it cannot express, as edits of plain policy data.
One home for both targets, so LiteLLM's and Portkey's reports price the same approximation the
same way. Every function returns a new dict and leaves its argument alone."""

from __future__ import annotations

import copy
from typing import Any

from workbench.domain.policy import Failover

PolicyData = dict[str, Any]


def policy_data(policy) -> PolicyData:
    """A `Policy` as plain data (None fields left out, so it validates again)."""
    return policy.model_dump(mode="json", exclude_none=True)


def attempted(failover: Failover) -> Failover:
    """The failover as calls are made: mode ``none`` is one attempt whatever its retries and
    chain say (`workbench.policies.failover.attempt_plan`), so a gateway gets neither."""
    if failover.mode == "none":
        return failover.model_copy(update={"retries": 0, "chain": [], "fallbacks": {}})
    if failover.fallbacks:
        return failover.model_copy(update={"chain": fallback_chain(failover.model_dump()),
                                           "fallbacks": {}})
    return failover


def fallback_chain(failover: dict[str, Any]) -> list[str]:
    """The one chain a gateway route gets instead of per-model ``fallbacks``: the policy's
    chain when it has one, else every fallback model in order of first mention."""
    return list(failover.get("chain") or dict.fromkeys(
        m for backups in failover.get("fallbacks", {}).values() for m in backups))


def without_fallbacks(data: PolicyData) -> PolicyData:
    """Per-model fallbacks folded into one chain (`fallback_chain`)."""
    out = copy.deepcopy(data)
    failover = out.get("failover") or {}
    if failover.get("fallbacks"):
        failover["chain"] = fallback_chain(failover)
        failover.pop("fallbacks")
    return out


def ladder_as_fallback(data: PolicyData) -> PolicyData:
    """The escalation ladder becomes its first rung, with the other rungs as fallbacks on
    error only (no judge, no escalation on a poor answer). The fallbacks join the failover
    chain only when the policy has none of its own (a gateway has one chain per route)."""
    out = copy.deepcopy(data)
    ladder = [r["model"] for r in out.pop("escalation")["ladder"]]
    routing = out.get("routing") or {"default_escalate": True, "rules": []}
    if routing.pop("default_escalate", False):
        routing["default"] = ladder[0]
    for rule in routing.get("rules", []):
        if rule.pop("escalate", False):
            rule["model"] = ladder[0]
    out["routing"] = routing
    failover = out.get("failover") or {"mode": "none"}
    if failover.get("mode", "sequential") == "none" and len(ladder) > 1:
        out["failover"] = {**failover, "mode": "sequential", "chain": ladder[1:]}
    return out


def ladder_fallbacks(data: PolicyData) -> list[str]:
    """The rungs after the first, when they become the route's fallbacks."""
    ladder = [r["model"] for r in data["escalation"]["ladder"]]
    failover = data.get("failover") or {"mode": "none"}
    return ladder[1:] if failover.get("mode", "sequential") == "none" else []


def without_budget_rule(data: PolicyData, index: int) -> PolicyData:
    """Budget rule ``index`` removed (the gateway never fires it)."""
    out = copy.deepcopy(data)
    del out["budget"]["rules"][index]
    return out


def without_budget_rules(data: PolicyData) -> PolicyData:
    """Every budget rule removed (the policy's and every team's)."""
    out = copy.deepcopy(data)
    if "budget" in out:
        out["budget"]["rules"] = []
    out.pop("team_budgets", None)
    return out


def without_team_budget(data: PolicyData, team: str) -> PolicyData:
    """Team ``team``'s budget removed (the gateway never fires its rules)."""
    out = copy.deepcopy(data)
    out.get("team_budgets", {}).pop(team, None)
    return out


def as_sequential(data: PolicyData) -> PolicyData:
    """Hedged or predictive failover run as plain sequential failover down the same chain."""
    out = copy.deepcopy(data)
    out["failover"]["mode"] = "sequential"
    return out


def without_breaker(data: PolicyData) -> PolicyData:
    """The circuit breaker removed (failed models keep being tried first)."""
    out = copy.deepcopy(data)
    out["failover"].pop("breaker", None)
    return out


def effective(data: PolicyData, *, ladder: bool, budget: bool, failover_mode: bool,
              breaker: bool, fallbacks: bool = True) -> PolicyData:
    """Every approximation a target needs, applied together (weighted splits always: no
    export expresses them yet; per-model fallbacks folded into one chain with
    ``fallbacks``)."""
    out = heaviest_of_splits(data)
    if fallbacks:
        out = without_fallbacks(out)
    if ladder and out.get("escalation") is not None:
        out = ladder_as_fallback(out)
    if budget:
        out = without_budget_rules(out)
    if failover_mode and out.get("failover", {}).get("mode") in ("hedged", "predictive"):
        out = as_sequential(out)
    if breaker and out.get("failover", {}).get("breaker") is not None:
        out = without_breaker(out)
    return out


def heaviest_of_splits(data: PolicyData) -> PolicyData:
    """Every weighted split replaced by its heaviest model (what the export sends there)."""
    out = copy.deepcopy(data)
    routing = out.get("routing") or {}
    if routing.get("default_split"):
        routing["default"] = heaviest(routing.pop("default_split"))
    for rule in routing.get("rules", []):
        if rule.get("split"):
            rule["model"] = heaviest(rule.pop("split"))
    return out



def heaviest(split: dict[str, float]) -> str:
    """The model with the largest weight of a split (the first of equal ones)."""
    return max(split.items(), key=lambda kv: kv[1])[0]
