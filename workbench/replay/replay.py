"""Replay an EvalTable through every policy family and summarise: single models, the oracle,
a random router (its exact expectation, with 95% intervals) and threshold routers at every
strong-call share, the optimal strong/weak router at every share (RouteLLM's "Optimal": the
prompts the strong model gains most on go first), cascades at several judge error rates, and
(optionally) a scenario's rule policies. The result is one JSON-ready dict.

Every figure is computed on one row set: the rows every model has a score for (and every
priced model a cost). ``prompts`` (= ``prompts_replayed``) counts them, ``prompts_read`` the
rows read, ``excluded`` the rows left out by reason (``missing_score``, ``missing_cost``, a
loader's reason such as MT-Bench's ``failed_judgements``); ``models.<name>.own_rows`` keeps a
model alone on all of its own rows apart (the figure a leaderboard publishes). The random
curve adds ``quality_interval_95`` / ``cost_usd_interval_95`` per point, ``apgr_sd`` and
``apgr_interval_95``.

Example::

    from workbench.replay.routellm import load_routellm
    doc = replay(load_routellm(Path("data/routellm"), benchmark="mmlu"), ReplayOptions(seed=1))
    doc["oracle"]["quality"]  # 0.8586...
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.domain.errors import ReplayError
from workbench.replay import metrics, policies
from workbench.replay.random_router import RandomRouter, interval, random_router
from workbench.replay.routers import router_scores
from workbench.replay.table import EvalTable


@dataclass(frozen=True)
class ReplayOptions:
    """What to replay. ``strong``/``weak`` default to the best model (the best priced one when
    two or more are priced) and the cheapest other one (the lowest-quality one when costs are
    unknown); ``share_step`` is the spacing of the
    reported curve points (metrics use every share k/n); ``judge_errors`` are the cascade
    judge's error rates (false accept = false reject); ``pass_bar`` is the score a cascade's
    judge counts as a pass; ``ladder`` overrides the cascade's models (cheapest first)."""

    strong: str | None = None
    weak: str | None = None
    seed: int = 0
    share_step: float = 0.05
    judge_errors: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3)
    judge_cost_usd: float = 0.0
    pass_bar: float = 0.5
    routers: tuple[str, ...] | None = None
    ladder: tuple[str, ...] | None = None
    extra_outcomes: list = field(default_factory=list)


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) or np.isinf(value) else value


def _sum_or_nan(values: np.ndarray) -> float:
    return float(values.sum()) if not np.isnan(values).any() else float("nan")


def pick_pair(table: EvalTable, strong: str | None, weak: str | None) -> tuple[str, str]:
    """The strong and weak models of the router curves (see `ReplayOptions`)."""
    if len(table.models) < 2:
        raise ReplayError(f"{table.source}: routing needs at least two models "
                          f"(found {table.models})")
    quality = np.nanmean(table.scores, axis=0)
    if strong is None:  # the best priced model when two are priced: a frontier needs costs
        priced = table.priced()
        pool = np.where(priced, quality, -np.inf) if priced.sum() >= 2 else quality
        strong = table.models[int(np.nanargmax(pool))]
    table.index(strong)
    if weak is None:
        others = [j for j, m in enumerate(table.models) if m != strong]
        priced = table.priced()
        cheap = [j for j in others if priced[j]]
        if cheap:
            j = min(cheap, key=lambda k: float(table.cost_usd[:, k].mean()))  # type: ignore
        else:
            j = min(others, key=lambda k: quality[k])
        weak = table.models[j]
    table.index(weak)
    if weak == strong:
        raise ReplayError(f"--strong and --weak name the same model {strong!r}")
    return strong, weak


class _Summary:
    """Turns outcomes into JSON-ready summaries on one table."""

    def __init__(self, table: EvalTable, strong: str) -> None:
        self.table = table
        self.strong_index = table.index(strong)
        self.rows = np.arange(table.n_prompts)
        self.flat_scores = table.scores.ravel(order="F")  # a view: scores are column-major

    def of(self, outcome: policies.Outcome) -> dict:
        t = self.table
        flat = outcome.delivered * t.n_prompts + self.rows
        quality = float(np.mean(self.flat_scores[flat]))
        total = _sum_or_nan(outcome.cost_usd)
        n = t.n_prompts
        return {
            "name": outcome.name, "kind": outcome.kind, "quality": quality,
            t.raw_name: quality * t.raw_scale, "cost_usd": _num(total),
            "cost_per_prompt_usd": _num(total / n),
            "strong_share": float(outcome.calls[self.strong_index] / n),
            "calls": {m: float(c / n) for m, c in zip(t.models, outcome.calls)},
            **{k: v for k, v in outcome.params.items() if k != "strong_share"},
        }


