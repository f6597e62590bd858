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


INCIDENTS = """incident_id,provider,services,impact_level,start_utc,end_utc,title
1,a,API,2,2024-01-01 00:00:00+00:00,2024-01-01 10:00:00+00:00,down
2,a,API,1,2024-01-01 20:00:00+00:00,2024-01-02 06:00:00+00:00,degraded
3,a,Playground;API beta,3,2024-01-02 11:00:00+00:00,2024-01-02 16:00:00+00:00,other service
4,a,API,4,2024-01-02 18:00:00+00:00,2024-01-02 19:00:00+00:00,maintenance
"""

REPLAY = """
name: replay_fields
baseline: single
horizon: {days: 2}
providers:
  - {name: a, incidents: incidents.csv, incident_services: [API],
     incidents_from: "2024-01-01T00:00:00+00:00"%s}
models:
  - {name: ma, provider: a, price: {per_request_usd: 0.01}}
workload:
  task_types:
    - {name: t, per_day: 100, latency_class: batch}
policies:
  - {name: single, routing: {default: ma}}
"""


def _replayed(write_scenario, extra: str = ""):
    write_scenario(INCIDENTS, "incidents.csv")
    scenario = load_scenario(write_scenario(REPLAY % extra))
    world = ProviderWorld(scenario, 2 * 86400.0, np.random.default_rng(0))
    tl = world.timeline("a")
    return [(s / 3600, e / 3600, int(st)) for s, e, st in zip(tl.starts, tl.ends, tl.states)]


def test_services_match_exactly_and_impacts_map_by_default(write_scenario):
    """"API" keeps the incidents listing the service API, not "API beta" (35-40 h, which a
    substring match took for an outage); minor = degraded, major = down, maintenance ignored."""
    assert _replayed(write_scenario) == [(0, 10, DOWN), (20, 30, DEGRADED)]


def test_impact_mapping_is_a_scenario_field(write_scenario):
    """incident_impact: every impact level can be mapped to degraded, down or ignore."""
    assert _replayed(write_scenario, ", incident_impact: {minor: down, major: ignore, "
                                     "maintenance: degraded}") == [(20, 30, DOWN),
                                                                  (42, 43, DEGRADED)]
