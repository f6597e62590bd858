"""Latency of one attempt: time to first token (lognormal) + output tokens / tokens per second,
and quantiles of a mixture of such shifted lognormals (bisection on the mixture CDF)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.domain.model import LatencyProfile


@dataclass(frozen=True)
class ShiftedLognormal:
    """``shift_s`` + LogNormal(mu, sigma) seconds, with mixture ``weight``."""

    weight: float
    shift_s: float
    mu: float
    sigma: float

    def cdf(self, t: float) -> float:
        """P(latency <= t)."""
        x = t - self.shift_s
        if x <= 0.0:
            return 0.0
        if self.sigma == 0.0:
            return 1.0 if math.log(x) >= self.mu else 0.0
        return 0.5 * math.erfc(-(math.log(x) - self.mu) / (self.sigma * math.sqrt(2.0)))


def attempt_component(profile: LatencyProfile, output_tokens: float, weight: float,
                      extra_s: float = 0.0) -> ShiftedLognormal:
    """One attempt at the median streaming speed, plus ``extra_s`` of earlier hops."""
    return ShiftedLognormal(weight, extra_s + output_tokens / profile.tokens_per_s,
                            math.log(profile.ttft_median_s), profile.ttft_sigma)


def median_attempt_s(profile: LatencyProfile, output_tokens: float) -> float:
    """Median seconds of one attempt (used for earlier hops of a ladder)."""
    return profile.ttft_median_s + output_tokens / profile.tokens_per_s


def mixture_cdf(parts: list[ShiftedLognormal], t: float) -> float:
    """P(latency <= t) of the weighted mixture."""
    total = sum(p.weight for p in parts)
    return sum(p.weight * p.cdf(t) for p in parts) / total if total > 0 else 0.0


def mixture_quantile(parts: list[ShiftedLognormal], q: float) -> float | None:
    """The q-quantile in seconds (None for an empty mixture)."""
    if not parts or sum(p.weight for p in parts) <= 0.0:
        return None
    lo, hi = 0.0, 1.0
    while mixture_cdf(parts, hi) < q and hi < 1e9:
        hi *= 2.0
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if mixture_cdf(parts, mid) < q:
            lo = mid
        else:
            hi = mid
    return hi
