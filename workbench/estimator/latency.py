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


# ------------------------------------------------------------------ calls conditioned on tokens
# Tail-dense equiprobability segments for the output-token quadrature: timeouts come from the
# longest outputs, and the same output length times out on every attempt of a call.
_SEGMENTS = (0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0)
_GAUSS = 3


def token_nodes(size: TokenSize) -> tuple[tuple[float, float], ...]:
    """(probability, output tokens) nodes of ``size``: exact for a fixed size and a sample of
    at most 64 distinct values, Gauss-Legendre on tail-dense segments of the quantile function
    otherwise (lognormal or a larger sample)."""
    if size.fixed is not None:
        return ((1.0, float(size.fixed)),)
    import numpy as np

    if size.sample is not None and len(set(size.sample)) <= 64:
        values, counts = np.unique(np.asarray(size.sample, dtype=float), return_counts=True)
        return tuple((float(c) / len(size.sample), float(v)) for v, c in zip(values, counts))
    return _quantile_nodes(size.median, size.sigma if size.sample is None else None,
                           tuple(size.sample) if size.sample is not None else None)


@lru_cache(maxsize=64)
def _quantile_nodes(median: float | None, sigma: float | None,
                    sample: tuple[float, ...] | None) -> tuple[tuple[float, float], ...]:
    import numpy as np

    z, w = np.polynomial.legendre.leggauss(_GAUSS)
    lows, highs = np.asarray(_SEGMENTS[:-1]), np.asarray(_SEGMENTS[1:])
    u = (lows[:, None] + (highs - lows)[:, None] * (z[None, :] + 1.0) / 2.0).ravel()
    p = ((highs - lows)[:, None] * w[None, :] / 2.0).ravel()
    if sample is not None:
        x = np.quantile(np.asarray(sample, dtype=float), u, method="inverted_cdf")
    else:
        x = [float(median) * math.exp(sigma * NormalDist().inv_cdf(float(q)))  # type: ignore
             for q in u]
    return tuple((float(a), float(b)) for a, b in zip(p, x))


def speed_nodes(profile: LatencyProfile) -> tuple[float, ...]:
    """Equiprobable nodes of the streaming speed (tokens/s)."""
    if not profile.tps_sigma:
        return (profile.tokens_per_s,)
    return tuple(profile.tokens_per_s * math.exp(profile.tps_sigma * z)
                 for z in _z_nodes(SPEED_NODES))


def in_time_given_tokens(profile: LatencyProfile, tokens: float, limit_s: float) -> float:
    """P(T + tokens / V <= limit_s): exact in the time to first token T, quadrature in V."""
    total = 0.0
    speeds = speed_nodes(profile)
    for v in speeds:
        rest = limit_s - tokens / v
        if rest <= 0.0:
            continue
        if not profile.ttft_sigma:
            total += 1.0 if profile.ttft_median_s <= rest else 0.0
        else:
            z = (math.log(rest) - math.log(profile.ttft_median_s)) / profile.ttft_sigma
            total += 0.5 * math.erfc(-z / math.sqrt(2.0))
    return total / len(speeds)


class ServedLatency:
    """Latency of calls served after some earlier failed attempts: a weighted set of
    components ``shift_s + factor (T + tokens / V)`` of one latency profile (T lognormal, V
    over its speed nodes). ``weight`` is the total probability mass; duck-types
    `AttemptLatency` for `mixture_cdf`, `mixture_quantile` and `max_quantiles`."""

    def __init__(self, profile: LatencyProfile, weights, shifts, tokens, factors) -> None:
        import numpy as np

        self.profile = profile
        self.w = np.asarray(weights, dtype=float)
        self.shift = np.asarray(shifts, dtype=float)
        self.tokens = np.asarray(tokens, dtype=float)
        self.factor = np.asarray(factors, dtype=float)
        self.weight = float(self.w.sum())

    def cdf(self, t: float) -> float:
        """P(latency <= t)."""
        import numpy as np

        if self.weight <= 0.0:
            return 0.0
        prof = self.profile
        speeds = np.asarray(speed_nodes(prof))
        rest = (t - self.shift) / self.factor
        lim = rest[:, None] - self.tokens[:, None] / speeds[None, :]
        if prof.ttft_sigma:
            from scipy.special import ndtr

            z = (np.log(np.maximum(lim, 1e-300)) - math.log(prof.ttft_median_s)) / prof.ttft_sigma
            f = np.where(lim > 0.0, ndtr(z), 0.0)
        else:
            f = (lim >= prof.ttft_median_s).astype(float)
        return float((self.w * f.mean(axis=1)).sum() / self.weight)

    def scaled(self, factor: float) -> ServedLatency:
        """The same components with weights multiplied by ``factor``."""
        return ServedLatency(self.profile, self.w * factor, self.shift, self.tokens, self.factor)

    def shifted(self, seconds: float) -> ServedLatency:
        """The same components ``seconds`` later."""
        return ServedLatency(self.profile, self.w, self.shift + seconds, self.tokens, self.factor)
