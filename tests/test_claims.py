"""Claims judged by the fidelity that models them: reliability and latency under outages or
limits on a simulation with its 95% interval, or "not modelled by the estimate" - never as
holding when the model cannot see what the claim is about."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.domain import load_scenario
from workbench.domain.claims import (
    FAILS,
    HOLDS,
    NOT_MODELLED,
    UNDECIDED,
    fidelity_needed,
    judge_claims,
    verdict,
)
from workbench.domain.scenario import Claim
from workbench.estimator import estimate


def test_estimate_no_longer_says_the_replay_claim_holds(scenarios_dir):
    """incident_replay.yaml: "99.9%+" was shown as holding on an estimate that counted no
    outage. Availability under outages is the simulation's to judge: the estimate says so."""
    (claim,) = estimate(load_scenario(scenarios_dir / "incident_replay.yaml")).claims
    assert claim["holds"] is None
    assert claim["status"] == NOT_MODELLED
    assert claim["fidelity"] == "simulation" and claim["judged_by"] is None
    assert claim["why"] == "availability under outages"
    assert 0.99 < claim["estimate"] < 0.99995  # the outages are counted now


def test_cost_claims_stay_with_the_estimate(scenarios_dir):
    claims = estimate(load_scenario(scenarios_dir / "tiered_escalation.yaml")).claims
    assert {c["judged_by"] for c in claims} == {"estimate"}
    assert all(c["interval"] is None and c["status"] in (HOLDS, FAILS) for c in claims)


@pytest.mark.parametrize(("interval", "expected"), [
    ([0.9991, 0.9995], (True, HOLDS)),       # the whole interval clears 99.9%
    ([0.9989, 0.9993], (None, UNDECIDED)),   # straddles the bound
    ([0.9980, 0.9985], (False, FAILS)),      # entirely below
])
def test_a_threshold_claim_against_an_interval(interval, expected):
    claim = Claim(text="99.9%+", policy="p", metric="availability", low=0.999)
    assert verdict(claim, sum(interval) / 2, interval) == expected


def test_a_value_claim_uses_its_tolerance_with_the_interval():
    """Claimed 0.27 +- 0.005: [0.266, 0.274] lies within [0.265, 0.275]."""
    claim = Claim(text="27%", policy="p", metric="savings_vs_baseline", value=0.27)
    assert verdict(claim, 0.27, [0.266, 0.274]) == (True, HOLDS)
    assert verdict(claim, 0.28, [0.276, 0.284]) == (False, FAILS)
    assert verdict(claim, 0.275, [0.272, 0.278]) == (None, UNDECIDED)


TINY = """
name: fidelity
baseline: calm
providers:
  - {name: calm}
  - {name: flaky, mtbf_days: 5}
  - {name: limited, rpm: 100}
models:
  - {name: mc, provider: calm, price: {per_request_usd: 0.01}}
  - {name: mf, provider: flaky, price: {per_request_usd: 0.01}}
  - {name: ml, provider: limited, price: {per_request_usd: 0.01}}
workload:
  task_types:
    - {name: t, per_day: 100}
policies:
  - {name: calm, routing: {default: mc}}
  - {name: flaky, routing: {default: mc}, failover: {chain: [mf]}}
  - {name: limited, routing: {default: ml}}
  - name: breaker
    routing: {default: mc}
    failover: {breaker: {failures: 3, cooldown_s: 30}}
claims:
  - {text: a, policy: calm, metric: availability, low: 0.99}
  - {text: b, policy: flaky, metric: availability, low: 0.99}
  - {text: c, policy: limited, metric: latency_p95_s, high: 10}
  - {text: d, policy: flaky, metric: monthly_cost_usd, high: 100}
  - {text: e, policy: breaker, metric: success_rate, low: 0.9}
"""


def test_each_claim_gets_the_fidelity_it_needs(write_scenario):
    scenario = load_scenario(write_scenario(TINY))
    needed = {c.text: fidelity_needed(scenario, c) for c in scenario.claims}
    assert needed["a"] == ("estimate", "availability without outages or limits")
    assert needed["b"] == ("simulation", "availability under outages")  # a backup with MTBF
    assert needed["c"] == ("simulation", "latency_p95_s under rate or concurrency limits")
    assert needed["d"][0] == "estimate"  # cost is a closed-form expectation
    assert needed["e"] == ("simulation",
                           "success_rate under failover reacting to observed failures")


