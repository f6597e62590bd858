"""Failover plans: the ordered attempts a policy makes for one call, and the circuit breaker
and error-rate window that act on observed failures only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.domain.policy import CircuitBreaker, Failover


@dataclass(frozen=True)
class PlannedAttempt:
    """One attempt of a plan: the model, why it is tried, and the backoff before it (s)."""

    model: str
    reason: str
    backoff_s: float


def attempt_plan(failover: Failover, primary: str,
                 substitute: Callable[[str], str] = str) -> list[PlannedAttempt]:
    """Sequential attempts: the primary with its retries, then each of its backups
    (``Failover.backups``) with its retries.
    For ``hedged`` the first two entries (the primary and the first backup) are sent at once,
    then the retries follow. ``none`` means a single attempt. ``substitute`` (budget
    downgrades) applies to every model of the plan, backups included."""
    if failover.mode == "none":
        return [PlannedAttempt(substitute(primary), "route", 0.0)]
    models = [substitute(m) for m in [primary] + [m for m, _ in failover.backups(primary)]]
    plan: list[PlannedAttempt] = []
    for position, model in enumerate(models):
        for retry in range(failover.retries + 1):
            if position == 0 and retry == 0:
                plan.append(PlannedAttempt(model, "route", 0.0))
            elif retry == 0:
                reason = "hedge" if failover.mode == "hedged" and position == 1 else "failover"
                plan.append(PlannedAttempt(model, reason, 0.0))
            else:
                wait = failover.backoff_s * failover.backoff_multiplier ** (retry - 1)
                plan.append(PlannedAttempt(model, "retry", wait))
    hedge = next((k for k, a in enumerate(plan) if a.reason == "hedge"), None)
    if hedge is not None:  # the hedge goes out with the primary, not after its retries
        plan.insert(1, plan.pop(hedge))
    return plan


def usable_plan(plan: list[PlannedAttempt],
                avoided: Callable[[str], bool]) -> list[PlannedAttempt]:
    """``plan`` without the attempts on models the policy avoids (an open breaker, a predictive
    cooldown). The last attempt is always kept: a call is never dropped unsent. An attempt left
    first carries no backoff (nothing failed before it)."""
    kept = [a for a in plan[:-1] if not avoided(a.model)] + plan[-1:]
    if kept and kept[0].backoff_s:
        kept[0] = PlannedAttempt(kept[0].model, kept[0].reason, 0.0)
    return kept


class BreakerBoard:
    """Circuit breakers per model, driven only by outcomes the policy observed."""

    def __init__(self, config: CircuitBreaker) -> None:
        self.config = config
        self._fails: dict[str, int] = {}
        self._open_until: dict[str, float] = {}

    def allows(self, model: str, now_s: float) -> bool:
        """False while the breaker of ``model`` is open (after cooldown: half-open, allowed)."""
        return now_s >= self._open_until.get(model, -1.0)

    def observe(self, model: str, ok: bool, now_s: float) -> None:
        """Record an observed outcome; opens the breaker after enough consecutive failures.
        Outcomes arriving while it is open (calls sent before it opened) are not counted: they
        neither extend the open time nor close it."""
        if not self.allows(model, now_s):
            return
        if ok:
            self._fails[model] = 0
            return
        count = self._fails.get(model, 0) + 1
        self._fails[model] = count
        if count >= self.config.failures:
            self._open_until[model] = now_s + self.config.cooldown_s
            self._fails[model] = self.config.failures - 1  # half-open: one more failure reopens
