"""Policies replayed on an evaluation table: each says, per prompt, which model's output is
delivered and what was paid (every attempt, plus judge calls).

- `single`: one model for every prompt;
- `oracle`: per prompt, the cheapest model with the best score (for pass/fail tables: the
  cheapest model that gets it right; when none does, the cheapest model);
- `routed`: a strong/weak router that sends the first ``k`` prompts of an ``order`` to the strong
  model (`random_order` = a random router, `threshold_order` = a router thresholding a score);
- `cascade`: try the ladder's models cheapest first; a judge checks each non-final output,
  wrongly accepts a failing one with ``false_accept`` and wrongly rejects a passing one with
  ``false_reject``; a rejected output escalates to the next model - the judge and delivery
  rules of `workbench.policies.ladder`, shared with the estimator and the simulator.

Everything is vectorised over prompts (numpy); randomness comes from the caller's Generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.domain.policy import Escalation, Judge, Rung
from workbench.policies import ladder as ladder_rules
from workbench.replay.table import EvalTable

_UNPRICED = 1e300  # sorts after every real cost but before "not a candidate"


@dataclass(frozen=True)
class Outcome:
    """What one policy did: ``delivered[i]`` is the model index whose output prompt ``i`` got,
    ``cost_usd[i]`` what the prompt cost in USD (NaN when a paid model is unpriced),
    ``calls[j]`` how many calls model ``j`` received."""

    name: str
    kind: str
    delivered: np.ndarray
    cost_usd: np.ndarray
    calls: np.ndarray
    params: dict = field(default_factory=dict)


def _cost(table: EvalTable) -> np.ndarray:
    if table.cost_usd is None:
        return np.full(table.scores.shape, np.nan)
    return table.cost_usd


def single(table: EvalTable, model: str) -> Outcome:
    """Every prompt to ``model``."""
    j = table.index(model)
    n = table.n_prompts
    calls = np.zeros(len(table.models), dtype=np.int64)
    calls[j] = n
    return Outcome(model, "model", np.full(n, j), _cost(table)[:, j].copy(), calls)


def oracle(table: EvalTable) -> Outcome:
    """Per prompt, the cheapest of the models with the best score."""
    n = table.n_prompts
    cost = _cost(table)
    best = np.full(n, -1.0)
    for j in range(len(table.models)):
        best = np.fmax(best, table.scores[:, j])
    best_key = np.full(n, np.inf)
    delivered = np.zeros(n, dtype=np.int64)
    for j in range(len(table.models)):
        key = np.where(np.isnan(cost[:, j]), _UNPRICED, cost[:, j])
        key = np.where(table.scores[:, j] == best, key, np.inf)
        better = key < best_key
        best_key = np.where(better, key, best_key)
        delivered[better] = j
    rows = np.arange(n)
    calls = np.bincount(delivered, minlength=len(table.models))
    return Outcome("oracle", "oracle", delivered, cost[rows, delivered], calls)


def random_order(rng: np.random.Generator, n_prompts: int) -> np.ndarray:
    """A random router's order: the first ``k`` prompts of a random permutation go strong."""
    return rng.permutation(n_prompts)


