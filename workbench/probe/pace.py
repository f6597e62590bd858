"""How fast one endpoint may be sent to.

    pace = EndpointPace(endpoint, max_pause_s=60)
    await pace.enter(tokens)        # waits for a pause, a concurrency slot, rpm and tpm
    ...send...
    pace.leave(outcome, retry_after_s)

- ``rpm`` / ``tpm``: requests and tokens (a request's worst case: prompt x 1.25 + 16 plus
  ``max_tokens``) per minute, as leaky buckets (``aiolimiter``): up to a minute's worth at
  once, then at the steady rate - the shape of a provider's per-minute limits.
- After a 429 the whole endpoint pauses for the server's Retry-After (or 1 s, at most
  ``max_pause_s``): no worker sends until it passes. Its concurrency halves (at least 1) and
  grows back by one per ``ok`` attempt up to ``max_concurrency`` (additive increase,
  multiplicative decrease).

Waits here are not part of a task's latency: ``start_s`` is taken when the request is sent.
"""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter

from workbench.probe.config import Endpoint

DEFAULT_PAUSE_S = 1.0


class EndpointPace:
    """Pacing of one endpoint (see the module docstring); ``limit`` is the concurrency now."""

    def __init__(self, endpoint: Endpoint, max_pause_s: float) -> None:
        self.max_concurrency = endpoint.max_concurrency
        self.limit = endpoint.max_concurrency
        self.max_pause_s = max_pause_s
        self.in_flight = 0
        self.paused_until = 0.0  # time.monotonic()
        self.pauses = 0
        self._rpm = AsyncLimiter(endpoint.rpm, 60.0) if endpoint.rpm else None
        self._tpm = AsyncLimiter(endpoint.tpm, 60.0) if endpoint.tpm else None
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return (f"EndpointPace(limit={self.limit}, in_flight={self.in_flight}, "
                f"pauses={self.pauses})")

    async def enter(self, tokens: int) -> None:
        """Wait until this endpoint may take one more request of ``tokens`` tokens."""
        while True:
            wait_s = self.paused_until - time.monotonic()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
                continue
            if self.in_flight < self.limit:
                break
            self._changed.clear()
            await self._changed.wait()
        self.in_flight += 1
        try:
            if self._rpm is not None:
                await self._rpm.acquire()
            if self._tpm is not None:
                await self._tpm.acquire(min(float(tokens), self._tpm.max_rate))
        except BaseException:
            self.leave(None, None)
            raise

    def leave(self, outcome: str | None, retry_after_s: float | None) -> None:
        """A request ended with ``outcome`` (None: not sent)."""
        self.in_flight -= 1
        if outcome == "rate_limited":
            pause_s = min(DEFAULT_PAUSE_S if retry_after_s is None else retry_after_s,
                          self.max_pause_s)
            self.paused_until = max(self.paused_until, time.monotonic() + pause_s)
            self.limit = max(1, self.limit // 2)
            self.pauses += 1
        elif outcome == "ok" and self.limit < self.max_concurrency:
            self.limit += 1
        self._changed.set()
