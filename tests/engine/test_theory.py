"""Cross-checks of the simulator against closed forms and queueing theory."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from tests.engine.helpers import one_model, scenario_from
from workbench.engine.simulation import simulate
from workbench.engine.world import ProviderWorld

MTBF_D, MTTR_H = 5.64, 2.56  # OpenAI API, Chu et al. ICPE 2025
U = (MTTR_H / 24) / (MTBF_D + MTTR_H / 24)


def test_world_down_share_matches_mtbf_mttr():
    s = scenario_from(one_model(provider={"mtbf_days": MTBF_D, "mttr_hours": MTTR_H}))
    horizon = 365 * 86400 * 50.0
    world = ProviderWorld(s, horizon, np.random.default_rng(3))
    assert world.timeline("prov").down_share(horizon) == pytest.approx(U, abs=0.001)


def test_single_provider_availability_within_0_3_points():
    """One provider, full outages only, 365 days: availability vs MTBF / (MTBF + MTTR)."""
    s = scenario_from(one_model(per_day=40, provider={"mtbf_days": MTBF_D, "mttr_hours": MTTR_H},
                                policy={"failover": {"mode": "none"}}))
    result = simulate(s, replications=8, days=365)
    availability = result.summaries["p"]["availability"]
    assert abs(availability - (1 - U)) < 0.003


def test_two_independent_providers_in_failover():
    """Availability of a sequential failover pair is about 1 - u1 u2."""
    data = one_model(per_day=40, provider={"mtbf_days": 2.0, "mttr_hours": 12.0},
                     policy={"failover": {"mode": "sequential", "chain": ["m2"]}})
    data["providers"].append({"name": "prov2", "mtbf_days": 3.0, "mttr_hours": 12.0})
    data["models"].append({**data["models"][0], "name": "m2", "provider": "prov2"})
    s = scenario_from(data)
    u1, u2 = 0.5 / 2.5, 0.5 / 3.5
    result = simulate(s, replications=6, days=365)
    success = result.summaries["p"]["success_rate"]
    assert abs(success - (1 - u1 * u2)) < 0.006
    assert abs(success - (1 - u1)) > 0.1  # failover matters here


def test_shared_failure_domain_counts_once():
    data = one_model(per_day=40, provider={"mtbf_days": 2.0, "mttr_hours": 12.0,
                                           "failure_domain": "cloud"},
                     policy={"failover": {"mode": "sequential", "chain": ["m2"]}})
    data["providers"].append({"name": "prov2", "mtbf_days": 2.0, "mttr_hours": 12.0,
                              "failure_domain": "cloud"})
    data["models"].append({**data["models"][0], "name": "m2", "provider": "prov2"})
    result = simulate(scenario_from(data), replications=4, days=365)
    assert abs(result.summaries["p"]["success_rate"] - (1 - 0.2)) < 0.02


def erlang_c_wait_s(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c."""
    a = lam / mu
    rho = a / c
    top = a ** c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def test_concurrency_cap_matches_erlang_c():
    """M/M/c: Poisson arrivals, exponential service (output tokens drawn exponential, fixed
    speed, negligible TTFT), a concurrency cap of c on the provider."""
    c, mu, rho = 3, 1.0, 0.7
    lam = rho * c * mu
    rng = np.random.default_rng(11)
    sample = np.rint(rng.exponential(100_000.0, 40_000)).tolist()  # 1 s mean at 100k tok/s
    data = one_model(per_day=lam * 86400, provider={"concurrency": c},
                     output_tokens={"sample": sample})
    data["models"][0]["latency"] = {"ttft_median_s": 1e-6, "ttft_p95_s": 1e-6,
                                    "tokens_per_s": 100_000}
    result = simulate(scenario_from(data), replications=1, days=0.75, path="contention")
    waits = result.records.filter(pl.col("final"))["queue_s"]
    service = result.records["latency_s"].mean()
    theory = erlang_c_wait_s(c, lam, 1.0 / service)
    assert waits.mean() == pytest.approx(theory, rel=0.05)
