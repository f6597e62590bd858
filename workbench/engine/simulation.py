"""simulate(): replications x policies over one provider world and one task table per
replication (common random numbers), each policy resolved on the batch path or, where tasks
contend for rate limits / concurrency or the policy reacts to observed failures, on the SimPy
contention path."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import polars as pl

from workbench.domain.policy import Policy
from workbench.domain.scenario import Scenario
from workbench.engine.attempts import AttemptLog, empty_records, records_frame
from workbench.engine.batch import BatchResolver, RunContext
from workbench.engine.callspec import CallSpecs
from workbench.engine.quality import QualityModel
from workbench.engine.reduction import reduce_log
from workbench.engine.result import SimulationResult
from workbench.engine.tasks import DAY_S, build_tasks
from workbench.engine.world import ProviderWorld
from workbench.metrics.summary import Reduced, summarize_reduced

Progress = Callable[[int, int], None]


def needs_contention_path(scenario: Scenario, policy: Policy) -> bool:
    """True when requests of ``policy`` contend for shared limits or the policy reacts to
    failures it observed (circuit breaker, predictive failover): these need the event path."""
    failover = policy.failover
    if failover.breaker is not None or failover.mode == "predictive":
        return True
    used = {scenario.model(m).provider for _, m in policy.model_names()}
    return any(scenario.provider(p).has_limits for p in used)


def _seeds(seed: int, replication: int, n_policies: int) -> list[np.random.SeedSequence]:
    """World, tasks and one stream per policy (by scenario position), for one replication."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication,)).spawn(2 + n_policies)


def run_replication(scenario: Scenario, replication: int, seed: int, days: float,
                    policies: list[str], outages: bool, path: str = "auto",
                    keep_records: bool = True):
    """One replication of every named policy: (records frame or None, its reduction, outage
    rows, budget firings, paths taken)."""
    from workbench.engine import contention

    seeds = _seeds(seed, replication, len(scenario.policies))
    horizon_s = days * DAY_S
    world = ProviderWorld(scenario, horizon_s, np.random.default_rng(seeds[0]), outages)
    tasks = build_tasks(scenario, days, np.random.default_rng(seeds[1]))
    quality = QualityModel(scenario)
    if quality.source is not None:  # one prompt per task, shared by every policy
        quality.prompts = quality.source.draw_prompts(
            np.random.default_rng(seeds[1].spawn(1)[0]), len(tasks))
    specs = CallSpecs(scenario)
    models = [m.name for m in scenario.models]
    providers = [m.provider for m in scenario.models]
    deadlines = np.array([scenario.latency_classes[s.task.latency_class].deadline_s
                          for s in tasks.streams] or [0.0])
    frames, reduced, firings, paths = [], [], {}, {}
    for name in policies:
        index = scenario.policy_names.index(name)
        policy = scenario.policies[index]
        ctx = RunContext(scenario, policy, world, tasks, specs, quality,
                         np.random.default_rng(seeds[2 + index]))
        log = AttemptLog(models, providers)
        use_events = path == "contention" or (path == "auto"
                                              and needs_contention_path(scenario, policy))
        resolver = (contention.ContentionResolver if use_events else BatchResolver)(ctx, log)
        outcome, fired = resolver.run()
        paths[name] = "contention" if use_events else "batch"
        firings[name] = [{**f, "replication": replication,
                          "day": f["time_s"] / DAY_S} for f in fired]
        reduced.append(reduce_log(scenario, log, tasks, outcome.as_dict(), policy=name,
                                  replication=replication, deadlines_s=deadlines))
        if keep_records:
            frames.append(records_frame(log, tasks, outcome.as_dict(),
                                        run_id=f"{scenario.name}-s{seed}", policy=name,
                                        replication=replication, deadlines_s=deadlines))
    outage_rows = [(replication, p, st, s, e) for p, st, s, e in world.intervals()]
    records = pl.concat(frames) if frames else None
    return records, Reduced.concat(reduced), outage_rows, firings, paths


def _replication_job(args: tuple) -> tuple:
    """One replication, reduced (runs in a worker process when ``workers`` > 1)."""
    scenario, rep, seed, days, names, outages, path, keep_records = args
    frame, part, rows, fired, used = run_replication(scenario, rep, seed, days, names, outages,
                                                     path, keep_records)
    return part, frame, rows, fired, used


def simulate(scenario: Scenario, replications: int = 5, seed: int | None = None,
             policies: list[str] | None = None, outages: bool = True, days: float | None = None,
             path: str = "auto", progress: Progress | None = None, keep_records: bool = True,
             workers: int = 1) -> SimulationResult:
    """Monte Carlo simulation of the scenario's policies: ``replications`` independent runs of
    ``days`` days (default: the horizon), summarised as means with 95% intervals. Each
    replication is reduced as soon as it ends; ``keep_records=False`` drops its records (for
    large runs); ``workers`` > 1 runs replications in parallel processes.

    >>> from workbench.domain import load_scenario
    >>> r = simulate(load_scenario("scenarios/support_desk.yaml"), replications=3)  # doctest: +SKIP
    >>> r.summaries["routed"]["monthly_cost_usd_ci95"]  # doctest: +SKIP
    """
    seed = scenario.seed if seed is None else seed
    days = float(scenario.horizon.days if days is None else days)
    names = policies or scenario.policy_names
    if scenario.baseline not in names:
        names = [scenario.baseline] + list(names)
    jobs = [(scenario, rep, seed, days, names, outages, path, keep_records)
            for rep in range(replications)]
    frames, reduced, outage_rows, firings, paths = [], [], [], {n: [] for n in names}, {}
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        results = pool.map(_replication_job, jobs) if pool else map(_replication_job, jobs)
        for done, (part, frame, rows, fired, used) in enumerate(results, start=1):
            reduced.append(part)
            if frame is not None:
                frames.append(frame)
            outage_rows += rows
            for name, items in fired.items():
                firings[name] += items
            paths.update(used)
            if progress is not None:
                progress(done, replications)
    finally:
        if pool is not None:
            pool.shutdown()
    records = pl.concat(frames) if frames else empty_records()
    outage_frame = pl.DataFrame(outage_rows, schema={"replication": pl.Int32,
                                                     "provider": pl.String, "state": pl.String,
                                                     "start_s": pl.Float64, "end_s": pl.Float64},
                                orient="row")
    summaries = summarize_reduced(scenario, Reduced.concat(reduced), days, firings)
    return SimulationResult(scenario.name, scenario.baseline, seed, replications, days, paths,
                            records, outage_frame, firings, summaries)
