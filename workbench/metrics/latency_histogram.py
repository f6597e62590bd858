"""LatencyHistogram: task latencies counted in fixed logarithmic bins, so latency quantiles of
any number of tasks take constant memory and merge exactly across chunks, workers and
replications (integer counts add; the merge is associative and order-free).

Resolution: 2,000 bins per decade from 1 microsecond to 10^7 s (about 116 days), each bin
0.115% wide; a quantile is read at the geometric middle of its bin, so it is within 0.058%
of the exact order statistic (linear interpolation between ranks, like
``polars.quantile(q, "linear")``). Values below or above the range fall in an under- or
overflow bin read as the exact minimum or maximum, which are kept alongside.
"""

from __future__ import annotations

import math

import numpy as np

LOW_S = 1e-6
DECADES = 13
BINS_PER_DECADE = 2_000
N_BINS = DECADES * BINS_PER_DECADE + 2  # + underflow (0) and overflow (last)
RELATIVE_RESOLUTION = 10 ** (1 / BINS_PER_DECADE) - 1  # width of a bin over its lower edge


class LatencyHistogram:
    """Counts of latencies (seconds) in fixed log bins, with the exact min and max.

    >>> h = LatencyHistogram.of(np.array([1.0, 2.0, 3.0]))
    >>> round(h.quantile(0.5), 3), h.quantile(0.0), h.quantile(1.0)
    (2.0, 1.0, 3.0)
    """

    __slots__ = ("counts", "max_s", "min_s")

    def __init__(self) -> None:
        self.counts = np.zeros(N_BINS, dtype=np.int64)
        self.min_s = math.inf
        self.max_s = -math.inf

    @classmethod
    def of(cls, values_s: np.ndarray) -> LatencyHistogram:
        """A histogram of ``values_s``."""
        hist = cls()
        hist.add(values_s)
        return hist

    @property
    def total(self) -> int:
        """Number of values counted."""
        return int(self.counts.sum())

    def add(self, values_s: np.ndarray) -> None:
        """Count ``values_s`` (seconds; NaN not allowed)."""
        values = np.asarray(values_s, dtype=float)
        if values.size == 0:
            return
        self.min_s = min(self.min_s, float(values.min()))
        self.max_s = max(self.max_s, float(values.max()))
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.floor(np.log10(values / LOW_S) * BINS_PER_DECADE)
        pos = np.nan_to_num(pos, nan=-1.0, neginf=-1.0, posinf=float(N_BINS))
        bins = np.clip(pos + 1, 0, N_BINS - 1).astype(np.int64)
        self.counts += np.bincount(bins, minlength=N_BINS)

    def merge(self, other: LatencyHistogram) -> LatencyHistogram:
        """Add ``other`` into this histogram (in place); returns self."""
        self.counts += other.counts
        self.min_s = min(self.min_s, other.min_s)
        self.max_s = max(self.max_s, other.max_s)
        return self

    def _value_at_rank(self, cum: np.ndarray, rank: int, total: int) -> float:
        if rank <= 0:
            return self.min_s
        if rank >= total - 1:
            return self.max_s
        b = int(np.searchsorted(cum, rank, side="right"))
        if b == 0:
            return self.min_s
        if b == N_BINS - 1:
            return self.max_s
        mid = LOW_S * 10 ** ((b - 1 + 0.5) / BINS_PER_DECADE)
        return min(max(mid, self.min_s), self.max_s)

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (0..1) in seconds, or None when empty."""
        total = self.total
        if total == 0:
            return None
        cum = np.cumsum(self.counts)
        rank = q * (total - 1)
        lo, hi = math.floor(rank), math.ceil(rank)
        low = self._value_at_rank(cum, lo, total)
        if hi == lo:
            return low
        high = self._value_at_rank(cum, hi, total)
        return low + (rank - lo) * (high - low)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LatencyHistogram) and self.min_s == other.min_s
                and self.max_s == other.max_s and bool(np.array_equal(self.counts, other.counts)))

    def __repr__(self) -> str:
        return f"LatencyHistogram(total={self.total}, min_s={self.min_s}, max_s={self.max_s})"
