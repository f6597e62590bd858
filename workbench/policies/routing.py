"""Routing: which model (or the escalation ladder) a task goes to under a policy."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.policy import Policy, RoutingRule
from workbench.domain.workload import TaskType

LADDER = "<ladder>"


@dataclass(frozen=True)
class Route:
    """Where a task goes: a model name, or the policy's ladder (``model == LADDER``);
    ``rule`` is the index of the matching rule (None for the default). A weighted split
    carries ``split`` ((model, share), ...) with shares summing to 1, and ``model`` is its
    heaviest model (what a single-model view shows; `routes` gives every part)."""

    model: str
    rule: int | None
    split: tuple[tuple[str, float], ...] | None = None

    @property
    def escalates(self) -> bool:
        """True when the task goes up the escalation ladder."""
        return self.model == LADDER


def matches(rule: RoutingRule, task: TaskType) -> bool:
    """True when every condition of ``rule`` holds for ``task`` (the comparison semantics live
    with the rule, `RoutingRule.matches`, so that validation at load uses them too)."""
    return rule.matches(task)


def route(policy: Policy, task: TaskType) -> Route:
    """First matching rule wins, else the default; no routing means the ladder."""
    if policy.routing is None:
        return Route(LADDER, None)
    for index, rule in enumerate(policy.routing.rules):
        if matches(rule, task):
            if rule.split is not None:
                return _split(rule.split, index)
            return Route(LADDER if rule.escalate else str(rule.model), index)
    if policy.routing.default_split is not None:
        return _split(policy.routing.default_split, None)
    default = LADDER if policy.routing.default_escalate else str(policy.routing.default)
    return Route(default, None)


def _split(weights: dict[str, float], rule: int | None) -> Route:
    total = sum(weights.values())
    shares = tuple((model, weight / total) for model, weight in weights.items())
    return Route(max(shares, key=lambda ms: ms[1])[0], rule, shares)


def routes(policy: Policy, task: TaskType) -> list[tuple[Route, float]]:
    """Every route a task of ``task`` can take with its probability: one (share 1), or each
    model of a weighted split with its share."""
    target = route(policy, task)
    if target.split is None:
        return [(target, 1.0)]
    return [(Route(model, target.rule), share) for model, share in target.split]