def test_a_simulation_judges_with_its_interval(write_scenario):
    scenario = load_scenario(write_scenario(TINY))
    est = {p: {"availability": 0.999, "success_rate": 0.999, "latency_p95_s": 3.0,
               "monthly_cost_usd": 30.0} for p in scenario.policy_names}
    sim = {p: {"availability": 0.985, "availability_ci95": [0.975, 0.985],
               "success_rate": 0.95, "success_rate_ci95": [0.94, 0.96],
               "latency_p95_s": 12.0, "monthly_cost_usd": 31.0} for p in scenario.policy_names}
    judged = {c["text"]: c for c in judge_claims(scenario, est, sim)}
    assert judged["a"]["judged_by"] == "estimate" and judged["a"]["holds"] is True
    assert judged["b"]["judged_by"] == "simulation"
    assert judged["b"]["interval"] == [0.975, 0.985] and judged["b"]["status"] == FAILS
    assert judged["b"]["estimate"] == 0.999  # shown, not used
    assert judged["c"]["computed"] == 12.0 and judged["c"]["holds"] is False
    assert judged["c"]["interval"] is None  # no latency interval: judged on the point
    assert judged["d"]["computed"] == 30.0 and judged["d"]["judged_by"] == "estimate"
    assert judged["e"]["interval"] == [0.94, 0.96] and judged["e"]["holds"] is True
    only_estimate = {c["text"]: c for c in judge_claims(scenario, est)}
    assert [t for t, c in only_estimate.items() if c["status"] == NOT_MODELLED] == \
        ["b", "c", "e"]


def test_compare_judges_the_replay_claim_on_the_simulation(scenarios_dir):
    result = CliRunner().invoke(app, ["compare", str(scenarios_dir / "incident_replay.yaml"),
                                      "-r", "2", "--days", "5", "--json"])
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.stdout)["claims"]
    assert claim["judged_by"] == "simulation"
    sim = json.loads(result.stdout)["policies"]["failover"]["simulate"]
    assert claim["computed"] == sim["availability"]
    assert claim["interval"] == sim["availability_ci95"]
    assert claim["status"] != NOT_MODELLED


def test_report_shows_which_fidelity_judged_each_claim(scenarios_dir):
    from workbench.engine.simulation import simulate
    from workbench.report.html import build_report

    scenario = load_scenario(scenarios_dir / "incident_replay.yaml")
    doc = estimate(scenario).to_json()
    alone = build_report(scenario, doc)
    assert "not modelled by the estimate" in alone
    sim = simulate(scenario, replications=2, days=3).to_json()
    text = build_report(scenario, doc, simulation=sim)
    assert "not modelled by the estimate" not in text
    assert "simulation [" in text


def test_a_simulation_without_outages_does_not_judge_an_outage_claim(write_scenario):
    scenario = load_scenario(write_scenario(TINY))
    sim = {p: {"availability": 1.0, "availability_ci95": [1.0, 1.0], "success_rate": 1.0,
               "latency_p95_s": 2.0, "monthly_cost_usd": 30.0} for p in scenario.policy_names}
    judged = {c["text"]: c for c in judge_claims(scenario, None, sim, simulated_outages=False)}
    assert judged["b"]["holds"] is None
    assert judged["b"]["status"] == "not modelled by this simulation (run without outages)"
    assert judged["c"]["judged_by"] == "simulation"  # limits are simulated all the same
    assert judged["d"]["judged_by"] == "simulation" and judged["d"]["holds"] is True


def test_simulate_json_carries_the_claims(scenarios_dir):
    result = CliRunner().invoke(app, ["simulate", str(scenarios_dir / "incident_replay.yaml"),
                                      "-r", "2", "--days", "2", "--json"])
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.stdout)["claims"]
    assert claim["judged_by"] == "simulation" and claim["interval"] is not None
