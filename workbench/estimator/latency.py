"""Latency of one attempt: time to first token T ~ lognormal(median, p95) plus output tokens X
at streaming speed V ~ lognormal(median, p05) (fixed without p05): L = shift + T + X / V. Its
CDF is exact in X and a quadrature over equiprobable nodes of T and V:

    P(L <= t) = mean_{j,k} F_X((t - shift - T_j) * V_k)

Quantiles of a weighted mixture of such attempts come from bisection on the mixture CDF."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from workbench.domain.model import LatencyProfile
from workbench.domain.workload import TokenSize

TTFT_NODES = 16
SPEED_NODES = 6


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


def tokens_partial_mean(size: TokenSize, x: float) -> float:
    """E[tokens; tokens <= x] (the mean of the part of the distribution at or below x)."""
    if x < 0:
        return 0.0
    if size.fixed is not None:
        return float(size.fixed) if x >= size.fixed else 0.0
    if size.sample is not None:
        return sum(v for v in size.sample if v <= x) / len(size.sample)
    if x == 0:
        return 0.0
    mu, sigma = math.log(size.median), size.sigma  # type: ignore[arg-type]
    z = (math.log(x) - mu - sigma ** 2) / sigma
    return math.exp(mu + sigma ** 2 / 2.0) * 0.5 * math.erfc(-z / math.sqrt(2.0))


@dataclass(frozen=True)
class AttemptLatency:
    """``shift_s`` + T + X / v seconds with mixture ``weight``."""

    weight: float
    shift_s: float
    ttft_nodes_s: tuple[float, ...]
    output: TokenSize
    speed_nodes: tuple[float, ...]

    def cdf(self, t: float) -> float:
        """P(latency <= t)."""
        rest = t - self.shift_s
        total = sum(tokens_cdf(self.output, (rest - node) * speed)
                    for node in self.ttft_nodes_s for speed in self.speed_nodes)
        return total / (len(self.ttft_nodes_s) * len(self.speed_nodes))

    def tokens_within(self, t: float) -> float:
        """E[output tokens; latency <= t]: what in-time attempts are billed for."""
        rest = t - self.shift_s
        total = sum(tokens_partial_mean(self.output, (rest - node) * speed)
                    for node in self.ttft_nodes_s for speed in self.speed_nodes)
        return total / (len(self.ttft_nodes_s) * len(self.speed_nodes))

    def scaled(self, factor: float) -> AttemptLatency:
        """The same component with its weight multiplied by ``factor``."""
        return AttemptLatency(self.weight * factor, self.shift_s, self.ttft_nodes_s,
                              self.output, self.speed_nodes)


def attempt_latency(profile: LatencyProfile, output: TokenSize, weight: float,
                    extra_s: float = 0.0) -> AttemptLatency:
    """One attempt of ``profile`` producing ``output`` tokens, after ``extra_s`` of earlier
    hops (escalation rungs, judge calls)."""
    nodes = tuple(profile.ttft_median_s * math.exp(profile.ttft_sigma * z)
                  for z in _z_nodes(TTFT_NODES)) if profile.ttft_sigma else (profile.ttft_median_s,)
    speeds = tuple(profile.tokens_per_s * math.exp(profile.tps_sigma * z)
                   for z in _z_nodes(SPEED_NODES)) if profile.tps_sigma else (profile.tokens_per_s,)
    return AttemptLatency(weight, extra_s, nodes, output, speeds)


def median_attempt_s(profile: LatencyProfile, output_tokens: float) -> float:
    """Median seconds of one attempt (used for earlier hops of a ladder)."""
    return profile.ttft_median_s + output_tokens / profile.tokens_per_s


def mixture_cdf(parts: list[AttemptLatency], t: float) -> float:
    """P(latency <= t) of the weighted mixture."""
    total = sum(p.weight for p in parts)
    return sum(p.weight * p.cdf(t) for p in parts) / total if total > 0 else 0.0


def quantile(cdf, q: float, tolerance_s: float = 1e-3) -> float:
    """The q-quantile (s) of a distribution on [0, inf) given its CDF, by bisection."""
    lo, hi = 0.0, 1.0
    while cdf(hi) < q and hi < 1e9:
        hi *= 2.0
    while hi - lo > tolerance_s:
        mid = (lo + hi) / 2.0
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
    return hi


def mixture_quantile(parts: list[AttemptLatency], q: float) -> float | None:
    """The q-quantile in seconds, to 1 ms (None for an empty mixture)."""
    if not parts or sum(p.weight for p in parts) <= 0.0:
        return None
    return quantile(lambda t: mixture_cdf(parts, t), q)


def max_quantiles(mixtures: list[list[AttemptLatency]], k: int) -> list[float]:
    """``k`` equiprobable quantiles (s) of the latest of several independent completions (the
    time the last upstream step of a workflow step is done)."""
    live = [m for m in mixtures if m and sum(p.weight for p in m) > 0.0]
    if not live:
        return [0.0]
    cdf = lambda t: math.prod(mixture_cdf(m, t) for m in live)
    return [quantile(cdf, (i + 0.5) / k, 1e-2) for i in range(k)]
