"""Vectorised resolution of tasks against the provider world (the batch path).

Tasks that do not contend for a shared limit are independent given the outage timeline, so each
step of a policy (an attempt, a rung of the ladder) is applied to all pending tasks at once.
Budget rules are exact: spend is booked at each job's arrival in time order; when a threshold is
crossed the remaining jobs of the month are resolved again with the new rules in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from workbench.domain.policy import Policy
from workbench.domain.scenario import Scenario
from workbench.engine.attempts import OUTCOME, REASON, AttemptLog
from workbench.engine.callspec import CallSpecs
from workbench.engine.quality import QualityModel
from workbench.engine.tasks import DAY_S, TaskTable
from workbench.engine.world import DEGRADED, DOWN, ProviderWorld
from workbench.estimator.ladder import judge_cost_usd
from workbench.policies.attempt import resolve_attempts
from workbench.policies.budget import NO_RULES, BudgetBook, BudgetState, BudgetStates
from workbench.policies.failover import attempt_plan
from workbench.policies.ladder import delivers, is_judged, judge_accepts
from workbench.policies.predictive import cooldown_intervals, in_intervals
from workbench.policies.routing import routes
from workbench.policies.sampling import sample_latency_s


def _present(codes: np.ndarray) -> list[int]:
    """The distinct non-negative integer codes in ``codes`` (faster than np.unique)."""
    if codes.size == 0:
        return []
    return np.flatnonzero(np.bincount(codes)).tolist()


@dataclass
class RunContext:
    """Everything a resolver reads: scenario, policy, world, tasks, prices, RNG."""

    scenario: Scenario
    policy: Policy
    world: ProviderWorld
    tasks: TaskTable
    specs: CallSpecs
    quality: QualityModel
    rng: np.random.Generator


@dataclass
class BudgetCarry:
    """Month-to-date budget state carried from one block of simulated time to the next: the
    month it is for and, per budget (None: the policy's; else a team's), rules fired so far
    and spend booked so far (USD)."""

    month: int = -1
    ledgers: dict[str | None, tuple[int, float]] = field(default_factory=dict)


class Outcomes:
    """Per-task results over the whole task table."""

    def __init__(self, n: int) -> None:
        self.end_s = np.zeros(n)
        self.delivered = np.zeros(n, dtype=bool)
        self.passed = np.zeros(n, dtype=bool)
        self.attempts = np.zeros(n, dtype=np.int16)
        self.cost_usd = np.zeros(n)

    def as_dict(self) -> dict[str, np.ndarray]:
        """Arrays by name."""
        return {"end_s": self.end_s, "delivered": self.delivered, "passed": self.passed,
                "attempts": self.attempts, "cost_usd": self.cost_usd}


class BatchResolver:
    """Resolves every task of one policy in one replication, vectorised."""

    def __init__(self, ctx: RunContext, log: AttemptLog) -> None:
        self.ctx = ctx
        self.log = log
        self.out = Outcomes(len(ctx.tasks))
        self.firings: list[dict] = []
        blocks = {}
        for i in range(len(ctx.tasks.streams)):
            where = np.flatnonzero(ctx.tasks.stream == i)
            blocks[i] = int(where[0]) if where.size else 0
        self.block_start = blocks
        self.cooldowns: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    # ----------------------------------------------------------------- budget
    def run(self, carry: BudgetCarry | None = None) -> tuple[Outcomes, list[dict]]:
        """Resolve all tasks; returns per-task outcomes and budget rule firings. ``carry`` is
        the month-to-date budget state before these tasks, updated in place (the tasks of a
        block of simulated time follow those of the blocks before it)."""
        ctx = self.ctx
        all_tasks = np.arange(len(ctx.tasks))
        if ctx.policy.failover.mode == "predictive":
            self.cooldowns = self._predictive_cooldowns(all_tasks)
        month_s = ctx.scenario.days_per_month * DAY_S
        if not BudgetBook(ctx.policy, month_s).active:
            self._resolve(all_tasks, NO_RULES, self.log)
            return self.out, self.firings
        job_arrival = np.zeros(ctx.tasks.n_jobs)
        job_arrival[ctx.tasks.job] = ctx.tasks.arrival_s
        job_month = (job_arrival // month_s).astype(int)
        carry = BudgetCarry() if carry is None else carry
        for month in np.unique(job_month):
            jobs = np.flatnonzero(job_month == month)
            jobs = jobs[np.argsort(job_arrival[jobs], kind="stable")]
            book = BudgetBook(ctx.policy, month_s)
            for key, ledger in book.ledgers.items():
                ledger.month = int(month)
                if month == carry.month:  # the same month goes on from the blocks before
                    ledger.fired, ledger.spent = carry.ledgers[key]
            self._run_month(int(month), jobs, job_arrival, month_s, book)
            carry.month = int(month)
            carry.ledgers = {k: (g.fired, g.spent) for k, g in book.ledgers.items()}
        return self.out, self.firings

    def _run_month(self, month: int, jobs: np.ndarray, job_arrival: np.ndarray,
                   month_s: float, book: BudgetBook) -> None:
        """Resolve the jobs of one month in arrival order from the ``book``'s month-to-date
        state; when the spend of a prefix crosses the next threshold of a budget (the
        policy's, on every task's cost, or a team's, on its tasks' cost), the rest is
        resolved again with the new rules in force."""
        tasks = self.ctx.tasks
        team_of = np.array([s.task.team for s in tasks.streams] or [""])[tasks.stream]
        start = 0
        while start < jobs.size:
            pending = jobs[start:]
            in_pending = np.zeros(tasks.n_jobs, dtype=bool)
            in_pending[pending] = True
            task_idx = np.flatnonzero(in_pending[tasks.job])
            state = book.state(month * month_s)
            trial = self.log.fork()
            self._resolve(task_idx, state, trial)
            watching = {k: g for k, g in book.ledgers.items() if g.next_level_usd() is not None}
            if not watching:
                self.log.extend(trial)
                return  # every rule has fired: spend no longer matters
            cums, first = {}, None
            for key, ledger in book.ledgers.items():
                mine = task_idx if key is None else task_idx[team_of[task_idx] == key]
                job_cost = np.bincount(tasks.job[mine], weights=self.out.cost_usd[mine],
                                       minlength=tasks.n_jobs)[pending]
                cums[key] = ledger.spent + np.cumsum(job_cost)
                if key in watching:
                    crossing = np.flatnonzero(cums[key] >= ledger.next_level_usd())
                    if crossing.size and (first is None or crossing[0] < first):
                        first = int(crossing[0])
            if first is None:
                self.log.extend(trial)
                for key, ledger in book.ledgers.items():
                    if cums[key].size:
                        ledger.spent = float(cums[key][-1])
                return
            keep_jobs = np.zeros(tasks.n_jobs, dtype=bool)
            keep_jobs[pending[: first + 1]] = True
            trial.keep(keep_jobs[tasks.job])
            self.log.extend(trial)
            when = float(job_arrival[pending[first]])
            for key, ledger in book.ledgers.items():
                self.firings += [f.as_dict() for f in ledger.reach(float(cums[key][first]),
                                                                    when)]
            start += first + 1

    def _predictive_cooldowns(self, all_tasks: np.ndarray) -> dict:
        """When each model cools down under predictive failover: a pilot resolution without
        the rule (its own random stream, thrown away) gives every attempt that would be sent;
        `cooldown_intervals` applies the rule to them in time order. One pass: traffic the
        cooldowns move to backups is not fed back into the backups' windows (the contention
        path, event by event, is exact)."""
        ctx, out = self.ctx, self.out
        self.ctx = replace(ctx, rng=np.random.default_rng(ctx.rng.integers(2**63)))
        self.out = Outcomes(len(ctx.tasks))
        pilot = self.log.fork()
        self._resolve(all_tasks, NO_RULES, pilot)
        self.ctx, self.out = ctx, out
        col = pilot.columns(("model", "start_s", "latency_s", "outcome"))
        sent = (col["outcome"] != OUTCOME["blocked"]) & (col["outcome"] != OUTCOME["rate_limited"])
        config = ctx.policy.failover.predictive
        cooldowns = {}
        for code in _present(col["model"][sent].astype(np.int64)):
            mine = sent & (col["model"] == code)
            start = col["start_s"][mine]
            cooldowns[pilot.models[code]] = cooldown_intervals(
                config, start, start + col["latency_s"][mine],
                col["outcome"][mine] != OUTCOME["ok"])
        return cooldowns

    # ------------------------------------------------------------- resolution
    def _resolve(self, task_idx: np.ndarray, state: BudgetState | BudgetStates,
                 log: AttemptLog) -> None:
        """Resolve ``task_idx`` (all streams, upstream steps first) under budget ``state``
        (per team)."""
        tasks = self.ctx.tasks
        stream_of = tasks.stream[task_idx]
        for i, stream in enumerate(tasks.streams):
            idx = task_idx[stream_of == i]
            if idx.size == 0:
                continue
            start = tasks.ready_s[idx].copy()
            blocked = np.zeros(idx.size, dtype=bool)
            penalty = np.zeros(idx.size)
            for u in stream.upstream:
                up = idx - self.block_start[i] + self.block_start[u]
                start = np.maximum(start, self.out.end_s[up])
                blocked |= ~self.out.delivered[up]
                below = self.out.delivered[up] & ~self.out.passed[up]
                penalty = np.where(below, self.ctx.scenario.workload.workflows[
                    self._workflow_index(stream.workflow)].cascade_penalty, penalty)
            rules = state.for_team(stream.task.team)
            if rules.block_noncritical and not stream.task.is_critical:
                blocked[:] = True
            parts = routes(self.ctx.policy, stream.task)
            pick = self._split_draw([share for _, share in parts], idx.size)
            for k, (target, _) in enumerate(parts):
                mine = pick == k
                first_model = rules.substitute(target.model if not target.escalates
                                               else self.ctx.policy.escalation.ladder[0].model)
                self._block(idx[blocked & mine], start[blocked & mine], first_model, log)
                run = ~blocked & mine
                if not run.any():
                    continue
                if target.escalates:
                    self._ladder(idx[run], start[run], stream.task, penalty[run], rules, log)
                else:
                    self._single(idx[run], start[run], stream.task, target.model, penalty[run],
                                 rules, log)

    def _split_draw(self, shares: list[float], n: int) -> np.ndarray:
        """Which part of a weighted split each of ``n`` tasks takes (index into ``shares``);
        all 0, drawing nothing, when there is one part."""
        if len(shares) == 1:
            return np.zeros(n, dtype=np.int64)
        cuts = np.cumsum(shares)[:-1]
        return np.searchsorted(cuts, self.ctx.rng.random(n), side="right")

    def _workflow_index(self, name: str | None) -> int:
        return [w.name for w in self.ctx.scenario.workload.workflows].index(name)

    def _block(self, idx: np.ndarray, start: np.ndarray, model: str, log: AttemptLog) -> None:
        """Tasks not sent (budget block or failed upstream step): one final 'blocked' record."""
        if idx.size == 0:
            return
        n = idx.size
        self.out.end_s[idx] = start
        self.out.delivered[idx] = False
        self.out.passed[idx] = False
        self.out.attempts[idx] = 1
        self.out.cost_usd[idx] = 0.0
        log.add(task=idx, attempt=np.zeros(n, np.int16),
                model=np.full(n, log.model_code[model], np.int16),
                reason=np.full(n, REASON["route"], np.int8), start_s=start,
                queue_s=np.zeros(n), ttft_s=np.full(n, np.nan), latency_s=np.zeros(n),
                cost_usd=np.zeros(n), judge_cost_usd=np.zeros(n),
                outcome=np.full(n, OUTCOME["blocked"], np.int8), quality_score=np.full(n, np.nan),
                passed=np.full(n, -1, np.int8), accepted=np.full(n, -1, np.int8))

    def _single(self, idx, start, task, model, penalty, state, log) -> None:
        self.out.attempts[idx] = 0
        self.out.cost_usd[idx] = 0.0
        ok, end, served, pos = self._call(idx, start, model, "route", state, log)
        self.out.end_s[idx] = end
        self.out.delivered[idx] = ok
        passed = np.zeros(idx.size, dtype=bool)
        scores = np.full(idx.size, np.nan)
        for code in _present(served[ok]):
            sel = ok & (served == code)
            scores[sel], passed[sel] = self.ctx.quality.draw(
                log.models[code], task, idx[sel], self.ctx.rng, penalty[sel])
        self.out.passed[idx] = passed
        self._mark_quality(log, pos[ok], scores[ok], passed[ok], accepted=None)

    def _ladder(self, idx, start, task, penalty, state, log) -> None:
        esc = self.ctx.policy.escalation
        judge_usd = judge_cost_usd(self.ctx.scenario, esc)
        self.out.attempts[idx] = 0
        self.out.cost_usd[idx] = 0.0
        self.out.delivered[idx] = False
        self.out.passed[idx] = False
        pending, t, pen = idx, start, penalty
        last = len(esc.ladder) - 1
        for r, rung in enumerate(esc.ladder):
            if pending.size == 0:
                break
            ok, end, served, pos = self._call(pending, t, rung.model,
                                              "route" if r == 0 else "escalation", state, log)
            self.out.end_s[pending] = end
            if rung.pass_probability is not None:
                scores, passed = self.ctx.quality.draw_given(rung.pass_probability,
                                                             pending.size, self.ctx.rng, pen)
            else:
                scores = np.full(pending.size, np.nan)
                passed = np.zeros(pending.size, dtype=bool)
                for code in _present(served[ok]):
                    sel = ok & (served == code)
                    scores[sel], passed[sel] = self.ctx.quality.draw(
                        log.models[code], task, pending[sel], self.ctx.rng, pen[sel])
            passed &= ok
            judged = is_judged(r, esc)
            if judged:
                accepted = judge_accepts(passed, self.ctx.rng.random(pending.size), esc.judge)
                accepted &= ok
                self.out.end_s[pending] += np.where(ok, esc.judge.latency_s, 0.0)
                self.out.cost_usd[pending] += np.where(ok, judge_usd, 0.0)
                self._charge_judge(log, pos[ok], judge_usd)
            else:
                accepted = ok.copy()
            self._mark_quality(log, pos[ok], scores[ok], passed[ok],
                               accepted=accepted[ok] if judged else None)
            done = delivers(accepted, ok, r, esc)
            self.out.delivered[pending[done]] = True
            self.out.passed[pending[done]] = passed[done]
            keep = ~done if r < last else np.zeros(pending.size, dtype=bool)
            pending, t, pen = pending[keep], self.out.end_s[pending[keep]], pen[keep]

    # --------------------------------------------------------------- attempts
    def _call(self, idx: np.ndarray, start: np.ndarray, primary: str, reason: str,
              state: BudgetState, log: AttemptLog):
        """One call through the failover plan of ``primary``, budget downgrades applied to
        every model of it. The first attempt sent carries ``reason``, later ones their step's;
        a step on a model cooling down (predictive) is skipped, without its backoff, unless it
        is the plan's last. Returns (ok, end_s, served model code, position of the serving
        attempt in the log as (chunk, row)) per task."""
        failover = self.ctx.policy.failover
        plan = attempt_plan(failover, primary, state.substitute)
        n = idx.size
        ok = np.zeros(n, dtype=bool)
        end = start.copy()
        served = np.full(n, -1, dtype=np.int16)
        pos = np.full((n, 2), -1, dtype=np.int64)
        pending = np.arange(n)
        sent = np.zeros(n, dtype=bool)
        hedge = failover.mode == "hedged" and len(plan) > 1
        k = 0
        while k < len(plan) and pending.size:
            if hedge and k == 0:
                first = self._attempt(idx[pending], start[pending], plan[0].model,
                                      REASON[reason], 0.0, log)
                second = self._attempt(idx[pending], start[pending], plan[1].model,
                                       REASON["hedge"], 0.0, log)
                (ok1, lat1, _c1, p1), (ok2, lat2, _c2, p2) = first, second
                win1 = ok1 & (~ok2 | (lat1 <= lat2))
                win2 = ok2 & ~win1
                for win, lat, model, p in ((win1, lat1, plan[0].model, p1),
                                           (win2, lat2, plan[1].model, p2)):
                    sel = pending[win]
                    ok[sel] = True
                    end[sel] = start[sel] + lat[win]
                    served[sel] = log.model_code[model]
                    pos[sel] = p[win]
                failed = ~(ok1 | ok2)
                end[pending[failed]] = start[pending[failed]] + np.maximum(lat1, lat2)[failed]
                pending = pending[failed]
                sent[pending] = True
                k = 2
                continue
            step = plan[k]
            skipped = pending[:0]
            cooling = self.cooldowns.get(step.model)
            if cooling is not None and k < len(plan) - 1:
                skip = in_intervals(end[pending], *cooling)
                skipped, pending = pending[skip], pending[~skip]
            backoff = np.where(sent[pending], step.backoff_s, 0.0)
            t0 = end[pending] + backoff
            why = np.where(sent[pending], REASON[step.reason], REASON[reason]).astype(np.int8)
            good, lat, _, p = self._attempt(idx[pending], t0, step.model, why, backoff, log)
            end[pending] = t0 + lat
            sent[pending] = True
            sel = pending[good]
            ok[sel] = True
            served[sel] = log.model_code[step.model]
            pos[sel] = p[good]
            pending = np.sort(np.concatenate([skipped, pending[~good]]))
            k += 1
        return ok, end, served, pos

    def _attempt(self, idx, t0, model, reason, backoff_s, log):
        """Send one attempt per task at ``t0`` (``reason``: code(s) of REASON; ``backoff_s``
        waited before it, logged as queueing); log it. Returns (ok, latency_s, cost_usd, log
        positions)."""
        ctx = self.ctx
        spec = ctx.specs[model]
        n = idx.size
        states = ctx.world.state_at(spec.provider.name, t0)
        failed = ctx.rng.random(n) < spec.fail_by_state[states]
        ttft, lat = sample_latency_s(spec.model.latency, ctx.tasks.output_tokens[idx], ctx.rng)
        factor = spec.provider.degraded_latency_factor
        if factor != 1.0:
            slow = states == DEGRADED
            ttft = np.where(slow, ttft * factor, ttft)
            lat = np.where(slow, lat * factor, lat)
        ok, timed_out, latency = resolve_attempts(
            failed, states == DOWN, spec.provider.down_failure == "timeout", ttft, lat,
            ctx.policy.failover.timeout_s)
        outcome = np.where(ok, OUTCOME["ok"], np.where(timed_out, OUTCOME["timeout"],
                                                       OUTCOME["error_5xx"])).astype(np.int8)
        tasks = ctx.tasks
        cost = np.where(ok, spec.cost_usd(tasks.input_tokens[idx], tasks.output_tokens[idx],
                                          tasks.cached_tokens[idx]), 0.0)
        attempt = self.out.attempts[idx].copy()
        self.out.attempts[idx] += 1
        self.out.cost_usd[idx] += cost
        chunk = len(log.chunks)
        log.add(task=idx, attempt=attempt, model=np.full(n, log.model_code[model], np.int16),
                reason=np.broadcast_to(np.int8(reason), (n,)).astype(np.int8), start_s=t0,
                queue_s=np.broadcast_to(backoff_s, (n,)).astype(float),
                ttft_s=np.where(ok, ttft, np.nan),
                latency_s=latency, cost_usd=cost, judge_cost_usd=np.zeros(n), outcome=outcome,
                quality_score=np.full(n, np.nan), passed=np.full(n, -1, np.int8),
                accepted=np.full(n, -1, np.int8))
        positions = np.stack([np.full(n, chunk), np.arange(n)], axis=1)
        return ok, latency, cost, positions

    @staticmethod
    def _mark_quality(log, pos, scores, passed, accepted) -> None:
        for chunk in _present(pos[:, 0]):
            sel = pos[:, 0] == chunk
            rows = pos[sel, 1]
            ch = log.chunks[chunk]
            ch["quality_score"][rows] = scores[sel]
            ch["passed"][rows] = passed[sel].astype(np.int8)
            if accepted is not None:
                ch["accepted"][rows] = accepted[sel].astype(np.int8)

    @staticmethod
    def _charge_judge(log, pos, usd: float) -> None:
        for chunk in _present(pos[:, 0]):
            rows = pos[pos[:, 0] == chunk, 1]
            log.chunks[chunk]["judge_cost_usd"][rows] = usd
