"""A policy's routing compiled over the scenario's task types: which target (a model, or the
ladder) serves which task types. Gateways route on what the client sends (a tag, a metadata
field); the task type is the one key that decides every route of the scenario exactly."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.policy import Policy
from workbench.domain.workload import TaskType
from workbench.policies.routing import LADDER, route


@dataclass(frozen=True)
class RouteGroup:
    """Task types (in scenario order) a rule sends to ``target`` (a model or `LADDER`)."""

    target: str
    task_types: tuple[str, ...]


@dataclass(frozen=True)
class RoutingTable:
    """Rule-routed groups, one per target in the order of its first rule, and the default."""

    groups: tuple[RouteGroup, ...]
    default: str


def routing_table(policy: Policy, task_types: list[TaskType]) -> RoutingTable:
    """Compile ``policy``'s routing over ``task_types`` (task types that fall to the default
    get no group)."""
    first_rule: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    for task in task_types:
        r = route(policy, task)
        if r.rule is None:
            continue
        first_rule[r.model] = min(first_rule.get(r.model, r.rule), r.rule)
        members.setdefault(r.model, []).append(task.name)
    groups = tuple(RouteGroup(t, tuple(members[t])) for t in sorted(members, key=first_rule.get))
    routing = policy.routing
    default = (LADDER if routing is None or routing.default_escalate else
               str(routing.default) if routing.default is not None else
               max(routing.default_split.items(), key=lambda kv: kv[1])[0])  # the heaviest
    return RoutingTable(groups, default)


def is_task_type_table(policy: Policy, table: RoutingTable) -> bool:
    """True when the policy's rules already are the table (one rule per group, on task_type
    only), so an import of the compiled form gives the same rules back."""
    rules = policy.routing.rules if policy.routing is not None else []
    if len(rules) != len(table.groups):
        return False
    for rule, group in zip(rules, table.groups, strict=True):
        names = list(group.task_types)
        target = LADDER if rule.escalate else rule.model
        if (set(rule.when) != {"task_type"} or target != group.target
                or rule.when["task_type"] not in (names, names[0] if len(names) == 1 else None)):
            return False
    return True
