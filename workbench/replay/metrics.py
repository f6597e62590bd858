"""Summary metrics of replayed policies.

- PGR (performance gap recovered) of a quality q: (q - q_weak) / (q_strong - q_weak).
- APGR (RouteLLM): the area under PGR as a function of the strong-call share, over [0, 1]
  (trapezoids over every share k/n the router can take). A random router's expected PGR(s) is
  s, so its APGR is 0.5.
- CPT(x%) (RouteLLM): the smallest strong-call share at which PGR >= x%.
- AIQ (RouterBench): the area under the non-decreasing convex hull of a policy family's
  (cost, quality) points over a common cost range [c_min, c_max], divided by its width. Below
  the family's cheapest point the hull is 0; beyond its last point it stays flat.
- the strong-call share needed to reach 95% of the strong model's quality.
"""

from __future__ import annotations

import numpy as np

from workbench.metrics.frontier import nondecreasing_hull


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


def pgr(quality: np.ndarray, weak_quality: float, strong_quality: float) -> np.ndarray:
    """Performance gap recovered; NaN when the strong and weak models tie."""
    gap = strong_quality - weak_quality
    if gap == 0:
        return np.full(np.shape(quality), np.nan)
    return (np.asarray(quality, dtype=np.float64) - weak_quality) / gap


def apgr(shares: np.ndarray, quality: np.ndarray, weak_quality: float,
         strong_quality: float) -> float | None:
    """Area under PGR(strong-call share) on [0, 1] (trapezoid rule)."""
    values = pgr(quality, weak_quality, strong_quality)
    if np.isnan(values).all():
        return None
    return float(_trapezoid(values, shares))


def first_share_reaching(shares: np.ndarray, values: np.ndarray, target: float) -> float | None:
    """Smallest share whose value is >= target (None when none is)."""
    hit = np.asarray(values) >= target - 1e-12
    if not hit.any():
        return None
    return float(shares[int(np.argmax(hit))])


def cpt(shares: np.ndarray, quality: np.ndarray, weak_quality: float, strong_quality: float,
        fraction: float) -> float | None:
    """CPT(x%): the smallest strong-call share with PGR >= ``fraction``."""
    values = pgr(quality, weak_quality, strong_quality)
    if np.isnan(values).all():
        return None
    return first_share_reaching(shares, values, fraction)


def aiq(cost: np.ndarray, quality: np.ndarray, cost_min: float, cost_max: float) -> float | None:
    """Average quality of the non-decreasing convex hull over [cost_min, cost_max]."""
    hull = nondecreasing_hull(np.asarray(cost, float), np.asarray(quality, float))
    if hull.shape[0] == 0 or not cost_max > cost_min:
        return None
    xs = np.concatenate([hull[:, 0], [max(cost_max, hull[-1, 0])]])
    ys = np.concatenate([hull[:, 1], [hull[-1, 1]]])
    grid_lo, grid_hi = max(cost_min, xs[0]), cost_max
    if grid_hi <= grid_lo:
        return 0.0
    inside = (xs > grid_lo) & (xs < grid_hi)
    x = np.concatenate([[grid_lo], xs[inside], [grid_hi]])
    y = np.interp(x, xs, ys)
    return float(_trapezoid(y, x) / (cost_max - cost_min))
