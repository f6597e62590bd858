"""EmpiricalQuality: an evaluation table as the simulator's quality source.

Parametric profiles draw each model's score independently, which loses what real evaluations
show: a hard prompt is hard for every model. An empirical source instead draws *prompts*; every
model's score on a drawn prompt is its real score on that prompt, so outcomes stay correlated
across models and across the attempts of one task (an escalation retries the same prompt).

Usage by a simulator::

    source = EmpiricalQuality.from_table(load_table(path, "routellm", benchmark="gsm8k"))
    prompts = source.draw_prompts(rng, n_tasks)        # one prompt per task, kept for retries
    scores = source.scores("gpt-4-1106-preview", prompts)  # in [0, 1]
    passed = scores >= bar

A model of the scenario is mapped to a column with ``aliases`` (scenario name -> table name).
Prompts with a missing score for any model are dropped when the source is built.
"""

from __future__ import annotations

import numpy as np

from workbench.domain.errors import ReplayError
from workbench.replay.table import EvalTable


class EmpiricalQuality:
    """Per-prompt scores in [0, 1] of several models, sampled by prompt.

    >>> q = EmpiricalQuality(["weak", "strong"], np.array([[0.0, 1.0], [1.0, 1.0]]))
    >>> q.scores("strong", np.array([0, 1, 0])).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, models: list[str], scores: np.ndarray,
                 aliases: dict[str, str] | None = None, source: str = "") -> None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[1] != len(models) or scores.shape[0] == 0:
            raise ReplayError(f"{source}: need a non-empty prompts x {len(models)} score matrix "
                              f"(got shape {scores.shape})")
        if np.isnan(scores).any() or scores.min() < 0.0 or scores.max() > 1.0:
            raise ReplayError(f"{source}: scores must be finite and in [0, 1]")
        self.models: list[str] = list(models)
        self.source = source
        self._scores = scores
        self._column = {m: j for j, m in enumerate(self.models)}
        for alias, target in (aliases or {}).items():
            if target not in self._column:
                raise ReplayError(f"{source}: alias {alias!r} points to unknown model "
                                  f"{target!r} (models: {', '.join(self.models)})")
            self._column[alias] = self._column[target]

    @classmethod
    def from_table(cls, table: EvalTable, aliases: dict[str, str] | None = None
                   ) -> EmpiricalQuality:
        """Build from an EvalTable, keeping the prompts every model has a score for."""
        complete = table.complete_rows()
        if not complete.any():
            raise ReplayError(f"{table.source}: no prompt has a score for every model")
        return cls(table.models, table.scores[complete], aliases, table.source)

    @property
    def n_prompts(self) -> int:
        """Number of prompts available to draw."""
        return int(self._scores.shape[0])

    def draw_prompts(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` prompt indices drawn uniformly with replacement."""
        return rng.integers(0, self.n_prompts, size=int(n))

    def scores(self, model: str, prompt_idx: np.ndarray) -> np.ndarray:
        """Scores in [0, 1] of ``model`` (a table name or an alias) on the given prompts."""
        try:
            j = self._column[model]
        except KeyError:
            raise ReplayError(f"{self.source}: no model {model!r} in the evaluation table "
                              f"(models: {', '.join(self.models)})") from None
        return self._scores[np.asarray(prompt_idx, dtype=np.int64), j]

    def mean_score(self, model: str) -> float:
        """Mean score of ``model`` over all prompts."""
        return float(self.scores(model, np.arange(self.n_prompts)).mean())


_LOADED: dict[tuple, EmpiricalQuality] = {}


def scenario_source(scenario) -> EmpiricalQuality | None:
    """The scenario's ``quality_source`` table, loaded once per process (None without one).
    Scenario model names resolve to table columns through the source's ``models`` map."""
    spec = scenario.quality_source
    if spec is None:
        return None
    path = scenario.resolve_path(spec.table)
    key = (str(path.resolve()), spec.format, spec.benchmark, tuple(sorted(spec.models.items())))
    if key not in _LOADED:
        from workbench.replay.formats import load_table

        table = load_table(path, spec.format, benchmark=spec.benchmark)
        _LOADED[key] = EmpiricalQuality.from_table(table, aliases=dict(spec.models))
    return _LOADED[key]


def pass_patterns(source: EmpiricalQuality, models: list[str], bar: float
                  ) -> list[tuple[float, tuple[bool, ...]]]:
    """(share of prompts, which of ``models`` clear ``bar`` on them) for every pattern seen."""
    passed = np.stack([source.scores(m, np.arange(source.n_prompts)) >= bar for m in models],
                      axis=1)
    patterns, counts = np.unique(passed, axis=0, return_counts=True)
    total = counts.sum()
    return [(float(c / total), tuple(bool(x) for x in row)) for row, c in zip(patterns, counts)]
