"""The task table of one replication: arrivals (Poisson with hour-of-day and weekday profiles
and monthly growth), batch windows, and token sizes. Shared by every policy of the replication
(common random numbers: policies are compared on the same tasks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.policies.sampling import sample_tokens

DAY_S = 86_400.0
HOUR_S = 3_600.0


@dataclass(frozen=True)
class Stream:
    """A source of tasks: a standalone task type, or one step of a workflow."""

    task: TaskType
    workflow: str | None
    step: str | None
    upstream: tuple[int, ...]  # stream indexes of the steps this one waits for


@dataclass
class TaskTable:
    """One row per task (a workflow instance has one task per step). ``job`` groups the steps
    of one workflow instance (a standalone task is its own job); ``ready_s`` is when a root task
    may start (its arrival, or the next batch window)."""

    streams: list[Stream]
    stream: np.ndarray         # int16, index into streams
    job: np.ndarray            # int64
    arrival_s: np.ndarray      # float64, arrival of the task's job
    ready_s: np.ndarray        # float64
    input_tokens: np.ndarray   # int64
    cached_tokens: np.ndarray  # int64
    output_tokens: np.ndarray  # int64

    def __len__(self) -> int:
        return int(self.stream.size)

    @property
    def n_jobs(self) -> int:
        """Number of jobs."""
        return int(self.job.max()) + 1 if self.job.size else 0


def streams_of(scenario: Scenario) -> list[Stream]:
    """Standalone task types first, then the steps of each workflow in topological order."""
    w = scenario.workload
    out = [Stream(t, None, None, ()) for t in w.task_types if w.standalone_per_day(t) > 0]
    for wf in w.workflows:
        first = len(out)
        order = wf.order()
        index = {step.name: first + i for i, step in enumerate(order)}
        out += [Stream(w.task_type(s.task_type), wf.name, s.name,
                       tuple(index[a] for a in s.after)) for s in order]
    return out


def _profile(weights: list[float] | None, size: int) -> np.ndarray:
    if weights is None:
        return np.ones(size)
    arr = np.asarray(weights, dtype=float)
    return arr * size / arr.sum() if arr.sum() > 0 else np.ones(size)


def hourly_rates(scenario: Scenario, per_day: float, days: float,
                 start_hour: int = 0) -> np.ndarray:
    """Expected arrivals in each hour of ``days`` days from hour ``start_hour`` of the horizon
    (mean day = ``per_day`` before growth)."""
    w = scenario.workload
    hours = int(np.ceil(days * 24))
    mid = (start_hour + np.arange(hours) + 0.5) * HOUR_S
    weekday = _profile(w.weekday_profile, 7)[((mid // DAY_S).astype(int)
                                              + scenario.horizon.start_weekday) % 7]
    hour = _profile(w.hour_profile, 24)[(mid // HOUR_S).astype(int) % 24]
    month_s = scenario.days_per_month * DAY_S
    growth = (1.0 + w.growth_monthly) ** (mid / month_s)
    rates = per_day / 24.0 * weekday * hour * growth
    rates[-1] *= days * 24 - (hours - 1)  # a partial last hour
    return rates


def poisson_arrivals(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times (s) of a Poisson process with the given expected count per hour."""
    counts = rng.poisson(rates)
    starts = np.repeat(np.arange(rates.size, dtype=float) * HOUR_S, counts)
    times = starts + rng.random(starts.size) * HOUR_S
    return np.sort(times)


def window_ready_s(scenario: Scenario, task: TaskType, arrival_s: np.ndarray) -> np.ndarray:
    """When each task may start: its arrival, or the next opening of its batch window."""
    cls = scenario.latency_classes[task.latency_class]
    if cls.window_start_h is None or cls.window_hours >= 24:
        return arrival_s
    start = cls.window_start_h * HOUR_S
    offset = (arrival_s - start) % DAY_S  # seconds since the latest window opening
    inside = offset < cls.window_hours * HOUR_S
    return np.where(inside, arrival_s, arrival_s + DAY_S - offset)


def build_tasks(scenario: Scenario, days: float, rng: np.random.Generator,
                start_hour: int = 0) -> TaskTable:
    """Draw every task arriving in ``days`` days from hour ``start_hour`` of the horizon (a
    replication, or one block of it: arrival times count from the start of the horizon)."""
    streams = streams_of(scenario)
    w = scenario.workload
    parts: list[tuple[int, np.ndarray, np.ndarray]] = []  # (stream, job arrival, job ids)
    next_job = 0
    offset_s = start_hour * HOUR_S

    def arrivals(per_day: float) -> np.ndarray:
        times = poisson_arrivals(hourly_rates(scenario, per_day, days, start_hour), rng)
        return times + offset_s if offset_s else times

    for i, s in enumerate(streams):
        if s.workflow is None:
            arr = arrivals(w.standalone_per_day(s.task))
            parts.append((i, arr, np.arange(next_job, next_job + arr.size)))
            next_job += arr.size
    for wf in w.workflows:
        arr = arrivals(wf.per_day)
        jobs = np.arange(next_job, next_job + arr.size)
        next_job += arr.size
        parts += [(i, arr, jobs) for i, s in enumerate(streams) if s.workflow == wf.name]
    stream, job, arrival, ready, inp, cached, out = [], [], [], [], [], [], []
    for i, arr, jobs in parts:
        task = streams[i].task
        n = arr.size
        stream.append(np.full(n, i, dtype=np.int16))
        job.append(jobs)
        arrival.append(arr)
        ready.append(window_ready_s(scenario, task, arr))
        tokens_in = sample_tokens(task.input_tokens, rng, n)
        inp.append(tokens_in)
        cached.append(np.rint(tokens_in * task.cached_input_share).astype(np.int64))
        out.append(sample_tokens(task.output_tokens, rng, n))
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.empty(0, dtype=dt)
    return TaskTable(streams, cat(stream, np.int16), cat(job, np.int64),
                     cat(arrival, np.float64), cat(ready, np.float64), cat(inp, np.int64),
                     cat(cached, np.int64), cat(out, np.int64))


def concat_tasks(tables: list[TaskTable]) -> tuple[TaskTable, np.ndarray]:
    """One table of consecutive blocks' tables, stream by stream (the steps of a workflow stay
    in aligned blocks, one row per instance; job ids are renumbered to stay distinct), and the
    position of each of its rows in the blocks' tables laid end to end."""
    streams = tables[0].streams
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "stream", "job", "arrival_s", "ready_s", "input_tokens", "cached_tokens",
        "output_tokens")}
    ids: list[np.ndarray] = []
    job_offsets = np.cumsum([0] + [t.n_jobs for t in tables[:-1]]).tolist()
    row_offsets = np.cumsum([0] + [len(t) for t in tables[:-1]]).tolist()
    for i in range(len(streams)):
        for table, jobs, rows in zip(tables, job_offsets, row_offsets):
            sel = np.flatnonzero(table.stream == i)
            ids.append(sel + rows)
            for name, parts in cols.items():
                values = getattr(table, name)[sel]
                parts.append(values + jobs if name == "job" else values)
    table = TaskTable(streams, *(np.concatenate(parts) for parts in cols.values()))
    return table, np.concatenate(ids).astype(np.int64)
