"""The random strong/weak router in closed form: its expectation and spread over every
permutation of the prompts, instead of one seeded permutation.

A random router at strong-call share s = k/n sends a uniformly random k of the n prompts to the
strong model. With per-prompt gains g_i = q_strong,i - q_weak,i (and cost differences d_i):

    E[quality sum]  = W + (k/n) G              W = sum q_weak,i, G = sum g_i
    Var[quality sum] = k (n - k) / (n - 1) * sigma_g^2       (sampling without replacement,
                                                               sigma_g^2 = mean (g - mean g)^2)

and the same with d for cost. Its APGR (trapezoids over k = 0..n, PGR_k = S_k / G) is the
linear rank statistic (1 / (n G)) sum_i (n - i + 1/2) g_pi(i), so E[APGR] = 1/2 exactly and

    Var[APGR] = (n + 1) / (12 n) * sum (g - mean g)^2 / G^2.

Intervals are mean +- 1.96 sd (normal approximation to the permutation distribution): the
range where 95% of random routers fall, so a router whose APGR lies inside the APGR interval is
not distinguishable from random on these prompts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.replay.table import EvalTable

Z95 = 1.959963984540054


@dataclass(frozen=True)
class RandomRouter:
    """Per k = 0..n strong calls: expected quality and USD sums and their standard deviations
    over random routers; ``apgr_sd`` the sd of APGR (None when the two models tie)."""

    quality_sum: np.ndarray
    quality_sd: np.ndarray
    cost_sum_usd: np.ndarray
    cost_sd_usd: np.ndarray
    apgr_sd: float | None

    @property
    def n_prompts(self) -> int:
        """Number of prompts routed."""
        return int(self.quality_sum.shape[0] - 1)

    @property
    def shares(self) -> np.ndarray:
        """Strong-call share at each k (k / n)."""
        return np.arange(self.n_prompts + 1) / self.n_prompts

    @property
    def quality(self) -> np.ndarray:
        """Expected mean quality at each k."""
        return self.quality_sum / self.n_prompts


def _sum_moments(weak: np.ndarray, strong: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected sum and its sd for k = 0..n of ``strong`` on a random k rows, ``weak`` on the
    rest (NaN everywhere when any value is NaN)."""
    n = weak.shape[0]
    k = np.arange(n + 1)
    diff = strong - weak
    mean = weak.sum() + k / n * diff.sum()
    spread = k * (n - k) / (n - 1) * diff.var() if n > 1 else np.zeros(n + 1)
    return mean, np.sqrt(np.maximum(spread, 0.0))


def random_router(table: EvalTable, strong: str, weak: str) -> RandomRouter:
    """The random router between ``strong`` and ``weak`` on ``table``'s rows."""
    s, w = table.index(strong), table.index(weak)
    q_mean, q_sd = _sum_moments(table.scores[:, w], table.scores[:, s])
    if table.cost_usd is None:
        c_mean = c_sd = np.full(q_mean.shape, np.nan)
    else:
        c_mean, c_sd = _sum_moments(table.cost_usd[:, w], table.cost_usd[:, s])
    gain = table.scores[:, s] - table.scores[:, w]
    n, total = gain.shape[0], float(gain.sum())
    apgr_sd = None
    if total != 0.0:
        apgr_sd = float(np.sqrt((n + 1) / (12 * n) * ((gain - gain.mean()) ** 2).sum())
                        / abs(total))
    return RandomRouter(q_mean, q_sd, c_mean, c_sd, apgr_sd)


def interval(mean: float, sd: float, low: float = -np.inf, high: float = np.inf
             ) -> list[float] | None:
    """[mean - 1.96 sd, mean + 1.96 sd] clipped to [low, high]; None for a NaN mean."""
    if np.isnan(mean) or np.isnan(sd):
        return None
    return [float(max(low, mean - Z95 * sd)), float(min(high, mean + Z95 * sd))]
