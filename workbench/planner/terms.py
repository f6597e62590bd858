"""Per-block terms: what one block's option contributes to a policy's monthly figures, from
the estimator itself (`daily_figures` on the scenario cut down to the block's task types).

Which figures of `estimate_policy` are sums of per-block terms (without budget rules, one
segment of ``days_per_month`` days):

- model + judge USD: exactly (`daily_figures` adds unit by unit);
- hosting USD of a self-hosted model: NOT separable - a fixed monthly cost paid once when any
  block calls the model; the integer program carries it as one binary per hosted model;
- quality pass rate = passed / delivered: a ratio, but ``rate >= f`` is exactly the linear
  ``sum passed - f * sum delivered >= 0``;
- availability = on-time delivered / tasks: tasks do not depend on the policy, so exactly a
  sum of terms over a constant;
- latency p95 of the mixture of every attempt: not a sum, but ``p95 <= Z`` is exactly
  ``sum_parts weight * (F(Z) - 0.95) >= 0`` (the mixture CDF is linear in its parts; the
  estimator's bisection tolerance is 1 ms);
- workflow steps: a step depends on its upstream steps (runs only when they delivered, cascade
  penalty), so the task types of a workflow form one block and are chosen jointly.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field

from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import daily_figures
from workbench.estimator.latency import AttemptLatency
from workbench.metrics.breakdown import hosted_monthly_usd
from workbench.planner.space import Block, GlobalChoice, SearchSpace
from workbench.policies.budget import NO_RULES
from workbench.policies.routing import LADDER

P95 = 0.95


@dataclass
class Term:
    """Monthly figures of one block under one option: USD (models + judge), tasks, delivered,
    passed, on-time delivered, the latency mixture parts, and the self-hosted models called."""

    usd: float
    tasks: float
    delivered: float
    passed: float
    available: float
    latency: list[AttemptLatency]
    hosted: frozenset[str] = frozenset()
    _lat: dict[float, float] = field(default_factory=dict)

    def latency_slack(self, max_p95_s: float) -> float:
        """sum of weight x (P(latency <= max_p95_s) - 0.95) over the parts: the policy's p95 is
        within ``max_p95_s`` iff the sum over blocks is >= 0."""
        if max_p95_s not in self._lat:
            self._lat[max_p95_s] = sum(p.weight * (p.cdf(max_p95_s) - P95)
                                       for p in self.latency)
        return self._lat[max_p95_s]


class TermTable:
    """Terms of every (global choice, block, option), computed once and shared between
    global choices whose difference does not touch the option (a model choice ignores the
    ladder). ``evaluations`` counts estimator calls."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.scenario = space.scenario
        self.days = space.scenario.days_per_month
        self.hosted = hosted_monthly_usd(space.scenario)
        self.evaluations = 0
        self._subs: dict[int, Scenario] = {}
        self._cache: dict[tuple, Term] = {}
        self._keys: dict[int, tuple[str, str]] = {}

    def _sub(self, index: int, block: Block) -> Scenario:
        if index not in self._subs:
            w = self.scenario.workload
            tasks = [t for t in w.task_types if t.name in block.members]
            flows = [wf for wf in w.workflows if wf.name in block.workflows]
            sub_w = w.model_copy(update={"task_types": tasks, "workflows": flows})
            sub = self.scenario.model_copy(update={"workload": sub_w})
            sub._indexes = {}
            self._subs[index] = sub
        return self._subs[index]

    def _gkey(self, g: GlobalChoice) -> tuple[str, str]:
        key = self._keys.get(id(g))
        if key is None:
            esc = "" if g.escalation is None else g.escalation.model_dump_json()
            key = (esc, g.failover.model_dump_json())
            self._keys[id(g)] = key
        return key

    def term(self, g: GlobalChoice, index: int, option: tuple[str, ...]) -> Term:
        """Monthly term of block ``index`` choosing ``option`` under ``g``."""
        esc, fo = self._gkey(g)
        key = (esc if LADDER in option else "", fo, index, option)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        block = self.space.blocks[index]
        policy = self.space.policy("term", g, dict(zip(block.members, option)))
        term = block_term(self._sub(index, block), policy, self.days, self.hosted)
        self.evaluations += 1
        self._cache[key] = term
        return term

    def prefill(self, executor: Executor, batch: int = 64) -> None:
        """Compute every term of the space on ``executor`` (a process pool, or a Dask
        cluster's executor), in batches of ``batch`` options of one block; the same terms as
        computed one by one, in any order."""
        jobs: dict[int, list] = {}
        queued: set[tuple] = set()
        for g in self.space.globals:
            esc, fo = self._gkey(g)
            for b, block in enumerate(self.space.blocks):
                for option in self.space.block_options(g, block):
                    key = (esc if LADDER in option else "", fo, b, option)
                    if key in self._cache or key in queued:
                        continue
                    queued.add(key)
                    jobs.setdefault(b, []).append(
                        (key, self.space.policy("term", g, dict(zip(block.members, option)))))
        futures = [executor.submit(block_terms, self._sub(b, self.space.blocks[b]), self.days,
                                   self.hosted, items[k:k + batch])
                   for b, items in jobs.items() for k in range(0, len(items), batch)]
        for future in futures:
            for key, term in future.result():
                self._cache[key] = term
                self.evaluations += 1


def block_term(sub: Scenario, policy, days: float, hosted: dict[str, float]) -> Term:
    """The monthly term of ``policy`` on the block's scenario ``sub``."""
    day = daily_figures(sub, policy, NO_RULES)
    return Term(usd=days * day.spend_usd, tasks=days * day.tasks,
                delivered=days * day.delivered, passed=days * day.passed,
                available=days * day.available, latency=[p.scaled(days) for p in day.latency],
                hosted=frozenset(m for m, n in day.calls.items()
                                 if n > 0 and hosted.get(m, 0.0) > 0))


def block_terms(sub: Scenario, days: float, hosted: dict[str, float],
                items: list[tuple[tuple, object]]) -> list[tuple[tuple, Term]]:
    """(key, term) of each (key, policy) on one block (what a worker computes)."""
    return [(key, block_term(sub, policy, days, hosted)) for key, policy in items]
