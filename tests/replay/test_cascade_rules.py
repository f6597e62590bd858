"""The replay cascade runs on the ladder rules every fidelity shares
(`workbench.policies.ladder`), not a copy of its own."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.domain.policy import Escalation, Judge, Rung
from workbench.policies import ladder
from workbench.replay import policies
from workbench.replay.table import EvalTable


def test_rules_by_hand():
    passed = np.array([True, True, False, False])
    draw = np.array([0.05, 0.5, 0.05, 0.5])
    judge = Judge(false_accept=0.2, false_reject=0.1)
    # pass: accepted unless draw < false_reject 0.1; fail: accepted when draw < false_accept 0.2
    assert ladder.judge_accepts(passed, draw, judge).tolist() == [False, True, True, False]
    assert ladder.accept_probability(0.75, judge) == pytest.approx(0.75 * 0.9 + 0.25 * 0.2)
    three = Escalation(ladder=[Rung(model=m) for m in "abc"], judge=judge)
    assert [ladder.is_judged(r, three) for r in range(3)] == [True, True, False]
    assert ladder.is_judged(2, three.model_copy(update={"judge_last": True}))
    rejected, answered = np.array([False, False]), np.array([True, True])
    assert ladder.delivers(rejected, answered, 1, three).tolist() == [False, False]
    assert ladder.delivers(rejected, answered, 2, three).tolist() == [True, True]


def test_cascade_follows_the_shared_judge(monkeypatch):
    table = EvalTable(models=["weak", "strong"], scores=np.array([[0.0, 1.0], [1.0, 1.0]]),
                      cost_usd=np.tile([1.0, 10.0], (2, 1)))
    rng = np.random.default_rng(0)
    assert policies.cascade(table, ["weak", "strong"], rng).delivered.tolist() == [1, 0]
    monkeypatch.setattr(ladder, "judge_accepts", lambda passed, draw, judge: np.ones_like(
        passed, dtype=bool))
    out = policies.cascade(table, ["weak", "strong"], rng)
    assert out.delivered.tolist() == [0, 0] and out.cost_usd.tolist() == [1.0, 1.0]


def test_judged_last_rung_is_paid_and_delivered_anyway():
    table = EvalTable(models=["weak", "strong"], scores=np.array([[0.0, 0.0]]),
                      cost_usd=np.array([[1.0, 10.0]]))
    out = policies.cascade(table, ["weak", "strong"], np.random.default_rng(0),
                           judge_cost_usd=0.5, judge_last=True)
    assert out.delivered.tolist() == [1] and out.cost_usd.tolist() == [12.0]
    assert out.params["judge_calls"] == 2


def test_cascade_agrees_with_the_closed_form_of_the_same_rules():
    rng = np.random.default_rng(3)
    n, error, judge_usd = 200_000, 0.2, 0.01
    scores = np.column_stack([rng.random(n) < 0.6, rng.random(n) < 0.85]).astype(float)
    cost = np.tile([0.1, 1.0], (n, 1))
    table = EvalTable(models=["weak", "strong"], scores=scores, cost_usd=cost)
    out = policies.cascade(table, ["weak", "strong"], rng, false_accept=error,
                           false_reject=error, judge_cost_usd=judge_usd)
    judge = Judge(false_accept=error, false_reject=error)
    accept = ladder.accept_probability(scores[:, 0], judge)  # per prompt, 0/1 pass
    quality = np.mean(accept * scores[:, 0] + (1 - accept) * scores[:, 1])
    usd = np.mean(0.1 + judge_usd + (1 - accept) * 1.0)
    got = scores[np.arange(n), out.delivered].mean()
    assert got == pytest.approx(quality, abs=4 * 0.5 / np.sqrt(n))
    assert out.cost_usd.mean() == pytest.approx(usd, abs=4 * 0.5 / np.sqrt(n))
