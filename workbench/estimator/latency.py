"""Latency of one attempt: time to first token T ~ lognormal(median, p95) plus output tokens X
at the median streaming speed v: L = shift + T + X / v. Its CDF is computed exactly in X and
by quadrature over equiprobable nodes of T:

    P(L <= t) = mean_k F_X((t - shift - T_k) * v)

Quantiles of a weighted mixture of such attempts come from bisection on the mixture CDF."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from workbench.domain.model import LatencyProfile
from workbench.domain.workload import TokenSize

NODES = 48


@lru_cache(maxsize=8)
def _z_nodes(k: int) -> tuple[float, ...]:
    return tuple(NormalDist().inv_cdf((i + 0.5) / k) for i in range(k))


def tokens_cdf(size: TokenSize, x: float) -> float:
    """P(tokens <= x)."""
    if x < 0:
        return 0.0
    if size.fixed is not None:
        return 1.0 if x >= size.fixed else 0.0
    if size.sample is not None:
        ordered = sorted(size.sample)
        return bisect.bisect_right(ordered, x) / len(ordered)
    if x == 0:
        return 0.0
    z = (math.log(x) - math.log(size.median)) / size.sigma  # type: ignore[arg-type]
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@dataclass(frozen=True)
class AttemptLatency:
    """``shift_s`` + T + X / v seconds with mixture ``weight``."""

    weight: float
    shift_s: float
    ttft_nodes_s: tuple[float, ...]
    output: TokenSize
    tokens_per_s: float

    def cdf(self, t: float) -> float:
        """P(latency <= t)."""
        rest = t - self.shift_s
        return sum(tokens_cdf(self.output, (rest - node) * self.tokens_per_s)
                   for node in self.ttft_nodes_s) / len(self.ttft_nodes_s)

    def scaled(self, factor: float) -> "AttemptLatency":
        """The same component with its weight multiplied by ``factor``."""
        return AttemptLatency(self.weight * factor, self.shift_s, self.ttft_nodes_s,
                              self.output, self.tokens_per_s)


def attempt_latency(profile: LatencyProfile, output: TokenSize, weight: float,
                    extra_s: float = 0.0) -> AttemptLatency:
    """One attempt of ``profile`` producing ``output`` tokens, after ``extra_s`` of earlier
    hops (escalation rungs, judge calls)."""
    nodes = tuple(profile.ttft_median_s * math.exp(profile.ttft_sigma * z)
                  for z in _z_nodes(NODES)) if profile.ttft_sigma else (profile.ttft_median_s,)
    return AttemptLatency(weight, extra_s, nodes, output, profile.tokens_per_s)


def median_attempt_s(profile: LatencyProfile, output_tokens: float) -> float:
    """Median seconds of one attempt (used for earlier hops of a ladder)."""
    return profile.ttft_median_s + output_tokens / profile.tokens_per_s


def mixture_cdf(parts: list[AttemptLatency], t: float) -> float:
    """P(latency <= t) of the weighted mixture."""
    total = sum(p.weight for p in parts)
    return sum(p.weight * p.cdf(t) for p in parts) / total if total > 0 else 0.0


def mixture_quantile(parts: list[AttemptLatency], q: float) -> float | None:
    """The q-quantile in seconds, to 1 ms (None for an empty mixture)."""
    if not parts or sum(p.weight for p in parts) <= 0.0:
        return None
    lo, hi = 0.0, 1.0
    while mixture_cdf(parts, hi) < q and hi < 1e9:
        hi *= 2.0
    while hi - lo > 1e-3:
        mid = (lo + hi) / 2.0
        if mixture_cdf(parts, mid) < q:
            lo = mid
        else:
            hi = mid
    return hi