def _own_rows(full: EvalTable, j: int) -> dict:
    """Model ``j`` alone on every row it has a score for: the figure a leaderboard publishes,
    on a different row set from the replay's (kept apart under ``own_rows``)."""
    have = ~np.isnan(full.scores[:, j])
    quality = float(full.scores[have, j].mean()) if have.any() else None
    cost = None if full.cost_usd is None else _num(_sum_or_nan(full.cost_usd[have, j]))
    return {"prompts": int(have.sum()), "quality": quality,
            full.raw_name: None if quality is None else quality * full.raw_scale,
            "cost_usd": cost}


def _models(table: EvalTable, full: EvalTable | None = None) -> dict:
    """Every model alone, on the table's rows (complete: every model has a score). With the
    ``full`` table the replay left rows of, each model also carries ``own_rows``."""
    out = {}
    cost = table.cost_usd
    n = table.n_prompts
    for j, model in enumerate(table.models):
        quality = float(table.scores[:, j].mean())
        total = None if cost is None else _num(_sum_or_nan(cost[:, j]))
        out[model] = {
            "quality": quality,
            table.raw_name: quality * table.raw_scale,
            "cost_usd": total,
            "cost_per_prompt_usd": None if total is None else total / n,
            "prompts": n,
            "price": table.price_sources.get(model, "table" if cost is not None else "none"),
        }
        if full is not None:
            out[model]["own_rows"] = _own_rows(full, full.index(model))
    return out


def _curve(table: EvalTable, strong: str, weak: str, order: np.ndarray, kind: str,
           step: float, raw: tuple[str, float]) -> dict:
    """A router that sends the first k prompts of ``order`` strong, at every k."""
    return _summarise_curve(policies.share_curve(table, strong, weak, order), strong, weak,
                            kind, step, raw)


def _grid(n: int, step: float) -> np.ndarray:
    """The k (strong calls out of n) of the reported points: shares 0, step, ..., 1."""
    return np.unique(np.clip(np.round(np.arange(0.0, 1.0 + step / 2, step) * n), 0, n)
                     .astype(np.int64))


def _summarise_curve(curve: policies.ShareCurve | RandomRouter, strong: str, weak: str,
                     kind: str, step: float, raw: tuple[str, float]) -> dict:
    n = curve.n_prompts
    shares, quality = curve.shares, curve.quality
    q_strong, q_weak = float(quality[-1]), float(quality[0])
    pgr = metrics.pgr(quality, q_weak, q_strong)
    points = [{"strong_share": float(shares[k]), "quality": float(quality[k]),
               raw[0]: float(quality[k]) * raw[1], "cost_usd": _num(curve.cost_sum_usd[k]),
               "pgr": _num(pgr[k])} for k in _grid(n, step)]
    return {
        "kind": kind, "strong": strong, "weak": weak, "points": points,
        "apgr": _num(metrics.apgr(shares, quality, q_weak, q_strong)),
        "cpt_50": metrics.cpt(shares, quality, q_weak, q_strong, 0.5),
        "cpt_80": metrics.cpt(shares, quality, q_weak, q_strong, 0.8),
        "share_for_95pct_strong": metrics.first_share_reaching(shares, quality,
                                                               0.95 * q_strong),
    }


def _random_curve(table: EvalTable, strong: str, weak: str, step: float,
                  raw: tuple[str, float]) -> dict:
    """The random router as its exact expectation over all permutations, with 95% intervals
    (see `workbench.replay.random_router`)."""
    router = random_router(table, strong, weak)
    out = _summarise_curve(router, strong, weak, "random", step, raw)
    n = router.n_prompts
    for point, k in zip(out["points"], _grid(n, step)):
        point["quality_interval_95"] = interval(router.quality_sum[k] / n,
                                                router.quality_sd[k] / n, 0.0, 1.0)
        point["cost_usd_interval_95"] = interval(router.cost_sum_usd[k],
                                                 router.cost_sd_usd[k], 0.0)
    out["method"] = ("exact expectation over every random choice of the strong prompts; "
                     "intervals: mean +- 1.96 sd of the permutation distribution")
    if out["apgr"] is not None:
        out["apgr"] = 0.5  # exact: the trapezoid sum is 0.5 up to rounding
    out["apgr_sd"] = router.apgr_sd
    out["apgr_interval_95"] = None if router.apgr_sd is None or out["apgr"] is None else \
        interval(out["apgr"], router.apgr_sd)
    return out


