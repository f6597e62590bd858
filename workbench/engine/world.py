"""ProviderWorld: the up / degraded / down timeline of every failure domain over a run.

Each failure domain is a SimPy process alternating up and outage periods (exponential time
between failures with mean MTBF, exponential repair with mean MTTR; an outage is partial with
probability ``partial_share``), or a replay of real incidents (read, filtered and mapped by
workbench.domain.incidents, which the estimator shares). Requests look states up with
``state_at`` (vectorised) - outages do not depend on traffic, so the timeline is built first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import simpy

from workbench.domain.incidents import replayed_intervals
from workbench.domain.provider import Provider
from workbench.domain.scenario import Scenario

UP, DEGRADED, DOWN = 0, 1, 2
STATE_NAMES = ("up", "degraded", "down")
DAY_S = 86_400.0


@dataclass(frozen=True)
class Timeline:
    """Non-overlapping outage intervals [start_s, end_s) with their state, sorted."""

    starts: np.ndarray
    ends: np.ndarray
    states: np.ndarray

    def state_at(self, times_s: np.ndarray) -> np.ndarray:
        """State code (UP / DEGRADED / DOWN) at each time."""
        times = np.asarray(times_s, dtype=float)
        if self.starts.size == 0:
            return np.zeros(times.shape, dtype=np.int8)
        idx = np.searchsorted(self.starts, times, side="right") - 1
        safe = np.clip(idx, 0, None)
        inside = (idx >= 0) & (times < self.ends[safe])
        return np.where(inside, self.states[safe], UP).astype(np.int8)

    def down_share(self, horizon_s: float, state: int = DOWN) -> float:
        """Share of [0, horizon_s) spent in ``state``."""
        mask = self.states == state
        overlap = np.minimum(self.ends[mask], horizon_s) - np.minimum(self.starts[mask], horizon_s)
        return float(overlap.sum() / horizon_s)


EMPTY = Timeline(np.empty(0), np.empty(0), np.empty(0, dtype=np.int8))


def _outages(env: simpy.Environment, rng: np.random.Generator, p: Provider, log: list) -> object:
    """SimPy process: alternate up and outage periods forever."""
    mtbf_s = float(p.mtbf_days) * DAY_S
    mttr_s = p.mttr_hours * 3600.0
    while True:
        yield env.timeout(rng.exponential(mtbf_s))
        state = DEGRADED if rng.random() < p.partial_share else DOWN
        repair_s = rng.exponential(mttr_s)
        log.append((env.now, env.now + repair_s, state))  # logged whole: may outlast the run
        yield env.timeout(repair_s)


def _to_timeline(rows: list[tuple[float, float, int]], horizon_s: float) -> Timeline:
    """Merge possibly overlapping intervals, keeping the worst state at every instant."""
    rows = [(max(0.0, s), min(horizon_s, e), st) for s, e, st in rows if e > s and s < horizon_s]
    if not rows:
        return EMPTY
    cuts = sorted({t for s, e, _ in rows for t in (s, e)})
    starts, ends, states = [], [], []
    for a, b in itertools.pairwise(cuts):
        worst = max((st for s, e, st in rows if s <= a and e >= b), default=UP)
        if worst == UP:
            continue
        if states and states[-1] == worst and ends[-1] == a:
            ends[-1] = b
        else:
            starts.append(a), ends.append(b), states.append(worst)
    return Timeline(np.array(starts), np.array(ends), np.array(states, dtype=np.int8))


def read_incidents(scenario: Scenario, p: Provider, horizon_s: float) -> Timeline:
    """Replay ``p.incidents`` over [0, horizon_s): the rows of its incident provider listing
    one of its services exactly, each impact mapped by ``p.incident_impact``, from
    ``incidents_from`` on (see workbench.domain.incidents, shared with the estimator)."""
    rows = replayed_intervals(p, scenario.resolve_path(str(p.incidents)), horizon_s)
    if not rows:
        return EMPTY
    return Timeline(np.array([s for s, _, _ in rows], dtype=float),
                    np.array([e for _, e, _ in rows], dtype=float),
                    np.array([STATE_NAMES.index(st) for _, _, st in rows], dtype=np.int8))


class ProviderWorld:
    """Outage timelines of every failure domain over ``horizon_s`` seconds, built in SimPy."""

    def __init__(self, scenario: Scenario, horizon_s: float, rng: np.random.Generator,
                 outages: bool = True) -> None:
        self.scenario = scenario
        self.horizon_s = horizon_s
        self.timelines: dict[str, Timeline] = {}
        env = simpy.Environment()
        logs: dict[str, list] = {}
        for p in scenario.providers:
            if p.domain in self.timelines or p.domain in logs:
                continue
            if not outages:
                self.timelines[p.domain] = EMPTY
            elif p.incidents is not None:
                self.timelines[p.domain] = read_incidents(scenario, p, horizon_s)
            elif p.mtbf_days is not None:
                logs[p.domain] = []
                env.process(_outages(env, rng, p, logs[p.domain]))
            else:
                self.timelines[p.domain] = EMPTY
        env.run(until=horizon_s)
        for domain, log in logs.items():
            self.timelines[domain] = _to_timeline(log, horizon_s)

    def timeline(self, provider: str) -> Timeline:
        """Timeline of the failure domain of ``provider``."""
        return self.timelines[self.scenario.provider(provider).domain]

    def state_at(self, provider: str, times_s: np.ndarray) -> np.ndarray:
        """State codes of ``provider`` at ``times_s``."""
        return self.timeline(provider).state_at(times_s)

    def intervals(self) -> list[tuple[str, str, float, float]]:
        """(provider, state name, start_s, end_s) rows for charts."""
        out = []
        for p in self.scenario.providers:
            tl = self.timeline(p.name)
            out += [(p.name, STATE_NAMES[int(st)], float(s), float(e))
                    for s, e, st in zip(tl.starts, tl.ends, tl.states)]
        return out