def threshold_order(score: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A threshold router's order: highest score first (ties in random order), so sending the
    first ``k`` prompts strong is thresholding ``score`` at its k-th largest value."""
    score = np.nan_to_num(np.asarray(score, dtype=np.float64), nan=-np.inf)
    shuffled = rng.permutation(score.shape[0])
    return shuffled[np.argsort(-score[shuffled], kind="stable")]


@dataclass(frozen=True)
class ShareCurve:
    """Totals of a strong/weak router when the first ``k`` prompts of ``order`` go strong, for
    every k = 0..n: ``quality_sum[k]`` (sum of delivered scores) and ``cost_sum_usd[k]``."""

    quality_sum: np.ndarray
    cost_sum_usd: np.ndarray
    order: np.ndarray

    @property
    def n_prompts(self) -> int:
        """Number of prompts routed."""
        return int(self.order.shape[0])

    @property
    def shares(self) -> np.ndarray:
        """Strong-call share at each k (k / n)."""
        return np.arange(self.n_prompts + 1) / self.n_prompts

    @property
    def quality(self) -> np.ndarray:
        """Mean quality at each k."""
        return self.quality_sum / self.n_prompts


def share_curve(table: EvalTable, strong: str, weak: str, order: np.ndarray) -> ShareCurve:
    """Quality and cost of routing the first k prompts of ``order`` strong, all k at once."""
    s, w = table.index(strong), table.index(weak)
    cost = _cost(table)
    gain = (table.scores[:, s] - table.scores[:, w])[order]
    extra = (cost[:, s] - cost[:, w])[order]
    quality = np.concatenate(([0.0], np.cumsum(gain))) + table.scores[:, w].sum()
    cost_sum = np.concatenate(([0.0], np.cumsum(extra))) + cost[:, w].sum()
    return ShareCurve(quality, cost_sum, order)


def routed(table: EvalTable, strong: str, weak: str, order: np.ndarray, k: int,
           name: str, kind: str) -> Outcome:
    """The outcome of sending the first ``k`` prompts of ``order`` to ``strong``."""
    s, w = table.index(strong), table.index(weak)
    delivered = np.full(table.n_prompts, w)
    delivered[order[:k]] = s
    rows = np.arange(table.n_prompts)
    calls = np.bincount(delivered, minlength=len(table.models))
    return Outcome(name, kind, delivered, _cost(table)[rows, delivered], calls,
                   {"strong_share": k / table.n_prompts})


def cascade(table: EvalTable, ladder: list[str], rng: np.random.Generator, *,
            false_accept: float = 0.0, false_reject: float = 0.0, judge_cost_usd: float = 0.0,
            pass_bar: float = 0.5, judge_last: bool = False, name: str | None = None) -> Outcome:
    """Cheapest model first; escalate while the judge rejects, by the ladder rules every
    fidelity shares (`workbench.policies.ladder`). A prompt whose output scores at least
    ``pass_bar`` passes (a missing score fails); the judge errs with the given rates, one
    uniform draw per prompt and judged rung; each judge call costs ``judge_cost_usd``. The last
    rung is delivered unjudged unless ``judge_last`` (then judged, paid, and delivered
    anyway)."""
    cols = [table.index(m) for m in ladder]
    escalation = Escalation(ladder=[Rung(model=m) for m in ladder],
                            judge=Judge(false_accept=false_accept, false_reject=false_reject),
                            judge_last=judge_last)
    n = table.n_prompts
    answered = np.ones(n, dtype=bool)  # every prompt has an output in the table
    cost = _cost(table)
    active = np.ones(n, dtype=bool)
    delivered = np.full(n, cols[-1])
    paid = np.zeros(n)
    calls = np.zeros(len(table.models), dtype=np.int64)
    judged = 0
    for rung, j in enumerate(cols):
        paid += np.where(active, cost[:, j], 0.0)
        calls[j] += int(active.sum())
        accepted = np.zeros(n, dtype=bool)
        if ladder_rules.is_judged(rung, escalation):
            judged += int(active.sum())
            paid += np.where(active, judge_cost_usd, 0.0)
            accepted = ladder_rules.judge_accepts(table.scores[:, j] >= pass_bar, rng.random(n),
                                                  escalation.judge)
        taken = active & ladder_rules.delivers(accepted, answered, rung, escalation)
        delivered[taken] = j
        active &= ~taken
    label = name or f"cascade {' -> '.join(ladder)} (judge FA {false_accept:g}, FR " \
                    f"{false_reject:g})"
    return Outcome(label, "cascade", delivered, paid, calls,
                   {"ladder": list(ladder), "false_accept": false_accept,
                    "false_reject": false_reject, "judge_cost_usd": judge_cost_usd,
                    "pass_bar": pass_bar, "judge_calls": judged})
