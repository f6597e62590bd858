"""The estimator on replayed incident history: it integrates the call rules over the joint
timeline of the replayed failure domains (the real overlaps), checked against hand-computed
worked examples and against interval intersections written out here in plain Python."""

from __future__ import annotations

import csv
from datetime import datetime
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain import load_scenario
from workbench.domain.incidents import joint_timeline, merge_worst, state_weights
from workbench.estimator import estimate

EXACT = 1e-9
H = 3600.0

# Two providers over 48 hours (hours from 2024-01-01 00:00 UTC):
#   a: major 0-10 (down), minor 20-30 (degraded); ignored: impact none 40-41, maintenance
#      42-43, and a critical incident on the service "API beta" 35-40 (not the service "API");
#   b: critical 5-15 (down), minor 25-26 (degraded).
INCIDENTS = """incident_id,provider,services,impact_level,start_utc,end_utc,title
1,a,API;Chat,2,2024-01-01 00:00:00+00:00,2024-01-01 10:00:00+00:00,a down
2,a,API,1,2024-01-01 20:00:00+00:00,2024-01-02 06:00:00+00:00,a degraded
3,a,API,0,2024-01-02 16:00:00+00:00,2024-01-02 17:00:00+00:00,nothing
4,a,API,4,2024-01-02 18:00:00+00:00,2024-01-02 19:00:00+00:00,maintenance
5,a,Playground;API beta,3,2024-01-02 11:00:00+00:00,2024-01-02 16:00:00+00:00,other service
6,b,api.b.com,3,2024-01-01 05:00:00+00:00,2024-01-01 15:00:00+00:00,b down
7,b,api.b.com,1,2024-01-02 01:00:00+00:00,2024-01-02 02:00:00+00:00,b degraded
"""

SCENARIO = """
name: replay_by_hand
baseline: single
horizon: {days: 2, days_per_month: 30}
providers:
  - {name: a, incidents: incidents.csv, incident_services: [API],
     incidents_from: "2024-01-01T00:00:00+00:00", degraded_error_rate: 0.5}
  - {name: b, incidents: incidents.csv, incident_services: [api.b.com],
     incidents_from: "2024-01-01T00:00:00+00:00", degraded_error_rate: 0.5}
models:
  - {name: ma, provider: a, price: {per_request_usd: 0.01}}
  - {name: mb, provider: b, price: {per_request_usd: 0.03}}
workload:
  task_types:
    - {name: t, per_day: 1000, latency_class: batch}
policies:
  - name: single
    routing: {default: ma}
  - name: failover
    routing: {default: ma}
    failover: {mode: sequential, chain: [mb]}
"""


@pytest.fixture
def by_hand(write_scenario):
    write_scenario(INCIDENTS, "incidents.csv")
    return load_scenario(write_scenario(SCENARIO))


def test_single_provider_counts_its_replayed_outages(by_hand):
    """a fails with probability 1 for 10 h and 0.5 for 10 h of 48:
    success = 1 - (10 + 0.5 x 10) / 48 = 0.6875 (the ignored incidents change nothing)."""
    est = estimate(by_hand).policies["single"]
    assert est.success_rate == pytest.approx(1 - 15 / 48, rel=EXACT)
    assert est.monthly_cost_usd == pytest.approx(0.6875 * 0.01 * 1000 * 30, rel=EXACT)


def test_failover_integrates_over_the_real_overlaps(by_hand):
    """Both down 5-10 h, both degraded 25-26 h: P(fail) = (5 x 1 x 1 + 1 x 0.5 x 0.5) / 48 =
    0.109375, where independent shares would give 0.3125 x 0.21875 = 0.068359.
    Cost per task: 0.6875 x $0.01 on a, and b answers after a failed:
    (5 [a down, b up] + 5 x 0.5 [a degraded 20-25] + 1 x 0.5 x 0.5 + 4 x 0.5 [26-30]) / 48
    = 9.75 / 48 of tasks x $0.03 -> $0.01296875 a task, $389.0625 a month."""
    est = estimate(by_hand).policies["failover"]
    assert est.success_rate == pytest.approx(1 - 5.25 / 48, rel=EXACT)
    assert est.success_rate != pytest.approx(1 - (15 / 48) * (10.5 / 48), abs=1e-3)
    assert est.cost_per_task_usd == pytest.approx(0.01296875, rel=EXACT)
    assert est.monthly_cost_usd == pytest.approx(389.0625, rel=EXACT)


