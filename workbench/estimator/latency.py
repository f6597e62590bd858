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
_SEGMENTS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 0.997, 0.999, 0.9999, 1.0)
_GAUSS = 4


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


_HERMITE = 24  # Gauss-Hermite nodes over the log of the streaming speed


@lru_cache(maxsize=4)
def _hermite(k: int):
    import numpy as np

    z, w = np.polynomial.hermite_e.hermegauss(k)
    return z, w / w.sum()


def _in_time(profile: LatencyProfile, tokens, limit_s):
    """P(T + tokens / V <= limit_s) elementwise over numpy arrays ``tokens`` and ``limit_s``:
    exact when T or V is fixed, Gauss-Hermite over log V otherwise."""
    import numpy as np
    from scipy.special import ndtr

    tokens = np.asarray(tokens, dtype=float)
    limit = np.asarray(limit_s, dtype=float)
    t0, st = profile.ttft_median_s, profile.ttft_sigma
    v0, sv = profile.tokens_per_s, profile.tps_sigma

    def ttft_cdf(rest):
        if not st:
            return (rest >= t0).astype(float)
        return np.where(rest > 0.0, ndtr((np.log(np.maximum(rest, 1e-300)) - math.log(t0)) / st),
                        0.0)

    if not sv:
        return ttft_cdf(limit - tokens / v0)
    if not st:  # V >= tokens / (limit - t0)
        room = limit - t0
        need = np.where(room > 0.0, tokens / np.maximum(room, 1e-300), np.inf)
        z = (np.log(np.maximum(need, 1e-300)) - math.log(v0)) / sv
        return np.where(room > 0.0, np.where(tokens > 0.0, ndtr(-z), 1.0), 0.0)
    z, w = _hermite(_HERMITE)
    speeds = v0 * np.exp(sv * z)
    rest = limit[..., None] - tokens[..., None] / speeds
    return (ttft_cdf(rest) * w).sum(axis=-1)


def in_time_given_tokens(profile: LatencyProfile, tokens: float, limit_s: float) -> float:
    """P(T + tokens / V <= limit_s) for one attempt of ``tokens`` output tokens."""
    return float(_in_time(profile, tokens, limit_s))


class ServedLatency:
    """Latency of calls served after some earlier failed attempts: a weighted set of
    components ``shift_s + factor (T + tokens / V)`` of one latency profile (T and V
    lognormal). ``weight`` is the total probability mass; duck-types
    `AttemptLatency` for `mixture_cdf`, `mixture_quantile` and `max_quantiles`."""

    def __init__(self, profile: LatencyProfile, weights, shifts, tokens, factors,
                 timeout_s: float, in_time=None) -> None:
        """``in_time``: P(each component ends within the timeout), when already known (it
        depends on the tokens, factors and timeout only)."""
        import numpy as np

        self.profile = profile
        self.w = np.asarray(weights, dtype=float)
        self.shift = np.asarray(shifts, dtype=float)
        self.tokens = np.asarray(tokens, dtype=float)
        self.factor = np.asarray(factors, dtype=float)
        self.timeout_s = timeout_s
        self.weight = float(self.w.sum())
        self._in_time = (_in_time(profile, self.tokens, timeout_s / self.factor)
                         if in_time is None else in_time)

    def cdf(self, t: float) -> float:
        """P(latency <= t): a served attempt ended within the timeout, so its latency is
        conditioned on that."""
        import numpy as np

        if self.weight <= 0.0:
            return 0.0
        own = np.minimum(t - self.shift, self.timeout_s) / self.factor
        f = _in_time(self.profile, self.tokens, own)
        ok = self._in_time > 0.0
        f = np.where(ok, f / np.where(ok, self._in_time, 1.0), 0.0)
        return float((self.w * f).sum() / self.weight)

    def scaled(self, factor: float) -> ServedLatency:
        """The same components with weights multiplied by ``factor``."""
        return ServedLatency(self.profile, self.w * factor, self.shift, self.tokens, self.factor,
                             self.timeout_s, self._in_time)

    def shifted(self, seconds: float) -> ServedLatency:
        """The same components ``seconds`` later."""
        return ServedLatency(self.profile, self.w, self.shift + seconds, self.tokens, self.factor,
                             self.timeout_s, self._in_time)


def attempt_quantiles(profile: LatencyProfile, tokens: float, timeout_s: float,
                      k: int = 5) -> list[float]:
    """``k`` equiprobable quantiles (s) of one attempt of ``tokens`` output tokens that ended
    within ``timeout_s``."""
    import numpy as np

    within = in_time_given_tokens(profile, tokens, timeout_s)
    if within <= 0.0:
        return [timeout_s] * k
    cdf = lambda t: _in_time(profile, tokens, np.minimum(t, timeout_s)) / within
    return quantiles(cdf, [(i + 0.5) / k for i in range(k)], 1e-2)


def quantiles(cdf, qs: list[float], tolerance_s: float = 1e-3) -> list[float]:
    """`quantile` of each of ``qs`` at once: ``cdf`` takes a numpy array of seconds. Every
    element takes the same bracketing and bisection steps as `quantile` alone, so the
    results are the same; one ``cdf`` call per step serves them all."""
    import numpy as np

    q = np.asarray(qs, dtype=float)
    lo, hi = np.zeros_like(q), np.ones_like(q)
    grow = (cdf(hi) < q) & (hi < 1e9)
    while grow.any():
        hi = np.where(grow, hi * 2.0, hi)
        grow = grow & (cdf(hi) < q) & (hi < 1e9)
    active = hi - lo > tolerance_s
    while active.any():
        mid = (lo + hi) / 2.0
        below = cdf(mid) < q
        lo = np.where(active & below, mid, lo)
        hi = np.where(active & ~below, mid, hi)
        active = hi - lo > tolerance_s
    return [float(v) for v in hi]
