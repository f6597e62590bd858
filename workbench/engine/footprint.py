"""Footprint: how many tasks a simulation holds in memory at once and about how many bytes that
takes, so a run too big for the machine is refused up front (``--max-memory``) rather than
killed by the operating system; and how many local worker processes a run is worth.

The figures per task were measured on the benchmark scenario (3-rung ladder with a judge,
failover chain; `benchmarks/simulate.py`): a task of a block in flight on the batch path takes
about 330 bytes (400 assumed), a task on the contention path about 2.3 KB (SimPy processes and
per-task Python lists over the whole replication), a kept record about 170 bytes in its frame
and as much again when frames are joined (350 assumed, two attempts per task assumed); a worker
process starts at about 150 MiB (interpreter, numpy, polars, simpy).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from workbench.domain.errors import ScenarioError
from workbench.domain.scenario import Scenario
from workbench.engine.blocks import BlockPlan, peak_tasks_per_day

BATCH_BYTES_PER_TASK = 400
CONTENTION_BYTES_PER_TASK = 2_300
RECORD_BYTES = 350
ATTEMPTS_PER_TASK = 2.0
PROCESS_BYTES = 150 * 2**20
POOL_MIN_TASKS = 2_000_000  # task resolutions below which a process pool costs more than it saves

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
          "gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}


def parse_size(text: str, field: str = "--max-memory") -> int:
    """Bytes of a size such as ``2GiB``, ``1.5GB``, ``800MiB`` or ``1000000``."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(text))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS or float(match.group(1)) <= 0:
        raise ScenarioError("not a size (e.g. 2GiB, 1.5GB, 800MiB)", path=field, value=text)
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(n_bytes: float) -> str:
    """``n_bytes`` in GiB or MiB, e.g. ``1.4 GiB``."""
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.0f} MiB"


@dataclass(frozen=True)
class Footprint:
    """Tasks in memory at once on the batch path (per worker), on the contention path and as
    kept records, the processes holding them, and the bytes estimate."""

    block_tasks: int
    workers: int
    contention_tasks: int
    record_tasks: int
    total_tasks: int

    @classmethod
    def of(cls, scenario: Scenario, days: float, replications: int, batch_policies: int,
           contention_policies: int, workers: int, keep_records: bool) -> Footprint:
        """The footprint of a run (``workers`` processes running chunks at once)."""
        per_day = peak_tasks_per_day(scenario)
        plan = BlockPlan.of(scenario, days)
        block = math.ceil(per_day * min(plan.hours / 24, days))
        total = math.ceil(per_day * days) * replications
        contention = math.ceil(per_day * days) if contention_policies else 0
        kept = total * (batch_policies + contention_policies) if keep_records else 0
        return cls(block if batch_policies else 0, max(1, workers), contention, kept, total)

    @property
    def bytes(self) -> int:
        """Estimated peak bytes of the run on this machine."""
        processes = self.workers + (1 if self.workers > 1 else 0)
        per_worker = (self.block_tasks * BATCH_BYTES_PER_TASK
                      + self.contention_tasks * CONTENTION_BYTES_PER_TASK)
        kept = self.record_tasks * ATTEMPTS_PER_TASK * RECORD_BYTES
        return int(processes * PROCESS_BYTES + self.workers * per_worker + kept)

    def explain(self) -> str:
        """The estimate as a sentence: tasks in memory at once x bytes per task."""
        processes = self.workers + (1 if self.workers > 1 else 0)
        parts = [f"{format_size(self.bytes)}: {processes} process(es) x "
                 + format_size(PROCESS_BYTES)]
        if self.block_tasks:
            parts.append(f"{self.workers} x {self.block_tasks:,} tasks of a block in memory at "
                         f"once x {BATCH_BYTES_PER_TASK} bytes per task")
        if self.contention_tasks:
            parts.append(f"{self.workers} x {self.contention_tasks:,} tasks of a replication on "
                         f"the contention path x {CONTENTION_BYTES_PER_TASK:,} bytes per task")
        if self.record_tasks:
            parts.append(f"{self.record_tasks:,} task records kept x {ATTEMPTS_PER_TASK:g} "
                         f"attempts x {RECORD_BYTES} bytes (write them with --records instead)")
        return " + ".join(parts)

    def check(self, limit_bytes: int | None) -> None:
        """Refuse the run (exit 2) when the estimate exceeds ``limit_bytes``."""
        if limit_bytes is not None and self.bytes > limit_bytes:
            raise ScenarioError(f"the run needs about {self.explain()}; over the limit",
                                path="--max-memory", value=format_size(limit_bytes))


def default_workers(footprint: Footprint, policies: int, chunks: int, cpus: int) -> int:
    """Local worker processes for a run: all CPUs when it has several chunks and enough work
    (tasks x policies) to repay starting processes, else 1 (in-process)."""
    if chunks < 2 or footprint.total_tasks * max(policies, 1) < POOL_MIN_TASKS:
        return 1
    return max(1, min(cpus, chunks))
