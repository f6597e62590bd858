"""Routing: which model (or the escalation ladder) a task goes to under a policy."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.policy import Policy, RoutingRule
from workbench.domain.workload import TaskType

LADDER = "<ladder>"


@dataclass(frozen=True)
class Route:
    """Where a task goes: a model name, or the policy's ladder (``model == LADDER``);
    ``rule`` is the index of the matching rule (None for the default)."""

    model: str
    rule: int | None

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
            return Route(LADDER if rule.escalate else str(rule.model), index)
    default = LADDER if policy.routing.default_escalate else str(policy.routing.default)
    return Route(default, None)
