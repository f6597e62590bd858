"""Expected outcome of an escalation ladder: every paid attempt and judge call counted.

With q_r the pass probability at rung r, S_r the call's success probability, and a judge that
accepts with a_r = q_r (1 - false_reject) + (1 - q_r) false_accept:

    P(reach 1) = 1,   P(reach r+1) = P(reach r) [(1 - S_r) + S_r (1 - a_r)]
    cost = sum_r P(reach r) [C_r + S_r J]          (J only on judged rungs)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.domain.policy import Escalation, Failover
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType, TokenSize
from workbench.estimator.call import CallEstimate, estimate_call
from workbench.estimator.latency import attempt_quantiles, token_nodes
from workbench.policies.ladder import accept_probability, is_judged


@dataclass
class TaskEstimate:
    """Per task: P(delivered), P(delivered and above bar), P(delivered below bar), expected
    USD by model (judge under ``judge``), expected calls by model, rung reach probabilities."""

    delivered: float = 0.0
    passed: float = 0.0
    below_bar: float = 0.0
    cost_by_model: dict[str, float] = field(default_factory=dict)
    judge_usd: float = 0.0
    calls_by_model: dict[str, float] = field(default_factory=dict)
    reach: list[float] = field(default_factory=list)
    judge_latency_s: float = 0.0
    failovers: float = 0.0
    primary_calls: dict[str, float] = field(default_factory=dict)
    primary_fails: dict[str, dict[str, float]] = field(default_factory=dict)
    latency: list = field(default_factory=list)  # ServedLatency, weights P(delivered by it)

    @property
    def escalations(self) -> float:
        """Expected escalations per task: the rungs reached above the first. (Not
        ``sum(reach) - 1``: a workflow step that runs with probability below 1, or a blocked
        task, reaches the first rung with that probability, and the difference went negative.)"""
        return sum(self.reach[1:])

    @property
    def cost_usd(self) -> float:
        """Expected USD per task including judge calls."""
        return sum(self.cost_by_model.values()) + self.judge_usd

    def add_call(self, call: CallEstimate, weight: float) -> None:
        """Accumulate a call made with probability ``weight``."""
        for model, usd in call.cost_by_model.items():
            self.cost_by_model[model] = self.cost_by_model.get(model, 0.0) + weight * usd
        for model, share in call.served_by.items():
            self.calls_by_model[model] = self.calls_by_model.get(model, 0.0) + weight * share
        self.failovers += weight * call.failovers
        self.primary_calls[call.primary] = self.primary_calls.get(call.primary, 0.0) + weight
        fails = self.primary_fails.setdefault(call.primary, {})
        for state, p in call.primary_fail.items():
            fails[state] = fails.get(state, 0.0) + weight * p


def pass_probability(scenario: Scenario, model: str, task: TaskType,
                     penalty: float = 0.0) -> float:
    """P(an output of ``model`` clears the task's bar after losing ``penalty`` of score): the
    share of the evaluation table's prompts it passes when the scenario's quality source covers
    it, else from its quality profile."""
    bar = scenario.bar(task) + penalty
    source = _source_for(scenario, task, [model])
    if source is not None:
        return float((source.scores(model, _all(source)) >= bar).mean())
    profile = scenario.model(model).quality.for_category(task.category_name)
    return profile.pass_probability(bar)


def _source_for(scenario: Scenario, task: TaskType, models: list[str]):
    spec = scenario.quality_source
    if spec is None or not all(spec.applies(task.name, m) for m in models):
        return None
    from workbench.replay.source import scenario_source

    return scenario_source(scenario)


def _all(source):
    import numpy as np

    return np.arange(source.n_prompts)


def _served_pass(scenario: Scenario, call: CallEstimate, task: TaskType,
                 given: float | None, penalty: float = 0.0) -> float:
    """P(pass | call succeeded), from the rung's stated probability or the serving models."""
    if given is not None or call.success == 0.0:
        return 0.0 if given is None else given
    return sum(share * pass_probability(scenario, m, task, penalty)
               for m, share in call.served_by.items()) / call.success


def judge_cost_usd(scenario: Scenario, escalation: Escalation) -> float:
    """USD of one judge call."""
    judge = escalation.judge
    usd = judge.cost_usd
    if judge.model is not None:
        usd += scenario.model(judge.model).call_cost_usd(judge.input_tokens, judge.output_tokens)
    return usd


def estimate_single(scenario: Scenario, failover: Failover, model: str, task: TaskType,
                    substitute=lambda m: m, penalty: float = 0.0,
                    cooling: dict | None = None) -> TaskEstimate:
    """A task routed straight to ``model`` (its score reduced by ``penalty``; ``cooling``:
    see `estimate_call`)."""
    call = estimate_call(scenario, failover, model, task, substitute, cooling)
    out = TaskEstimate(reach=[1.0])
    out.add_call(call, 1.0)
    q = _served_pass(scenario, call, task, None, penalty)
    out.latency = call.served_latency(scenario, failover.timeout_s)
    out.delivered = call.success
    out.passed = call.success * q
    out.below_bar = call.success * (1.0 - q)
    return out


def estimate_ladder(scenario: Scenario, escalation: Escalation, failover: Failover,
                    task: TaskType, substitute=lambda m: m, penalty: float = 0.0,
                    cooling: dict | None = None) -> TaskEstimate:
    """A task sent up the ladder. With an evaluation table as quality source, outcomes are
    correlated across rungs (a hard prompt is hard for every model): the ladder is solved for
    each pattern of which models pass a prompt, weighted by the pattern's share of prompts."""
    nodes = token_nodes(task.output_tokens)
    if len(nodes) > 1:  # the same output on every rung: a long one is slow on each
        return weighted([(w, estimate_ladder(
            scenario, escalation, failover,
            task.model_copy(update={"output_tokens": TokenSize(fixed=x)}), substitute, penalty,
            cooling)) for w, x in nodes])
    models = [substitute(r.model) for r in escalation.ladder]
    stated = [None if r.pass_probability is None else r.pass_probability * (1.0 - penalty)
              for r in escalation.ladder]
    source = _source_for(scenario, task, models)
    if source is None:
        return _ladder_given(scenario, escalation, failover, task, substitute, stated, penalty,
                             cooling)
    from workbench.replay.source import pass_patterns

    parts = [(w, _ladder_given(scenario, escalation, failover, task, substitute,
                               [float(p) if q is None else q for q, p in zip(stated, pattern)],
                               cooling=cooling))
             for w, pattern in pass_patterns(source, models, scenario.bar(task) + penalty)]
    return weighted(parts)


def weighted(parts: list[tuple[float, TaskEstimate]]) -> TaskEstimate:
    """Sum of estimates scaled by their weights (a mixture when the weights sum to 1)."""
    out = TaskEstimate(reach=[0.0] * max(len(p.reach) for _, p in parts))
    for w, part in parts:
        out.delivered += w * part.delivered
        out.passed += w * part.passed
        out.below_bar += w * part.below_bar
        out.judge_usd += w * part.judge_usd
        out.failovers += w * part.failovers
        for model, calls in part.primary_calls.items():
            out.primary_calls[model] = out.primary_calls.get(model, 0.0) + w * calls
        for model, fails in part.primary_fails.items():
            mine = out.primary_fails.setdefault(model, {})
            for state, p in fails.items():
                mine[state] = mine.get(state, 0.0) + w * p
        for model, usd in part.cost_by_model.items():
            out.cost_by_model[model] = out.cost_by_model.get(model, 0.0) + w * usd
        for model, calls in part.calls_by_model.items():
            out.calls_by_model[model] = out.calls_by_model.get(model, 0.0) + w * calls
        for r, reach in enumerate(part.reach):
            out.reach[r] += w * reach
        out.latency += [mix.scaled(w) for mix in part.latency if w > 0.0]
        out.judge_latency_s = part.judge_latency_s
    return out


HOP_POINTS = 8  # points kept of the distribution of time spent on lower rungs


def _compress(points: dict[float, float], k: int = HOP_POINTS) -> dict[float, float]:
    """A discrete distribution (seconds -> probability, summing to 1) cut into at most ``k``
    groups of about equal probability, each at its mean."""
    items = sorted((s, p) for s, p in points.items() if p > 0.0)
    if len(items) <= k:
        return dict(items)
    total = sum(p for _, p in items)
    out: dict[float, float] = {}
    mass, moment, edge = 0.0, 0.0, total / k
    for s, p in items:
        mass += p
        moment += p * s
        if mass >= edge or s == items[-1][0]:
            out[moment / mass] = out.get(moment / mass, 0.0) + mass
            mass, moment = 0.0, 0.0
            edge = total / k
    return out


def _escalation_hop(scenario: Scenario, call: CallEstimate, model: str, task: TaskType,
                    accept: float, judge_s: float, timeout_s: float) -> dict[float, float]:
    """Distribution of the seconds a task spends on a rung it escalates from: the failed
    call's attempts and backoffs when the call failed; the attempts before the serving one,
    the serving attempt (five quantiles of the primary's latency for this output) and the
    judge when the output was rejected."""
    served = attempt_quantiles(scenario.model(model).latency, task.output_tokens.typical,
                               timeout_s)
    out: dict[float, float] = dict(call.failed_at)
    for shift, p in call.served_at.items():
        for served_s in served:
            key = shift + served_s + judge_s
            out[key] = out.get(key, 0.0) + p * (1.0 - accept) / len(served)
    total = sum(out.values())
    return {s: p / total for s, p in out.items()} if total > 0.0 else {0.0: 1.0}


def _ladder_given(scenario: Scenario, escalation: Escalation, failover: Failover,
                  task: TaskType, substitute, given: list[float | None],
                  penalty: float = 0.0, cooling: dict | None = None) -> TaskEstimate:
    """The ladder with rung pass probabilities ``given`` (None: from quality profiles, with
    scores reduced by ``penalty``)."""
    judge = escalation.judge
    judge_usd = judge_cost_usd(scenario, escalation)
    out = TaskEstimate()
    reach, hops = 1.0, {0.0: 1.0}
    last = len(escalation.ladder) - 1
    for r, rung in enumerate(escalation.ladder):
        out.reach.append(reach)
        call = estimate_call(scenario, failover, rung.model, task, substitute, cooling)
        out.add_call(call, reach)
        q = _served_pass(scenario, call, task, given[r], penalty)
        judged = is_judged(r, escalation)
        judge_s = judge.latency_s if judged else 0.0
        delivers = 1.0 if r == last else accept_probability(q, judge)
        out.latency += [mix.shifted(h + judge_s).scaled(reach * delivers * p)
                        for mix in call.served_latency(scenario, failover.timeout_s)
                        for h, p in hops.items()]
        hop = _escalation_hop(scenario, call, substitute(rung.model), task, delivers, judge_s,
                              failover.timeout_s)
        hops = _compress({h + g: p * q for h, p in hops.items() for g, q in hop.items()})
        if judged:
            out.judge_usd += reach * call.success * judge_usd
        if r == last:
            out.delivered += reach * call.success
            out.passed += reach * call.success * q
            out.below_bar += reach * call.success * (1.0 - q)
            break
        accept = accept_probability(q, judge)
        out.delivered += reach * call.success * accept
        out.passed += reach * call.success * q * (1.0 - judge.false_reject)
        out.below_bar += reach * call.success * (1.0 - q) * judge.false_accept
        reach *= (1.0 - call.success) + call.success * (1.0 - accept)
    out.judge_latency_s = judge.latency_s
    return out
