"""Latency histogram quantiles (stated resolution, exact merge) and the memory footprint."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.helpers import one_model, scenario_from
from workbench.domain.errors import ScenarioError
from workbench.engine.footprint import Footprint, parse_size
from workbench.metrics.latency_histogram import RELATIVE_RESOLUTION, LatencyHistogram


def test_quantiles_of_a_worked_example():
    """1, 2, 3, 4 s: p50 by linear interpolation between ranks 1 and 2 = 2.5 s; p0 and p100
    are the exact min and max; every value is read within half a bin (0.058%)."""
    h = LatencyHistogram.of(np.array([4.0, 1.0, 3.0, 2.0]))
    assert h.total == 4
    assert h.quantile(0.0) == 1.0 and h.quantile(1.0) == 4.0
    assert h.quantile(0.5) == pytest.approx(2.5, rel=RELATIVE_RESOLUTION / 2)
    assert RELATIVE_RESOLUTION == pytest.approx(0.00115, abs=1e-5)
    assert LatencyHistogram().quantile(0.5) is None


def test_quantiles_within_resolution_and_merge_exactly():
    rng = np.random.default_rng(5)
    values = np.exp(rng.normal(1.0, 1.5, 200_001))
    whole = LatencyHistogram.of(values)
    parts = [LatencyHistogram.of(v) for v in np.array_split(values, 7)]
    merged = LatencyHistogram()
    for part in reversed(parts):
        merged.merge(part)
    assert merged == whole
    for q in (0.5, 0.95, 0.99):
        exact = float(np.quantile(values, q))
        assert whole.quantile(q) == pytest.approx(exact, rel=RELATIVE_RESOLUTION)


def test_sizes_parse():
    assert parse_size("2GiB") == 2 * 2**30
    assert parse_size("1.5GB") == 1_500_000_000
    assert parse_size("800MiB") == 800 * 2**20
    assert parse_size("1000000") == 1_000_000
    for bad in ("", "-1GB", "2 parsecs", "0"):
        with pytest.raises(ScenarioError):
            parse_size(bad)


def test_footprint_counts_tasks_in_memory_at_once():
    """10,000 tasks a day: blocks of 7 days (70,000 tasks); two workers hold two blocks:
    3 processes x 150 MiB + 2 x 70,000 x 400 bytes = 471,859,200 + 56,000,000 bytes."""
    scenario = scenario_from(one_model(per_day=10_000))
    size = Footprint.of(scenario, 30.0, 1, 1, 0, 2, False)
    assert size.block_tasks == 70_000
    assert size.bytes == 3 * 150 * 2**20 + 2 * 70_000 * 400
    size.check(600 * 2**20)
    with pytest.raises(ScenarioError, match="70,000 tasks of a block"):
        size.check(500 * 2**20)
