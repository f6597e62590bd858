"""The contention path: every task is a SimPy process; attempts queue on a provider's
concurrency cap (a SimPy Resource) and pass its rate limits (RPM / TPM over a sliding minute,
answering 429 with Retry-After). Circuit breakers, predictive failover and budget rules act on
what the policy has observed so far, in simulated time. Slower than the batch path; used where
tasks contend or the policy reacts to observed failures."""

from __future__ import annotations

import bisect
import math
from collections import deque

import numpy as np
import simpy

from workbench.engine.attempts import OUTCOME, REASON, AttemptLog
from workbench.engine.batch import Outcomes, RunContext
from workbench.engine.tasks import DAY_S
from workbench.engine.world import DEGRADED, DOWN, UP
from workbench.estimator.ladder import judge_cost_usd
from workbench.policies.attempt import resolve_attempt
from workbench.policies.budget import NO_RULES, BudgetBook
from workbench.policies.failover import BreakerBoard, attempt_plan
from workbench.policies.ladder import delivers, is_judged, judge_accepts
from workbench.policies.predictive import PredictiveCooldown
from workbench.policies.routing import Route, routes
from workbench.policies.sampling import attempt_latency_s

WINDOW_S = 60.0
# row layout of an attempt while it is being built
TASK, ATTEMPT, MODEL, REASON_, START, QUEUE, TTFT, LATENCY, COST, OUT, JUDGE, SCORE, PASSED, \
    ACCEPTED = range(14)


class RateLimiter:
    """Requests and tokens per sliding minute. ``admit`` returns None when the request may go,
    else the seconds until it could (the Retry-After a provider would send)."""

    def __init__(self, rpm: int | None, tpm: int | None, retry_after_s: float) -> None:
        self.rpm, self.tpm, self.retry_after_s = rpm, tpm, retry_after_s
        self.sent: deque[tuple[float, int]] = deque()
        self.tokens = 0

    def admit(self, now: float, tokens: int) -> float | None:
        """Admit (and count) a request of ``tokens`` at ``now``, or say how long to wait."""
        while self.sent and self.sent[0][0] <= now - WINDOW_S:
            self.tokens -= self.sent.popleft()[1]
        over_rpm = self.rpm is not None and len(self.sent) >= self.rpm
        over_tpm = self.tpm is not None and self.sent and self.tokens + tokens > self.tpm
        if over_rpm or over_tpm:
            return max(self.sent[0][0] + WINDOW_S - now, self.retry_after_s, 1e-3)
        self.sent.append((now, tokens))
        self.tokens += tokens
        return None


class RandomStream:
    """Uniform and standard normal draws from buffers refilled in bulk (fast scalar draws)."""

    def __init__(self, rng: np.random.Generator, size: int = 65_536) -> None:
        self.rng, self.size = rng, size
        self._u: list[float] = []
        self._z: list[float] = []

    def uniform(self) -> float:
        """One U(0, 1) draw."""
        if not self._u:
            self._u = self.rng.random(self.size).tolist()
        return self._u.pop()

    def normal(self) -> float:
        """One N(0, 1) draw."""
        if not self._z:
            self._z = self.rng.standard_normal(self.size).tolist()
        return self._z.pop()


