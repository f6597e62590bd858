"""EvalTable: one per-prompt evaluation table, whatever file format it came from.

A table is a prompts x models matrix of quality scores in [0, 1] (a bool becomes 0/1, an
MT-Bench judge score 1-10 becomes score/10, an AlpacaEval preference 1-2 becomes
preference - 1), NaN where a model has no score for a prompt, plus an optional matrix of the
USD cost of each (prompt, model) call and an optional group per prompt (MMLU subject,
RouterBench ``eval_name``, AlpacaEval dataset).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from workbench.domain.errors import ReplayError


@dataclass(frozen=True)
class EvalTable:
    """Per-prompt scores (and costs) of several models on the same prompts.

    ``scores[i, j]`` is the quality in [0, 1] of model ``models[j]`` on prompt ``i`` (NaN when
    missing); ``cost_usd[i, j]`` the USD cost of that call (NaN when the model is unpriced, the
    whole matrix None when unknown). ``excluded`` counts, by reason, the rows the loader left
    out before building the table; ``row_flags`` names, by reason, rows whose missing scores
    have a known cause (e.g. MT-Bench's failed judgements), as one bool per prompt. ``raw_scale`` turns a quality back into the table's own unit
    (1 for accuracy, 10 for an MT-Bench judge score, 100 for an AlpacaEval win rate) and
    ``raw_name`` names that unit. ``cost_method`` says where costs came from.

    Example::

        >>> t = EvalTable(models=["a", "b"], scores=np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> t.n_prompts, t.column("b").tolist()
        (2, [0.0, 1.0])
    """

    models: list[str]
    scores: np.ndarray
    cost_usd: np.ndarray | None = None
    prompt_ids: np.ndarray | None = None
    groups: np.ndarray | None = None
    group_name: str = "group"
    prompt_chars: np.ndarray | None = None
    extra_scores: dict[str, np.ndarray] = field(default_factory=dict)
    raw_scale: float = 1.0
    raw_name: str = "accuracy"
    source: str = ""
    benchmark: str = ""
    cost_method: str = "none: no cost columns and no prices"
    price_sources: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    row_flags: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # column-major: policies read one model's column at a time
        object.__setattr__(self, "scores", np.asfortranarray(self.scores, dtype=np.float64))
        if self.cost_usd is not None:
            object.__setattr__(self, "cost_usd",
                               np.asfortranarray(self.cost_usd, dtype=np.float64))
        scores = self.scores
        if scores.ndim != 2 or scores.shape[1] != len(self.models):
            raise ReplayError(f"{self.source}: score matrix of shape {scores.shape} does not fit "
                              f"{len(self.models)} models")
        if scores.shape[0] == 0:
            raise ReplayError(f"{self.source}: the table has no prompts")
        if len(set(self.models)) != len(self.models):
            raise ReplayError(f"{self.source}: duplicate model names {self.models}")
        finite = scores[~np.isnan(scores)]
        if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
            raise ReplayError(f"{self.source}: quality scores must lie in [0, 1] "
                              f"(got {finite.min()}..{finite.max()})")
        if self.cost_usd is not None and self.cost_usd.shape != scores.shape:
            raise ReplayError(f"{self.source}: cost matrix of shape {self.cost_usd.shape} "
                              f"does not match scores {scores.shape}")

    @property
    def n_prompts(self) -> int:
        """Number of prompts (rows)."""
        return int(self.scores.shape[0])

    def index(self, model: str) -> int:
        """Column index of ``model``; ReplayError naming the known models otherwise."""
        try:
            return self.models.index(model)
        except ValueError:
            raise ReplayError(f"{self.source}: no model {model!r} in the table "
                              f"(models: {', '.join(self.models)})") from None

    def column(self, model: str) -> np.ndarray:
        """Scores of one model over all prompts."""
        return self.scores[:, self.index(model)]

    def priced(self) -> np.ndarray:
        """Bool per model: True when every prompt of that model has a cost."""
        if self.cost_usd is None:
            return np.zeros(len(self.models), dtype=bool)
        return ~np.isnan(self.cost_usd).any(axis=0)

    def complete_rows(self) -> np.ndarray:
        """Bool per prompt: True when every model has a score."""
        return ~np.isnan(self.scores).any(axis=1)

    def cost_holes(self) -> np.ndarray:
        """Bool per prompt: some priced model (one with any known cost) has no cost there."""
        if self.cost_usd is None:
            return np.zeros(self.n_prompts, dtype=bool)
        unknown = np.isnan(self.cost_usd)
        return unknown[:, ~unknown.all(axis=0)].any(axis=1)

    def row_set(self) -> tuple[np.ndarray, dict[str, int]]:
        """The rows every figure of a replay uses - every model has a score, every priced
        model a cost - and the rows left out counted by reason: the loader's ``excluded``
        counts, then each incomplete row under the first of its ``row_flags`` reasons that
        applies (a flag reason is listed even at 0), else ``missing_score``, and complete rows
        with a cost hole as ``missing_cost``. Example::

            >>> t = EvalTable(models=["a", "b"], scores=np.array([[1, 0], [np.nan, 1.0]]))
            >>> keep, excluded = t.row_set()
            >>> keep.tolist(), excluded
            ([True, False], {'missing_score': 1})
        """
        complete = self.complete_rows()
        holes = complete & self.cost_holes()
        keep = complete & ~holes
        excluded = dict(self.excluded)
        left = ~complete
        for reason, flagged in self.row_flags.items():
            hit = left & flagged
            excluded[reason] = excluded.get(reason, 0) + int(hit.sum())
            left &= ~hit
        for reason, rows in (("missing_score", left), ("missing_cost", holes)):
            if rows.any():
                excluded[reason] = excluded.get(reason, 0) + int(rows.sum())
        return keep, excluded

    @cached_property
    def group_codes(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(sorted distinct group names, code per prompt) or None without groups."""
        if self.groups is None:
            return None
        import polars as pl

        series = pl.Series("g", self.groups).cast(pl.String).fill_null("")
        names = series.unique().sort()
        codes = series.cast(pl.Enum(names.to_list())).to_physical().cast(pl.Int64).to_numpy()
        return names.to_numpy(), codes

    def without_models(self, drop: list[str]) -> EvalTable:
        """The same table without the columns of ``drop``."""
        for model in drop:
            self.index(model)
        keep = [j for j, m in enumerate(self.models) if m not in drop]
        if not keep:
            raise ReplayError(f"{self.source}: every model excluded")
        return replace(self, models=[self.models[j] for j in keep],
                       scores=self.scores[:, keep],
                       cost_usd=None if self.cost_usd is None else self.cost_usd[:, keep],
                       price_sources={m: s for m, s in self.price_sources.items()
                                      if m not in drop},
                       notes=[*self.notes, f"excluded models: {', '.join(drop)}"])

    def subset(self, rows: np.ndarray) -> EvalTable:
        """The same table restricted to ``rows`` (a bool mask or integer indices)."""
        def pick(a):
            return None if a is None else a[rows]
        return replace(self, scores=self.scores[rows], cost_usd=pick(self.cost_usd),
                       prompt_ids=pick(self.prompt_ids), groups=pick(self.groups),
                       prompt_chars=pick(self.prompt_chars),
                       extra_scores={k: v[rows] for k, v in self.extra_scores.items()},
                       row_flags={k: v[rows] for k, v in self.row_flags.items()})
