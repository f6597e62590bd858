"""Latency of attempts: time to first token ~ lognormal(median, p95) and streaming speed
~ lognormal(median, p05) tokens/s (fixed when no p05), so one attempt takes
ttft + output_tokens / tokens_per_s seconds (x a degradation factor during partial outages)."""

from __future__ import annotations

import numpy as np

from workbench.domain.model import LatencyProfile


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
    """(ttft_s, total latency_s) of attempts producing ``output_tokens`` each."""
    tokens = np.asarray(output_tokens, dtype=float)
    ttft = sample_ttft_s(profile, rng, tokens.size)
    return ttft, attempt_latency_s(ttft, tokens, sample_tokens_per_s(profile, rng, tokens.size))


def attempt_latency_s(ttft_s, output_tokens, tokens_per_s):
    """Seconds of an attempt: first token, then its output at its streaming speed (numbers or
    numpy arrays; the contention path draws its own ``ttft_s`` and speed one at a time)."""
    return ttft_s + output_tokens / tokens_per_s
