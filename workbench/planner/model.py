"""The integer program of `workbench optimize`, solved exactly by HiGHS (`scipy.optimize.milp`
with a zero relative gap).

Variables: ``z_g`` (global choice g: ladder and failover), ``x_gbk`` (block b takes option k
under g), ``y_m`` (self-hosted model m is paid for). With the per-block terms of
`workbench.planner.terms`:

    minimise    sum usd_gbk x_gbk + sum hosting_m y_m
    subject to  sum_g z_g = 1;   sum_k x_gbk = z_g                    (one option per block)
                sum (passed - f delivered) x >= 0                     (pass rate >= f)
                sum (available - A tasks) x >= 0                      (availability >= A)
                sum latency_slack(Z) x >= 0                           (p95 <= Z)
                sum usd x + sum hosting y <= B                        (budget)
                x_gbk <= y_m for every hosted m the option calls

``objective="quality"`` maximises the pass rate (a ratio) by Dinkelbach's iteration - each step
maximises ``passed - lambda delivered`` - then takes the cheapest policy at that rate.
Options dominated on every coefficient for every floor (dearer, no more passed at f = 0 and
f = 1, no more available, no more latency slack, no fewer hosted models) are dropped first:
they cannot be in a unique optimum.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from workbench.estimator.latency import mixture_quantile
from workbench.planner.space import SearchSpace
from workbench.planner.terms import Term, TermTable
from workbench.policies.routing import LADDER

TOL = 1e-9


@dataclass(frozen=True)
class Constraints:
    """Floors and caps: pass rate, availability (shares), latency p95 (s), monthly USD."""

    min_pass: float | None = None
    min_availability: float | None = None
    max_p95_s: float | None = None
    budget_usd: float | None = None

    def relaxed(self, name: str) -> Constraints:
        """The same constraints without ``name``."""
        return Constraints(**{**self.__dict__, name: None})


@dataclass
class Column:
    """One x variable: block ``block`` takes ``option`` under failover ``fo``; ``ladder`` is
    the ladder the option sends tasks up (None: models only); ``g`` the global choice whose
    policy the option belongs to."""

    fo: int
    ladder: int | None
    g: int
    block: int
    option: tuple[str, ...]
    term: Term


@dataclass
class Solution:
    """A chosen policy and its figures, as the sums of its terms."""

    g: int
    assignment: dict[str, str]
    monthly_cost_usd: float
    quality_pass_rate: float | None
    availability: float
    latency_p95_s: float | None
    mip_gap: float = 0.0

    def metrics(self) -> dict:
        """The JSON metrics of the CLI contract."""
        return {"monthly_cost_usd": round(self.monthly_cost_usd, 6),
                "quality_pass_rate": _r(self.quality_pass_rate),
                "availability": round(self.availability, 6),
                "latency_p95_s": None if self.latency_p95_s is None
                else round(self.latency_p95_s, 4)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _dominates(a: Term, b: Term, z: float | None) -> bool:
    """``a`` is at least as good as ``b`` on every coefficient of every floor."""
    return (a.usd <= b.usd + TOL and a.passed >= b.passed - TOL
            and a.passed - a.delivered >= b.passed - b.delivered - TOL
            and a.available >= b.available - TOL and a.hosted <= b.hosted
            and (z is None or a.latency_slack(z) >= b.latency_slack(z) - TOL))


def _undominated(items: list, by: list, z: float | None) -> list:
    """Items (option, term) of ``items`` that no item of ``by`` dominates (of two equal
    items in one list, the first is kept)."""
    kept = []
    for i, (o, t) in enumerate(items):
        beaten = False
        for j, (_, u) in enumerate(by):
            if u is t:
                continue
            same = by is items and _dominates(t, u, z)
            if _dominates(u, t, z) and (not same or j < i):
                beaten = True
                break
        if not beaten:
            kept.append((o, t))
    return kept


class PlanModel:
    """Columns of every (failover, ladder, block, option) left after dominance pruning, for
    constraints with latency cap ``max_p95_s``: a block's model-only options are shared by
    every ladder under one failover; a ladder's options enter only when its ``w`` is on.
    ``options`` counts (global choice, block, option) triples before sharing and pruning."""

    def __init__(self, space: SearchSpace, table: TermTable, max_p95_s: float | None) -> None:
        self.space, self.table, self.max_p95_s = space, table, max_p95_s
        self.columns: list[Column] = []
        self.options = sum(len(space.block_options(g, b)) for g in space.globals
                           for b in space.blocks)
        fo_keys: list[str] = []
        lad_keys: list[str] = []
        self.g_of: dict[tuple[int, int | None], int] = {}
        for g_index, g in enumerate(space.globals):
            fk = g.failover.model_dump_json()
            if fk not in fo_keys:
                fo_keys.append(fk)
            lk = None
            if g.escalation is not None:
                key = g.escalation.model_dump_json()
                if key not in lad_keys:
                    lad_keys.append(key)
                lk = lad_keys.index(key)
            self.g_of[(fo_keys.index(fk), lk)] = g_index
        self.n_fo, self.n_ladders = len(fo_keys), len(lad_keys)
        raw: dict[tuple[int, int | None], list[dict]] = {}
        for (fo, lad), g_index in self.g_of.items():
            g = space.globals[g_index]
            for b, block in enumerate(space.blocks):
                opts = [(o, table.term(g, b, o)) for o in space.block_options(g, block)
                        if (LADDER in o) == (lad is not None)]
                raw.setdefault((fo, lad), []).append(dict(opts))
                if lad is None:
                    kept = _undominated(opts, opts, max_p95_s)
                else:
                    base = (fo, None)
                    plain = [(c.option, c.term) for c in self.columns
                             if (c.fo, c.ladder) == base and c.block == b]
                    kept = _undominated(_undominated(opts, opts, max_p95_s), plain, max_p95_s)
                self.columns += [Column(fo, lad, g_index, b, o, t) for o, t in kept]
        self.ladders_dropped = self._drop_dominated_ladders(raw)
        self.failovers_dropped = self._drop_dominated_failovers(raw)
        self.hosted = sorted({m for c in self.columns for m in c.term.hosted})
        self.tasks = self._tasks()
        self.solves = 0

    def _drop_dominated_ladders(self, raw: dict[tuple[int, int], list[dict]]) -> int:
        """Drop every ladder L2 (under one failover) for which another ladder L1 offers, for
        each option L2 still has, the same option at least as good: a policy using L2 can
        switch those blocks to L1 and lose nothing. Of equal ladders the first is kept."""
        z = self.max_p95_s
        kept: dict[tuple[int, int], list[Column]] = {}
        for c in self.columns:
            if c.ladder is not None:
                kept.setdefault((c.fo, c.ladder), []).append(c)
        dropped: set[tuple[int, int]] = set()
        for (fo, l2), cols in kept.items():
            for l1 in range(self.n_ladders):
                other = raw.get((fo, l1))
                if l1 == l2 or other is None:
                    continue
                wins = [other[c.block].get(c.option) for c in cols]
                if all(u is not None and _dominates(u, c.term, z)
                       for u, c in zip(wins, cols)):
                    mutual = all(_dominates(c.term, u, z) for u, c in zip(wins, cols)) and all(
                        kept_c.option in raw[(fo, l2)][kept_c.block]
                        for kept_c in kept.get((fo, l1), []))
                    if not mutual or l1 < l2:
                        dropped.add((fo, l2))
                        break
        self.columns = [c for c in self.columns
                        if c.ladder is None or (c.fo, c.ladder) not in dropped]
        return len(dropped)

    def _drop_dominated_failovers(self, raw: dict[tuple[int, int | None], list[dict]]) -> int:
        """Drop every failover plan F2 for which another plan F1 offers, for each option F2
        still has (with or without a ladder), the same option at least as good (with no
        outages, retries and chains change nothing). Of equal plans the first is kept."""
        z = self.max_p95_s
        by_fo: dict[int, list[Column]] = {}
        for c in self.columns:
            by_fo.setdefault(c.fo, []).append(c)
        dropped: set[int] = set()
        for f2, cols in by_fo.items():
            for f1, cols1 in by_fo.items():
                if f1 == f2 or f1 in dropped:
                    continue
                wins = [raw.get((f1, c.ladder), [])[c.block].get(c.option)
                        if raw.get((f1, c.ladder)) else None for c in cols]
                if not all(u is not None and _dominates(u, c.term, z)
                           for u, c in zip(wins, cols)):
                    continue
                back = [raw.get((f2, c.ladder), [])[c.block].get(c.option)
                        if raw.get((f2, c.ladder)) else None for c in cols1]
                mutual = all(u is not None and _dominates(u, c.term, z)
                             for u, c in zip(back, cols1))
                if not mutual or f1 < f2:
                    dropped.add(f2)
                    break
        self.columns = [c for c in self.columns if c.fo not in dropped]
        return len(dropped)

    def _tasks(self) -> float:
        seen: dict[int, float] = {}
        for c in self.columns:
            seen.setdefault(c.block, c.term.tasks)
        return sum(seen.values())

    def solve(self, cons: Constraints, objective: str = "cost") -> Solution | None:
        """The optimum under ``cons`` (None when infeasible)."""
        if cons.max_p95_s != self.max_p95_s:
            raise ValueError("the model was built for another latency cap")
        best = self._solve(cons, self._costs())
        if best is None or objective == "cost":
            return best
        rate = best.quality_pass_rate or 0.0
        for _ in range(50):  # Dinkelbach: converges in a few steps
            weights = -np.array([c.term.passed - rate * c.term.delivered for c in self.columns])
            step = self._solve(cons, np.concatenate([weights, np.zeros(len(self.hosted))]))
            if step is None or (step.quality_pass_rate or 0.0) <= rate + 1e-12:
                break
            rate = step.quality_pass_rate or 0.0
        floor = Constraints(**{**cons.__dict__, "min_pass": rate - 1e-9})
        return self._solve(floor, self._costs())

    def _costs(self) -> np.ndarray:
        return np.array([c.term.usd for c in self.columns]
                        + [self.table.hosted[m] for m in self.hosted])

    def _solve(self, cons: Constraints, objective: np.ndarray) -> Solution | None:
        n_x, n_h = len(self.columns), len(self.hosted)
        if n_x == 0:
            return None
        z0 = n_x + n_h
        w0 = z0 + self.n_fo
        n = w0 + self.n_fo * self.n_ladders
        rows, cols, vals, lo, hi = [], [], [], [], []
        r = 0

        def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
            nonlocal r
            for col, val in entries:
                rows.append(r)
                cols.append(col)
                vals.append(val)
            lo.append(low)
            hi.append(high)
            r += 1

        row([(z0 + f, 1.0) for f in range(self.n_fo)], 1.0, 1.0)
        by_fb: dict[tuple[int, int], list[int]] = {}
        for i, c in enumerate(self.columns):
            by_fb.setdefault((c.fo, c.block), []).append(i)
        for f in range(self.n_fo):
            for b in range(len(self.space.blocks)):
                row([(i, 1.0) for i in by_fb.get((f, b), [])] + [(z0 + f, -1.0)], 0.0, 0.0)
            if self.n_ladders:
                row([(w0 + f * self.n_ladders + k, 1.0) for k in range(self.n_ladders)]
                    + [(z0 + f, -1.0)], -np.inf, 0.0)
        for i, c in enumerate(self.columns):
            if c.ladder is not None:
                row([(i, 1.0), (w0 + c.fo * self.n_ladders + c.ladder, -1.0)], -np.inf, 0.0)
            for m in c.term.hosted:
                row([(i, 1.0), (n_x + self.hosted.index(m), -1.0)], -np.inf, 0.0)
        scale = 1.0 / max(self.tasks, 1.0)
        if cons.min_pass is not None:
            f_ = cons.min_pass
            row([(i, scale * (c.term.passed - f_ * c.term.delivered))
                 for i, c in enumerate(self.columns)], 0.0, np.inf)
        if cons.min_availability is not None:
            a = cons.min_availability
            row([(i, scale * (c.term.available - a * c.term.tasks))
                 for i, c in enumerate(self.columns)], 0.0, np.inf)
        if cons.max_p95_s is not None:
            z = cons.max_p95_s
            row([(i, scale * c.term.latency_slack(z)) for i, c in enumerate(self.columns)],
                0.0, np.inf)
        if cons.budget_usd is not None:
            row([(i, c.term.usd) for i, c in enumerate(self.columns)]
                + [(n_x + j, self.table.hosted[m]) for j, m in enumerate(self.hosted)],
                -np.inf, cons.budget_usd)
        a_matrix = coo_matrix((vals, (rows, cols)), shape=(r, n)).tocsr()
        c_vec = np.concatenate([objective, np.zeros(n - len(objective))])
        self.solves += 1
        with solver_output_to_stderr():
            res = milp(c_vec, constraints=LinearConstraint(a_matrix, lo, hi),
                       integrality=np.ones(n), bounds=Bounds(0, 1),
                       options={"mip_rel_gap": 0.0})
        if res.x is None:
            return None
        chosen = [c for i, c in enumerate(self.columns) if res.x[i] > 0.5]
        return self._solution(chosen, getattr(res, "mip_gap", 0.0) or 0.0)

    def _solution(self, chosen: list[Column], gap: float) -> Solution:
        assignment: dict[str, str] = {}
        for c in chosen:
            assignment.update(zip(self.space.blocks[c.block].members, c.option))
        ladders = {c.ladder for c in chosen if c.ladder is not None}
        g = self.g_of[(chosen[0].fo, ladders.pop() if ladders else None)]
        return figures(g, assignment, [c.term for c in chosen], self.table, gap)


def figures(g: int, assignment: dict[str, str], terms: list[Term], table: TermTable,
            gap: float = 0.0) -> Solution:
    """A policy's monthly figures from its block terms (the estimator's sums), hosting paid
    once per self-hosted model any term calls."""
    hosting_usd = sum(table.hosted[m] for m in set().union(*(t.hosted for t in terms)))
    delivered = sum(t.delivered for t in terms)
    tasks = sum(t.tasks for t in terms)
    parts = [p for t in terms for p in t.latency]
    return Solution(g, assignment, sum(t.usd for t in terms) + hosting_usd,
                    sum(t.passed for t in terms) / delivered if delivered else None,
                    sum(t.available for t in terms) / tasks if tasks else 0.0,
                    mixture_quantile(parts, 0.95), gap)


@contextlib.contextmanager
def solver_output_to_stderr():
    """HiGHS can print to the process's standard output from C++ (e.g. "HighsMipSolverData::
    transformNewIntegerFeasibleSolution"): while it runs, file descriptor 1 points at
    standard error, so ``--json`` output stays one JSON document."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real descriptor (a notebook, a captured stream)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)

