"""Plain, independent restatements of stateful rules, for property tests to compare the
production classes against (never built on the production code)."""

from __future__ import annotations

import math


class ReferenceBreaker:
    """The circuit breaker from its definition, over the whole observed history of a model:
    outcomes that arrive while the breaker is open are not counted (they were sent before it
    opened); among the counted ones, a failure that ends a run of at least ``failures``
    consecutive failures (since the model's last counted success) opens the breaker for
    ``cooldown_s`` from that moment; the model is allowed at ``now_s`` unless the latest such
    opening is less than ``cooldown_s`` old. (So after a cooldown one more failure reopens it
    at once - half-open - and a success is needed before ``failures`` new failures are
    required again.)"""

    def __init__(self, failures: int, cooldown_s: float) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.history: dict[str, list[tuple[float, bool]]] = {}

    def observe(self, model: str, ok: bool, now_s: float) -> None:
        """Append one observed outcome."""
        self.history.setdefault(model, []).append((now_s, ok))

    def _openings(self, model: str) -> list[float]:
        run, out = 0, []
        for time_s, ok in self.history.get(model, []):
            if out and time_s < out[-1] + self.cooldown_s:
                continue  # arrived while open: not counted
            run = 0 if ok else run + 1
            if run >= self.failures:
                out.append(time_s)
        return out

    def allows(self, model: str, now_s: float) -> bool:
        """False while the latest opening is younger than the cooldown."""
        openings = self._openings(model)
        return not openings or now_s >= openings[-1] + self.cooldown_s


class ReferencePredictive:
    """Predictive failover from its definition: a model trips when the failures among its last
    ``window`` observed calls (counted since it last tripped) reach ceil(threshold x window)
    (at least 1); it is then avoided for ``cooldown_s`` and starts afresh; outcomes that arrive
    while it is avoided are ignored."""

    def __init__(self, window: int, threshold: float, cooldown_s: float) -> None:
        self.window, self.cooldown_s = window, cooldown_s
        self.trip = max(1, math.ceil(threshold * window - 1e-9))
        self.history: dict[str, list[bool]] = {}
        self.until: dict[str, float] = {}

    def avoids(self, model: str, now_s: float) -> bool:
        """True while the model cools down."""
        return now_s < self.until.get(model, -math.inf)

    def observe(self, model: str, ok: bool, now_s: float) -> None:
        """One observed outcome, ending at ``now_s``."""
        if self.avoids(model, now_s):
            return
        history = self.history.setdefault(model, [])
        history.append(ok)
        if sum(not o for o in history[-self.window:]) >= self.trip:
            self.until[model] = now_s + self.cooldown_s
            history.clear()
