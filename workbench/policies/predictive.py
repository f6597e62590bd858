"""Predictive failover: a cooldown driven by the failures the policy observed, as a gateway
does it (LiteLLM: ``allowed_fails``, then ``cooldown_time``).

The rule, per model: keep the outcomes of its last ``window`` observed calls; when the failures
among them reach ``trip = ceil(error_threshold x window)``, the model *trips*: it is avoided for
``cooldown_s`` seconds and its window is cleared. After the cooldown it is tried again (re-probed)
with a fresh window, so traffic comes back once the provider has recovered, and goes away again
after another ``trip`` failures if it has not. Outcomes that arrive while the model is cooling
down (calls sent before the trip) are not counted. Only observed outcomes enter the rule, never
the provider's hidden state.

Two forms of the same rule: `PredictiveCooldown` (incremental, one observation at a time: the
contention path) and `cooldown_intervals` (a whole time-ordered stream at once, vectorised: the
batch path). A test holds them equal.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from workbench.domain.policy import Predictive


def trip_failures(config: Predictive) -> int:
    """Failures among the last ``window`` observed calls that make a model trip (>= 1)."""
    return max(1, math.ceil(config.error_threshold * config.window - 1e-9))


class PredictiveCooldown:
    """The rule as a state machine over observed outcomes (times in seconds)."""

    def __init__(self, config: Predictive) -> None:
        self.config = config
        self.trip = trip_failures(config)
        self._calls: dict[str, deque] = {}
        self._fails: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def avoids(self, model: str, now_s: float) -> bool:
        """True while ``model`` is cooling down at ``now_s``."""
        return now_s < self._until.get(model, -math.inf)

    def observe(self, model: str, ok: bool, now_s: float) -> None:
        """Record the outcome of a call to ``model`` that ended at ``now_s``."""
        if self.avoids(model, now_s):
            return
        calls = self._calls.get(model)
        if calls is None:
            calls = self._calls[model] = deque()
            self._fails[model] = 0
        failed = 0 if ok else 1
        calls.append(failed)
        fails = self._fails[model] + failed
        if len(calls) > self.config.window:
            fails -= calls.popleft()
        if fails >= self.trip:
            self._until[model] = now_s + self.config.cooldown_s
            calls.clear()
            fails = 0
        self._fails[model] = fails


def cooldown_intervals(config: Predictive, start_s: np.ndarray, end_s: np.ndarray,
                       failed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cooldown intervals ``[from_s, to_s)`` of one model, given every call that would be
    sent to it without the rule (sent at ``start_s``, answered at ``end_s`` with ``failed``).
    A call sent while the model cools down is not sent and not observed; the others are
    observed when they end. Same result as feeding `PredictiveCooldown` in order of ``end_s``
    (ties broken by position), checking ``avoids`` at each call's start."""
    order = np.argsort(end_s, kind="stable")
    start, end, fail = (np.asarray(start_s, float)[order], np.asarray(end_s, float)[order],
                        np.asarray(failed, bool)[order])
    n, window, trip, cool = end.size, config.window, trip_failures(config), config.cooldown_s
    skipped = np.zeros(n, dtype=bool)
    longest = float((end - start).max()) if n else 0.0  # a call sent before until ends by then
    froms: list[float] = []
    pos = 0  # first call after the last reset
    while pos < n:
        span = 1024
        while True:
            stop = min(n, pos + span)
            seen = np.flatnonzero(~skipped[pos:stop]) + pos
            cum = np.concatenate(([0], np.cumsum(fail[seen])))
            q = np.arange(1, seen.size + 1)
            count = cum[q] - cum[np.maximum(q - window, 0)]
            hit = np.flatnonzero(count >= trip)
            if hit.size or stop == n:
                break
            span *= 2
        if not hit.size:
            break
        i = int(seen[hit[0]])
        tripped = end[i]
        froms.append(tripped)
        until = tripped + cool
        # calls ending while cooling down are not observed; calls sent while cooling down are
        # not sent at all
        later = slice(i + 1, max(i + 1, int(np.searchsorted(end, until + longest))))
        skipped[later] |= (end[later] < until) | ((start[later] >= tripped)
                                                   & (start[later] < until))
        pos = i + 1
    froms_arr = np.asarray(froms, dtype=float)
    return froms_arr, froms_arr + cool


def in_intervals(times_s: np.ndarray, froms: np.ndarray, tos: np.ndarray) -> np.ndarray:
    """True where a time lies in one of the sorted, disjoint intervals ``[froms, tos)``."""
    times = np.asarray(times_s, dtype=float)
    if froms.size == 0:
        return np.zeros(times.shape, dtype=bool)
    k = np.searchsorted(froms, times, side="right") - 1
    return (k >= 0) & (times < tos[np.clip(k, 0, None)])
