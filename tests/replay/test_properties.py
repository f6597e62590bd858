"""Hypothesis properties of the replay policies on random pass/fail tables."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.replay import policies
from workbench.replay.replay import ReplayOptions, replay
from workbench.replay.table import EvalTable


@st.composite
def tables(draw):
    n = draw(st.integers(1, 40))
    m = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scores = (rng.random((n, m)) < rng.random(m)).astype(float)
    cost = rng.random((n, m)) * np.arange(1, m + 1)
    return EvalTable(models=[f"m{j}" for j in range(m)], scores=scores, cost_usd=cost)


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(0, 1000), st.floats(0, 1))
def test_policy_invariants(table, seed, error):
    rng = np.random.default_rng(seed)
    n = table.n_prompts
    rows = np.arange(n)
    oracle = policies.oracle(table)
    assert table.scores[rows, oracle.delivered].mean() >= table.scores.mean(axis=0).max() - 1e-12
    assert oracle.calls.sum() == n
    curve = policies.share_curve(table, "m1", "m0", policies.random_order(rng, n))
    assert np.isclose(curve.quality[0], table.scores[:, 0].mean())
    assert np.isclose(curve.quality[-1], table.scores[:, 1].mean())
    assert np.isclose(curve.cost_sum_usd[-1], table.cost_usd[:, 1].sum())
    perfect = policies.cascade(table, ["m0", "m1"], rng)
    best = np.maximum(table.scores[:, 0], table.scores[:, 1]).mean()
    assert np.isclose(table.scores[rows, perfect.delivered].mean(), best)
    noisy = policies.cascade(table, ["m0", "m1"], rng, false_accept=error, false_reject=error,
                             judge_cost_usd=0.01)
    assert (noisy.cost_usd >= table.cost_usd[:, 0] + 0.01 - 1e-12).all()
    assert noisy.calls[0] == n and noisy.calls[1] <= n


@settings(max_examples=20, deadline=None)
@given(tables())
def test_replay_document_is_well_formed(table):
    doc = replay(table, ReplayOptions(judge_errors=(0.0, 0.2)))
    for curve in doc["curves"].values():
        shares = [p["strong_share"] for p in curve["points"]]
        if curve["kind"] != "cascade":
            assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
        if curve.get("aiq") is not None:
            assert 0.0 <= curve["aiq"] <= 1.0 + 1e-12
    assert abs(sum(doc["oracle"]["calls"].values()) - 1.0) < 1e-12
