"""The published figures, replayed from the copies in data/ (every prompt, none excluded)."""

from __future__ import annotations

import polars as pl
import pytest

from workbench.replay.formats import load_table
from workbench.replay.replay import ReplayOptions, replay

from .conftest import ALPACA, ROUTELLM, STRONG, WEAK


@pytest.fixture(scope="module")
def mmlu():
    return replay(load_table(ROUTELLM, "routellm", benchmark="mmlu"), ReplayOptions(seed=1))


def test_mmlu_strong_weak_oracle(mmlu):
    assert mmlu["prompts"] == 14042 and mmlu["prompts_replayed"] == 14042
    assert mmlu["models"][STRONG]["quality"] == pytest.approx(0.8058, abs=5e-5)
    assert mmlu["models"][WEAK]["quality"] == pytest.approx(0.6808, abs=5e-5)
    assert mmlu["oracle"]["quality"] == pytest.approx(0.8586, abs=5e-5)
    assert mmlu["oracle"]["calls"][STRONG] == pytest.approx(0.1778, abs=5e-5)
    assert mmlu["oracle"]["calls"][STRONG] + mmlu["oracle"]["calls"][WEAK] == pytest.approx(1)
    assert (mmlu["strong"], mmlu["weak"]) == (STRONG, WEAK)


def test_gsm8k_strong_weak_oracle(run_json):
    doc = run_json("replay", ROUTELLM / "gsm8k", "--format", "routellm")
    assert doc["prompts"] == 1319
    assert doc["models"][STRONG]["quality"] == pytest.approx(0.8567, abs=5e-5)
    assert doc["models"][WEAK]["quality"] == pytest.approx(0.6384, abs=5e-5)
    assert doc["oracle"]["quality"] == pytest.approx(0.9287, abs=5e-5)
    assert doc["oracle"]["calls"][STRONG] == pytest.approx(0.2904, abs=5e-5)
    # the JSON contract
    for name in (STRONG, WEAK):
        assert doc["models"][name]["cost_usd"] > 0
    assert doc["oracle"]["cost_usd"] > 0
    assert isinstance(doc["curves"]["random"]["points"], list)
    assert doc["curves"]["random"]["points"][0]["strong_share"] == 0.0
    assert doc["curves"]["random"]["points"][-1]["strong_share"] == 1.0
    assert doc["cost_method"].startswith("estimated")


def test_mt_bench_mean_judge_scores(run_json):
    doc = run_json("replay", ROUTELLM / "mt_bench" / "judgements.jsonl", "-f", "routellm")
    assert doc["prompts"] == 80 and doc["excluded"] == {"failed_judgements": 0}  # questions
    assert doc["raw_score"] == "mean_judge_score"
    assert doc["models"][STRONG]["mean_judge_score"] == pytest.approx(9.228, abs=5e-4)
    assert doc["models"][WEAK]["mean_judge_score"] == pytest.approx(8.341, abs=5e-4)


def test_alpacaeval_win_rates_equal_leaderboard():
    doc = replay(load_table(ALPACA / "preferences_long.csv", "alpacaeval"))
    board = pl.read_csv(ALPACA / "leaderboard.csv").rename({"": "model"})
    published = dict(zip(board["model"], board["win_rate"]))
    # 10 (prompt, model) pairs on 8 prompts lack a preference: the figures use the 797 prompts
    # every model has; the leaderboard counts each model on its own prompts (own_rows)
    assert doc["prompts"] == 797 and doc["excluded"] == {"missing_score": 8}
    checked = 0
    for model, summary in doc["models"].items():
        assert summary["prompts"] == 797
        if model in published:
            own = summary["own_rows"]
            assert own["win_rate"] == pytest.approx(published[model], abs=0.01), model
            checked += 1
    assert checked == len(doc["models"]) - 1  # text_davinci_003 is not on the leaderboard
    assert "text_davinci_003" not in published


def test_random_router_apgr_is_half(mmlu):
    # exact over every permutation; one random order's APGR has sd about 0.009 on MMLU
    random = mmlu["curves"]["random"]
    assert random["apgr"] == 0.5 and random["cpt_50"] == 0.5 and random["cpt_80"] == 11234 / 14042
    assert random["apgr_sd"] == pytest.approx(0.00904, abs=5e-5)


def test_optimal_router_reaches_the_oracle_at_its_strong_share(mmlu):
    optimal = mmlu["curves"]["optimal"]
    assert optimal["apgr"] > mmlu["curves"]["threshold:group_gain"]["apgr"]
    # all of the oracle's quality at 17.78% strong calls, then flat
    assert optimal["cpt_50"] < 0.1 and optimal["share_for_95pct_strong"] < 0.1
    top = max(p["quality"] for p in optimal["points"])
    assert top == pytest.approx(mmlu["oracle"]["quality"], abs=1e-12)


def test_perfect_judge_cascade_reaches_oracle(mmlu):
    perfect = [p for p in mmlu["policies"] if p["kind"] == "cascade"
               and p["false_accept"] == 0 and p["false_reject"] == 0]
    assert perfect[0]["quality"] == pytest.approx(mmlu["oracle"]["quality"], abs=1e-12)
    # ...and pays for every weak attempt plus every escalation
    assert perfect[0]["cost_usd"] > mmlu["oracle"]["cost_usd"]
    worse = [p["quality"] for p in mmlu["policies"] if p["kind"] == "cascade"]
    assert worse == sorted(worse, reverse=True)
