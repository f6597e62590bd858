"""Chunks: the units of work of a simulation, run in-process or on any Executor worker.

A batch chunk is a run of consecutive blocks of one replication (`workbench.engine.blocks`):
each block's tasks are drawn, resolved by every batch-path policy, reduced to a `Tally` and,
when records are asked for, turned into a records frame, before the next block is drawn - so
a chunk holds one block's tasks at a time, whatever its length. The only state crossing blocks
is each policy's month-to-date budget (`BudgetCarry`); where a policy has budget rules the
replication is one chunk, elsewhere its chunks are independent. A contention chunk runs the
contention-path policies of one replication over the whole horizon (requests queue across
any boundary), on the same tasks as the batch path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from workbench.domain.scenario import Scenario
from workbench.engine.attempts import AttemptLog, records_frame
from workbench.engine.batch import BatchResolver, BudgetCarry, RunContext
from workbench.engine.blocks import POLICY, TASKS, WORLD, BlockPlan, block_seed, replication_seed
from workbench.engine.callspec import CallSpecs
from workbench.engine.quality import QualityModel
from workbench.engine.reduction import Tally, tally_log
from workbench.engine.tasks import DAY_S, TaskTable, build_tasks, concat_tasks, streams_of
from workbench.engine.world import ProviderWorld

rng_of = np.random.default_rng


@dataclass(frozen=True)
class Chunk:
    """One unit of work: ``blocks`` of replication ``replication`` for the ``batch`` policies,
    or the whole replication for the ``contention`` policies."""

    scenario: Scenario
    replication: int
    seed: int
    days: float
    outages: bool
    blocks: range
    batch: tuple[str, ...] = ()
    contention: tuple[str, ...] = ()
    records: bool = False
    outage_rows: bool = False  # return the replication's outage intervals


@dataclass
class ChunkResult:
    """What a chunk sends back: tallies per policy, budget firings, records frames (task ids
    local to their block: ``frame_blocks`` says which, -1 when already global), block sizes."""

    replication: int
    tallies: dict[str, Tally]
    firings: dict[str, list[dict]]
    block_tasks: list[int] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)
    frame_blocks: list[int] = field(default_factory=list)
    outage_rows: list[tuple] = field(default_factory=list)
    days: float = 0.0
    tasks: int = 0
    cpu_s: float = 0.0  # CPU seconds the chunk took in its worker


class _Replication:
    """What every chunk of a replication rebuilds: world, prices, quality, deadlines."""

    def __init__(self, chunk: Chunk) -> None:
        s = self.scenario = chunk.scenario
        self.chunk = chunk
        self.plan = BlockPlan.of(s, chunk.days)
        self.world = ProviderWorld(s, chunk.days * DAY_S,
                                   rng_of(replication_seed(chunk.seed, chunk.replication, WORLD)),
                                   chunk.outages)
        self.specs = CallSpecs(s)
        self.quality = QualityModel(s)
        self.models = [m.name for m in s.models]
        self.providers = [m.provider for m in s.models]
        self.deadlines = np.array([s.latency_classes[st.task.latency_class].deadline_s
                                   for st in streams_of(s)] or [0.0])

    def block_tasks(self, block: int) -> tuple[TaskTable, np.ndarray | None]:
        """The tasks of ``block`` and their prompts (when a table is the quality source)."""
        c = self.chunk
        start_hour, days = self.plan.bounds(block)
        seed = block_seed(c.seed, c.replication, TASKS, block)
        tasks = build_tasks(self.scenario, days, rng_of(seed), start_hour)
        prompts = None
        if self.quality.source is not None:  # one prompt per task, shared by every policy
            prompts = self.quality.source.draw_prompts(rng_of(seed.spawn(1)[0]), len(tasks))
        return tasks, prompts

    def context(self, name: str, tasks: TaskTable, rng: np.random.Generator) -> RunContext:
        policy = self.scenario.policies[self.scenario.policy_names.index(name)]
        return RunContext(self.scenario, policy, self.world, tasks, self.specs, self.quality,
                          rng)

    def finish(self, result: ChunkResult, name: str, log: AttemptLog, tasks: TaskTable,
               outcome, fired: list[dict], block: int) -> None:
        """Reduce one policy's attempts (and keep its records when asked)."""
        c = self.chunk
        out = outcome.as_dict()
        part = tally_log(self.scenario, log, tasks, out, policy=name,
                         replication=c.replication, deadlines_s=self.deadlines)
        if name in result.tallies:
            result.tallies[name].merge(part)
        else:
            result.tallies[name] = part
        result.firings.setdefault(name, []).extend(
            {**f, "replication": c.replication, "day": f["time_s"] / DAY_S} for f in fired)
        if c.records:
            result.frames.append(records_frame(
                log, tasks, out, run_id=f"{self.scenario.name}-s{c.seed}", policy=name,
                replication=c.replication, deadlines_s=self.deadlines))
            result.frame_blocks.append(block)


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run one chunk (in a worker process, a Dask worker or in-process)."""
    started = time.process_time()
    result = _run_chunk(chunk)
    result.cpu_s = time.process_time() - started
    return result


def _run_chunk(chunk: Chunk) -> ChunkResult:
    rep = _Replication(chunk)
    result = ChunkResult(chunk.replication, {}, {})
    if chunk.outage_rows:
        result.outage_rows = [(chunk.replication, p, st, s, e)
                              for p, st, s, e in rep.world.intervals()]
    if chunk.contention:
        _run_contention(rep, chunk, result)
        return result
    carry = {name: BudgetCarry() for name in chunk.batch}
    for block in chunk.blocks:
        tasks, prompts = rep.block_tasks(block)
        rep.quality.prompts = prompts
        for name in chunk.batch:
            index = chunk.scenario.policy_names.index(name)
            rng = rng_of(block_seed(chunk.seed, chunk.replication, POLICY + index, block))
            log = AttemptLog(rep.models, rep.providers)
            outcome, fired = BatchResolver(rep.context(name, tasks, rng), log).run(carry[name])
            rep.finish(result, name, log, tasks, outcome, fired, block)
        result.block_tasks.append(len(tasks))
        result.days += rep.plan.bounds(block)[1]
        result.tasks += len(tasks)
    return result


def _run_contention(rep: _Replication, chunk: Chunk, result: ChunkResult) -> None:
    """Every task of the replication through the contention-path policies (SimPy)."""
    from workbench.engine.contention import ContentionResolver

    blocks = [rep.block_tasks(b) for b in range(rep.plan.n_blocks)]
    tasks, ids = concat_tasks([t for t, _ in blocks])
    if rep.quality.source is not None:
        rep.quality.prompts = np.concatenate([p for _, p in blocks])[ids]
    del blocks
    for name in chunk.contention:
        index = chunk.scenario.policy_names.index(name)
        rng = rng_of(replication_seed(chunk.seed, chunk.replication, POLICY + index))
        log = AttemptLog(rep.models, rep.providers)
        outcome, fired = ContentionResolver(rep.context(name, tasks, rng), log).run()
        rep.finish(result, name, log, tasks, outcome, fired, -1)
    if chunk.records:  # task ids as on the batch path: position in the blocks end to end
        result.frames = [f.with_columns(pl.Series("task_id", ids).gather(f["task_id"]))
                         for f in result.frames]
    result.days = chunk.days
    result.tasks = len(tasks)
