"""A probe run: jobs handed to ``max_concurrency`` workers per endpoint over one pooled
``httpx.AsyncClient`` each (``workbench.probe.session`` sends, records and retries); a rerun
resumes where the last one stopped.

Resume: the run folder's ``run.json`` holds the settings that change what is measured
(``measured_settings``) and a fingerprint of them and of the jobs; a changed config is refused
naming what changed. Spend starts from the write-ahead ledger, where a reservation without a
settlement - a request in flight when the process died - counts at its worst case and becomes
a non-final ``interrupted`` record of its task.

SIGINT / SIGTERM: nothing more is sent; requests in flight get ``GRACE_S`` (at most the
longest ``timeout.total_s``) to finish and be recorded, then are cancelled and recorded
``interrupted``; ``ProbeInterrupted`` says how to resume (exit 130 / 143). A second signal
cancels at once.

>>> result = run_probe(load_probe("probe.yaml"), "runs/pilot")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.domain.errors import ProbeError
from workbench.probe.attempt import Attempt
from workbench.probe.config import ProbeSetup
from workbench.probe.ledger import SpendLedger
from workbench.probe.sampler import Job, build_jobs, estimate_tokens, fingerprint
from workbench.probe.session import Prior, ProbeSession, priors, worst_case
from workbench.probe.spend import SpendGuard
from workbench.probe.store import RunStore
from workbench.probe.summary import summarize

GRACE_S = 10.0


class ProbeInterrupted(ProbeError):
    """The run was stopped by SIGINT or SIGTERM; ``exit_code`` is 128 + the signal."""

    def __init__(self, signum: int, out: Path, recorded: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: stopped sending; {recorded} attempts of this "
                         f"session recorded in {out} (any request cut short is counted at its "
                         "worst case). Rerun the same command to resume.")
        self.exit_code = 128 + signum


@dataclass
class ProbeResult:
    """What a run did; ``stopped`` maps endpoint names to why they were stopped (401/403),
    ``failed`` those where every attempt of the run failed to what failed."""

    run_id: str
    out: Path
    jobs: int
    done_before: int
    sent_now: int
    not_sent: int
    spent_usd: float
    peak_usd: float
    cap_usd: float
    stopped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    ab: dict[str, Any] | None = None
    archived: Path | None = None  # where --new-run moved the previous run

    def to_json(self) -> dict[str, Any]:
        """JSON document of the run (no keys: only variable names appear in messages)."""
        return {"run_id": self.run_id, "out": str(self.out), "jobs": self.jobs,
                "done_before": self.done_before, "sent_now": self.sent_now,
                "not_sent": self.not_sent, "spent_usd": self.spent_usd,
                "peak_committed_usd": self.peak_usd, "spend_cap_usd": self.cap_usd,
                "stopped_endpoints": self.stopped, "failed_endpoints": self.failed,
                "warnings": self.warnings,
                "summary": self.summary, "ab": self.ab,
                "previous_run_moved_to": str(self.archived) if self.archived else None}


def arms_of(setup: ProbeSetup, ab: tuple[str, str] | None) -> list[tuple[str, str]]:
    """(label, model) pairs: every probed model, or A = current and B = candidate."""
    if ab is None:
        return [("probe", m) for m in setup.config.models]
    for role, model in zip(("current", "candidate"), ab):
        if model not in setup.config.models:
            raise ProbeError(f"--ab {role}={model}: no endpoint of {setup.file} serves that "
                             f"model (served: {', '.join(setup.config.models)})")
    if ab[0] == ab[1]:
        raise ProbeError(f"--ab: current and candidate are the same model ({ab[0]})")
    return [("A", ab[0]), ("B", ab[1])]


def measured_settings(setup: ProbeSetup, arms: list[tuple[str, str]]) -> dict[str, Any]:
    """Everything in the config that changes what a run measures: endpoints (api, base URL,
    served names), request settings, the sample, the arms and the judge. Not keys, the spend
    cap, concurrency, timeouts or retries. Prompts and checks enter through the jobs."""
    config = setup.config
    return {
        "endpoints": {e.name: {"api": e.api, "base_url": e.base_url, "models": e.models,
                               "anthropic_version": e.anthropic_version,
                               "api_version": e.api_version,
                               "headers": e.headers, "header_env": sorted(e.header_env)}
                      for e in config.endpoints},
        "max_tokens": config.max_tokens, "temperature": config.temperature,
        "stream": config.stream, "sample": config.sample.model_dump(mode="json"),
        "arms": [list(a) for a in arms],
        "judge": config.judge.model_dump(mode="json") if config.judge else None,
    }


async def _work(session: ProbeSession, queue: asyncio.Queue, prior: dict[int, Prior],
                slot: int) -> None:
    while True:
        try:
            job = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        endpoint = session.config.endpoint_of(job.model)
        if session.halted(endpoint):
            return
        await session.run_job(job, prior.get(job.task_id, Prior()), slot)


def recover(session: ProbeSession, jobs: list[Job], rows: list[dict[str, Any]]) -> int:
    """Settle the ledger's reservations left open by a killed session: at the cost of their
    record when it was written, else as a non-final ``interrupted`` record at worst case (a
    judge call: at worst case). Returns the number of interrupted records written."""
    ledger = session.ledger
    _, unsettled = ledger.state()
    recorded = {(r["task_id"], r["attempt"]): r["cost_usd"] for r in rows}
    by_id = {j.task_id: j for j in jobs}
    written = 0
    for u in unsettled:
        key = (u.task_id, u.attempt)
        if key in recorded:
            ledger.settle(u.id, recorded[key])
            continue
        job = by_id.get(u.task_id) if u.task_id is not None else None
        if job is not None and u.attempt is not None:
            _, tokens = worst_case(session.setup.scenario.model(job.model),
                                   estimate_tokens(job.prompt), session.config.max_tokens)
            session.record(job, u.attempt, u.start_s, 0.0, Attempt("interrupted"), u.usd,
                           tokens, False, None)
            written += 1
        ledger.settle(u.id, u.usd)
    return written


async def run_probe_async(setup: ProbeSetup, out: str | Path, *, resume: bool = True,
                          ab: tuple[str, str] | None = None, new_run: bool = False,
                          on_progress: Callable[[int, int], None] | None = None) -> ProbeResult:
    """Run (or resume) a probe; see the module docstring. ``new_run``: move a run found in
    ``out`` aside (``OUT-1``, ...) and start afresh - its spend no longer counts."""
    arms = arms_of(setup, ab)
    jobs = build_jobs(setup, arms)
    config = setup.config
    used = [e.name for _, model in arms for e in config.endpoints_of(model)]
    if ab is not None and config.judge is not None:
        used.append(config.judge.endpoint)
    for name in dict.fromkeys(used):
        config.endpoint(name).api_key()  # a missing variable fails before anything is written
        config.endpoint(name).extra_headers()
    store = RunStore(out)
    archived = store.archive() if new_run else None
    measured = measured_settings(setup, arms)
    meta = {"run_id": store.run_id, "config": str(Path(setup.file).resolve()),
            "scenario": str(Path(setup.scenario.source).resolve()) if setup.scenario.source
            else None, "mode": "ab" if ab else "probe", "arms": [list(a) for a in arms],
            "fingerprint": fingerprint(jobs, measured), "measured": measured,
            "jobs": len(jobs), "max_tokens": config.max_tokens,
            "spend_cap_usd": config.spend_cap_usd, "started_unix": time.time(),
            "endpoints": [{"name": e.name, "api": e.api, "base_url": e.base_url,
                           "api_key_env": e.api_key_env, "models": e.models}
                          for e in config.endpoints]}
    store.begin(meta, resume)
    started = (store.meta() or meta)["started_unix"]
    rows = store.load("records")
    ledger = SpendLedger(store)
    guard = SpendGuard(config.spend_cap_usd)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if on_progress is not None:
            on_progress(done[0], len(jobs))

    session = ProbeSession(setup, store, guard, ledger, started, tick)
    recover(session, jobs, rows)
    guard.charge(ledger.state()[0])
    rows = store.load("records")
    finished = {r["task_id"] for r in rows if r["final"]}
    prior = priors(rows)
    pending = [j for j in jobs if j.task_id not in finished]
    done[0] = len(jobs) - len(pending)
    recorded_before = len(rows)
    loop = asyncio.get_running_loop()
    ab_report = None

    async def body() -> None:
        nonlocal ab_report
        workers = []
        for endpoint in config.endpoints:
            queue: asyncio.Queue = asyncio.Queue()
            for job in pending:
                if config.endpoint_of(job.model) is endpoint:
                    queue.put_nowait(job)
            n = min(endpoint.max_concurrency, queue.qsize())
            workers += [_work(session, queue, prior, slot) for slot in range(n)]
        await asyncio.gather(*workers)
        if ab is not None and session.halt_signal is None:
            from workbench.probe.ab import judge_all

            ab_report = await judge_all(session, jobs)

    main = asyncio.ensure_future(body())
    grace_s = min(GRACE_S, max(e.timeout.total_s for e in config.endpoints))
    grace: list[asyncio.TimerHandle] = []

    def halt(signum: int) -> None:
        if session.halt_signal is None:
            session.halt_signal = signum
            grace.append(loop.call_later(grace_s, main.cancel))
        else:
            main.cancel()

    handled = _install(loop, halt)
    try:
        if on_progress is not None:
            on_progress(done[0], len(jobs))
        try:
            await main
        except asyncio.CancelledError:
            if session.halt_signal is None:
                raise
    finally:
        for handle in grace:
            handle.cancel()
        for signum in handled:
            loop.remove_signal_handler(signum)
        await session.aclose()
        await store.drain()
        store.close()
    rows = store.load("records")
    if session.halt_signal is not None:
        raise ProbeInterrupted(session.halt_signal, store.out, len(rows) - recorded_before)
    finished = {r["task_id"] for r in rows if r["final"]}
    return ProbeResult(store.run_id, store.out, len(jobs), len(jobs) - len(pending),
                       session.sent, len(jobs) - len(finished), guard.spent_usd,
                       guard.peak_usd, guard.cap_usd, session.stopped,
                       failed_endpoints(setup, rows, session.stopped), session.warnings,
                       summarize(rows), ab_report, archived)


def failed_endpoints(setup: ProbeSetup, rows: list[dict[str, Any]],
                     stopped: dict[str, str]) -> dict[str, str]:
    """Endpoints (not stopped by a 401/403) where requests were attempted and none came back
    ``ok``: name -> a line saying what happened."""
    out: dict[str, str] = {}
    for endpoint in setup.config.endpoints:
        if endpoint.name in stopped:
            continue
        tried = [r["outcome"] for r in rows if r["model"] in endpoint.models
                 and r["outcome"] not in ("blocked", "interrupted")]
        if tried and "ok" not in tried:
            counts = ", ".join(f"{k} {tried.count(k)}" for k in sorted(set(tried)))
            out[endpoint.name] = (f"endpoint {endpoint.name!r}: every one of {len(tried)} "
                                  f"attempts failed ({counts}); check its base_url "
                                  f"({endpoint.base_url}), served model names and network")
    return out


def _install(loop: asyncio.AbstractEventLoop, halt: Callable[[int], None]) -> list[int]:
    """Route SIGINT and SIGTERM to ``halt`` (where the loop supports signal handlers)."""
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, halt, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without loop signal handlers
        installed.append(signum)
    return installed


def run_probe(setup: ProbeSetup, out: str | Path, **options: Any) -> ProbeResult:
    """Synchronous ``run_probe_async``."""
    return asyncio.run(run_probe_async(setup, out, **options))
