"""``estimate_call`` and ``in_time``: partial failure with retries and backups, hedges of two
and three models, correlated failure domains, a degraded provider's slower attempts against a
timeout, cached input at the cached rate, outputs cut by the timeout. Every attempt here takes
1 s to first token + 100 tokens / 100 tok/s = 2 s unless the test says otherwise."""

from __future__ import annotations

import pytest

from tests.rules.builders import model, scenario
from workbench.domain.policy import Failover
from workbench.estimator.call import CallEstimate, call_cost_usd, estimate_call

TOL = 1e-12

# error rates: a 0.2, b 0.5, c 0.1 (providers never go down); prices per request
PROVIDERS = [{"name": "p", "error_rate": 0.2}, {"name": "q", "error_rate": 0.5},
             {"name": "r", "error_rate": 0.1}]
MODELS = [model("a", "p", 0.01), model("b", "q", 0.02), model("c", "r", 0.04)]


def _call(failover: dict, providers=None, models=None, task=None, primary="a",
          substitute=lambda m: m) -> CallEstimate:
    s = scenario(providers or PROVIDERS, models or MODELS,
                 {"routing": {"default": primary}, "failover": failover}, task)
    return estimate_call(s, s.policies[0].failover, primary, s.workload.task_types[0],
                         substitute)


def _check(got: CallEstimate, success: float, cost: dict, served: dict) -> None:
    assert got.success == pytest.approx(success, abs=TOL)
    assert got.cost_by_model == pytest.approx(cost, abs=TOL)
    assert got.served_by == pytest.approx(served, abs=TOL)
    assert sum(got.served_by.values()) == pytest.approx(got.success, abs=TOL)
    assert got.cost_usd == pytest.approx(sum(cost.values()), abs=TOL)


def test_single_attempt():
    """Succeeds 0.8, billed 0.8 x $0.01."""
    _check(_call({"mode": "none", "chain": ["b"]}), 0.8, {"a": 0.008}, {"a": 0.8})


def test_retries_then_backup_with_retries():
    """a, a, b, b: reached with 1, 0.2, 0.04, 0.02. Success 1 - 0.2^2 x 0.5^2 = 0.99.
    a billed (1 + 0.2) x 0.8 x 0.01 = 0.0096, b (0.04 + 0.02) x 0.5 x 0.02 = 0.0006.
    Served: a 0.8 + 0.2 x 0.8 = 0.96, b 0.04 x 0.5 + 0.02 x 0.5 = 0.03."""
    _check(_call({"mode": "sequential", "chain": ["b"], "retries": 1}),
           0.99, {"a": 0.0096, "b": 0.0006}, {"a": 0.96, "b": 0.03})


def test_backups_in_chain_order():
    """a, b, c: reached 1, 0.2, 0.1. Success 1 - 0.2 x 0.5 x 0.1 = 0.99; c billed
    0.1 x 0.9 x 0.04 = 0.0036 and serves 0.09."""
    _check(_call({"mode": "sequential", "chain": ["b", "c"]}), 0.99,
           {"a": 0.008, "b": 0.2 * 0.5 * 0.02, "c": 0.0036},
           {"a": 0.8, "b": 0.1, "c": 0.09})


# b answers later than a (1.5 s to first token: 2.5 s against 2 s), so a hedge is served by a
# whenever a succeeds: the first answer wins.
SLOW_B = [MODELS[0], {**MODELS[1], "latency": {"ttft_median_s": 1.5, "ttft_p95_s": 1.5,
                                               "tokens_per_s": 100.0}}, MODELS[2]]


def test_hedge_of_two_bills_both_and_serves_the_first_answer():
    """a and b at once, both billed when they succeed: a 0.8 x 0.01, b 0.5 x 0.02 = 0.01.
    Served: a 0.8 (it answers first), b only when a failed: 0.2 x 0.5 = 0.1. Success
    1 - 0.2 x 0.5 = 0.9."""
    _check(_call({"mode": "hedged", "chain": ["b"]}, models=SLOW_B), 0.9,
           {"a": 0.008, "b": 0.01}, {"a": 0.8, "b": 0.1})


