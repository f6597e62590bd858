"""One session of a probe run: pooled clients, the spend guard and its write-ahead ledger, and
the attempts of each job, recorded.

Per task: attempts until one is ``ok``, one fails in a way a retry cannot fix, or
``retry.max_attempts`` attempts that count were made (``auth`` and ``interrupted`` attempts
do not count); the last is the ``final`` record. A request the spend guard refuses (it would
cross the cap even once everything in flight settled) is not sent and ends the task with
outcome ``blocked``. A model may be served by several endpoints: its tasks go to the first
(primary); an attempt that could not connect (``unreachable``: nothing was sent) is followed at
once by one on the next endpoint that is not halted (``reason`` ``failover``).

A session *halts* an endpoint after a 401/403 (``stopped``), and the whole run on SIGINT or
SIGTERM (``halt_signal``): nothing more is sent there, an attempt that fails after the halt in
a way a retry could fix (or with ``auth``) stays non-final, and a rerun continues those tasks.

Every attempt passes the guard, then its worst case is journaled in the ledger and fsynced,
then it is sent; the record is written, then the ledger settlement. A request cancelled in
flight (the grace time after a signal ran out) is recorded ``interrupted`` at its worst case.
``task_latency_s`` is the sum over the task's attempts - across sessions - of the backoff
waited before each (``queue_s``) and its ``latency_s``; waits for the spend guard are not
part of it (``start_s`` is taken after the guard let the request through).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.domain.model import Model
from workbench.domain.records import CallRecord
from workbench.probe.api import FAMILIES
from workbench.probe.attempt import BILL_UNKNOWN, Attempt, send
from workbench.probe.config import Endpoint, ProbeSetup
from workbench.probe.ledger import SpendLedger, Ticket
from workbench.probe.pace import EndpointPace
from workbench.probe.sampler import Job, estimate_tokens
from workbench.probe.spend import SpendGuard, worst_case_prompt_tokens, worst_case_usd
from workbench.probe.store import RunStore

UNCOUNTED = frozenset({"auth", "interrupted"})  # attempts that do not use up max_attempts
NO_TOKENS = (0, 0, 0, False)
Tokens = tuple[int, int, int, bool]  # input, cached input, output, estimated


@dataclass
class Prior:
    """What earlier sessions did for one task."""

    attempts: int = 0  # highest attempt number recorded
    counted: int = 0  # attempts that count toward retry.max_attempts
    elapsed_s: float = 0.0  # sum of queue_s + latency_s


def priors(rows: list[dict[str, Any]]) -> dict[int, Prior]:
    """Per task id, what its recorded attempts did."""
    out: dict[int, Prior] = {}
    for r in rows:
        p = out.setdefault(r["task_id"], Prior())
        p.attempts = max(p.attempts, r["attempt"])
        p.counted += r["outcome"] not in UNCOUNTED and r["outcome"] != "blocked"
        p.elapsed_s += r["queue_s"] + r["latency_s"]
    return out


@dataclass
class Sent:
    """A guarded attempt: ``attempt`` None when the guard refused (nothing sent)."""

    attempt: Attempt | None
    start_s: float
    cost_usd: float
    tokens: Tokens
    ticket: Ticket | None


def account(attempt: Attempt, model: Model, prompt_tokens: int,
            max_tokens: int) -> tuple[float, Tokens]:
    """USD and tokens of an attempt: usage when the server gave it (else estimated at 4
    characters per token); worst case when the bill is unknown; nothing for a refused
    request (4xx, 429, 5xx) or one that never left the machine (``unreachable``)."""
    if attempt.outcome == "ok":
        reply = attempt.reply
        assert reply is not None
        estimated = reply.input_tokens is None or reply.output_tokens is None
        inp = reply.input_tokens if reply.input_tokens is not None else prompt_tokens
        out = reply.output_tokens if reply.output_tokens is not None \
            else estimate_tokens(reply.text)
        cached = min(reply.cached_input_tokens, inp)
        return model.call_cost_usd(inp, out, cached), (inp, cached, out, estimated)
    if attempt.outcome in BILL_UNKNOWN:
        return worst_case(model, prompt_tokens, max_tokens)
    return 0.0, NO_TOKENS


def worst_case(model: Model, prompt_tokens: int, max_tokens: int) -> tuple[float, Tokens]:
    """USD and (estimated) tokens of a request whose bill cannot be seen."""
    inp = worst_case_prompt_tokens(prompt_tokens)
    return worst_case_usd(model, prompt_tokens, max_tokens), (inp, 0, max_tokens, True)


class ProbeSession:
    """Shared state of one session: clients, spend guard and ledger, store, clock."""

    def __init__(self, setup: ProbeSetup, store: RunStore, guard: SpendGuard,
                 ledger: SpendLedger, started_unix: float,
                 on_final: Callable[[], None] | None = None) -> None:
        self.setup = setup
        self.config = setup.config
        self.store = store
        self.guard = guard
        self.ledger = ledger
        self.started_unix = started_unix
        self.on_final = on_final
        self.clients: dict[tuple[str, int], httpx.AsyncClient] = {}
        self.paces: dict[str, EndpointPace] = {}
        self._ssl = None
        self.stopped: dict[str, str] = {}
        self.halt_signal: int | None = None
        self.warnings: list[str] = []
        self.sent = 0

    def now_s(self) -> float:
        """Seconds since the run first started."""
        return time.time() - self.started_unix

    def halted(self, endpoint: Endpoint) -> bool:
        """Whether nothing more may be sent to ``endpoint`` in this session."""
        return self.halt_signal is not None or endpoint.name in self.stopped

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

    def pace(self, endpoint: Endpoint) -> EndpointPace:
        """The pacing (rpm, tpm, pause and concurrency after 429s) of ``endpoint``."""
        if endpoint.name not in self.paces:
            self.paces[endpoint.name] = EndpointPace(endpoint,
                                                     self.config.retry.max_retry_after_s)
        return self.paces[endpoint.name]

    async def call(self, endpoint: Endpoint, model: str, prompt: str, max_tokens: int,
                   slot: int = 0, *, task_id: int | None = None, attempt_no: int | None = None,
                   judge: int | None = None,
                   on_interrupt: Callable[[float, Attempt, float, Tokens], None] | None = None,
                   ) -> Sent | None:
        """One paced, guarded, journaled attempt. None: not sent because the endpoint or the
        run halted meanwhile. The caller records it, then calls ``settle``. Cancelled in
        flight, it is settled at its worst case after ``on_interrupt(start_s, attempt, usd,
        tokens)`` recorded it."""
        pace = self.pace(endpoint)
        await pace.enter(worst_case_prompt_tokens(estimate_tokens(prompt)) + max_tokens)
        sent: Sent | None = None
        try:
            sent = await self._call(endpoint, model, prompt, max_tokens, slot, task_id,
                                    attempt_no, judge, on_interrupt)
            return sent
        finally:
            attempt = sent.attempt if sent is not None else None
            pace.leave(None if attempt is None else attempt.outcome,
                       None if attempt is None else attempt.retry_after_s)

    async def _call(self, endpoint: Endpoint, model: str, prompt: str, max_tokens: int,
                    slot: int, task_id: int | None, attempt_no: int | None, judge: int | None,
                    on_interrupt: Callable[[float, Attempt, float, Tokens], None] | None,
                    ) -> Sent | None:
        priced = self.setup.scenario.model(model)
        prompt_tokens = estimate_tokens(prompt)
        worst_usd, worst_tokens = worst_case(priced, prompt_tokens, max_tokens)
        reservation = await self.guard.acquire(worst_usd)
        if reservation is None:
            return Sent(None, self.now_s(), 0.0, NO_TOKENS, None)
        if self.halted(endpoint):
            reservation.release()
            return None
        ticket = self.ledger.reserve(worst_usd, task_id=task_id, attempt=attempt_no,
                                     judge=judge, start_s=self.now_s())
        try:
            await self.store.durable("ledger")
        except BaseException:  # cancelled before sending: nothing left the machine
            reservation.release()
            self.ledger.settle(ticket, 0.0)
            raise
        if self.halted(endpoint):
            reservation.release()
            self.ledger.settle(ticket, 0.0)
            return None
        start = self.now_s()
        try:
            attempt = await send(self.client(endpoint, slot), endpoint, FAMILIES[endpoint.api],
                                 endpoint.served(model), prompt, max_tokens,
                                 self.config.temperature, self.config.stream)
        except BaseException:  # cancelled mid-flight: may have been billed
            reservation.settle(worst_usd)
            if on_interrupt is not None:
                on_interrupt(start, Attempt("interrupted", latency_s=self.now_s() - start),
                             worst_usd, worst_tokens)
            self.ledger.settle(ticket, worst_usd)
            raise
        self.sent += 1
        cost, tokens = account(attempt, priced, prompt_tokens, max_tokens)
        reservation.settle(cost)
        if attempt.outcome == "auth":
            self.stop(endpoint, attempt.http_status)
        elif attempt.outcome == "not_found":
            self.warn(f"endpoint {endpoint.name!r} answered 404 for model {model!r} (served "
                      f"as {endpoint.served(model)!r}): check the name in models")
        return Sent(attempt, start, cost, tokens, ticket)

    def settle(self, sent: Sent) -> None:
        """Journal the settlement of a recorded attempt."""
        if sent.ticket is not None:
            self.ledger.settle(sent.ticket, sent.cost_usd)

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

    async def run_job(self, job: Job, prior: Prior, slot: int = 0) -> None:
        """The attempts of one job in this session, each recorded (see the module
        docstring)."""
        endpoints = self.config.endpoints_of(job.model)
        endpoint = endpoints[0]
        attempt_no, counted, elapsed = prior.attempts + 1, prior.counted, prior.elapsed_s
        queue_s = 0.0
        while not self.halted(endpoint):
            reason = "route" if attempt_no == 1 else \
                "failover" if endpoint is not endpoints[0] else "retry"

            def interrupted(start_s: float, attempt: Attempt, usd: float, tokens: Tokens,
                            n: int = attempt_no, q: float = queue_s, why: str = reason) -> None:
                self.record(job, n, start_s, q, attempt, usd, tokens, False, None, why)

            sent = await self.call(endpoint, job.model, job.prompt, self.config.max_tokens,
                                   slot, task_id=job.task_id, attempt_no=attempt_no,
                                   on_interrupt=interrupted)
            if sent is None:
                return
            attempt = sent.attempt
            if attempt is None:
                self.record(job, attempt_no, sent.start_s, queue_s, None, 0.0, NO_TOKENS, True,
                            elapsed + queue_s, reason)
                return
            counted += attempt.outcome not in UNCOUNTED
            elapsed += queue_s + attempt.latency_s
            final = attempt.outcome == "ok" or (
                attempt.outcome != "auth"
                and (not attempt.retryable or counted >= self.config.retry.max_attempts))
            self.record(job, attempt_no, sent.start_s, queue_s, attempt, sent.cost_usd,
                        sent.tokens, final, elapsed if final else None, reason)
            self.settle(sent)
            if final or self.halted(endpoint):
                return
            failover = self._failover(endpoints, endpoint) \
                if attempt.outcome == "unreachable" else None
            if failover is not None:  # nothing was sent: try the next endpoint at once
                endpoint, queue_s = failover, 0.0
            else:
                queue_s = self.backoff_s(job.task_id, attempt_no, attempt.retry_after_s)
                await asyncio.sleep(queue_s)
            attempt_no += 1

    def _failover(self, endpoints: list[Endpoint], current: Endpoint) -> Endpoint | None:
        """The next endpoint of the model after ``current`` that is not halted, if any."""
        k = endpoints.index(current)
        for other in endpoints[k + 1:] + endpoints[:k]:
            if not self.halted(other):
                return other
        return None

    def record(self, job: Job, attempt_no: int, start_s: float, queue_s: float,
               attempt: Attempt | None, cost_usd: float, tokens: Tokens, final: bool,
               task_latency_s: float | None, reason: str | None = None) -> None:
        """Write the CallRecord of one attempt (``attempt`` None: refused by the guard). A
        final delivered output is written to outputs.jsonl before its record, so a record
        marked final always has its output."""
        task = job.task
        outcome = "blocked" if attempt is None else attempt.outcome
        ok = outcome == "ok"
        text = attempt.reply.text if ok and attempt.reply is not None else None
        passed = job.check.passes(text) if text is not None and job.check is not None \
            else None
        deadline = self.setup.scenario.latency_classes[task.latency_class].deadline_s
        priced: Model = self.setup.scenario.model(job.model)
        if final and text is not None:
            self.store.append("outputs", {"task_id": job.task_id, "text": text})
        self.store.append_record(CallRecord(
            run_id=self.store.run_id, policy=job.arm, replication=0, task_id=job.task_id,
            workflow=None, step=None, task_type=task.name, category=task.category_name,
            team=task.team, tier=task.tier, latency_class=task.latency_class,
            client_facing=task.client_facing, attempt=attempt_no, model=job.model,
            provider=priced.provider,
            reason=reason or ("route" if attempt_no == 1 else "retry"),
            start_s=start_s, queue_s=queue_s,
            ttft_s=None if attempt is None else attempt.ttft_s,
            latency_s=0.0 if attempt is None else attempt.latency_s,
            input_tokens=tokens[0], cached_input_tokens=tokens[1], output_tokens=tokens[2],
            tokens_estimated=tokens[3], cost_usd=cost_usd, judge_cost_usd=0.0,
            outcome=outcome, http_status=None if attempt is None else attempt.http_status,
            quality_score=None if passed is None else float(passed), passed=passed,
            accepted=None, final=final, task_latency_s=task_latency_s if final else None,
            task_success=ok if final else None,
            task_passed=(passed if ok else False) if final else None,
            within_deadline=(ok and task_latency_s is not None
                             and task_latency_s <= deadline) if final else None))
        if final and self.on_final is not None:
            self.on_final()
