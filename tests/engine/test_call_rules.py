"""The call rules of `workbench.policies`: each has one home; where a rule has a vectorised
and a scalar form (batch and contention paths), the two give the same answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.policy import Escalation, Judge, Rung
from workbench.policies.attempt import FAST_FAIL_S, resolve_attempt, resolve_attempts
from workbench.policies.ladder import accept_probability, delivers, is_judged, judge_accepts

OUTCOME_CODE = {"ok": 0, "timeout": 1, "error_5xx": 2}


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), hangs=st.booleans(), timeout=st.floats(0.5, 30.0),
       seed=st.integers(0, 2**16))
def test_attempt_rule_vectorised_equals_scalar(n, hangs, timeout, seed):
    rng = np.random.default_rng(seed)
    failed, down = rng.random(n) < 0.4, rng.random(n) < 0.3
    ttft = rng.exponential(0.5, n)
    latency = ttft + rng.exponential(10.0, n)
    ok, timed_out, seconds = resolve_attempts(failed, down, hangs, ttft, latency, timeout)
    for i in range(n):
        outcome, s = resolve_attempt(bool(failed[i]), bool(down[i]), hangs, float(ttft[i]),
                                     float(latency[i]), timeout)
        assert (outcome == "ok") == ok[i] and (outcome == "timeout") == timed_out[i]
        assert s == pytest.approx(seconds[i])


def test_attempt_outcomes_by_hand():
    """Down and hanging: the timeout; a 5xx: its first token, at least 0.25 s; too slow: cut
    at the timeout; else the answer's time."""
    assert resolve_attempt(True, True, True, 0.1, 3.0, 20.0) == ("timeout", 20.0)
    assert resolve_attempt(True, True, False, 0.1, 3.0, 20.0) == ("error_5xx", FAST_FAIL_S)
    assert resolve_attempt(True, False, True, 0.6, 3.0, 20.0) == ("error_5xx", 0.6)
    assert resolve_attempt(False, False, False, 0.6, 25.0, 20.0) == ("timeout", 20.0)
    assert resolve_attempt(False, True, True, 0.6, 3.0, 20.0) == ("ok", 3.0)


@settings(max_examples=30, deadline=None)
@given(fa=st.floats(0.0, 1.0), fr=st.floats(0.0, 1.0), q=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**16))
def test_judge_verdicts_and_their_expectation(fa, fr, q, seed):
    """The array and scalar verdicts agree, and their mean is `accept_probability`."""
    judge = Judge(false_accept=fa, false_reject=fr)
    rng = np.random.default_rng(seed)
    passed, draw = rng.random(20_000) < q, rng.random(20_000)
    verdicts = judge_accepts(passed, draw, judge)
    assert [judge_accepts(bool(p), float(d), judge) for p, d in zip(passed[:50], draw[:50])] \
        == verdicts[:50].tolist()
    assert verdicts.mean() == pytest.approx(accept_probability(q, judge), abs=0.02)


def test_last_rung_rules():
    ladder = Escalation(ladder=[Rung(model="a"), Rung(model="b")])
    assert is_judged(0, ladder) and not is_judged(1, ladder)
    assert is_judged(1, ladder.model_copy(update={"judge_last": True}))
    assert delivers(False, True, 1, ladder) is True  # last rung: any answer is delivered
    assert delivers(False, True, 0, ladder) is False


def test_budget_ledger_fires_once_a_month():
    """$200 a month, rules at 50% ($100) and 60% ($120): $90 then $15 fires the first at t=5
    with $105 spent; $20 more fires the second; a new month (30 s here) starts from zero."""
    from workbench.domain.policy import Budget, BudgetRule
    from workbench.policies.budget import BudgetLedger

    budget = Budget(monthly_usd=200, rules=[
        BudgetRule(at=0.5, action="downgrade", map={"x": "y"}),
        BudgetRule(at=0.6, action="block_noncritical")])
    ledger = BudgetLedger(budget, month_s=30.0)
    assert ledger.spend(90.0, 1.0) == []
    (first,) = ledger.spend(15.0, 5.0)
    assert first.as_dict() == {"month": 0, "rule": 0, "at": 0.5, "action": "downgrade",
                               "time_s": 5.0, "spend_usd": 105.0, "team": None}
    assert ledger.state(6.0).substitute("x") == "y" and not ledger.state(6.0).block_noncritical
    assert [f.rule for f in ledger.spend(20.0, 7.0)] == [1]
    assert ledger.state(8.0).block_noncritical
    assert ledger.state(31.0).substitute("x") == "x" and ledger.next_level_usd() == 100.0