def test_joint_timeline_lists_every_state_change(by_hand):
    """The joint timeline covers [0, 48 h) with a new interval at every change of either
    provider, and its time shares sum to 1."""
    a = [(0, 10 * H, "down"), (20 * H, 30 * H, "degraded")]
    b = [(5 * H, 15 * H, "down"), (25 * H, 26 * H, "degraded")]
    joint = joint_timeline({"a": a, "b": b}, 48 * H)
    assert [(i.start_s / H, i.end_s / H, dict(i.states)) for i in joint] == [
        (0, 5, {"a": "down", "b": "up"}), (5, 10, {"a": "down", "b": "down"}),
        (10, 15, {"a": "up", "b": "down"}), (15, 20, {"a": "up", "b": "up"}),
        (20, 25, {"a": "degraded", "b": "up"}), (25, 26, {"a": "degraded", "b": "degraded"}),
        (26, 30, {"a": "degraded", "b": "up"}), (30, 48, {"a": "up", "b": "up"})]
    weights = state_weights(joint)
    assert sum(w for w, _ in weights) == pytest.approx(1.0, rel=EXACT)
    up = [w for w, s in weights if s == {"a": "up", "b": "up"}]
    assert up == [pytest.approx((5 + 18) / 48, rel=EXACT)]


def test_merge_keeps_the_worst_state_and_clips_to_the_window():
    rows = [(-5.0, 10.0, "degraded"), (5.0, 8.0, "down"), (7.0, 12.0, "down"),
            (20.0, 30.0, "down"), (30.0, 31.0, "down")]
    assert merge_worst(rows, 25.0) == [(0.0, 5.0, "degraded"), (5.0, 12.0, "down"),
                                       (20.0, 25.0, "down")]


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _hand_timeline(path, provider: str, service: str, start: str, days: float):
    """(start_s, end_s, failure probability) of the incidents of ``provider`` listing
    ``service``: minor = degraded (``degraded_error_rate``), major/critical = down."""
    origin = _utc(start)
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["provider"] != provider or service not in row["services"].split(";"):
                continue
            level = int(row["impact_level"])
            if level in (1, 2, 3):
                rows.append((_utc(row["start_utc"]) - origin, _utc(row["end_utc"]) - origin,
                             level))
    return rows, days * 86400.0


def _failure_at(rows, t: float, degraded_error_rate: float) -> float:
    """Failure probability of one call at time t: the worst incident open at t."""
    worst = max((level for s, e, level in rows if s <= t < e), default=0)
    return 1.0 if worst >= 2 else degraded_error_rate if worst == 1 else 0.0


def test_march_2024_replay_is_counted_by_the_estimate(repo_root):
    """incident_replay.yaml used to estimate 99.997% for failover with no outage counted
    (the closed form read MTBF, which replayed providers do not set). Now the single
    provider's success is one minus its time-weighted failure probability over March 2024,
    computed here by sweeping the incident boundaries by hand."""
    scenario = load_scenario(repo_root / "scenarios/incident_replay.yaml")
    rows, horizon = _hand_timeline(repo_root / "data/outages/incidents.csv", "openai", "API",
                                   "2024-03-01T00:00:00+00:00", scenario.horizon.days)
    cuts = sorted({0.0, horizon} | {min(max(t, 0.0), horizon) for s, e, _ in rows
                                    for t in (s, e)})
    failed = sum((b - a) * _failure_at(rows, a, 0.30) for a, b in pairwise(cuts))
    assert failed > 0
    est = estimate(scenario).policies
    # single: one attempt, 600 s timeout (P(in time) = 1 to 1e-9 for these outputs)
    assert est["single"].success_rate == pytest.approx(1 - failed / horizon, abs=1e-7)
    assert est["failover"].availability < 0.99995


def test_impact_mapping_reaches_the_estimate(write_scenario):
    """With minor incidents counted as down, a fails 20 h of 48: success 1 - 20 / 48."""
    write_scenario(INCIDENTS, "incidents.csv")
    text = SCENARIO.replace("degraded_error_rate: 0.5}",
                            "degraded_error_rate: 0.5, incident_impact: {minor: down}}", 1)
    est = estimate(load_scenario(write_scenario(text))).policies["single"]
    assert est.success_rate == pytest.approx(1 - 20 / 48, rel=EXACT)


# ------------------------------------------------ done when: the whole study window, two ways

STUDY_START = "2023-07-11T00:00:00+00:00"  # first day the study recorded the Anthropic API
STUDY_DAYS = 418                            # to 2024-08-31 included


