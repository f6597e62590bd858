"""Expected outcome of one call through a failover plan, exact over the joint up / degraded /
down states of the failure domains involved (attempts see the same state; within a state
calls fail independently; products of state shares for MTBF / MTTR domains, the real joint
timeline for replayed incidents, `estimator/outages.py`) and over the call's output length
(every attempt of a call produces the same tokens). An attempt that would outlast the policy's
timeout fails unbilled, so the billed cost counts only the outputs short enough to arrive in
time; the time spent on failed attempts and backoffs delays the serving attempt."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from workbench.domain.policy import Failover
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.estimator.latency import (
    ServedLatency,
    _in_time,
    token_nodes,
)
from workbench.estimator.outages import joint_states
from workbench.policies.attempt import FAST_FAIL_S
from workbench.policies.failover import attempt_plan, usable_plan

STATES = ("up", "degraded", "down")


@dataclass
class CallEstimate:
    """Per call: P(success), expected billed USD per model, P(served by each model),
    expected attempts made, expected failover attempts, the first model of the plan and the
    probability that an attempt on it fails (5xx or timeout) in each state of its provider."""

    success: float = 0.0
    cost_by_model: dict[str, float] = field(default_factory=dict)
    served_by: dict[str, float] = field(default_factory=dict)
    attempts: float = 0.0
    failovers: float = 0.0
    primary: str = ""
    primary_fail: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STATES, 0.0))
    failed_at: dict[float, float] = field(default_factory=dict)  # s spent -> P(failed so)
    served_at: dict[float, float] = field(default_factory=dict)  # s before serving -> P
    # per model: (shift s, tokens, latency factor) -> P(served so)
    latency: dict[str, dict[tuple[float, float, float], float]] = field(default_factory=dict)

    def served_latency(self, scenario: Scenario, timeout_s: float) -> list[ServedLatency]:
        """Latency of the serving attempt per model (weights: P(served by it))."""
        out = []
        for model, parts in self.latency.items():
            shift, tokens, factor = zip(*parts)
            w = list(parts.values())
            out.append(ServedLatency(scenario.model(model).latency, w, shift, tokens, factor,
                                     timeout_s))
        return [p for p in out if p.weight > 0.0]

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


def _avoided_sets(plan: list, states: dict[str, str], scenario: Scenario,
                  cooling: dict[str, dict[str, float]] | None):
    """(probability, models cooling down) over the models of ``plan`` that may cool down
    (independently given the provider states)."""
    models = sorted({a.model for a in plan[:-1]})
    shares = {}
    for m in models:
        share = (cooling or {}).get(m, {}).get(states[scenario.provider_of(m).domain], 0.0)
        if share > 0.0:
            shares[m] = share
    names = list(shares)
    for picks in itertools.product((False, True), repeat=len(names)):
        p = 1.0
        for name, picked in zip(names, picks):
            p *= shares[name] if picked else 1.0 - shares[name]
        if p > 0.0:
            yield p, {name for name, picked in zip(names, picks) if picked}


def estimate_call(scenario: Scenario, failover: Failover, primary: str, task: TaskType,
                  substitute=lambda m: m,
                  cooling: dict[str, dict[str, float]] | None = None) -> CallEstimate:
    """Expected outcome of one call whose first choice is ``primary``. Failed attempts are not
    billed; hedged duplicates that succeed are. ``substitute`` applies budget downgrades;
    ``cooling`` (predictive failover) gives per model and provider state the share of time the
    model cools down, its attempts then skipped (`workbench.policies.failover.usable_plan`).
    The first attempt sent carries the call's reason; ``failovers`` counts the later attempts
    that start a backup.

    The call is conditioned on its output length (`token_nodes`): every attempt of a call
    produces the same tokens, so a long output that times out on one attempt times out on its
    retries too. The latency of the serving attempt starts after the failed ones (a timeout
    lasts ``timeout_s``, a 5xx about a time to first token, at least 0.25 s) and their
    backoffs (`ServedLatency`)."""
    full = attempt_plan(failover, primary, substitute)
    out = CallEstimate(primary=full[0].model)
    inp = task.input_tokens.mean
    cached = inp * task.cached_input_share
    nodes = token_nodes(task.output_tokens)
    tokens_all = [x for _, x in nodes]
    given = {m: _attempt_given(scenario, m, failover, inp, cached, tokens_all)
             for m in dict.fromkeys(a.model for a in full)}
    joint = list(joint_states(scenario, [a.model for a in full]))
    domains = {m: scenario.provider_of(m).domain for m in given}
    profiles = {m: scenario.model(m).latency for m in given}
    for i, (weight_x, tokens) in enumerate(nodes):
        attempts = {m: {state: tuple(v[i] if isinstance(v, list) else v for v in values)
                        for state, values in by_state.items()} for m, by_state in given.items()}
        for state in STATES:
            out.primary_fail[state] += weight_x * (1.0 - attempts[out.primary][state][0])
        for weight, states in joint:
            for share, avoided in _avoided_sets(full, states, scenario, cooling):
                plan = usable_plan(full, avoided.__contains__)
                _plan_outcome(out, weight_x * weight * share, plan, failover, domains, states,
                              attempts, tokens, profiles)
    return out


def _attempt_given(scenario: Scenario, model: str, failover: Failover, inp: float,
                   cached: float, tokens: list[float]) -> dict[str, tuple]:
    """Per provider state, one attempt of each of ``tokens`` output tokens: (P(ok),
    P(timeout), P(fast error), USD billed when ok - lists over ``tokens`` - then seconds of a
    fast error and the latency factor)."""
    spec = scenario.model(model)
    provider = scenario.provider(spec.provider)
    usd = [0.0 if spec.price is None else spec.call_cost_usd(inp, x, cached) for x in tokens]
    out = {}
    for state in STATES:
        factor = provider.degraded_latency_factor if state == "degraded" else 1.0
        answered = 1.0 - provider.failure_probability(state)
        p_in = _in_time(spec.latency, tokens, failover.timeout_s / factor).tolist()
        hangs = state == "down" and provider.down_failure == "timeout"
        hang = 0.0 if not hangs else 1.0 - answered
        timeout = [answered * (1.0 - p) + hang for p in p_in]
        fast = [0.0 if hangs else 1.0 - answered] * len(tokens)
        fast_s = max(spec.latency.ttft_median_s * factor, FAST_FAIL_S)
        out[state] = ([answered * p for p in p_in], timeout, fast, usd, fast_s, factor)
    return out


def first_wins(profile1, factor1: float, profile2, factor2: float, tokens: float,
               timeout_s: float, steps: int = 1000) -> tuple[float, float]:
    """(P(both attempts end within ``timeout_s`` and the first ends first), P(both end within
    it)) for two attempts of ``tokens`` output tokens sent at once (quadrature over time on a
    log-spaced grid from 1 ms: a relative resolution of about 1.4%, whatever the timeout -
    an even grid over a 600 s timeout had 3 s cells and called a 2 s and a 2.5 s answer a
    tie)."""
    import numpy as np

    t = np.concatenate([[0.0], np.geomspace(1e-3, max(timeout_s, 2e-3), steps)])
    c1 = _in_time(profile1, np.full(t.size, tokens), t / factor1)
    c2 = _in_time(profile2, np.full(t.size, tokens), t / factor2)
    later2 = c2[-1] - (c2[1:] + c2[:-1]) / 2.0
    return float((np.diff(c1) * later2).sum()), float(c1[-1] * c2[-1])


def _plan_outcome(out: CallEstimate, weight: float, plan: list, failover: Failover,
                  domains: dict[str, str], states: dict[str, str], attempts: dict,
                  tokens: float, profiles: dict | None = None) -> None:
    """Add the outcome of ``plan`` in provider ``states`` for one output length (probability
    ``weight``) to ``out``; ``elapsed`` maps the seconds spent so far to the probability that
    every attempt so far failed having taken that long."""
    def of(a):
        return attempts[a.model][states[domains[a.model]]]

    def serve(a, won: float, shift: float) -> None:
        factor = of(a)[5]
        out.served_by[a.model] = out.served_by.get(a.model, 0.0) + won
        out.served_at[shift] = out.served_at.get(shift, 0.0) + won
        mine = out.latency.setdefault(a.model, {})
        key = (round(shift, 3), tokens, factor)
        mine[key] = mine.get(key, 0.0) + won

    timeout_s = failover.timeout_s
    hedge = 2 if failover.mode == "hedged" and len(plan) > 1 else 0
    elapsed: dict[float, float] = {}
    if hedge:  # sent at once, each billed if it succeeds; the first to answer serves
        (ok1, to1, fast1, usd1, s1, f1), (ok2, to2, fast2, usd2, s2, f2) = of(plan[0]), of(plan[1])
        for a, ok, usd in ((plan[0], ok1, usd1), (plan[1], ok2, usd2)):
            out.cost_by_model[a.model] = out.cost_by_model.get(a.model, 0.0) + weight * ok * usd
        out.attempts += 2 * weight
        first = first_wins(profiles[plan[0].model], f1, profiles[plan[1].model], f2, tokens,
                           timeout_s)  # P(both in time, the primary first | both answered)
        both = ok1 * ok2
        answered = both / max(first[1], 1e-300) if first[1] > 0.0 else 0.0
        won1 = ok1 * (1.0 - ok2) + answered * first[0]
        serve(plan[0], weight * won1, 0.0)
        serve(plan[1], weight * (ok1 + ok2 - both - won1), 0.0)
        for p1, d1 in ((to1, timeout_s), (fast1, s1)):  # both failed
            for p2, d2 in ((to2, timeout_s), (fast2, s2)):
                if p1 * p2 > 0.0:
                    key = round(max(d1, d2), 3)
                    elapsed[key] = elapsed.get(key, 0.0) + weight * p1 * p2
    else:
        elapsed = {0.0: weight}
    for k in range(hedge, len(plan)):
        a = plan[k]
        ok, to, fast, usd, fast_s, _ = of(a)
        reached = sum(elapsed.values())
        out.attempts += reached
        if k > 0 and a.reason == "failover":  # the first attempt sent carries the call's reason
            out.failovers += reached
        out.cost_by_model[a.model] = out.cost_by_model.get(a.model, 0.0) + reached * ok * usd
        backoff = a.backoff_s if k > 0 else 0.0
        after: dict[float, float] = {}
        for spent, p in elapsed.items():
            serve(a, p * ok, spent + backoff)
            for q, d in ((to, timeout_s), (fast, fast_s)):
                if q > 0.0:
                    key = round(spent + backoff + d, 3)
                    after[key] = after.get(key, 0.0) + p * q
        elapsed = after
    out.success += weight - sum(elapsed.values())
    for spent, p in elapsed.items():
        out.failed_at[spent] = out.failed_at.get(spent, 0.0) + p
