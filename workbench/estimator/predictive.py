"""Closed-form twin of predictive failover (`workbench.policies.predictive`) and of the circuit
breaker (`workbench.policies.failover.BreakerBoard`): the expected share of time each model
cools down (or its breaker is open), per state of its provider, so that the share of its
traffic sent straight to the backups follows. The breaker is the same cycle with other trip
counts (`breaker_attempts`: consecutive failures, exact).

A model tripped by ``trip`` failures among its last ``window`` calls is avoided for ``cooldown_s``
(c), then probed again. In a provider state where an attempt fails with probability f and the
model receives attempts at rate lambda, a probing phase lasts P = T(f) / lambda seconds, T(f) the
expected attempts until the window trips (`attempts_to_trip`: exact within the first N
attempts, a rate approximation after them). An outage episode of state s lasts an exponential time with mean M
(the provider's MTTR), and starts with a window of successes; over it the model alternates
probing (P) and cooling (c) phases, so the expected share of the episode spent cooling is

    a_s = (1 - e^(-c/M)) e^(-P/M) / (1 - e^(-(P + c)/M))

(-> c / (P + c) when M >> P + c), and a cooldown running when the episode ends outlasts it by
on average  e^(-P/M) / (1 - e^(-(P + c)/M)) x (c - M (1 - e^(-c/M)))  seconds: traffic the
recovered model would have served goes to the backups. That overhang, times the rate of
episodes, is the share of up time spent cooling (plus trips by chance in the up state).

Approximations, stated: lambda is the month's mean attempt rate of the calls that start on the
model (the hour-of-day profile and calls reaching it as a backup are left out); phases are
taken at their means; models cool down independently given the provider states.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.domain.policy import CircuitBreaker, Predictive
from workbench.domain.provider import Provider
from workbench.policies.predictive import trip_failures


def attempts_to_trip(config: Predictive, fail: float) -> float:
    """Expected attempts, from a window of successes, until the model trips when each attempt
    fails with probability ``fail`` (inf when it never fails). Within the first ``window``
    attempts the count of failures is binomial (exact); after them, trips come at the rate at
    which a window holding ``trip - 1`` failures, its oldest call a success, gets one more,
    the window's calls taken independent given that it has not tripped (an approximation)."""
    if fail <= 0.0:
        return math.inf
    from scipy.stats import binom  # heavy: only when predictive failover is estimated

    n, k = config.window, trip_failures(config)
    below = binom.cdf(k - 1, np.arange(n + 1), fail)  # P(fewer than k failures in t attempts)
    head = float(below[:n].sum())  # E[min(T, n)]
    if below[n] <= 0.0:
        return head
    rate = fail * (1.0 - fail) * binom.pmf(k - 1, n - 1, fail) / below[n]
    return math.inf if rate <= 0.0 else head + float(below[n]) / rate


def breaker_attempts(config: CircuitBreaker, fail: float) -> tuple[float, float]:
    """Expected attempts until a circuit breaker opens when each attempt fails with
    probability ``fail``: from a closed breaker, ``failures`` consecutive failures,
    (1 - f^k) / ((1 - f) f^k); after a cooldown (half-open), 1 + (1 - f) x that (a first
    failure reopens it, a success closes it). Exact for independent attempts."""
    k = config.failures
    if fail <= 0.0:
        return math.inf, math.inf
    closed = float(k) if fail >= 1.0 else (1.0 - fail ** k) / ((1.0 - fail) * fail ** k)
    return closed, 1.0 + (1.0 - fail) * closed


def _cycle(first_s: float, later_s: float, c: float, m: float) -> tuple[float, float]:
    """(share of an episode of mean ``m`` s spent cooling, expected overhang s past its end):
    a first probing phase of ``first_s`` s, then cooldowns of ``c`` s and probing phases of
    ``later_s`` s in turn."""
    if math.isinf(first_s):
        return 0.0, 0.0
    head = math.exp(-first_s / m) / -math.expm1(-(later_s + c) / m)
    inside = -math.expm1(-c / m)
    return inside * head, head * (c - m * inside)


def cooling_shares(config: Predictive | CircuitBreaker, provider: Provider, calls_per_s: float,
                   retries: int, fail: dict[str, float] | None = None) -> dict[str, float]:
    """Expected share of time a model cools down (predictive failover) or its breaker is open,
    per state of ``provider`` (up / degraded / down), given ``calls_per_s`` calls starting on
    it, each retried up to ``retries`` times on it while failing; ``fail``: P(an attempt
    fails) per state, timeouts included (default: the provider's error rates)."""
    c = config.cooldown_s
    shares = provider.state_shares()
    out = {"up": 0.0, "degraded": 0.0, "down": 0.0}
    if calls_per_s <= 0.0:
        return out
    mttr_s = provider.mttr_hours * 3600.0

    def probing_s(state: str) -> tuple[float, float]:
        f = provider.failure_probability(state) if fail is None else fail[state]
        rate = calls_per_s * sum(f ** r for r in range(retries + 1))  # attempts per second
        if isinstance(config, CircuitBreaker):
            first, later = breaker_attempts(config, f)
        else:
            first = later = attempts_to_trip(config, f)
        return float(first) / rate, float(later) / rate

    overhang_rate = 0.0  # seconds cooling in up time per second
    for state in ("degraded", "down"):
        if shares[state] <= 0.0:
            continue
        out[state], overhang = _cycle(*probing_s(state), c, mttr_s)
        overhang_rate += shares[state] / mttr_s * overhang
    later_up = probing_s("up")[1]
    by_chance = 0.0 if math.isinf(later_up) else c / (later_up + c)
    if shares["up"] > 0.0:
        out["up"] = min(1.0, by_chance + overhang_rate / shares["up"])
    return out
