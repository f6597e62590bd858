"""Expected outcome of one call through a failover plan, exact over the joint up / degraded /
down states of the failure domains involved (attempts see the same state; within a state
calls fail independently): products of state shares for MTBF / MTTR domains, the real joint
timeline for replayed incidents (estimator/outages.py). An attempt that would outlast the
policy's timeout fails unbilled, so the billed cost counts only the outputs short enough to
arrive in time."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.domain.policy import Failover
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.estimator.latency import attempt_latency
from workbench.estimator.outages import joint_states
from workbench.policies.failover import attempt_plan

STATES = ("up", "degraded", "down")


@dataclass
class CallEstimate:
    """Per call: P(success), expected billed USD per model, P(served by each model)."""

    success: float = 0.0
    cost_by_model: dict[str, float] = field(default_factory=dict)
    served_by: dict[str, float] = field(default_factory=dict)

    @property
    def cost_usd(self) -> float:
        """Expected billed USD of the call."""
        return sum(self.cost_by_model.values())


def call_cost_usd(scenario: Scenario, model: str, task: TaskType) -> float:
    """Expected USD of one successful call of ``task`` on ``model`` (prices are linear in
    tokens, so mean tokens give the mean cost)."""
    inp = task.input_tokens.mean
    return scenario.model(model).call_cost_usd(inp, task.output_tokens.mean,
                                               inp * task.cached_input_share)


def in_time(scenario: Scenario, model: str, task: TaskType,
            timeout_s: float) -> dict[str, tuple[float, float]]:
    """Per provider state: (P(an attempt finishes within ``timeout_s``), expected USD billed for
    it - zero when it outlasts the timeout, so long outputs weigh less). Degraded providers are
    slower by their latency factor."""
    spec = scenario.model(model)
    latency = attempt_latency(spec.latency, task.output_tokens, 1.0)
    factor = scenario.provider(spec.provider).degraded_latency_factor
    inp = task.input_tokens.mean
    cached = inp * task.cached_input_share
    out: dict[str, tuple[float, float]] = {}
    for state, limit in (("up", timeout_s), ("degraded", timeout_s / factor),
                         ("down", timeout_s)):
        p = latency.cdf(limit)
        if spec.price is None:
            usd = 0.0
        elif spec.price.per_request_usd is not None:
            usd = p * spec.price.per_request_usd
        else:
            tokens = latency.tokens_within(limit)
            usd = p * spec.call_cost_usd(inp, 0.0, cached) + spec.call_cost_usd(0.0, tokens)
        out[state] = (p, usd)
    return out


def estimate_call(scenario: Scenario, failover: Failover, primary: str, task: TaskType,
                  substitute=lambda m: m) -> CallEstimate:
    """Expected outcome of one call whose first choice is ``primary``. Failed attempts are not
    billed; hedged duplicates that succeed are. ``substitute`` applies budget downgrades."""
    plan = [a.model for a in attempt_plan(failover, primary, substitute)]
    timing = {m: in_time(scenario, m, task, failover.timeout_s) for m in set(plan)}
    out = CallEstimate()
    for weight, states in joint_states(scenario, plan):
        fail, billed = [], []
        for m in plan:
            provider = scenario.provider_of(m)
            state = states[provider.domain]
            answered = 1.0 - provider.failure_probability(state)
            fail.append(1.0 - answered * timing[m][state][0])
            billed.append(answered * timing[m][state][1])
        hedge = 2 if failover.mode == "hedged" and len(plan) > 1 else 1
        all_failed = 1.0
        for k, model in enumerate(plan[:hedge]):  # sent at once, each billed if it succeeds
            ok = 1.0 - fail[k]
            out.cost_by_model[model] = out.cost_by_model.get(model, 0.0) + weight * billed[k]
            out.served_by[model] = out.served_by.get(model, 0.0) + weight * all_failed * ok
            all_failed *= fail[k]
        for k in range(hedge, len(plan)):
            model = plan[k]
            ok = 1.0 - fail[k]
            out.cost_by_model[model] = (out.cost_by_model.get(model, 0.0)
                                        + weight * all_failed * billed[k])
            out.served_by[model] = out.served_by.get(model, 0.0) + weight * all_failed * ok
            all_failed *= fail[k]
        out.success += weight * (1.0 - all_failed)
    return out
