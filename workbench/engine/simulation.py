"""simulate(): replications x policies over one provider world and one task table per
replication (common random numbers), each policy resolved on the batch path or, where tasks
contend for rate limits / concurrency or the policy reacts to observed failures, on the SimPy
contention path.

The batch path streams: a replication is cut into blocks of simulated time
(`workbench.engine.blocks`), grouped into chunks (`workbench.engine.chunks`) that run in-process
or on any `concurrent.futures.Executor` (a local process pool, or a Dask cluster's
``Client(address).get_executor()``); each chunk sends back mergeable tallies and, when asked,
records frames that are streamed to Parquet one block at a time. Results do not depend on the
chunk size, the executor or the number of workers."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import polars as pl

from workbench.domain.policy import Policy
from workbench.domain.scenario import Scenario
from workbench.engine.attempts import empty_records
from workbench.engine.blocks import BlockPlan
from workbench.engine.chunks import Chunk, ChunkResult, run_chunk
from workbench.engine.reduction import Tally
from workbench.engine.result import SimulationResult
from workbench.metrics.summary import Reduced, summarize_reduced

Progress = Callable[[float, float, int], None]  # (simulated days done, days in all, tasks done)
CHUNK_DAYS = 1.0
OUTAGE_SCHEMA = {"replication": pl.Int32, "provider": pl.String, "state": pl.String,
                 "start_s": pl.Float64, "end_s": pl.Float64}


def needs_contention_path(scenario: Scenario, policy: Policy) -> bool:
    """True when requests of ``policy`` contend for shared limits or the policy reacts to
    failures it observed (circuit breaker, predictive failover): these need the event path."""
    failover = policy.failover
    if failover.breaker is not None or failover.mode == "predictive":
        return True
    used = {scenario.model(m).provider for _, m in policy.model_names()}
    return any(scenario.provider(p).has_limits for p in used)


def plan_chunks(scenario: Scenario, replications: Iterable[int], seed: int, days: float,
                policies: list[str], outages: bool = True, path: str = "auto",
                chunk_days: float | None = CHUNK_DAYS, records: bool = False) -> list[Chunk]:
    """The chunks of a run, replication by replication: batch-path chunks of ``chunk_days``
    (one per replication where a batch-path policy has budget rules: month-to-date spend
    crosses chunks), then one contention chunk for the contention-path policies."""
    def on_events(name: str) -> bool:
        policy = scenario.policies[scenario.policy_names.index(name)]
        return path == "contention" or (path == "auto"
                                        and needs_contention_path(scenario, policy))

    batch = tuple(n for n in policies if not on_events(n))
    events = tuple(n for n in policies if on_events(n))
    plan = BlockPlan.of(scenario, days)
    budgeted = any(p.has_budget_rules for p in scenario.policies if p.name in batch)
    groups = [range(plan.n_blocks)] if budgeted else plan.chunks(chunk_days)
    chunks = []
    for rep in replications:
        first = True
        if batch:
            for blocks in groups:
                chunks.append(Chunk(scenario, rep, seed, days, outages, blocks, batch=batch,
                                    records=records, outage_rows=first))
                first = False
        if events:
            chunks.append(Chunk(scenario, rep, seed, days, outages, range(0),
                                contention=events, records=records, outage_rows=first))
    return chunks


def _pool_context():
    """Worker processes forked from a server that imported the engine once: quick to start,
    and safe where the parent already runs polars threads (a plain fork is not)."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["workbench.engine.chunks"])
    return context


def _window(executor: Executor | None, workers: int, records: bool, n_chunks: int) -> int:
    """Chunks in flight at once: all of them when results are small (tallies only), else two
    per worker (records frames wait in memory until their turn to be written)."""
    if not records:
        return max(n_chunks, 1)
    client = getattr(executor, "_client", None)  # a Dask ClientExecutor: its cluster's threads
    slots = sum(client.nthreads().values()) if client is not None else workers
    return 2 * max(slots, 2)


