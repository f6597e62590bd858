"""A probe run: jobs handed to ``max_concurrency`` workers per endpoint over one pooled
``httpx.AsyncClient`` each; every attempt passes the spend guard, is timed, classified and
recorded; retries back off (honouring Retry-After); a rerun resumes where the last one
stopped.

Per task: attempts until one is ``ok``, one fails in a way a retry cannot fix, or
``retry.max_attempts`` is reached; the last is the ``final`` record. A request the spend guard
refuses (it would cross the cap even once everything in flight settled) is not sent and ends
the task with outcome ``blocked``. A 401/403 stops its endpoint:
its unsent tasks get no record (a resume after fixing the key sends them).

>>> result = run_probe(load_probe("probe.yaml"), "runs/pilot")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from workbench.domain.errors import ProbeError
from workbench.domain.model import Model
from workbench.domain.records import CallRecord
from workbench.probe.api import FAMILIES
from workbench.probe.attempt import BILL_UNKNOWN, Attempt, send
from workbench.probe.config import Endpoint, ProbeSetup
from workbench.probe.sampler import Job, build_jobs, estimate_tokens, fingerprint
from workbench.probe.spend import SpendGuard, worst_case_prompt_tokens, worst_case_usd
from workbench.probe.store import RunStore
from workbench.probe.summary import summarize


@dataclass
class ProbeResult:
    """What a run did; ``stopped`` maps endpoint names to why they were stopped."""

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
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    ab: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON document of the run (no keys: only variable names appear in messages)."""
        return {"run_id": self.run_id, "out": str(self.out), "jobs": self.jobs,
                "done_before": self.done_before, "sent_now": self.sent_now,
                "not_sent": self.not_sent, "spent_usd": self.spent_usd,
                "peak_committed_usd": self.peak_usd, "spend_cap_usd": self.cap_usd,
                "stopped_endpoints": self.stopped, "warnings": self.warnings,
                "summary": self.summary, "ab": self.ab}


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


