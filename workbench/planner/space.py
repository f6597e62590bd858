"""The search space of `workbench optimize`.

A candidate policy is one *global* choice - an escalation ladder (or none) and a failover plan,
both policy-wide fields - and, per task type, one *choice*: a model eligible for it, or the
ladder (when every rung is eligible). Task types that share a workflow form one *block*
(a step's outcome depends on its upstream steps), so a block's option is the tuple of its
members' choices; a task type outside workflows is a block of one.

Size of the space = sum over global choices of the product over blocks of their options.
Budget rules are not searched here: `budget-plan` chooses them for a given policy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from workbench.domain.policy import Escalation, Failover, Judge, Policy, Routing, RoutingRule, Rung
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.policies.eligibility import eligibility
from workbench.policies.routing import LADDER

NO_FAILOVER = Failover(mode="none")


@dataclass(frozen=True)
class GlobalChoice:
    """The policy-wide part of a candidate: its ladder (None: no ladder) and failover plan."""

    escalation: Escalation | None
    failover: Failover
    label: str


@dataclass(frozen=True)
class Block:
    """Task types that must be chosen together (linked by workflows), in workload order."""

    members: tuple[str, ...]
    workflows: tuple[str, ...] = ()


@dataclass
class SearchSpace:
    """Global choices, blocks and, per (global, task type), the allowed choices (model names,
    or `LADDER`). Built by `search_space`."""

    scenario: Scenario
    globals: list[GlobalChoice]
    blocks: list[Block]
    models: list[str]
    why_not: dict[tuple[str, str], str] = field(default_factory=dict)

    def choices(self, g: GlobalChoice, task: str) -> list[str]:
        """Allowed choices of ``task`` under ``g``: eligible models whose failover chain is
        eligible too, then the ladder when all its rungs (and the chain) are eligible."""
        ok = [m for m in self.models if self._eligible(m, task)
              and all(self._eligible(c, task) for c in g.failover.chain)]
        if g.escalation is not None and all(self._eligible(r.model, task)
                                            for r in g.escalation.ladder) \
                and all(self._eligible(c, task) for c in g.failover.chain):
            ok.append(LADDER)
        return ok

    def _eligible(self, model: str, task: str) -> bool:
        return (model, task) not in self.why_not

    def block_options(self, g: GlobalChoice, block: Block) -> list[tuple[str, ...]]:
        """Every tuple of member choices of ``block`` under ``g``."""
        return list(itertools.product(*(self.choices(g, t) for t in block.members)))

    def size(self) -> int:
        """Number of distinct candidate policies in the space."""
        total = 0
        for g in self.globals:
            count = 1
            for block in self.blocks:
                count *= len(self.block_options(g, block))
            total += count
        return total

    def policy(self, name: str, g: GlobalChoice, assignment: dict[str, str]) -> Policy:
        """The policy routing each task type to its choice: the most common choice is the
        default, every other choice one rule ``when: {task_type: [...]}``."""
        groups: dict[str, list[str]] = {}
        for task in self.task_order():
            if task in assignment:
                groups.setdefault(assignment[task], []).append(task)
        default = max(groups, key=lambda c: len(groups[c]))
        rules = [RoutingRule(when={"task_type": tasks}, model=None if c == LADDER else c,
                             escalate=c == LADDER)
                 for c, tasks in groups.items() if c != default]
        routing = (Routing(default_escalate=True, rules=rules) if default == LADDER
                   else Routing(default=default, rules=rules))
        uses_ladder = LADDER in groups
        return Policy(name=name, description=f"found by workbench optimize ({g.label})",
                      routing=routing, escalation=g.escalation if uses_ladder else None,
                      failover=g.failover)

    def task_order(self) -> list[str]:
        """Task types of every block, in block order."""
        return [t for b in self.blocks for t in b.members]


def _blocks(scenario: Scenario) -> list[Block]:
    """Connected components of task types linked by workflows (union-find), in workload
    order; task types with no volume at all are left out."""
    w = scenario.workload
    parent = {t.name: t.name for t in w.task_types}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    used = {t.name for t in w.task_types if w.standalone_per_day(t) > 0}
    for wf in w.workflows:
        names = [s.task_type for s in wf.steps]
        used.update(names)
        for other in names[1:]:
            parent[find(other)] = find(names[0])
    groups: dict[str, list[str]] = {}
    for t in w.task_types:
        if t.name in used:
            groups.setdefault(find(t.name), []).append(t.name)
    out = []
    for members in groups.values():
        flows = tuple(wf.name for wf in w.workflows if wf.steps[0].task_type in members)
        out.append(Block(tuple(members), flows))
    return out


def reference_cost_usd(scenario: Scenario, model: str) -> float:
    """USD of a 1,000 in / 250 out token call: orders models from cheap to dear."""
    return scenario.model(model).call_cost_usd(1000.0, 250.0)


def scenario_judges(scenario: Scenario) -> list[Judge]:
    """Distinct judges of the scenario's own ladders."""
    out: list[Judge] = []
    for p in scenario.policies:
        if p.escalation is not None and p.escalation.judge not in out:
            out.append(p.escalation.judge)
    return out