def chunk_days_of(chunk: Chunk) -> float:
    """Simulated days a chunk covers (for progress)."""
    if chunk.contention:
        return chunk.days
    plan = BlockPlan.of(chunk.scenario, chunk.days)
    return sum(plan.bounds(b)[1] for b in chunk.blocks)


def ordered_results(executor: Executor | None, chunks: list[Chunk],
                    window: int) -> Iterator[ChunkResult]:
    """Results of ``chunks`` in order, at most ``window`` in flight (bounded memory)."""
    if executor is None:
        yield from map(run_chunk, chunks)
        return
    pending: deque = deque()
    todo = iter(chunks)
    for chunk in todo:
        pending.append(executor.submit(run_chunk, chunk))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().result()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append(executor.submit(run_chunk, nxt))
        yield result


class RecordSink:
    """Records frames of a run in order: kept in memory, streamed to a Parquet file, or both;
    task ids made global (position in the replication's blocks end to end)."""

    def __init__(self, keep: bool, path: str | Path | None) -> None:
        self.keep, self.path = keep, path
        self.frames: list[pl.DataFrame] = []
        self.writer = None

    def add(self, result: ChunkResult, offsets: dict[int, int]) -> None:
        """Take the frames of one chunk result (``offsets``: tasks before each block)."""
        for block, frame in zip(result.frame_blocks, result.frames):
            if block >= 0 and offsets[block]:
                frame = frame.with_columns(pl.col("task_id") + offsets[block])
            if self.keep:
                self.frames.append(frame)
            if self.path is not None:
                self._write(frame)

    def _write(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = frame.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(str(self.path), table.schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self) -> None:
        """Finish the Parquet file (an empty one when nothing was written)."""
        if self.path is not None and self.writer is None:
            empty_records().write_parquet(self.path)
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def frame(self) -> pl.DataFrame:
        """The kept records (empty frame when none were kept)."""
        return pl.concat(self.frames) if self.frames else empty_records()


def run_chunks(scenario: Scenario, chunks: list[Chunk], *, executor: Executor | None = None,
               sink: RecordSink | None = None, progress: Progress | None = None,
               window: int = 4) -> tuple[dict, list, dict, float]:
    """Run ``chunks`` and merge their results: (tallies by (replication, policy), outage rows,
    firings by policy, CPU seconds the chunks took)."""
    tallies: dict[tuple[int, str], Tally] = {}
    outage_rows: list = []
    firings: dict[str, list[dict]] = {}
    next_id: dict[int, int] = {}  # per replication: tasks of the blocks merged so far
    total_days = sum(chunk_days_of(c) for c in chunks)
    done_days, tasks, cpu_s = 0.0, 0, 0.0
    for chunk, result in zip(chunks, ordered_results(executor, chunks, window)):
        rep = result.replication
        for name, part in result.tallies.items():
            if (rep, name) in tallies:
                tallies[(rep, name)].merge(part)
            else:
                tallies[(rep, name)] = part
        for name, fired in result.firings.items():
            firings.setdefault(name, []).extend(fired)
        outage_rows += result.outage_rows
        offsets = {}
        for block, n in zip(chunk.blocks, result.block_tasks):
            offsets[block] = next_id.get(rep, 0)
            next_id[rep] = offsets[block] + n
        if sink is not None:
            sink.add(result, offsets)
        done_days += chunk_days_of(chunk)
        tasks += result.tasks
        cpu_s += result.cpu_s
        if progress is not None:
            progress(done_days, total_days, tasks)
    return tallies, outage_rows, firings, cpu_s


def _reduced(scenario: Scenario, tallies: dict, replications: Iterable[int],
             names: list[str]) -> Reduced:
    parts = [tallies[(rep, n)].to_reduced(scenario) for rep in replications for n in names
             if (rep, n) in tallies]
    return Reduced.concat(parts)


def _paths(scenario: Scenario, chunks: list[Chunk]) -> dict[str, str]:
    paths = {}
    for c in chunks:
        paths.update({n: "batch" for n in c.batch})
        paths.update({n: "contention" for n in c.contention})
    return {n: paths[n] for n in scenario.policy_names if n in paths}


def run_replication(scenario: Scenario, replication: int, seed: int, days: float,
                    policies: list[str], outages: bool, path: str = "auto",
                    keep_records: bool = True, chunk_days: float | None = CHUNK_DAYS):
    """One replication of every named policy, in-process: (records frame or None, its
    reduction, outage rows, budget firings, paths taken)."""
    chunks = plan_chunks(scenario, [replication], seed, days, policies, outages, path,
                         chunk_days, keep_records)
    sink = RecordSink(keep_records, None)
    tallies, rows, firings, _ = run_chunks(scenario, chunks, sink=sink)
    records = sink.frame() if keep_records else None
    return (records, _reduced(scenario, tallies, [replication], policies), rows,
            {n: firings.get(n, []) for n in policies}, _paths(scenario, chunks))


def local_workers(scenario: Scenario, replications: int, days: float | None = None,
                  keep_records: bool = False, cpus: int | None = None) -> int:
    """Local worker processes worth starting for a run of every policy (1: in-process):
    all CPUs when the run has several chunks and enough tasks to repay the processes."""
    import os

    from workbench.engine.footprint import Footprint, default_workers

    span = float(scenario.horizon.days if days is None else days)
    names = scenario.policy_names
    chunks = plan_chunks(scenario, range(replications), scenario.seed, span, names, True,
                         "auto", CHUNK_DAYS, keep_records)
    batch = len(chunks[0].batch) if chunks and chunks[0].batch else 0
    size = Footprint.of(scenario, span, replications, batch, len(names) - batch, 1, keep_records)
    return default_workers(size, len(names), len(chunks), cpus or os.cpu_count() or 1)


def simulate(scenario: Scenario, replications: int = 5, seed: int | None = None,
             policies: list[str] | None = None, outages: bool = True, days: float | None = None,
             path: str = "auto", progress: Progress | None = None, keep_records: bool = True,
             workers: int = 1, executor: Executor | None = None,
             chunk_days: float | None = CHUNK_DAYS,
             records_path: str | Path | None = None) -> SimulationResult:
    """Monte Carlo simulation of the scenario's policies: ``replications`` independent runs of
    ``days`` days (default: the horizon), summarised as means with 95% intervals.

    The batch path streams blocks of simulated time, reduced as they end; ``keep_records=False``
    keeps no records in memory and ``records_path`` streams them to a Parquet file instead.
    Chunks of ``chunk_days`` (None: a replication) run on ``executor``, or on a local pool of
    ``workers`` processes when ``workers`` > 1; the results are the same for any chunk size,
    executor and worker count (and for one seed, run to run).

    >>> from workbench.domain import load_scenario
    >>> r = simulate(load_scenario("scenarios/support_desk.yaml"), replications=3)  # doctest: +SKIP
    >>> r.summaries["routed"]["monthly_cost_usd_ci95"]  # doctest: +SKIP
    """
    seed = scenario.seed if seed is None else seed
    days = float(scenario.horizon.days if days is None else days)
    names = list(policies or scenario.policy_names)
    if scenario.baseline not in names:
        names = [scenario.baseline] + names
    reps = range(replications)
    chunks = plan_chunks(scenario, reps, seed, days, names, outages, path, chunk_days,
                         keep_records or records_path is not None)
    pool = None
    if executor is None and workers > 1 and len(chunks) > 1:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    sink = RecordSink(keep_records, records_path)
    records = keep_records or records_path is not None
    try:
        tallies, rows, firings, cpu_s = run_chunks(
            scenario, chunks, executor=executor or pool, sink=sink, progress=progress,
            window=_window(executor, workers, records, len(chunks)))
    finally:
        sink.close()
        if pool is not None:
            pool.shutdown()
    firings = {n: firings.get(n, []) for n in names}
    summaries = summarize_reduced(scenario, _reduced(scenario, tallies, reps, names), days,
                                  firings)
    outage_frame = pl.DataFrame(rows, schema=OUTAGE_SCHEMA, orient="row")
    return SimulationResult(scenario.name, scenario.baseline, seed, replications, days,
                            _paths(scenario, chunks), sink.frame(), outage_frame, firings,
                            summaries, cpu_s=cpu_s)
