"""Reducing a replication straight from its attempt log (numpy), without building the records
frame: what large runs (``keep_records=False``) keep. It must equal
`workbench.metrics.summary.reduce_records` on the records frame; a test holds the two together.

The streaming batch path reduces every block of simulated time to a `Tally` and merges the
tallies of a (policy, replication): integer counts and latency histograms add exactly, and
dollar sums are kept as one partial sum per block, added with ``math.fsum`` (exactly rounded,
so the total does not depend on how blocks were grouped into chunks or workers)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from workbench.domain.records import OUTCOMES, REASONS
from workbench.domain.scenario import Scenario
from workbench.engine.attempts import OUTCOME, AttemptLog
from workbench.engine.tasks import TaskTable
from workbench.metrics.breakdown import DIMENSIONS, hosted_monthly_usd
from workbench.metrics.latency_histogram import LatencyHistogram
from workbench.metrics.summary import GROUPS, Reduced

COUNT_SCHEMA = {"policy": pl.String, "replication": pl.Int32, "model_usd": pl.Float64,
                "judge_usd": pl.Float64, "tasks": pl.UInt32, "delivered": pl.UInt32,
                "passed": pl.UInt32, "on_time": pl.UInt32, "attempts": pl.UInt32,
                "failovers": pl.UInt32, "retries": pl.UInt32, "hedges": pl.UInt32,
                "escalations": pl.UInt32, "rate_limited": pl.UInt32, "blocked": pl.UInt32,
                "errors": pl.UInt32}
COUNTS = tuple(k for k, v in COUNT_SCHEMA.items() if v == pl.UInt32)
SPEND_SCHEMA = {"policy": pl.String, "replication": pl.Int32, "dimension": pl.String,
                "key": pl.String, "usd": pl.Float64}
GROUP_SCHEMA = {"policy": pl.String, "dimension": pl.String, "key": pl.String,
                "tasks": pl.UInt32, "delivered": pl.UInt32, "passed": pl.UInt32,
                "on_time": pl.UInt32}


@dataclass
class Tally:
    """Mergeable reduction of one (policy, replication) over some blocks of simulated time."""

    policy: str
    replication: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    model_usd: list[float] = field(default_factory=list)  # one partial sum per block
    judge_usd: list[float] = field(default_factory=list)
    spend: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    groups: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    hosted: set[str] = field(default_factory=set)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def merge(self, other: Tally) -> Tally:
        """Add ``other`` (same policy and replication) into this tally; returns self."""
        for k, v in other.counts.items():
            self.counts[k] += v
        self.model_usd += other.model_usd
        self.judge_usd += other.judge_usd
        for key, parts in other.spend.items():
            self.spend.setdefault(key, []).extend(parts)
        for key, values in other.groups.items():
            acc = self.groups.setdefault(key, [0, 0, 0, 0])
            for i, v in enumerate(values):
                acc[i] += v
        self.hosted |= other.hosted
        self.latency.merge(other.latency)
        return self

    def to_reduced(self, scenario: Scenario) -> Reduced:
        """The `Reduced` of this tally."""
        p, r = self.policy, self.replication
        counts = pl.DataFrame([{"policy": p, "replication": r,
                                "model_usd": math.fsum(self.model_usd),
                                "judge_usd": math.fsum(self.judge_usd), **self.counts}],
                              schema=COUNT_SCHEMA)
        spend = pl.DataFrame([(p, r, dim, key, math.fsum(parts))
                              for (dim, key), parts in self.spend.items()],
                             schema=SPEND_SCHEMA, orient="row")
        groups = pl.DataFrame([(p, dim, key, *values) for (dim, key), values
                               in self.groups.items()], schema=GROUP_SCHEMA, orient="row")
        hosted = hosted_monthly_usd(scenario)
        hosting = ({(p, r): {m: hosted[m] for m in sorted(self.hosted)}} if self.hosted
                   else {})
        return Reduced(counts, spend, {p: self.latency}, hosting, groups)


def _stream_key(tasks: TaskTable, dim: str) -> list[str]:
    pick = {"task_type": lambda s: s.task.name, "team": lambda s: s.task.team,
            "latency_class": lambda s: s.task.latency_class}[dim]
    return [pick(s) for s in tasks.streams]


def _sum_by(keys: list[str], values: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in zip(keys, values.tolist()):
        out[key] = out.get(key, 0.0) + value
    return out


def reduce_log(scenario: Scenario, log: AttemptLog, tasks: TaskTable,
               outcome: dict[str, np.ndarray], *, policy: str, replication: int,
               deadlines_s: np.ndarray) -> Reduced:
    """The Reduced of one policy and replication, from the attempt log."""
    return tally_log(scenario, log, tasks, outcome, policy=policy, replication=replication,
                     deadlines_s=deadlines_s).to_reduced(scenario)


def tally_log(scenario: Scenario, log: AttemptLog, tasks: TaskTable,
              outcome: dict[str, np.ndarray], *, policy: str, replication: int,
              deadlines_s: np.ndarray) -> Tally:
    """The Tally of one policy over the tasks of one block (or a whole replication), counted
    chunk by chunk of the log (no concatenated copy of the attempts)."""
    n_streams, n_models = len(tasks.streams), len(log.models)
    reasons = np.zeros(len(REASONS), dtype=np.int64)
    outcomes = np.zeros(len(OUTCOMES), dtype=np.int64)
    by_stream, by_model = np.zeros(n_streams), np.zeros(n_models)
    seen_stream = np.zeros(n_streams, dtype=np.int64)
    seen_model = np.zeros(n_models, dtype=np.int64)
    sent_model = np.zeros(n_models, dtype=np.int64)
    model_usd = judge_usd = 0.0
    attempts = 0
    for ch in log.chunks:
        model, stream_of = ch["model"], tasks.stream[ch["task"]]
        spend = ch["cost_usd"] + ch["judge_cost_usd"]
        attempts += model.size
        reasons += np.bincount(ch["reason"], minlength=len(REASONS))
        outcomes += np.bincount(ch["outcome"], minlength=len(OUTCOMES))
        by_stream += np.bincount(stream_of, weights=spend, minlength=n_streams)
        seen_stream += np.bincount(stream_of, minlength=n_streams)
        by_model += np.bincount(model, weights=spend, minlength=n_models)
        seen_model += np.bincount(model, minlength=n_models)
        sent_model += np.bincount(model[ch["outcome"] != OUTCOME["blocked"]],
                                  minlength=n_models)
        model_usd += float(ch["cost_usd"].sum())
        judge_usd += float(ch["judge_cost_usd"].sum())
    stream = tasks.stream
    latency = outcome["end_s"] - tasks.arrival_s
    delivered = outcome["delivered"]
    on_time = delivered & (latency <= deadlines_s[stream])
    reason = dict(zip(REASONS, reasons.tolist()))
    tally = Tally(policy, replication)
    tally.counts.update({
        "tasks": len(tasks), "delivered": int(delivered.sum()),
        "passed": int(outcome["passed"].sum()), "on_time": int(on_time.sum()),
        "attempts": attempts, "failovers": reason["failover"],
        "retries": reason["retry"], "hedges": reason["hedge"],
        "escalations": reason["escalation"],
        "rate_limited": int(outcomes[OUTCOME["rate_limited"]]),
        "blocked": int(outcomes[OUTCOME["blocked"]]),
        "errors": int(attempts - outcomes[OUTCOME["ok"]])})
    tally.model_usd.append(model_usd)
    tally.judge_usd.append(judge_usd)
    used_models = seen_model > 0
    for dim in DIMENSIONS:
        if dim in ("task_type", "team"):
            keys = _stream_key(tasks, dim)
            totals = _sum_by(keys, by_stream)
            present = {k for k, seen in zip(keys, seen_stream > 0) if seen}
        else:
            names = log.models if dim == "model" else log.providers
            totals = _sum_by([n for n, u in zip(names, used_models) if u], by_model[used_models])
            present = set(totals)
        for key, usd in totals.items():
            if key in present:
                tally.spend[(dim, key)] = [usd]
    tally.latency.add(latency[delivered])
    hosted = hosted_monthly_usd(scenario)
    tally.hosted = {m for m, c in zip(log.models, sent_model) if c} & set(hosted)
    tally.groups = _groups(tasks, stream, delivered, outcome["passed"], on_time)
    return tally


def _groups(tasks: TaskTable, stream: np.ndarray, delivered: np.ndarray, passed: np.ndarray,
            on_time: np.ndarray) -> dict[tuple[str, str], list[int]]:
    n = len(tasks.streams)
    per_stream = [np.bincount(stream, minlength=n)] + [
        np.bincount(stream[w], minlength=n) for w in (delivered, passed, on_time)]
    out: dict[tuple[str, str], list[int]] = {}
    for dim in GROUPS:
        for i, key in enumerate(_stream_key(tasks, dim)):
            if per_stream[0][i] == 0:
                continue
            acc = out.setdefault((dim, key), [0, 0, 0, 0])
            for k in range(4):
                acc[k] += int(per_stream[k][i])
    return out