def test_a_hedge_of_equal_speeds_is_served_half_by_each_when_both_succeed():
    """Equal fixed latencies tie: when both succeed (0.8 x 0.5 = 0.4) each serves half.
    Served a 0.8 x 0.5 + 0.4 / 2 = 0.6, b 0.2 x 0.5 + 0.4 / 2 = 0.3."""
    _check(_call({"mode": "hedged", "chain": ["b"]}), 0.9,
           {"a": 0.008, "b": 0.01}, {"a": 0.6, "b": 0.3})


def test_hedge_of_three_tries_the_third_after_both_failed():
    """a and b at once, then c with P(both failed) = 0.1: c billed 0.1 x 0.9 x 0.04 = 0.0036,
    serves 0.09; success 1 - 0.2 x 0.5 x 0.1 = 0.99."""
    _check(_call({"mode": "hedged", "chain": ["b", "c"]}, models=SLOW_B), 0.99,
           {"a": 0.008, "b": 0.01, "c": 0.0036}, {"a": 0.8, "b": 0.1, "c": 0.09})


def test_hedge_with_retries_sends_the_backup_not_the_primary_twice():
    """Plan a + b at once, then a, b: the retries are reached with P(a and b failed) = 0.1,
    the b retry with 0.1 x 0.2 = 0.02. a billed 0.008 + 0.1 x 0.008 = 0.0088; b billed
    0.01 + 0.02 x 0.5 x 0.02 = 0.0102. Served a 0.8 + 0.1 x 0.8 = 0.88, b 0.1 + 0.02 x 0.5 =
    0.11. Success 1 - (0.2 x 0.5)^2 = 0.99. (Sending a twice at once gave a 0.96 + ... and
    no hedge at all.)"""
    _check(_call({"mode": "hedged", "chain": ["b"], "retries": 1}, models=SLOW_B), 0.99,
           {"a": 0.0088, "b": 0.0102}, {"a": 0.88, "b": 0.11})


def test_substitution_replaces_the_backup():
    """Budget downgrade b -> c on a, b: the backup is c (0.2 x 0.9 = 0.18 served)."""
    got = _call({"mode": "sequential", "chain": ["b"]},
                substitute=lambda m: {"b": "c"}.get(m, m))
    _check(got, 1 - 0.2 * 0.1, {"a": 0.008, "c": 0.2 * 0.9 * 0.04}, {"a": 0.8, "c": 0.18})


# ---------------------------------------------------------------- outage states

# MTBF 0.75 d, MTTR 6 h = 0.25 d: unavailable 0.25 / (0.75 + 0.25) = 0.25 of the time;
# 40% of outages partial: up 0.75, degraded 0.25 x 0.4 = 0.1, down 0.25 x 0.6 = 0.15.
OUTAGES = {"mtbf_days": 0.75, "mttr_hours": 6.0, "partial_share": 0.4}


def test_outage_states_weigh_the_attempts():
    """Degraded error rate 0.5: success 0.75 + 0.1 x 0.5 = 0.8, billed 0.8 x $0.01."""
    got = _call({"mode": "none"}, providers=[{"name": "p", **OUTAGES,
                                              "degraded_error_rate": 0.5}],
                models=MODELS[:1])
    _check(got, 0.8, {"a": 0.008}, {"a": 0.8})


def test_a_shared_failure_domain_fails_together():
    """a and b in one failure domain: b rescues a only while up (a never fails then) or
    degraded (0.1 x 0.5 x 0.5 = 0.025): success 0.8 + 0.025 = 0.825. Independent domains:
    P(a fails) = 0.2, P(b fails) = 0.2, success 1 - 0.2 x 0.2 = 0.96."""
    shared = [{"name": "p", **OUTAGES, "failure_domain": "cloud"},
              {"name": "q", **OUTAGES, "failure_domain": "cloud"}]
    models = [model("a", "p", 0.01), model("b", "q", 0.02)]
    got = _call({"mode": "sequential", "chain": ["b"]}, providers=shared, models=models)
    _check(got, 0.825, {"a": 0.008, "b": 0.1 * 0.5 * 0.5 * 0.02},
           {"a": 0.8, "b": 0.025})
    apart = [{"name": "p", **OUTAGES}, {"name": "q", **OUTAGES}]
    got = _call({"mode": "sequential", "chain": ["b"]}, providers=apart, models=models)
    _check(got, 0.96, {"a": 0.008, "b": 0.2 * 0.8 * 0.02}, {"a": 0.8, "b": 0.16})