class ProbeSession:
    """Shared state of one run: clients, spend guard, store, clock."""

    def __init__(self, setup: ProbeSetup, store: RunStore, guard: SpendGuard,
                 started_unix: float, on_final: Callable[[], None] | None = None) -> None:
        self.setup = setup
        self.config = setup.config
        self.store = store
        self.guard = guard
        self.started_unix = started_unix
        self.on_final = on_final
        self.clients: dict[tuple[str, int], httpx.AsyncClient] = {}
        self._ssl = None
        self.stopped: dict[str, str] = {}
        self.warnings: list[str] = []
        self.sent = 0

    def now_s(self) -> float:
        """Seconds since the run first started."""
        return time.time() - self.started_unix

    def client(self, endpoint: Endpoint, slot: int) -> httpx.AsyncClient:
        """The client of worker ``slot`` of ``endpoint``: one keep-alive connection each (one
        pool shared by many connections costs httpcore more per request as concurrency grows;
        see benchmarks/probe.py). Clients share one SSL context."""
        key = (endpoint.name, slot % endpoint.max_concurrency)
        if key not in self.clients:
            t = endpoint.timeout
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            self.clients[key] = httpx.AsyncClient(
                timeout=httpx.Timeout(t.read_s, connect=t.connect_s, pool=None),
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                verify=self._ssl)
        return self.clients[key]

    async def aclose(self) -> None:
        """Close every client."""
        for client in self.clients.values():
            await client.aclose()

    def backoff_s(self, task_id: int, attempt: int, retry_after: float | None) -> float:
        """Wait before the attempt after ``attempt``: exponential with jitter, at least the
        server's Retry-After."""
        retry = self.config.retry
        rng = random.Random(f"{self.config.sample.seed}:{task_id}:{attempt}")
        wait = min(retry.backoff_s * 2 ** (attempt - 1), retry.max_backoff_s)
        wait *= 0.5 + 0.5 * rng.random()
        if retry_after is not None:
            wait = max(wait, min(retry_after, retry.max_retry_after_s))
        return wait

    async def call(self, endpoint: Endpoint, model: str, prompt: str, max_tokens: int,
                   slot: int = 0) -> tuple[Attempt, float, tuple[int, int, int, bool]] | None:
        """One guarded attempt: None when the spend guard refuses, else the attempt, the USD
        charged and (input, cached, output tokens, estimated)."""
        priced = self.setup.scenario.model(model)
        prompt_tokens = estimate_tokens(prompt)
        reservation = await self.guard.acquire(worst_case_usd(priced, prompt_tokens,
                                                              max_tokens))
        if reservation is None:
            return None
        try:
            attempt = await send(self.client(endpoint, slot), endpoint, FAMILIES[endpoint.api],
                                 endpoint.served(model), prompt, max_tokens,
                                 self.config.temperature, self.config.stream)
        except BaseException:
            reservation.settle(reservation.amount_usd)  # cancelled mid-flight: may be billed
            raise
        self.sent += 1
        cost, tokens = account(attempt, priced, prompt_tokens, max_tokens)
        reservation.settle(cost)
        if attempt.outcome == "auth":
            self.stop(endpoint, attempt.http_status)
        elif attempt.outcome == "not_found":
            self.warn(f"endpoint {endpoint.name!r} answered 404 for model {model!r} (served "
                      f"as {endpoint.served(model)!r}): check the name in models")
        return attempt, cost, tokens

    def stop(self, endpoint: Endpoint, status: int | None) -> None:
        """Stop sending to ``endpoint`` after an authentication failure."""
        if endpoint.name not in self.stopped:
            variable = endpoint.api_key_env or "(none: api_key_env is not set)"
            self.stopped[endpoint.name] = (
                f"endpoint {endpoint.name!r} answered HTTP {status}: the key in environment "
                f"variable {variable} is wrong or lacks access; stopped sending to it")

    def warn(self, message: str) -> None:
        """Remember a warning once."""
        if message not in self.warnings:
            self.warnings.append(message)

    async def run_job(self, job: Job, prior_attempts: int, slot: int = 0) -> None:
        """All attempts of one job, each recorded; the last one final."""
        endpoint = self.config.endpoint_of(job.model)
        attempt_no = prior_attempts + 1
        first_start: float | None = None
        queue_s = 0.0
        while endpoint.name not in self.stopped:
            start = self.now_s()
            first_start = start if first_start is None else first_start
            result = await self.call(endpoint, job.model, job.prompt, self.config.max_tokens,
                                     slot)
            if result is None:
                self.record(job, attempt_no, start, queue_s, None, 0.0, (0, 0, 0, False),
                            True, first_start)
                return
            attempt, cost, tokens = result
            final = (attempt.outcome == "ok" or not attempt.retryable
                     or attempt_no >= self.config.retry.max_attempts
                     or endpoint.name in self.stopped)
            self.record(job, attempt_no, start, queue_s, attempt, cost, tokens, final,
                        first_start)
            if final:
                return
            queue_s = self.backoff_s(job.task_id, attempt_no, attempt.retry_after_s)
            await asyncio.sleep(queue_s)
            attempt_no += 1

    def record(self, job: Job, attempt_no: int, start_s: float, queue_s: float,
               attempt: Attempt | None, cost_usd: float, tokens: tuple[int, int, int, bool],
               final: bool, first_start_s: float) -> None:
        """Write the CallRecord of one attempt (``attempt`` None: refused by the guard)."""
        task = job.task
        outcome = "blocked" if attempt is None else attempt.outcome
        ok = outcome == "ok"
        passed = None
        if ok and job.check is not None:
            passed = job.check.passes(attempt.reply.text)  # type: ignore[union-attr]
        latency_s = 0.0 if attempt is None else attempt.latency_s
        task_latency = start_s + latency_s - first_start_s if final else None
        deadline = self.setup.scenario.latency_classes[task.latency_class].deadline_s
        priced: Model = self.setup.scenario.model(job.model)
        self.store.append_record(CallRecord(
            run_id=self.store.run_id, policy=job.arm, replication=0, task_id=job.task_id,
            workflow=None, step=None, task_type=task.name, category=task.category_name,
            team=task.team, tier=task.tier, latency_class=task.latency_class,
            client_facing=task.client_facing, attempt=attempt_no, model=job.model,
            provider=priced.provider, reason="route" if attempt_no == 1 else "retry",
            start_s=start_s, queue_s=queue_s,
            ttft_s=None if attempt is None else attempt.ttft_s, latency_s=latency_s,
            input_tokens=tokens[0], cached_input_tokens=tokens[1], output_tokens=tokens[2],
            tokens_estimated=tokens[3], cost_usd=cost_usd, judge_cost_usd=0.0,
            outcome=outcome, http_status=None if attempt is None else attempt.http_status,
            quality_score=None if passed is None else float(passed), passed=passed,
            accepted=None, final=final, task_latency_s=task_latency,
            task_success=ok if final else None,
            task_passed=(passed if ok else False) if final else None,
            within_deadline=(ok and task_latency <= deadline) if final else None))
        if final:
            if ok:
                self.store.append("outputs", {"task_id": job.task_id,
                                              "text": attempt.reply.text})  # type: ignore[union-attr]
            if self.on_final is not None:
                self.on_final()


