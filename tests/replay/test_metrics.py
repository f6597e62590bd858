"""Worked examples of the metrics and policies on tiny tables."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.metrics.frontier import nondecreasing_hull
from workbench.replay import metrics, policies
from workbench.replay.table import EvalTable


def test_pgr_apgr_cpt_on_a_linear_curve():
    shares = np.linspace(0, 1, 11)
    quality = 0.6 + 0.2 * shares  # a random router's expectation
    assert metrics.apgr(shares, quality, 0.6, 0.8) == pytest.approx(0.5)
    assert metrics.cpt(shares, quality, 0.6, 0.8, 0.5) == pytest.approx(0.5)
    assert metrics.cpt(shares, quality, 0.6, 0.8, 0.8) == pytest.approx(0.8)
    assert metrics.first_share_reaching(shares, quality, 0.95 * 0.8) == pytest.approx(0.8)
    assert metrics.apgr(shares, quality, 0.7, 0.7) is None


def test_nondecreasing_hull_and_aiq():
    cost = np.array([1.0, 2.0, 3.0, 4.0, 2.5])
    quality = np.array([0.5, 0.6, 0.9, 0.8, 0.55])
    hull = nondecreasing_hull(cost, quality)
    # (2, 0.6) lies below the segment (1, 0.5)-(3, 0.9); (4, 0.8) is past the top
    assert hull.tolist() == [[1.0, 0.5], [3.0, 0.9]]
    # over [1, 4]: trapezoid 1->3 of (0.5+0.9)/2*2 = 1.4, flat 3->4 0.9; / 3
    assert metrics.aiq(cost, quality, 1.0, 4.0) == pytest.approx((1.4 + 0.9) / 3)
    # a single point at cost 2 in [1, 3]: zero below it, 0.7 above -> 0.7 * 1 / 2
    assert metrics.aiq(np.array([2.0]), np.array([0.7]), 1.0, 3.0) == pytest.approx(0.35)


def _table():
    # 4 prompts, weak/strong/mid; costs weak 1, mid 2, strong 10 USD per call
    scores = np.array([[1, 1, 1], [0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=float)
    cost = np.tile([1.0, 2.0, 10.0], (4, 1))
    return EvalTable(models=["weak", "mid", "strong"], scores=scores, cost_usd=cost)


def test_oracle_takes_the_cheapest_right_model():
    out = policies.oracle(_table())
    assert out.delivered.tolist() == [0, 1, 2, 0]  # nobody right on prompt 3: cheapest
    assert out.cost_usd.sum() == 1 + 2 + 10 + 1
    assert out.calls.tolist() == [2, 1, 1]


def test_share_curve_matches_routed_outcomes():
    table = _table()
    order = np.array([2, 0, 3, 1])
    curve = policies.share_curve(table, "strong", "weak", order)
    for k in range(5):
        out = policies.routed(table, "strong", "weak", order, k, "r", "random")
        assert curve.quality_sum[k] == table.scores[np.arange(4), out.delivered].sum()
        assert curve.cost_sum_usd[k] == out.cost_usd.sum()


def test_cascade_with_judge_errors_and_costs():
    table = _table()
    rng = np.random.default_rng(0)
    perfect = policies.cascade(table, ["weak", "mid", "strong"], rng, judge_cost_usd=0.5)
    assert perfect.delivered.tolist() == [0, 1, 2, 2]
    # prompt 0: weak + judge; 1: weak, mid + 2 judges; 2 and 3: all three + 2 judges
    assert perfect.cost_usd.tolist() == [1.5, 4.0, 14.0, 14.0]
    assert perfect.calls.tolist() == [4, 3, 2]
    always_reject = policies.cascade(table, ["weak", "strong"], rng, false_reject=1.0)
    assert always_reject.delivered.tolist() == [2, 2, 2, 2]
    always_accept = policies.cascade(table, ["weak", "strong"], rng, false_accept=1.0)
    assert always_accept.delivered.tolist() == [0, 0, 0, 0]


def test_threshold_order_sends_high_scores_first():
    rng = np.random.default_rng(0)
    order = policies.threshold_order(np.array([0.1, 0.9, 0.5, np.nan]), rng)
    assert order.tolist() == [1, 2, 0, 3]