def test_degraded_provider_is_slower_against_the_timeout():
    """Degraded latency x2: a 2 s attempt takes 4 s; with a 3 s timeout it is in time when up
    (2 <= 3) and late when degraded (4 > 3, i.e. 2 > 3 / 2). Degraded calls never error here,
    so success = up share 0.75 (+ 0 degraded; down fails): 0.75, billed 0.75 x $0.01."""
    provider = [{"name": "p", **OUTAGES, "degraded_error_rate": 0.0,
                 "degraded_latency_factor": 2.0}]
    got = _call({"mode": "none", "timeout_s": 3.0}, providers=provider, models=MODELS[:1])
    _check(got, 0.75, {"a": 0.0075}, {"a": 0.75})
    # with 5 s the degraded attempt (4 s) arrives: 0.75 + 0.1 = 0.85
    got = _call({"mode": "none", "timeout_s": 5.0}, providers=provider, models=MODELS[:1])
    _check(got, 0.85, {"a": 0.0085}, {"a": 0.85})


# ---------------------------------------------------------------- token prices


def in_time(s, model: str, timeout_s: float) -> tuple[float, float]:
    """(P(one attempt arrives within ``timeout_s``), expected USD billed) on a provider that
    never fails: one call without failover."""
    got = estimate_call(s, Failover(mode="none", timeout_s=timeout_s), model,
                        s.workload.task_types[0])
    return got.success, got.cost_usd


TOKEN_PRICE = {"input_per_mtok_usd": 2.0, "cached_input_per_mtok_usd": 0.5,
               "output_per_mtok_usd": 8.0}


def test_cached_input_is_billed_at_the_cached_rate():
    """500 input tokens, 40% cached: 300 x $2 + 200 x $0.5 + 100 output x $8 per Mtok
    = (600 + 100 + 800) / 1e6 = $0.0015."""
    s = scenario([{"name": "p"}], [model("a", "p", **TOKEN_PRICE)],
                 {"routing": {"default": "a"}}, {"cached_input_share": 0.4})
    task = s.workload.task_types[0]
    assert call_cost_usd(s, "a", task) == pytest.approx(0.0015, abs=TOL)
    assert in_time(s, "a", 600.0) == pytest.approx((1.0, 0.0015), abs=TOL)
    got = estimate_call(s, s.policies[0].failover, "a", task)
    _check(got, 1.0, {"a": 0.0015}, {"a": 1.0})


def test_outputs_cut_by_the_timeout_are_not_billed():
    """Outputs of 50, 100 or 300 tokens (1.5, 2, 4 s); timeout 3 s: P(in time) = 2/3, billed
    2/3 x input (300 x $2 + 200 x $0.5 = $0.0007) + E[tokens; in time] = (50 + 100) / 3 = 50
    output tokens x $8 / Mtok = $0.0004."""
    s = scenario([{"name": "p"}], [model("a", "p", **TOKEN_PRICE)],
                 {"routing": {"default": "a"}},
                 {"cached_input_share": 0.4, "output_tokens": {"sample": [50, 100, 300]}})
    p, usd = in_time(s, "a", 3.0)
    assert p == pytest.approx(2 / 3, abs=TOL)
    assert usd == pytest.approx(2 / 3 * 0.0007 + 0.0004, abs=TOL)


def test_per_request_price_is_billed_per_in_time_attempt():
    s = scenario([{"name": "p"}], [model("a", "p", 0.03)], {"routing": {"default": "a"}},
                 {"output_tokens": {"sample": [100, 300]}})
    assert in_time(s, "a", 3.0) == pytest.approx((0.5, 0.015))


def test_an_unpriced_self_hosted_model_bills_nothing_per_call():
    hosted = {"name": "h", "provider": "p", "latency": model("h", "p", 0.0)["latency"],
              "deployment": {"kind": "self_hosted", "hourly_usd": 1.0}}
    s = scenario([{"name": "p"}], [hosted], {"routing": {"default": "h"}})
    assert in_time(s, "h", 600.0) == (1.0, 0.0)
