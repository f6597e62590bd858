"""Reachability: every model a policy can send a task type to - its route (the first matching
rule, else the default), the escalation ladder's rungs and judge when it escalates, the
failover chain, and budget downgrades of any of those - each with the field that sends it
there. A policy that can send a task to a model violating the task's hard requirements is
invalid at load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from workbench.domain.errors import ScenarioError
from workbench.domain.requirements import hard_violations

if TYPE_CHECKING:
    from workbench.domain.policy import Policy
    from workbench.domain.scenario import Scenario
    from workbench.domain.workload import TaskType


def _routed(policy: Policy, task: TaskType, prefix: str) -> Iterator[tuple[str, str, str]]:
    """(model, field path, how) of the task's route; the ladder yields its rungs and judge."""
    escalates, target, path, how = True, None, f"{prefix}.escalation", "ladder"
    split = None
    if policy.routing is not None:
        for i, rule in enumerate(policy.routing.rules):
            if rule.matches(task):
                escalates, target, split = rule.escalate, rule.model, rule.split
                path, how = f"{prefix}.routing.rules[{i}]", f"routing rule {i + 1}"
                break
        else:
            escalates, target = policy.routing.default_escalate, policy.routing.default
            split = policy.routing.default_split
            path, how = f"{prefix}.routing.default", "the routing default"
    if split is not None:
        where = path + (".split" if path.endswith("]") else "_split")
        for model in split:
            yield model, f"{where}.{model}", f"{how}: weighted split"
        return
    if not escalates:
        yield str(target), path, how
        return
    if policy.escalation is None:
        return
    for k, rung in enumerate(policy.escalation.ladder):
        yield rung.model, f"{prefix}.escalation.ladder[{k}].model", f"{how}: ladder rung {k + 1}"
    if policy.escalation.judge.model is not None:
        yield (policy.escalation.judge.model, f"{prefix}.escalation.judge.model",
               f"{how}: the judge")


def reachable(policy: Policy, task: TaskType, prefix: str) -> list[tuple[str, str, str]]:
    """Every (model, field path, how) ``policy`` can send ``task`` to."""
    found = list(_routed(policy, task, prefix))
    if policy.failover.mode != "none":
        for primary in dict.fromkeys(model for model, _, _ in found):
            for k, (backup, path) in enumerate(policy.failover.backups(primary)):
                entry = (backup, f"{prefix}.{path}", f"failover backup {k + 1}")
                if entry not in found:
                    found.append(entry)
    seen = {model for model, _, _ in found}
    budgets = [(w, b) for w, b in policy.budget_paths()
               if w == "budget" or w == f"team_budgets.{task.team}"]
    for where, budget in sorted(budgets, key=lambda wb: wb[0] == "budget"):  # the team's first
        owner = "budget" if where == "budget" else f"team {task.team}'s budget"
        for j, rule in enumerate(budget.rules):
            for source, target in rule.map.items():
                if source in seen and target not in seen:
                    seen.add(target)
                    found.append((target, f"{prefix}.{where}.rules[{j}].map.{source}",
                                  f"{owner} rule {j + 1} (downgrade of {source})"))
    return found


def check_policy_requirements(s: Scenario) -> None:
    """Raise ScenarioError naming policy, the sending field, task type, model and the violated
    requirement for the first policy that can send a task where it may not go."""
    models = {m.name: m for m in s.models}
    for i, policy in enumerate(s.policies):
        for task in s.workload.task_types:
            for name, path, how in reachable(policy, task, f"policies[{i}]"):
                if name not in models:
                    continue  # an unknown name is reported by the reference check
                broken = [v for v in hard_violations(models[name], task, s.data_classes)
                          if not v.startswith(tuple(policy.waives))]
                if broken:
                    raise ScenarioError(
                        f"policy {policy.name!r} can send task type {task.name!r} to model "
                        f"{name!r} ({how}), which violates its requirements: "
                        f"{'; '.join(broken)} (a policy that knowingly does so says "
                        f"waives: [{broken[0].split(':')[0]}])", path=path, value=name)


def waived(s: Scenario, policy: Policy) -> list[str]:
    """What ``policy`` knowingly breaks: "task type -> model: requirement" for each waived
    violation it can reach (shown beside its results)."""
    models = {m.name: m for m in s.models}
    out = []
    for task in s.workload.task_types:
        for name, _, how in reachable(policy, task, "policy"):
            if name in models:
                out += [f"{task.name} -> {name} ({how}): {v}"
                        for v in hard_violations(models[name], task, s.data_classes)
                        if v.startswith(tuple(policy.waives))]
    return sorted(set(out))