def _open_incidents(path, provider: str, service: str) -> list[tuple[float, float]]:
    """Union of the incident windows (impact minor, major or critical) of ``provider`` listing
    ``service`` exactly, clipped to the study window: sorted, disjoint (start_s, end_s)."""
    origin, end = _utc(STUDY_START), STUDY_DAYS * 86400.0
    spans = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["provider"] == provider and service in row["services"].split(";")
                    and row["impact_level"] in ("1", "2", "3")):
                s = max(_utc(row["start_utc"]) - origin, 0.0)
                e = min(_utc(row["end_utc"]) - origin, end)
                if e > s:
                    spans.append((s, e))
    union: list[list[float]] = []
    for s, e in sorted(spans):
        if union and s <= union[-1][1]:
            union[-1][1] = max(union[-1][1], e)
        else:
            union.append([s, e])
    return [(s, e) for s, e in union]


def _intersection_s(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Total length of the intersection of two sorted disjoint interval lists."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        total += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def test_study_window_failover_pair_estimate_and_simulate_agree_on_the_joint_downtime(
        repo_root):
    """OpenAI primary, Anthropic backup, every open incident counted as down (the scenario's
    stated reading): the pair fails exactly while both APIs have an open incident. The joint
    downtime is computed here by intersecting the two incident unions; the estimate equals it
    (to the latency tail, under 1e-9 with a 120 s deadline), the simulation's 95% interval
    contains it, and it is not what independent providers with the same shares would give."""
    from workbench.engine.simulation import simulate

    path = repo_root / "data/outages/incidents.csv"
    openai = _open_incidents(path, "openai", "API")
    anthropic = _open_incidents(path, "anthropic", "api.anthropic.com")
    window = STUDY_DAYS * 86400.0
    joint = _intersection_s(openai, anthropic)
    assert joint / 60 == pytest.approx(489.0)  # minutes, by this hand count
    exact = 1.0 - joint / window
    independent = 1.0 - (sum(e - s for s, e in openai) / window) * (
        sum(e - s for s, e in anthropic) / window)

    scenario = load_scenario(repo_root / "scenarios/incident_replay_study_window.yaml")
    est = estimate(scenario).policies["failover"]
    assert est.availability == pytest.approx(exact, abs=1e-9)
    assert est.success_rate == pytest.approx(exact, abs=1e-9)

    sim = simulate(scenario, replications=3, keep_records=False).summaries["failover"]
    low, high = sim["availability_ci95"]
    assert low <= exact <= high
    assert low <= est.availability <= high
    assert not low <= independent <= high  # the history overlaps more than independence says
    assert independent > exact


def test_providers_table_shows_the_replayed_share_of_time_in_an_outage(repo_root):
    """It showed 0 for every replayed provider (MTTR / (MTBF + MTTR) with no MTBF)."""
    from workbench.metrics.scenario_frames import providers_frame

    scenario = load_scenario(repo_root / "scenarios/incident_replay_study_window.yaml")
    shares = dict(providers_frame(scenario).select("provider", "long_run_unavailable")
                  .iter_rows())
    path = repo_root / "data/outages/incidents.csv"
    window = STUDY_DAYS * 86400.0
    for provider, service in (("openai", "API"), ("anthropic", "api.anthropic.com")):
        hand = sum(e - s for s, e in _open_incidents(path, provider, service)) / window
        assert shares[provider] == pytest.approx(hand, rel=EXACT)


# ------------------------------------------------------------------ properties (Hypothesis)

RANKS = {"up": 0, "degraded": 1, "down": 2}
incident = st.tuples(st.integers(-10, 110), st.integers(0, 40),
                     st.sampled_from(["degraded", "down"])).map(
    lambda t: (float(t[0]), float(t[0] + t[1]), t[2]))


def _worst_at(rows, t: float) -> str:
    return max((st_ for s, e, st_ in rows if s <= t < e), key=RANKS.get, default="up")


@settings(max_examples=200, deadline=None)
@given(st.lists(incident, max_size=12), st.lists(incident, max_size=12))
def test_joint_timeline_matches_a_brute_force_lookup(a_rows, b_rows):
    """Merged timelines are sorted and disjoint; the joint timeline covers [0, 100) without a
    gap, and in every interval each domain is in the worst state of its incidents open there."""
    horizon = 100.0
    merged = {"a": merge_worst(a_rows, horizon), "b": merge_worst(b_rows, horizon)}
    for rows in merged.values():
        assert all(s < e for s, e, _ in rows)
        assert all(p[1] <= q[0] for p, q in pairwise(rows))
    joint = joint_timeline(merged, horizon)
    assert joint[0].start_s == 0.0 and joint[-1].end_s == horizon
    assert all(p.end_s == q.start_s for p, q in pairwise(joint))
    raw = {"a": a_rows, "b": b_rows}
    for interval in joint:
        for t in (interval.start_s, (interval.start_s + interval.end_s) / 2):
            for name, state in interval.states:
                assert state == _worst_at(raw[name], t), (name, t)
    assert sum(w for w, _ in state_weights(joint)) == pytest.approx(1.0)
