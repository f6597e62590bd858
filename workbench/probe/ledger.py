"""The write-ahead spend ledger of a run: ``ledger.jsonl`` in the run folder, so that the spend
cap bounds the real bill across any number of kills.

    {"op": "reserve", "id": "a1b2:7", "usd": 0.0019, "task_id": 12, "attempt": 2,
     "judge": null, "start_s": 41.2}
    {"op": "settle",  "id": "a1b2:7", "usd": 0.0008}

A reservation (the request's worst-case USD) is written, flushed and fsynced *before* its
request is sent (``ProbeSession.call`` awaits ``RunStore.durable``: a group commit), and
settled once the attempt is recorded. Spent so far = every settlement + every reservation
without one, at its worst case: a request in flight when the process died may have been
billed, so it counts in full. ``recover`` turns such a reservation into a non-final
``interrupted`` record of the task (cost = its worst case) and settles it, so records and
ledger agree again; judge reservations (``task_id`` None, ``judge`` = sample) are settled at
their worst case.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from workbench.probe.store import RunStore


@dataclass(frozen=True)
class Ticket:
    """A journaled reservation: its ledger id and worst-case USD."""

    id: str
    usd: float


@dataclass(frozen=True)
class Unsettled:
    """A reservation found without a settlement: its request may have been billed."""

    id: str
    usd: float
    task_id: int | None
    attempt: int | None
    judge: int | None
    start_s: float


class SpendLedger:
    """Reservations and settlements journaled in ``RunStore.ledger_path``."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self._prefix = os.urandom(4).hex()  # ids unique across sessions of one run
        self._count = 0

    def reserve(self, usd: float, *, task_id: int | None = None, attempt: int | None = None,
                judge: int | None = None, start_s: float = 0.0) -> Ticket:
        """Journal a reservation of ``usd`` (flushed; await ``store.durable("ledger")`` before
        sending)."""
        self._count += 1
        ticket = Ticket(f"{self._prefix}:{self._count}", float(usd))
        self.store.append("ledger", {"op": "reserve", "id": ticket.id, "usd": ticket.usd,
                                     "task_id": task_id, "attempt": attempt, "judge": judge,
                                     "start_s": start_s})
        return ticket

    def settle(self, ticket: Ticket | str, usd: float) -> None:
        """Journal what the reserved request cost (0 when nothing was sent)."""
        key = ticket.id if isinstance(ticket, Ticket) else ticket
        self.store.append("ledger", {"op": "settle", "id": key, "usd": float(usd)})

    def state(self) -> tuple[float, list[Unsettled]]:
        """USD spent (settlements + unsettled reservations at worst case) and the
        reservations without a settlement."""
        rows = self.store.load("ledger")
        reserved: dict[str, dict[str, Any]] = {}
        spent = 0.0
        settled: set[str] = set()
        for row in rows:
            if row["op"] == "reserve":
                reserved[row["id"]] = row
            else:
                settled.add(row["id"])
                spent += row["usd"]
        open_ = [Unsettled(k, r["usd"], r.get("task_id"), r.get("attempt"), r.get("judge"),
                           r.get("start_s", 0.0))
                 for k, r in reserved.items() if k not in settled]
        return spent + sum(u.usd for u in open_), open_