def account(attempt: Attempt, model: Model, prompt_tokens: int,
            max_tokens: int) -> tuple[float, tuple[int, int, int, bool]]:
    """USD and (input, cached, output tokens, estimated) of an attempt: usage when the server
    gave it (else estimated at 4 characters per token); worst case when the bill is unknown;
    nothing for a refused request (4xx, 429, 5xx)."""
    if attempt.outcome == "ok":
        reply = attempt.reply
        estimated = reply.input_tokens is None or reply.output_tokens is None  # type: ignore[union-attr]
        inp = reply.input_tokens if reply.input_tokens is not None else prompt_tokens  # type: ignore[union-attr]
        out = reply.output_tokens if reply.output_tokens is not None \
            else estimate_tokens(reply.text)  # type: ignore[union-attr]
        cached = min(reply.cached_input_tokens, inp)  # type: ignore[union-attr]
        return model.call_cost_usd(inp, out, cached), (inp, cached, out, estimated)
    if attempt.outcome in BILL_UNKNOWN:
        inp = worst_case_prompt_tokens(prompt_tokens)
        return worst_case_usd(model, prompt_tokens, max_tokens), (inp, 0, max_tokens, True)
    return 0.0, (0, 0, 0, False)


async def _work(session: ProbeSession, queue: asyncio.Queue, prior: dict[int, int],
                slot: int) -> None:
    while True:
        try:
            job = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        await session.run_job(job, prior.get(job.task_id, 0), slot)


async def run_probe_async(setup: ProbeSetup, out: str | Path, *, resume: bool = True,
                          ab: tuple[str, str] | None = None,
                          on_progress: Callable[[int, int], None] | None = None) -> ProbeResult:
    """Run (or resume) a probe; see the module docstring."""
    arms = arms_of(setup, ab)
    jobs = build_jobs(setup, arms)
    config = setup.config
    used = [config.endpoint_of(model).name for _, model in arms]
    if ab is not None and config.judge is not None:
        used.append(config.judge.endpoint)
    for name in dict.fromkeys(used):
        config.endpoint(name).api_key()  # a missing variable fails before anything is written
    store = RunStore(out)
    meta = {"run_id": store.run_id, "config": str(Path(setup.file).resolve()),
            "scenario": str(Path(setup.scenario.source).resolve()) if setup.scenario.source
            else None, "mode": "ab" if ab else "probe", "arms": [list(a) for a in arms],
            "fingerprint": fingerprint(jobs, {"max_tokens": config.max_tokens,
                                              "stream": config.stream}),
            "jobs": len(jobs), "max_tokens": config.max_tokens,
            "spend_cap_usd": config.spend_cap_usd, "started_unix": time.time(),
            "endpoints": [{"name": e.name, "api": e.api, "base_url": e.base_url,
                           "api_key_env": e.api_key_env, "models": e.models}
                          for e in config.endpoints]}
    store.begin(meta, resume)
    started = (store.meta() or meta)["started_unix"]
    rows = store.load("records")
    finished = {r["task_id"] for r in rows if r["final"]}
    prior: dict[int, int] = {}
    for r in rows:
        prior[r["task_id"]] = max(prior.get(r["task_id"], 0), r["attempt"])
    spent = sum(r["cost_usd"] for r in rows) + sum(j.get("judge_cost_usd", 0.0)
                                                   for j in store.load("judgments"))
    guard = SpendGuard(config.spend_cap_usd, spent)
    pending = [j for j in jobs if j.task_id not in finished]
    done = [len(jobs) - len(pending)]

    def tick() -> None:
        done[0] += 1
        if on_progress is not None:
            on_progress(done[0], len(jobs))

    session = ProbeSession(setup, store, guard, started, tick)
    try:
        if on_progress is not None:
            on_progress(done[0], len(jobs))
        workers = []
        for endpoint in config.endpoints:
            queue: asyncio.Queue = asyncio.Queue()
            for job in pending:
                if job.model in endpoint.models:
                    queue.put_nowait(job)
            n = min(endpoint.max_concurrency, queue.qsize())
            workers += [_work(session, queue, prior, slot) for slot in range(n)]
        await asyncio.gather(*workers)
        ab_report = None
        if ab is not None:
            from workbench.probe.ab import judge_all

            ab_report = await judge_all(session, jobs)
    finally:
        await session.aclose()
        store.close()
    rows = store.load("records")
    finished = {r["task_id"] for r in rows if r["final"]}
    return ProbeResult(store.run_id, store.out, len(jobs), len(jobs) - len(pending),
                       session.sent, len(jobs) - len(finished), guard.spent_usd,
                       guard.peak_usd, guard.cap_usd, session.stopped, session.warnings,
                       summarize(rows), ab_report)


def run_probe(setup: ProbeSetup, out: str | Path, **options: Any) -> ProbeResult:
    """Synchronous ``run_probe_async``."""
    return asyncio.run(run_probe_async(setup, out, **options))
