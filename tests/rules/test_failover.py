"""Failover plans (order, reasons, backoff), the circuit breaker and the error-rate window:
hand-written sequences at the cooldown and threshold edges, and Hypothesis comparisons with
the plain reference implementations of tests/rules/reference.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.reference import ReferenceBreaker, ReferencePredictive
from workbench.domain.policy import CircuitBreaker, Failover, Predictive
from workbench.policies.failover import BreakerBoard, PlannedAttempt, attempt_plan
from workbench.policies.predictive import PredictiveCooldown


def _plan(**failover) -> list[tuple[str, str, float]]:
    primary = failover.pop("primary", "a")
    substitute = failover.pop("substitute", str)
    return [(a.model, a.reason, a.backoff_s)
            for a in attempt_plan(Failover(**failover), primary, substitute)]


# ---------------------------------------------------------------- attempt plans


def test_backoff_multiplier_2_retries_2():
    """Retry k waits backoff x multiplier^(k - 1): 0.5 x 2^0 = 0.5 s, 0.5 x 2^1 = 1 s."""
    assert _plan(mode="sequential", retries=2, backoff_s=0.5, backoff_multiplier=2.0,
                 chain=["b"]) == [("a", "route", 0.0), ("a", "retry", 0.5), ("a", "retry", 1.0),
                                  ("b", "failover", 0.0), ("b", "retry", 0.5),
                                  ("b", "retry", 1.0)]


def test_backoff_multiplier_3_retries_3():
    """0.25 x 3^0, 0.25 x 3^1, 0.25 x 3^2 = 0.25, 0.75, 2.25 s."""
    waits = [w for _, reason, w in _plan(mode="sequential", retries=3, backoff_s=0.25,
                                         backoff_multiplier=3.0) if reason == "retry"]
    assert waits == [0.25, 0.75, 2.25]


def test_none_is_one_attempt_whatever_the_chain():
    assert _plan(mode="none", chain=["b"], retries=3) == [("a", "route", 0.0)]
    assert _plan(mode="none", substitute={"a": "z"}.get) == [("z", "route", 0.0)]


def test_chain_skips_the_primary_and_keeps_its_order():
    assert _plan(mode="sequential", chain=["c", "a", "b"]) == [
        ("a", "route", 0.0), ("c", "failover", 0.0), ("b", "failover", 0.0)]


def test_substitution_applies_to_every_model_of_the_plan():
    down = {"a": "a2", "b": "b2"}
    got = _plan(mode="sequential", chain=["b", "c"], substitute=lambda m: down.get(m, m))
    assert [m for m, _, _ in got] == ["a2", "b2", "c"]


def test_hedge_of_two_sends_the_primary_and_the_first_backup():
    assert _plan(mode="hedged", chain=["b"]) == [("a", "route", 0.0), ("b", "hedge", 0.0)]


def test_hedge_with_retries_never_sends_the_primary_twice_at_once():
    """The pair sent at once is (primary, first backup); retries follow in order, then the
    rest of the chain. Before the fix the pair was (a, a-retry) and b went only after."""
    got = _plan(mode="hedged", chain=["b", "c"], retries=1, backoff_s=1.0)
    assert got[:2] == [("a", "route", 0.0), ("b", "hedge", 0.0)]
    assert got[2:] == [("a", "retry", 1.0), ("b", "retry", 1.0), ("c", "failover", 0.0),
                       ("c", "retry", 1.0)]


def test_predictive_plans_like_sequential():
    assert _plan(mode="predictive", chain=["b"], retries=1, backoff_s=2.0) == [
        ("a", "route", 0.0), ("a", "retry", 2.0), ("b", "failover", 0.0), ("b", "retry", 2.0)]


def test_planned_attempt_is_a_value():
    assert PlannedAttempt("a", "route", 0.0) == PlannedAttempt("a", "route", 0.0)


# ---------------------------------------------------------------- breaker by hand

def test_breaker_opens_at_the_nth_failure_and_reopens_at_the_cooldown_edge():
    """failures 3, cooldown 10 s: fails at 0, 1, 2 -> open until 12; closed again at 12.0
    exactly (half-open): one failure at 12 reopens until 22; a success at 22 closes it, after
    which three failures are needed again."""
    board = BreakerBoard(CircuitBreaker(failures=3, cooldown_s=10.0))
    assert board.allows("a", 0.0) and board.allows("a", 0.5)  # never seen: allowed
    board.observe("a", False, 0.0)
    board.observe("a", False, 1.0)
    assert board.allows("a", 1.5)                   # 2 < 3 failures
    board.observe("a", False, 2.0)
    assert not board.allows("a", 2.0)
    assert not board.allows("a", 11.999)            # 2 + 10 = 12
    assert board.allows("a", 12.0)                  # cooldown edge: allowed (half-open)
    assert board.allows("b", 5.0)                   # per model
    board.observe("a", False, 12.0)                 # half-open failure: reopen at once
    assert not board.allows("a", 21.999) and board.allows("a", 22.0)
    board.observe("a", True, 22.0)                  # success: counting starts again
    board.observe("a", False, 23.0)
    board.observe("a", False, 24.0)
    assert board.allows("a", 24.5)
    board.observe("a", False, 25.0)
    assert not board.allows("a", 34.999) and board.allows("a", 35.0)


def test_a_success_between_failures_resets_the_count():
    board = BreakerBoard(CircuitBreaker(failures=2, cooldown_s=5.0))
    for t, ok in [(0, False), (1, True), (2, False), (3, True), (4, False)]:
        board.observe("a", ok, t)
        assert board.allows("a", t)
    board.observe("a", False, 5.0)
    assert not board.allows("a", 9.9) and board.allows("a", 10.0)


def test_breaker_of_one_failure():
    board = BreakerBoard(CircuitBreaker(failures=1, cooldown_s=1.0))
    board.observe("a", False, 0.0)
    assert not board.allows("a", 0.999) and board.allows("a", 1.0)


# ---------------------------------------------------------------- predictive by hand

def test_predictive_trips_at_the_threshold_and_cools_down_for_exactly_cooldown_s():
    """window 4, threshold 0.5: trips at ceil(0.5 x 4) = 2 failures among the last 4 calls;
    [fail at 1 s] 1 failure; [fail at 2 s] 2 -> avoided during [2, 12) with cooldown 10 s;
    an outcome arriving while avoided is ignored; from 12 s it is probed with a fresh window."""
    rule = PredictiveCooldown(Predictive(window=4, error_threshold=0.5, cooldown_s=10.0))
    rule.observe("a", False, 1.0)
    assert not rule.avoids("a", 1.0)
    rule.observe("a", False, 2.0)
    assert rule.avoids("a", 2.0) and rule.avoids("a", 11.999) and not rule.avoids("a", 12.0)
    rule.observe("a", False, 5.0)  # while avoided: ignored
    assert not rule.avoids("a", 12.0)
    rule.observe("a", False, 12.5)  # fresh window: one failure does not trip
    assert not rule.avoids("a", 12.5) and not rule.avoids("b", 2.0)


def test_predictive_old_failures_leave_the_window():
    """window 3, threshold 0.67: trips at ceil(2.01) = 3? no: ceil(0.67 x 3 = 2.01) = 3
    failures among the last 3 calls; [fail, ok, fail, fail]: the last 3 hold 2 failures, no
    trip; + fail: [ok, fail, fail] -> [fail, fail, fail] trips."""
    rule = PredictiveCooldown(Predictive(window=3, error_threshold=0.67, cooldown_s=5.0))
    for t, ok in enumerate((False, True, False, False)):
        rule.observe("a", ok, float(t))
    assert not rule.avoids("a", 3.0)
    rule.observe("a", False, 4.0)
    assert rule.avoids("a", 4.0) and not rule.avoids("a", 9.0)


# ---------------------------------------------------------------- against the references

events = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.booleans(),
                            st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])),
                  max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), st.sampled_from([1.0, 2.0, 3.0]), events)
def test_breaker_board_agrees_with_the_reference(failures, cooldown_s, sequence):
    """Random outcome sequences (times advancing by 0 to 3 s, so cooldown edges are hit
    exactly): ``allows`` agrees with the reference before and after every outcome."""
    board = BreakerBoard(CircuitBreaker(failures=failures, cooldown_s=cooldown_s))
    ref = ReferenceBreaker(failures, cooldown_s)
    now = 0.0
    for model, ok, dt in sequence:
        now += dt
        for m in ("a", "b"):
            assert board.allows(m, now) == ref.allows(m, now), (m, now)
        board.observe(model, ok, now)
        ref.observe(model, ok, now)
        assert board.allows(model, now) == ref.allows(model, now)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5), st.sampled_from([0.2, 0.25, 0.5, 0.6, 1.0]),
       st.sampled_from([1.0, 2.0, 3.0]), events)
def test_predictive_agrees_with_the_reference(window, threshold, cooldown_s, sequence):
    config = Predictive(window=window, error_threshold=threshold, cooldown_s=cooldown_s)
    production = PredictiveCooldown(config)
    ref = ReferencePredictive(window, threshold, cooldown_s)
    now = 0.0
    for model, ok, dt in sequence:
        now += dt
        production.observe(model, ok, now)
        ref.observe(model, ok, now)
        for m in ("a", "b", "c"):
            assert production.avoids(m, now) == ref.avoids(m, now), (m, now)


@pytest.mark.parametrize("failures", [1, 2, 5])
def test_reference_breaker_opens_after_exactly_n_failures(failures):
    """The reference itself, by hand: n - 1 failures allowed, n not."""
    ref = ReferenceBreaker(failures, 10.0)
    for t in range(failures - 1):
        ref.observe("a", False, float(t))
    assert ref.allows("a", float(failures))
    ref.observe("a", False, float(failures))
    assert not ref.allows("a", float(failures)) and ref.allows("a", failures + 10.0)
