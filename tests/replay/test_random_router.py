"""The random router as its exact expectation over every permutation, with an interval
(outside check: one seeded permutation and no interval, so MT-Bench's threshold routers at
APGR 0.436 read as "worse than random" while 95% of random routers fall in 0.39-0.61)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from workbench.replay import metrics, policies
from workbench.replay.formats import load_table
from workbench.replay.random_router import Z95, random_router
from workbench.replay.replay import ReplayOptions, replay
from workbench.replay.table import EvalTable

from .conftest import ROUTELLM, STRONG, WEAK


def _tiny():
    # gains strong - weak = [1, 0, 1, 0]; costs weak 1, strong 10 USD
    scores = np.array([[0, 1], [1, 1], [0, 1], [0, 0]], dtype=float)
    return EvalTable(models=["weak", "strong"], scores=scores,
                     cost_usd=np.tile([1.0, 10.0], (4, 1)))


def test_expectation_and_spread_by_hand():
    router = random_router(_tiny(), "strong", "weak")
    # k strong calls: E[quality sum] = W + k/n G = 1 + k/2; cost 4 + 9k
    assert router.quality_sum.tolist() == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert router.cost_sum_usd.tolist() == [4.0, 13.0, 22.0, 31.0, 40.0]
    # Var = k (n - k) / (n - 1) * var(g) with var(g) = 1/4: k = 2 -> 2 * 2 / 3 / 4 = 1/3
    assert router.quality_sd[2] == pytest.approx(np.sqrt(1 / 3))
    assert router.cost_sd_usd.tolist() == [0.0] * 5  # every prompt adds 9 USD
    # Var[APGR] = (n + 1) / (12 n) * sum (g - mean g)^2 / G^2 = 5/48 * 1 / 4
    assert router.apgr_sd == pytest.approx(np.sqrt(5 / 192))


def test_closed_form_equals_enumeration_of_every_permutation():
    table = _tiny()
    router = random_router(table, "strong", "weak")
    n = table.n_prompts
    sums, apgrs = [], []
    for order in itertools.permutations(range(n)):
        curve = policies.share_curve(table, "strong", "weak", np.array(order))
        sums.append(curve.quality_sum)
        apgrs.append(metrics.apgr(curve.shares, curve.quality, 0.25, 0.75))
    sums = np.array(sums)
    assert np.allclose(sums.mean(axis=0), router.quality_sum)
    assert np.allclose(sums.std(axis=0), router.quality_sd)
    assert np.mean(apgrs) == pytest.approx(0.5)
    assert np.std(apgrs) == pytest.approx(router.apgr_sd)


def test_document_carries_the_expectation_and_intervals():
    table = load_table(ROUTELLM, "routellm", benchmark="gsm8k")
    doc = replay(table, ReplayOptions(judge_errors=()))
    rand = doc["curves"]["random"]
    assert rand["apgr"] == 0.5 and rand["cpt_50"] == pytest.approx(660 / 1319)
    q_s, q_w = doc["models"][STRONG]["quality"], doc["models"][WEAK]["quality"]
    c_s, c_w = doc["models"][STRONG]["cost_usd"], doc["models"][WEAK]["cost_usd"]
    for p in rand["points"]:
        s = p["strong_share"]
        assert p["quality"] == pytest.approx(s * q_s + (1 - s) * q_w, abs=1e-12)
        assert p["cost_usd"] == pytest.approx(s * c_s + (1 - s) * c_w, rel=1e-12)
        low, high = p["quality_interval_95"]
        assert low <= p["quality"] <= high
    ends = rand["points"][0], rand["points"][-1]
    assert all(e["quality_interval_95"][0] == e["quality_interval_95"][1] for e in ends)
    # against 2,000 seeded random permutations: the sd and the 95% coverage agree
    rng = np.random.default_rng(7)
    gap = q_s - q_w
    apgrs = np.array([metrics.apgr(c.shares, c.quality, q_w, q_w + gap) for c in (
        policies.share_curve(table, STRONG, WEAK, rng.permutation(1319)) for _ in range(2000))])
    assert np.std(apgrs) == pytest.approx(rand["apgr_sd"], rel=0.08)
    low, high = rand["apgr_interval_95"]
    assert high - low == pytest.approx(2 * Z95 * rand["apgr_sd"])
    assert 0.93 <= np.mean((apgrs >= low) & (apgrs <= high)) <= 0.97


def test_report_says_which_routers_are_not_distinguishable_from_random(run_cli):
    code, out, err = run_cli("replay", ROUTELLM / "mt_bench", "-f", "routellm")
    assert code == 0, err
    assert "95% of random routers have an APGR in" in out
    assert "0.500 (95%:" in out