class ContentionResolver:
    """Resolves every task of one policy in one replication as SimPy processes."""

    def __init__(self, ctx: RunContext, log: AttemptLog) -> None:
        self.ctx, self.log = ctx, log
        self.env = simpy.Environment()
        self.out = Outcomes(len(ctx.tasks))
        self.draw = RandomStream(ctx.rng)
        self.rows: list[list] = []
        self.firings: list[dict] = []
        scenario, failover = ctx.scenario, ctx.policy.failover
        self.caps = {p.name: simpy.Resource(self.env, p.concurrency)
                     for p in scenario.providers if p.concurrency}
        self.limits = {p.name: RateLimiter(p.rpm, p.tpm, p.retry_after_s)
                       for p in scenario.providers if p.rpm or p.tpm}
        self.breakers = BreakerBoard(failover.breaker) if failover.breaker else None
        self.window = PredictiveCooldown(failover.predictive) \
            if failover.mode == "predictive" else None
        self.outages = {d: (t.starts.tolist(), t.ends.tolist(), t.states.tolist())
                        for d, t in ctx.world.timelines.items()}
        self.block_start = {k: int(np.argmax(ctx.tasks.stream == k)) if len(ctx.tasks) else 0
                            for k in range(len(ctx.tasks.streams))}
        self.book = BudgetBook(ctx.policy, scenario.days_per_month * DAY_S)
        self.judge_usd = judge_cost_usd(scenario, ctx.policy.escalation) \
            if ctx.policy.escalation else 0.0
        tasks = ctx.tasks
        self.stream_of = tasks.stream.tolist()
        self.ready = tasks.ready_s.tolist()
        n = len(tasks)  # per-task outcomes as lists while running (fast scalar access)
        self.end, self.cost, self.attempts = [0.0] * n, [0.0] * n, [0] * n
        self.delivered, self.passed = [False] * n, [False] * n
        self.input_tokens = tasks.input_tokens.tolist()
        self.cached_tokens = tasks.cached_tokens.tolist()
        self.output_tokens = tasks.output_tokens.tolist()
        self.routes = [routes(ctx.policy, st.task) for st in tasks.streams]
        self.split_pick: dict[int, Route] = {}  # the part of a weighted split a task took
        self._plans: dict = {}
        self._scores: dict = {}
        self._calls: dict = {}

    def _plan(self, primary: str, state) -> list:
        """The failover plan of ``primary`` with budget downgrades applied (cached)."""
        key = primary if state is NO_RULES else (primary, tuple(sorted(state.downgrade.items())))
        if key not in self._plans:
            self._plans[key] = attempt_plan(self.ctx.policy.failover, primary,
                                            state.substitute)
        return self._plans[key]

    def _call_spec(self, model: str) -> tuple:
        """Per-model constants of the hot path (cached)."""
        if model not in self._calls:
            spec = self.ctx.specs[model]
            p, prof = spec.provider, spec.model.latency
            self._calls[model] = (spec, p.domain, self.caps.get(p.name), self.limits.get(p.name),
                                  spec.fail_by_state.tolist(), prof.ttft_median_s,
                                  prof.ttft_sigma, prof.tokens_per_s, prof.tps_sigma,
                                  p.degraded_latency_factor, p.down_failure == "timeout")
        return self._calls[model]

    # ---------------------------------------------------------------- driver
    def run(self) -> tuple[Outcomes, list[dict]]:
        """Run every job to completion."""
        self.env.process(self._arrivals())
        self.env.run()
        self._flush()
        self.out.end_s[:] = self.end
        self.out.cost_usd[:] = self.cost
        self.out.attempts[:] = self.attempts
        self.out.delivered[:] = self.delivered
        self.out.passed[:] = self.passed
        return self.out, self.firings

    def _arrivals(self):
        """Start each job at its arrival time (tasks of one job in topological order)."""
        tasks = self.ctx.tasks
        order = np.lexsort((tasks.stream, tasks.job, tasks.arrival_s))
        jobs = tasks.job[order]
        cuts = (np.flatnonzero(np.diff(jobs)) + 1).tolist()
        starts = [0] + cuts
        ends = cuts + [int(order.size)]
        order_list = order.tolist()
        arrival = tasks.arrival_s[order].tolist()
        process, env = self.env.process, self.env
        for a, b in zip(starts, ends):
            delay = arrival[a] - env.now
            if delay > 0:
                yield env.timeout(delay)
            if b - a == 1 and not tasks.streams[self.stream_of[order_list[a]]].upstream:
                process(self._task(order_list[a], ()))
            else:
                self._start_job(order_list[a:b])

    def _start_job(self, members: list[int]) -> None:
        """Start the tasks of one job; a workflow step waits for its upstream steps."""
        tasks = self.ctx.tasks
        started: dict[int, simpy.Process] = {}
        for i in members:  # streams are in topological order
            stream = tasks.streams[int(tasks.stream[i])]
            ups = [started[u] for u in stream.upstream]
            started[int(tasks.stream[i])] = self.env.process(self._task(i, ups))

    # ------------------------------------------------------------------ tasks
    def _task(self, i: int, upstream: list):
        """Process of one task: wait for upstream steps and the batch window, apply budget
        rules, then route it straight to a model or up the escalation ladder."""
        ctx, env = self.ctx, self.env
        tasks = ctx.tasks
        stream = tasks.streams[self.stream_of[i]]
        if upstream:
            yield env.all_of(upstream)
        penalty, blocked = 0.0, False
        for u in stream.upstream:
            j = self._upstream_task(i, u)
            blocked |= not self.delivered[j]
            if self.delivered[j] and not self.passed[j]:
                penalty = ctx.scenario.workload.workflows[self._wf(stream.workflow)].cascade_penalty
        ready = self.ready[i]
        if env.now < ready:
            yield env.timeout(ready - env.now)
        state = self._budget(stream.task.team)
        target = self._route(i)
        ladder = ctx.policy.escalation.ladder if target.escalates else None
        first = state.substitute(ladder[0].model if ladder else target.model)
        if blocked or (state.block_noncritical and not stream.task.is_critical):
            self._record(i, first, "route", env.now, 0.0, math.nan, 0.0, 0.0, "blocked")
            self._finish(i, False, False)
            return
        if ladder is None:
            ok, row = yield from self._call(i, target.model, "route", state)
            passed = ok and self._quality(row, stream.task, penalty, None)
            self._finish(i, ok, passed)
            return
        esc = ctx.policy.escalation
        for r, rung in enumerate(ladder):
            ok, row = yield from self._call(i, rung.model,
                                            "route" if r == 0 else "escalation", state)
            last = r == len(ladder) - 1
            if not ok:
                if last:
                    self._finish(i, False, False)
                continue
            passed = self._quality(row, stream.task, penalty, rung.pass_probability)
            if not is_judged(r, esc):
                self._finish(i, True, passed)
                return
            accepted = judge_accepts(passed, self.draw.uniform(), esc.judge)
            self._mark(row, ACCEPTED, int(accepted))
            self._mark(row, JUDGE, self.judge_usd)
            self._spend(self.judge_usd, stream.task.team)
            self.cost[i] += self.judge_usd
            if esc.judge.latency_s:
                yield env.timeout(esc.judge.latency_s)
            if delivers(accepted, True, r, esc):
                self._finish(i, True, passed)
                return

    def _route(self, i: int) -> Route:
        """Where task ``i`` goes; a weighted split draws its part (one uniform draw)."""
        parts = self.routes[self.stream_of[i]]
        if len(parts) == 1:
            return parts[0][0]
        u, total = self.draw.uniform(), 0.0
        for target, share in parts:
            total += share
            if u < total:
                break
        self.split_pick[i] = target
        return target

    def _upstream_task(self, i: int, upstream_stream: int) -> int:
        """Index of the task of ``upstream_stream`` in the same workflow instance as ``i``
        (the steps of a workflow are stored in aligned blocks, one row per instance)."""
        own = int(self.ctx.tasks.stream[i])
        return i - self.block_start[own] + self.block_start[upstream_stream]

    def _wf(self, name: str | None) -> int:
        return [w.name for w in self.ctx.scenario.workload.workflows].index(name)

    def _finish(self, i: int, delivered: bool, passed: bool) -> None:
        """Close task ``i`` now (a task no attempt was sent for gets one 'blocked' record)."""
        if self.attempts[i] == 0:  # every model of the plan was open-circuited: not sent
            target = self.split_pick.get(i) or self.routes[self.stream_of[i]][0][0]
            model = target.model if not target.escalates else \
                self.ctx.policy.escalation.ladder[0].model
            self._record(i, model, "route", self.env.now, 0.0, math.nan, 0.0, 0.0, "blocked")
        self.end[i] = self.env.now
        self.delivered[i] = delivered
        self.passed[i] = passed

    def _quality(self, row: int, task, penalty: float, given: float | None) -> bool:
        """Draw whether the output of attempt ``row`` clears the task's bar; mark it."""
        if given is not None:
            passed = self.draw.uniform() < given * (1.0 - penalty)
            self._mark(row, PASSED, int(passed))
            return passed
        code = self.rows[row][MODEL]
        key = (code, task.name)
        model = self.log.models[code]
        if key not in self._scores:
            chosen = self.ctx.scenario.model(model).quality.for_category(task.category_name)
            self._scores[key] = (chosen.mean, chosen.sd, self.ctx.scenario.bar(task),
                                 self.ctx.quality.empirical(model, task))
        mean, sd, bar, empirical = self._scores[key]
        raw = self.ctx.quality.score_one(model, task, self.rows[row][TASK], 0.0) if empirical \
            else \
            mean + sd * self.draw.normal()
        score = min(1.0, max(0.0, raw - penalty))
        passed = score >= bar
        self._mark(row, SCORE, score)
        self._mark(row, PASSED, int(passed))
        return passed

    # ---------------------------------------------------------------- failover
    def _call(self, i: int, primary: str, reason: str, state):
        """The process steps of one call through the failover plan of ``primary`` (budget
        downgrades applied to every model of it), to be delegated to with ``yield from``;
        they return (ok, serving row or None)."""
        plan = self._plan(primary, state)
        if self.ctx.policy.failover.mode != "hedged" or len(plan) < 2:
            return self._run_plan(i, plan, reason)
        return self._hedged(i, plan, reason)

    def _hedged(self, i: int, plan: list, reason: str):
        """The first two attempts of ``plan`` at once (both paid), then the rest in order."""
        first = self.env.process(self._run_plan(i, plan[:1], reason))
        second = self.env.process(self._run_plan(
            i, [type(plan[1])(plan[1].model, "hedge", 0.0)], "hedge"))
        done = yield first | second
        winner = next(iter(done.values()))
        if winner[0]:
            return winner
        result = yield (second if first in done else first)
        if result[0]:
            return result
        return (yield from self._run_plan(i, plan[2:], None))

    def _run_plan(self, i: int, plan: list, reason: str | None):
        """Attempts in plan order until one succeeds: (ok, serving row or None). The first
        attempt sent carries ``reason`` (None: its step's), later ones their step's. Each
        attempt waits for a slot under the concurrency cap, passes the rate limiter (a 429 is
        retried on the same model after its Retry-After, up to ``rate_limit_retries`` times)
        and is skipped while the policy's breaker is open or the model cools down (predictive;
        never the plan's last attempt); a skipped step costs no backoff. Kept in one
        generator: this is the hot path of the contention simulation."""
        env, failover = self.env, self.ctx.policy.failover
        row, outcome, sent = None, "skipped", False
        last = len(plan) - 1
        for k, step in enumerate(plan):
            if self.window and k < last and self.window.avoids(step.model, env.now):
                continue
            if step.backoff_s and sent:
                yield env.timeout(step.backoff_s)
            why = step.reason if sent or reason is None else reason
            call = self._call_spec(step.model)
            cap, limiter = call[2], call[3]
            for _ in range(failover.rate_limit_retries + 1):
                asked = env.now
                request = cap.request() if cap is not None else None
                if request is not None:
                    yield request
                queue = env.now - asked
                if self.breakers and not self.breakers.allows(step.model, env.now):
                    if request is not None:
                        cap.release(request)
                    outcome = "skipped"
                    break
                wait = limiter.admit(env.now, self.input_tokens[i] + self.output_tokens[i]) \
                    if limiter is not None else None
                if wait is not None:
                    if request is not None:
                        cap.release(request)
                    row = self._record(i, step.model, why, env.now, queue, math.nan, 0.0, 0.0,
                                       "rate_limited")
                    outcome, why, sent = "rate_limited", "retry", True
                    yield env.timeout(wait)
                    continue
                outcome, latency, ttft = self._draw(i, call, env.now)
                start = env.now
                try:
                    yield env.timeout(latency)
                finally:
                    if request is not None:
                        cap.release(request)
                row = self._settle(i, step.model, why, start, queue, ttft, latency, outcome)
                sent = True
                break
            if outcome == "ok":
                return True, row
        return False, None if outcome == "skipped" else row

    def _draw(self, i: int, call: tuple, now: float) -> tuple[str, float, float]:
        """Outcome, latency (s) and time to first token (s) of an attempt sent at ``now``."""
        (_spec, domain, _cap, _limiter, fail_by_state, ttft_median, ttft_sigma, tps_median,
         tps_sigma, factor, hangs) = call
        state = self._state(domain, now)
        failed = self.draw.uniform() < fail_by_state[state]
        ttft = ttft_median * math.exp(ttft_sigma * self.draw.normal())
        tps = tps_median * math.exp(tps_sigma * self.draw.normal()) if tps_sigma else tps_median
        lat = attempt_latency_s(ttft, self.output_tokens[i], tps)
        if state == DEGRADED:
            ttft *= factor
            lat *= factor
        outcome, seconds = resolve_attempt(failed, state == DOWN, hangs, ttft, lat,
                                           self.ctx.policy.failover.timeout_s)
        return outcome, seconds, ttft

    def _settle(self, i: int, model: str, reason: str, start: float, queue: float,
                ttft: float, latency: float, outcome: str) -> int:
        """Book an answered attempt: cost, budget spend, what breakers observe; its row."""
        ok = outcome == "ok"
        cost = self._call_spec(model)[0].cost_usd(
            self.input_tokens[i], self.output_tokens[i], self.cached_tokens[i]) if ok else 0.0
        if cost:
            self.cost[i] += cost
            self._spend(cost, self.ctx.tasks.streams[self.stream_of[i]].task.team)
        if self.breakers:
            self.breakers.observe(model, ok, self.env.now)
        if self.window:
            self.window.observe(model, ok, self.env.now)
        return self._record(i, model, reason, start, queue, ttft if ok else math.nan, latency,
                            cost, outcome)

    def _state(self, domain: str, now: float) -> int:
        starts, ends, states = self.outages[domain]
        k = bisect.bisect_right(starts, now) - 1
        return states[k] if k >= 0 and now < ends[k] else UP

    # ------------------------------------------------------------ bookkeeping
    def _record(self, i, model, reason, start, queue, ttft, latency, cost, outcome) -> int:
        """Append an attempt; returns its row number (the judge and quality fields are set
        later with ``_mark``)."""
        attempt = self.attempts[i]
        self.attempts[i] = attempt + 1
        self.rows.append([i, attempt, self.log.model_code[model], REASON[reason], start, queue,
                          ttft, latency, cost, OUTCOME[outcome], 0.0, math.nan, -1, -1])
        return len(self.rows) - 1

    def _mark(self, row: int, field: int, value) -> None:
        """Set a quality or judge field (JUDGE, SCORE, PASSED, ACCEPTED) of an attempt."""
        self.rows[row][field] = value

    def _budget(self, team: str):
        return self.book.state(self.env.now).for_team(team) if self.book.active else NO_RULES

    def _spend(self, usd: float, team: str) -> None:
        if self.book.active:
            self.firings += [f.as_dict() for f in self.book.spend(usd, team, self.env.now)]

    def _flush(self) -> None:
        """Hand the attempts to the log as numpy columns (one 2-D conversion: fast)."""
        if not self.rows:
            return
        table = np.array(self.rows, dtype=np.float64)
        names = ("task", "attempt", "model", "reason", "start_s", "queue_s", "ttft_s",
                 "latency_s", "cost_usd", "outcome", "judge_cost_usd", "quality_score",
                 "passed", "accepted")
        dtypes = (np.int64, np.int16, np.int16, np.int8, float, float, float, float, float,
                  np.int8, float, float, np.int8, np.int8)
        self.log.add(**{name: table[:, k].astype(dtype)
                        for k, (name, dtype) in enumerate(zip(names, dtypes))})
