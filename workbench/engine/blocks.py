"""BlockPlan: a replication cut into blocks of simulated time, the unit of task generation,
random streams and reduction of the streaming batch path.

A block lasts 30 days, 7 days or a whole divisor of a day (24, 12, 8, 6, 4, 3, 2 or 1 hours),
the longest whose expected tasks at the scenario's busiest day stay under ``BLOCK_TASKS``:
memory is bounded by a block whatever the volume, and small workloads are not cut finer than
they need (each block costs a fixed overhead). The block length depends on the scenario only, and every block draws
from its own generators keyed by its index (``SeedSequence(seed, spawn_key=(replication, k,
block))``), so results do not depend on how blocks are grouped into chunks of work (a chunk is
a whole number of blocks: what one worker runs, and what progress counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.domain.scenario import Scenario
from workbench.engine.tasks import streams_of

BLOCK_TASKS = 250_000  # expected tasks per block at the busiest day, at most
BLOCK_HOURS = (720, 168, 24, 12, 8, 6, 4, 3, 2, 1)
WORLD, TASKS, POLICY = 0, 1, 2  # spawn_key slots: world, tasks, policy (+ scenario position)


def peak_tasks_per_day(scenario: Scenario) -> float:
    """Expected tasks (workflow steps counted) on the busiest day of the horizon: the mean day
    x the largest weekday weight x growth at the horizon's end."""
    w = scenario.workload
    per_day = 0.0
    for s in streams_of(scenario):
        if s.workflow is None:
            per_day += w.standalone_per_day(s.task)
        else:
            per_day += next(wf.per_day for wf in w.workflows if wf.name == s.workflow)
    weekday = 1.0
    if w.weekday_profile is not None and sum(w.weekday_profile) > 0:
        weekday = max(w.weekday_profile) * 7 / sum(w.weekday_profile)
    months = scenario.horizon.days / scenario.days_per_month
    growth = max(1.0, (1.0 + w.growth_monthly) ** months)
    return per_day * weekday * growth


def block_hours(scenario: Scenario) -> int:
    """Hours per block for this scenario (see the module docstring)."""
    peak = peak_tasks_per_day(scenario)
    for hours in BLOCK_HOURS:
        if peak * hours / 24 <= BLOCK_TASKS:
            return hours
    return BLOCK_HOURS[-1]


@dataclass(frozen=True)
class BlockPlan:
    """Blocks of ``hours`` hours covering ``days`` days (the last one may be shorter)."""

    hours: int
    days: float

    @classmethod
    def of(cls, scenario: Scenario, days: float) -> BlockPlan:
        """The plan of a run of ``days`` days of ``scenario``."""
        return cls(block_hours(scenario), days)

    @property
    def n_blocks(self) -> int:
        """Number of blocks."""
        return max(1, math.ceil(self.days * 24 / self.hours - 1e-9))

    def bounds(self, block: int) -> tuple[int, float]:
        """(first hour, length in days) of ``block``."""
        start = block * self.hours
        return start, min(self.hours, self.days * 24 - start) / 24

    def chunks(self, chunk_days: float | None) -> list[range]:
        """Blocks grouped into chunks of ``chunk_days`` (rounded up to whole blocks; None: one
        chunk)."""
        n = self.n_blocks
        if chunk_days is None:
            return [range(n)]
        size = max(1, math.ceil(chunk_days * 24 / self.hours - 1e-9))
        return [range(a, min(a + size, n)) for a in range(0, n, size)]


def block_seed(seed: int, replication: int, slot: int, block: int) -> np.random.SeedSequence:
    """The seed of one stream (``slot``) of one block."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication, slot, block))


def replication_seed(seed: int, replication: int, slot: int) -> np.random.SeedSequence:
    """The seed of one whole-replication stream (the world; a contention-path policy)."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication, slot))