def generated_ladders(scenario: Scenario, models: list[str], max_rungs: int,
                      judges: list[Judge]) -> list[Escalation]:
    """Ladders of 2..``max_rungs`` distinct models in ascending reference cost, one per judge
    (a ladder needs a judge that costs something: the default judge is a free oracle)."""
    ordered = sorted(models, key=lambda m: (reference_cost_usd(scenario, m), m))
    out = []
    for judge in judges:
        for k in range(2, max_rungs + 1):
            for rungs in itertools.combinations(ordered, k):
                out.append(Escalation(ladder=[Rung(model=m) for m in rungs], judge=judge))
    return out


def generated_failovers(scenario: Scenario, models: list[str]) -> list[Failover]:
    """When a provider can fail (outages, incidents or an error rate): retry once; retry
    then fail over to the cheapest model every task type may use; hedge with it."""
    if not any(p.mtbf_days is not None or p.incidents is not None or p.error_rate > 0
               for p in scenario.providers):
        return []
    out = [Failover(mode="sequential", retries=1)]
    tasks = scenario.workload.task_types
    usable = [m for m in models
              if all(eligibility(scenario.model(m), t, scenario.data_classes)[0] for t in tasks)]
    if usable:
        backup = min(usable, key=lambda m: (reference_cost_usd(scenario, m), m))
        out += [Failover(mode="sequential", retries=1, chain=[backup]),
                Failover(mode="hedged", chain=[backup])]
    return out


def _label(esc: Escalation | None, fo: Failover) -> str:
    ladder = "no ladder" if esc is None else "ladder " + " > ".join(r.model for r in esc.ladder)
    if fo.mode == "none":
        return f"{ladder}; no failover"
    chain = (" > ".join(fo.chain)) if fo.chain else "same model"
    return f"{ladder}; {fo.mode} failover, {fo.retries} retries, chain {chain}"


def search_space(scenario: Scenario, models: list[str] | None = None,
                 ladders: list[Escalation] | None = None,
                 failovers: list[Failover] | None = None, max_rungs: int = 3) -> SearchSpace:
    """The space over ``models`` (default: all the scenario's), ``ladders`` (default: the
    scenario's own plus generated ones of up to ``max_rungs`` rungs with the scenario's
    judges) and ``failovers`` (default: none, plus the scenario's distinct plans)."""
    names = list(models) if models is not None else [m.name for m in scenario.models]
    if ladders is None:
        ladders = []
        for p in scenario.policies:
            if p.escalation is not None and p.escalation not in ladders:
                ladders.append(p.escalation)
        for lad in generated_ladders(scenario, names, max_rungs, scenario_judges(scenario)):
            if lad not in ladders:
                ladders.append(lad)
    if failovers is None:
        failovers = [NO_FAILOVER] + [p.failover for p in scenario.policies] + \
            generated_failovers(scenario, names)
    unique_fo: list[Failover] = []
    for fo in failovers:
        if fo not in unique_fo:
            unique_fo.append(fo)
    globals_ = [GlobalChoice(esc, fo, _label(esc, fo))
                for esc in [None, *ladders] for fo in unique_fo]
    why_not: dict[tuple[str, str], str] = {}
    every = set(names) | {r.model for e in ladders for r in e.ladder} | {
        c for fo in unique_fo for c in fo.chain}
    for t in scenario.workload.task_types:
        for m in every:
            ok, why = eligibility(scenario.model(m), t, scenario.data_classes)
            if not ok:
                why_not[(m, t.name)] = why
    return SearchSpace(scenario, globals_, _blocks(scenario), names, why_not)


def task_type(scenario: Scenario, name: str) -> TaskType:
    """Task type by name."""
    return scenario.workload.task_type(name)
