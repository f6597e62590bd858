"""Sampling of token sizes and attempt latency (numpy only), shared by the engine's paths
and the probe's sampler and calibration, so every fidelity draws from one set of formulas.

- tokens per call (`TokenSize`): ``fixed``; lognormal with ``median`` and log-space ``sigma``
  (from its p95); or drawn with replacement from an empirical ``sample``; rounded to integers;
- time to first token (s) ~ lognormal(median, p95) and streaming speed (output tokens/s)
  ~ lognormal(median, p05), fixed when the profile gives no p05, so one attempt takes
  ttft + output_tokens / tokens_per_s seconds (before any degradation factor).

The closed-form counterparts (CDFs and partial means of the same distributions) live in
`workbench.estimator.latency`.
"""

from __future__ import annotations

import numpy as np

from workbench.domain.model import LatencyProfile
from workbench.domain.workload import TokenSize


def sample_tokens(size: TokenSize, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` token counts (int64, >= 0) of one call each.

    >>> sample_tokens(TokenSize(fixed=300), np.random.default_rng(0), 2).tolist()
    [300, 300]
    """
    if size.fixed is not None:
        return np.full(n, round(size.fixed), dtype=np.int64)
    if size.sample is not None:
        return np.rint(rng.choice(np.asarray(size.sample), n)).astype(np.int64)
    draws = size.median * np.exp(size.sigma * rng.standard_normal(n))  # type: ignore[operator]
    return np.rint(draws).astype(np.int64)


def sample_ttft_s(profile: LatencyProfile, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` times to first token in seconds."""
    return profile.ttft_median_s * np.exp(profile.ttft_sigma * rng.standard_normal(n))


def sample_tokens_per_s(profile: LatencyProfile, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` streaming speeds in output tokens per second."""
    if profile.tps_sigma == 0.0:
        return np.full(n, profile.tokens_per_s)
    return profile.tokens_per_s * np.exp(profile.tps_sigma * rng.standard_normal(n))


def sample_latency_s(profile: LatencyProfile, output_tokens: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(ttft_s, total latency_s) of attempts producing ``output_tokens`` each: ttft first,
    then the speeds, one draw per attempt (the order fixes the seeded stream)."""
    tokens = np.asarray(output_tokens, dtype=float)
    ttft = sample_ttft_s(profile, rng, tokens.size)
    return ttft, attempt_latency_s(ttft, tokens, sample_tokens_per_s(profile, rng, tokens.size))


def attempt_latency_s(ttft_s, output_tokens, tokens_per_s):
    """Seconds of an attempt: first token, then its output at its streaming speed (numbers or
    numpy arrays; the contention path draws its own ``ttft_s`` and speed one at a time)."""
    return ttft_s + output_tokens / tokens_per_s
