"""Plain, independent restatements of stateful rules, for property tests to compare the
production classes against (never built on the production code)."""

from __future__ import annotations


class ReferenceBreaker:
    """The circuit breaker from its definition, over the whole observed history of a model:
    a failure that ends a run of at least ``failures`` consecutive failures (counted since the
    model's last observed success) opens the breaker for ``cooldown_s`` from that moment; the
    model is allowed at ``now_s`` unless the latest such opening is less than ``cooldown_s``
    old. (So after a cooldown one more failure reopens it at once - half-open - and a success
    is needed before ``failures`` new failures are required again.)"""

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
            run = 0 if ok else run + 1
            if run >= self.failures:
                out.append(time_s)
        return out

    def allows(self, model: str, now_s: float) -> bool:
        """False while the latest opening is younger than the cooldown."""
        openings = self._openings(model)
        return not openings or now_s >= openings[-1] + self.cooldown_s


class ReferenceErrorWindow:
    """Avoid a model once its last ``window`` observed calls are all known and at least
    ``threshold`` of them failed."""

    def __init__(self, window: int, threshold: float) -> None:
        self.window = window
        self.threshold = threshold
        self.history: dict[str, list[bool]] = {}

    def observe(self, model: str, ok: bool) -> None:
        """Append one observed outcome."""
        self.history.setdefault(model, []).append(ok)

    def avoid(self, model: str) -> bool:
        """True when the window is full and its failure share reaches the threshold."""
        last = self.history.get(model, [])[-self.window:]
        return len(last) == self.window and \
            sum(not ok for ok in last) >= self.threshold * self.window