def _missing_note(table: EvalTable) -> str | None:
    """Which models lack scores (or, priced, costs) on how many rows: those rows leave every
    figure."""
    parts = []
    for what, holes in (("a score", np.isnan(table.scores)),
                        ("a cost", None if table.cost_usd is None else
                         np.isnan(table.cost_usd) & ~np.isnan(table.cost_usd).all(axis=0))):
        if holes is None or not holes.any():
            continue
        counts = holes.sum(axis=0)
        parts.append(f"rows without {what}, per model: " + ", ".join(
            f"{m} {int(k)}" for m, k in zip(table.models, counts) if k))
    if not parts:
        return None
    keep, _ = table.row_set()
    return ("; ".join(parts) + f"; every figure uses the {int(keep.sum())} rows every model has "
            "a score (and cost) for (models.<name>.own_rows: a model alone on all of its own "
            "rows, as a leaderboard counts it)")


def replay(table: EvalTable, options: ReplayOptions = ReplayOptions()) -> dict:
    """Replay ``table`` through every policy family; returns the JSON document of
    ``workbench replay --json``. Every figure - single models, oracle, curves, cascades - is
    computed on one row set, the rows every model has a score for; the others are counted by
    reason in ``excluded``."""
    notes = list(table.notes)
    full = table
    keep, excluded = table.row_set()
    if not keep.any():
        raise ReplayError(f"{table.source}: no prompt has a score for every model "
                          f"(models: {', '.join(table.models)})")
    note = _missing_note(table)
    if note is not None:
        notes.append(note)
    if not keep.all():
        table = table.subset(keep)
    strong, weak = pick_pair(table, options.strong, options.weak)
    rng = np.random.default_rng(options.seed)
    summary = _Summary(table, strong)
    raw = (table.raw_name, table.raw_scale)
    oracle = summary.of(policies.oracle(table))
    curves = {"random": _random_curve(table, strong, weak, options.share_step, raw)}
    gain = table.column(strong) - table.column(weak)
    curves["optimal"] = _curve(table, strong, weak, policies.threshold_order(gain, rng),
                               "optimal", options.share_step, raw)
    for name, score in router_scores(table, strong, weak, rng, options.routers).items():
        curves[f"threshold:{name}"] = _curve(
            table, strong, weak, policies.threshold_order(score, rng), "threshold",
            options.share_step, raw)
    ladder = list(options.ladder) if options.ladder else [weak, strong]
    cascades = [summary.of(policies.cascade(
        table, ladder, rng, false_accept=e, false_reject=e,
        judge_cost_usd=options.judge_cost_usd, pass_bar=options.pass_bar,
        name=f"cascade (judge error {e:g})"))
        for e in options.judge_errors]
    curves["cascade"] = {"kind": "cascade", "strong": ladder[-1], "weak": ladder[0],
                         "points": [dict(c, judge_error=c["false_accept"]) for c in cascades]}
    extra = [summary.of(o(table, rng)) if callable(o) else summary.of(o)
             for o in options.extra_outcomes]
    models = _models(table, None if full is table else full)
    _add_aiq(models, oracle, curves)
    return {
        "source": table.source, "benchmark": table.benchmark, "prompts": table.n_prompts,
        "prompts_replayed": table.n_prompts,
        "prompts_read": table.n_prompts + sum(excluded.values()), "excluded": excluded,
        "cost_method": table.cost_method, "raw_score": table.raw_name,
        "raw_scale": table.raw_scale, "seed": options.seed, "strong": strong, "weak": weak,
        "pass_bar": options.pass_bar, "judge_cost_usd": options.judge_cost_usd,
        "groups": _groups(table), "notes": notes, "models": models, "oracle": oracle,
        "policies": cascades + extra, "curves": curves,
    }


def _groups(table: EvalTable) -> dict | None:
    if table.group_codes is None:
        return None
    names, _ = table.group_codes
    return {"name": table.group_name, "count": int(names.size)}


def _add_aiq(models: dict, oracle: dict, curves: dict) -> None:
    """AIQ of every curve over the cost range of the single models."""
    costs = [m["cost_usd"] for m in models.values() if m["cost_usd"] is not None]
    if len(costs) < 2:
        for curve in curves.values():
            curve["aiq"] = None
        return
    low, high = min(costs), max(costs)
    for curve in curves.values():
        pts = [(p["cost_usd"], p["quality"]) for p in curve["points"]
               if p["cost_usd"] is not None]
        curve["aiq"] = None if not pts else _num(metrics.aiq(
            np.array([c for c, _ in pts]), np.array([q for _, q in pts]), low, high))
        curve["aiq_cost_range_usd"] = [low, high]
    oracle["aiq"] = None if oracle["cost_usd"] is None else _num(metrics.aiq(
        np.array([oracle["cost_usd"]]), np.array([oracle["quality"]]), low, high))
