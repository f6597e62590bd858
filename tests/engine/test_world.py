"""The provider world: incident replay and timelines."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from workbench.domain import load_scenario
from workbench.engine.simulation import simulate
from workbench.engine.world import DEGRADED, DOWN, UP, ProviderWorld, _to_timeline


def test_overlapping_outages_keep_the_worst_state():
    tl = _to_timeline([(0, 10, DEGRADED), (5, 8, DOWN), (20, 30, DOWN)], 25)
    assert tl.starts.tolist() == [0, 5, 8, 20]
    assert tl.ends.tolist() == [5, 8, 10, 25]
    assert tl.states.tolist() == [DEGRADED, DOWN, DEGRADED, DOWN]
    assert tl.state_at(np.array([-1, 0, 6, 9, 15, 24.9, 25])).tolist() == \
        [UP, DEGRADED, DOWN, DEGRADED, UP, DOWN, UP]


def test_replayed_incidents_match_the_csv():
    scenario = load_scenario("scenarios/incident_replay.yaml")
    world = ProviderWorld(scenario, 30 * 86400.0, np.random.default_rng(0))
    csv = pl.read_csv("data/outages/incidents.csv").filter(
        (pl.col("provider") == "openai") & pl.col("services").str.contains("API")
        & pl.col("impact_level").is_in([1, 2, 3])
        & (pl.col("start_utc") >= "2024-03-01") & (pl.col("start_utc") < "2024-03-31"))
    start = pl.lit("2024-03-01T00:00:00+00:00").str.to_datetime(time_zone="UTC")
    seconds = csv.select(
        ((pl.col("start_utc").str.to_datetime(time_zone="UTC") - start).dt.total_seconds())
        .alias("s"),
        ((pl.col("end_utc").str.to_datetime(time_zone="UTC") - start).dt.total_seconds())
        .alias("e"), "impact_level").filter(pl.col("e") > pl.col("s"))
    timeline = world.timeline("openai")
    assert seconds.height > 0
    for s, e, impact in seconds.iter_rows():
        mid = np.array([(s + min(e, 30 * 86400.0)) / 2])
        expected = DEGRADED if impact == 1 else DOWN
        assert timeline.state_at(mid)[0] >= expected


def test_failover_beats_a_single_provider_in_march_2024():
    result = simulate(load_scenario("scenarios/incident_replay.yaml"), replications=2, days=30)
    single = result.summaries["single"]["availability"]
    failover = result.summaries["failover"]["availability"]
    assert failover > single
    assert result.outages.filter(pl.col("provider") == "openai").height > 0


def test_without_outages_nothing_fails_but_errors():
    result = simulate(load_scenario("scenarios/incident_replay.yaml"), replications=1, days=2,
                      outages=False)
    assert result.outages.height == 0
    assert result.summaries["single"]["success_rate"] == pytest.approx(1.0)
