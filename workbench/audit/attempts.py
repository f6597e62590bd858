"""Attempts of one request: the retries and fallbacks a gateway made, found in the logs.

A call is a **follow-up** when the call before it in the same trace (``trace_id``: LiteLLM's
``session_id``, Langfuse's ``traceId``, Helicone's ``Helicone-Session-Id``) failed, has the
same task type, and ended at most `FOLLOW_UP_WINDOW_S` before it started. A follow-up on the
same model is a retry, on another model a fallback. A request is its first call and its
follow-ups: it counts once in the workload, and its fallbacks become ``today``'s
``failover.fallbacks`` (per primary model, backups in the order they were tried).

The window keeps a session id that spans a conversation (LiteLLM also puts a caller's session
there) from turning the next turn into a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.domain.policy import fallbacks_text

FOLLOW_UP_WINDOW_S = 120.0
MIN_FOLLOWED_SHARE = 0.5  # below it, failed calls mostly end the request: no failover fitted


def mark_follow_ups(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (request columns) with ``follow_up`` (bool), ``primary`` (the model of the
    request's first call) and ``attempt`` (0 for the first call), rows in their order."""
    if frame["trace_id"].null_count() == frame.height:  # no traces: every call a request
        return frame.with_columns(pl.lit(False).alias("follow_up"),
                                  pl.col("model").alias("primary"),
                                  pl.lit(0, pl.UInt32).alias("attempt"))
    trace = pl.col("trace_id")
    gap_s = (pl.col("start") - pl.col("end").shift(1)).dt.total_microseconds() / 1e6
    follow = (trace.is_not_null() & (trace == trace.shift(1)) & ~pl.col("ok").shift(1)
              & (pl.col("task_type") == pl.col("task_type").shift(1))
              & (gap_s <= FOLLOW_UP_WINDOW_S)).fill_null(False)
    marks = (frame.select("trace_id", "start", "end", "ok", "task_type", "model")
             .with_row_index("_order")
             .sort(pl.col("trace_id").fill_null(pl.col("_order").cast(pl.Utf8)), "start",
                   "_order")
             .with_columns(follow.alias("follow_up"))
             .with_columns((~pl.col("follow_up")).cum_sum().alias("_request"))
             .select("_order", "follow_up",
                     pl.col("model").first().over("_request").alias("primary"),
                     pl.int_range(pl.len(), dtype=pl.UInt32).over("_request").alias("attempt"))
             .sort("_order"))
    return frame.with_columns(marks["follow_up"], marks["primary"], marks["attempt"])


@dataclass
class FailoverSeen:
    """The retries and fallbacks the logs show, and the failover ``today`` gets from them."""

    failed_first_calls: int
    followed: int
    retry_calls: int
    fallback_calls: int
    fallbacks: dict[str, dict[str, int]] = field(default_factory=dict)
    retries: int = 0

    @property
    def followed_share(self) -> float:
        """Share of failed first calls that a retry or fallback followed."""
        return self.followed / self.failed_first_calls if self.failed_first_calls else 0.0

    def policy(self) -> dict[str, Any] | None:
        """``today``'s failover, or None when the logs show none (or it is rare)."""
        if not (self.fallbacks or self.retries) or self.followed_share < MIN_FOLLOWED_SHARE:
            return None
        out: dict[str, Any] = {"mode": "sequential", "retries": self.retries}
        if self.fallbacks:
            out["fallbacks"] = {m: list(b) for m, b in self.fallbacks.items()}
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``fallbacks`` entry of ``audit --json``."""
        return {"failed_first_calls": self.failed_first_calls,
                "followed_share": self.followed_share, "retry_calls": self.retry_calls,
                "fallback_calls": self.fallback_calls, "by_primary": self.fallbacks,
                "today_failover": self.policy()}

    def note(self) -> str | None:
        """One line for the scenario header, or None when nothing failed."""
        if not self.failed_first_calls:
            return None
        shown = fallbacks_text(self.fallbacks)
        told = (f"{self.followed:,} of {self.failed_first_calls:,} failed first calls were "
                f"followed by a retry or fallback in the same trace")
        if self.policy() is None:
            return told + ": no failover fitted" + (f" (fallbacks seen: {shown})" if shown
                                                    else "")
        does = [f"retries {self.retries} time(s)"] if self.retries else []
        does += [f"falls back {shown}"] if shown else []
        return told + "; today " + " and ".join(does)


def failover_seen(marked: pl.DataFrame) -> FailoverSeen:
    """What ``mark_follow_ups``'s frame shows about retries and fallbacks. Fallbacks per
    primary are ordered by their mean attempt number. Retries are fitted only when most
    followed requests retried their primary: then the 95th percentile of a request's retries
    (a gateway retries up to its limit, and a retry that succeeds stops early)."""
    follow = marked.filter(pl.col("follow_up"))
    first_failed = marked.filter(~pl.col("follow_up") & ~pl.col("ok")).height
    followed = follow.filter(pl.col("attempt") == 1).height
    fallbacks = follow.filter(pl.col("model") != pl.col("primary"))
    order = (fallbacks.group_by("primary", "model")
             .agg(pl.len().alias("n"), pl.col("attempt").mean().alias("position"))
             .sort("primary", "position", "n", descending=[False, False, True]))
    by_primary: dict[str, dict[str, int]] = {}
    for row in order.iter_rows(named=True):
        by_primary.setdefault(row["primary"], {})[row["model"]] = row["n"]
    per_request = (follow.filter(pl.col("model") == pl.col("primary"))
                   .group_by("trace_id").len()["len"])
    retries = (round(per_request.quantile(0.95, "nearest"))
               if followed and per_request.len() >= MIN_FOLLOWED_SHARE * followed else 0)
    return FailoverSeen(first_failed, followed, follow.height - fallbacks.height,
                        fallbacks.height, by_primary, min(retries, 10))
