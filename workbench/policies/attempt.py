"""The outcome of one attempt, from what the provider did and how long the answer took: the
rule both simulation paths apply (the estimator's `workbench.estimator.call` is its
expectation). A failed call on a provider that is down and hangs (``down_failure: timeout``)
ends at the policy's timeout; other failures answer 5xx about a time to first token later (at
least FAST_FAIL_S); an answer slower than the timeout is cut there (a timeout). Only ``ok``
attempts are billed.

Two forms of the one rule: `resolve_attempts` (numpy arrays, the batch path) and
`resolve_attempt` (one attempt, the contention path's hot loop); a test holds them equal."""

from __future__ import annotations

import numpy as np

FAST_FAIL_S = 0.25  # a 5xx answers about as fast as a first token; floor in seconds


def resolve_attempts(failed: np.ndarray, down: np.ndarray, hangs: bool, ttft_s: np.ndarray,
                     latency_s: np.ndarray, timeout_s: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ok, timed out, seconds the attempt lasted) per attempt; ``failed``: the provider
    failed the call, ``down``: it was down, ``latency_s``: the answer's full time."""
    hang = failed & down if hangs else np.zeros(failed.shape, dtype=bool)
    timed_out = (~failed & (latency_s > timeout_s)) | hang
    ok = ~failed & ~timed_out
    seconds = np.where(ok, latency_s, np.where(timed_out, timeout_s,
                                               np.maximum(ttft_s, FAST_FAIL_S)))
    return ok, timed_out, seconds


def resolve_attempt(failed: bool, down: bool, hangs: bool, ttft_s: float, latency_s: float,
                    timeout_s: float) -> tuple[str, float]:
    """(outcome - ``ok``, ``timeout`` or ``error_5xx`` - and seconds) of one attempt."""
    if failed:
        if hangs and down:
            return "timeout", timeout_s
        return "error_5xx", max(ttft_s, FAST_FAIL_S)
    if latency_s > timeout_s:
        return "timeout", timeout_s
    return "ok", latency_s
