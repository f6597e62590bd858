"""The spend guard: no request is sent unless its worst-case cost, plus everything already
spent and everything in flight, stays within the cap.

    guard = SpendGuard(cap_usd=1.0, spent_usd=0.0)
    reservation = guard.reserve(worst_case_usd)    # None: would cross the cap, do not send
    reservation = await guard.acquire(worst_case_usd)   # waits while requests in flight
                                                        # hold the money it needs
    ...send...
    reservation.settle(actual_usd)                 # or reservation.release() if never sent

``reserve`` and ``settle`` never await, so under asyncio (one thread) a check and its
reservation happen atomically whatever the concurrency; a lock makes them thread-safe too.
``acquire`` refuses only a request that would cross the cap even after everything in flight
settled at no cost; otherwise it waits for in-flight requests to settle, then checks again.

Worst case of a request = prompt tokens x ``PROMPT_MARGIN`` + ``PROMPT_OVERHEAD_TOKENS``
(the 4-characters-per-token estimate may undercount) + ``max_tokens`` output, at list price.
An attempt whose bill cannot be seen (timeout, cut stream, malformed body, connection lost)
is settled at its worst case, so the cap bounds anything that may have been billed.
"""

from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import dataclass

from workbench.domain.model import Model

PROMPT_MARGIN = 1.25
PROMPT_OVERHEAD_TOKENS = 16
_EPS_USD = 1e-12


def worst_case_prompt_tokens(estimated_tokens: int) -> int:
    """Upper bound used for a prompt estimated at ``estimated_tokens``."""
    return math.ceil(estimated_tokens * PROMPT_MARGIN) + PROMPT_OVERHEAD_TOKENS


def worst_case_usd(model: Model, estimated_prompt_tokens: int, max_tokens: int) -> float:
    """Worst-case USD of one request to ``model``."""
    return model.call_cost_usd(worst_case_prompt_tokens(estimated_prompt_tokens), max_tokens)


@dataclass
class Reservation:
    """Money held for one request in flight."""

    guard: SpendGuard
    amount_usd: float
    open: bool = True

    def settle(self, actual_usd: float) -> None:
        """The request ended and cost ``actual_usd``."""
        self.guard._close(self, actual_usd)

    def release(self) -> None:
        """The request was not sent."""
        self.guard._close(self, 0.0)


class SpendGuard:
    """Reservations against a cap in USD; ``peak_usd`` is the most ever spent + reserved."""

    def __init__(self, cap_usd: float, spent_usd: float = 0.0) -> None:
        if cap_usd <= 0:
            raise ValueError(f"spend cap must be positive, got {cap_usd}")
        self.cap_usd = float(cap_usd)
        self.spent_usd = float(spent_usd)
        self.reserved_usd = 0.0
        self.peak_usd = self.spent_usd
        self._lock = threading.Lock()
        self._settled: asyncio.Event | None = None

    def __repr__(self) -> str:
        return (f"SpendGuard(cap_usd={self.cap_usd}, spent_usd={self.spent_usd:.6f}, "
                f"reserved_usd={self.reserved_usd:.6f})")

    @property
    def remaining_usd(self) -> float:
        """Cap minus spent minus reserved."""
        return self.cap_usd - self.spent_usd - self.reserved_usd

    def reserve(self, worst_case_usd: float) -> Reservation | None:
        """Hold ``worst_case_usd``, or return None when that would cross the cap."""
        return self._try(worst_case_usd)

    async def acquire(self, worst_case_usd: float) -> Reservation | None:
        """Like ``reserve``, but when only money held by requests in flight stands in the way,
        wait for them to settle and try again; None once spent + this request would cross
        the cap."""
        while True:
            reservation = self._try(worst_case_usd)
            if reservation is not None:
                return reservation
            if self.reserved_usd <= 0 or \
                    self.spent_usd + worst_case_usd > self.cap_usd + _EPS_USD:
                return None
            if self._settled is None:
                self._settled = asyncio.Event()
            await self._settled.wait()

    def _try(self, worst_case_usd: float) -> Reservation | None:
        amount = max(float(worst_case_usd), 0.0)
        with self._lock:
            if self.spent_usd + self.reserved_usd + amount > self.cap_usd + _EPS_USD:
                return None
            self.reserved_usd += amount
            self.peak_usd = max(self.peak_usd, self.spent_usd + self.reserved_usd)
            return Reservation(self, amount)

    def charge(self, actual_usd: float) -> None:
        """Count spend made outside a reservation (settled or interrupted requests of an
        earlier session, read back from the run's ledger on resume)."""
        with self._lock:
            self.spent_usd += actual_usd
            self.peak_usd = max(self.peak_usd, self.spent_usd + self.reserved_usd)

    def _close(self, reservation: Reservation, actual_usd: float) -> None:
        with self._lock:
            if not reservation.open:
                raise RuntimeError("reservation already closed")
            reservation.open = False
            self.reserved_usd = max(self.reserved_usd - reservation.amount_usd, 0.0)
            self.spent_usd += max(float(actual_usd), 0.0)
            self.peak_usd = max(self.peak_usd, self.spent_usd + self.reserved_usd)
        if self._settled is not None:  # wake requests waiting in acquire()
            self._settled.set()
            self._settled = None
