"""MT-Bench routed per question as RouteLLM does (the router reads the first turn, the chosen
model answers both turns, the question scores the mean of its turns), per turn as an option
(outside check: turns were routed independently)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.replay.formats import load_table
from workbench.replay.replay import ReplayOptions, replay

from .conftest import ROUTELLM, STRONG, WEAK


def _turn1(question: str, answer: str) -> str:
    return ("[Instruction]\nPlease act as an impartial judge.\n\n[Question]\n" + question
            + "\n\n[The Start of Assistant's Answer]\n" + answer
            + "\n[The End of Assistant's Answer]")


def _turn2(q1: str, a1: str, q2: str, a2: str) -> str:
    return ("<|The Start of Assistant A's Conversation with User|>\n\n### User:\n" + q1
            + "\n\n### Assistant A:\n" + a1 + "\n\n### User:\n" + q2 + "\n\n### Assistant A:\n"
            + a2 + "\n\n<|The End of Assistant A's Conversation with User|>")


# (question, model) -> judge scores of turns 1 and 2
SCORES = {(81, STRONG): (9, 7), (81, WEAK): (8, 2), (82, STRONG): (9, 10), (82, WEAK): (10, 6)}


def _write(folder, scores=SCORES):
    lines = []
    for (q, model), (s1, s2) in scores.items():
        q1, q2 = "Q" * 40, "R" * 20
        a1, a2 = "a" * (400 if model == STRONG else 200), "b" * 80
        lines.append({"question_id": q, "model": model, "judge": ["gpt-4", "single-v1"],
                      "user_prompt": _turn1(q1, a1), "score": s1, "turn": 1})
        lines.append({"question_id": q, "model": model, "judge": ["gpt-4", "single-v1-multi-turn"],
                      "user_prompt": _turn2(q1, a1, q2, a2), "score": s2, "turn": 2})
    folder.mkdir(exist_ok=True)
    (folder / "judgements.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (folder / "question.jsonl").write_text(
        json.dumps({"question_id": 81, "category": "writing", "turns": ["Q", "R"]}) + "\n"
        + json.dumps({"question_id": 82, "category": "math", "turns": ["Q", "R"]}) + "\n")
    return folder


def test_a_question_keeps_its_model_for_both_turns(tmp_path):
    folder = _write(tmp_path / "mt_bench")
    price = {STRONG: "10/30", WEAK: "1/1"}
    question = load_table(folder, "routellm", price_overrides=price)
    turn = load_table(folder, "routellm", price_overrides=price, per_turn=True)
    assert question.n_prompts == 2 and turn.n_prompts == 4
    s, w = question.index(STRONG), question.index(WEAK)
    # a question's score is the mean of its turns: 81 -> S 8, W 5; 82 -> S 9.5, W 8
    assert question.scores[:, s].tolist() == [0.8, 0.95]
    assert question.scores[:, w].tolist() == [0.5, 0.8]
    # ...and its cost both turns' calls
    assert np.allclose(question.cost_usd, turn.cost_usd[0::2] + turn.cost_usd[1::2])
    # the router reads the first turn: 40 question characters
    assert question.prompt_chars.tolist() == [40.0, 40.0]
    assert question.groups.tolist() == ["writing", "math"]
    by_question = replay(question, ReplayOptions(judge_errors=()))
    by_turn = replay(turn, ReplayOptions(judge_errors=()))
    # per question the oracle cannot hand 82's first turn to the weak model
    assert by_question["oracle"]["quality"] == pytest.approx((0.8 + 0.95) / 2)
    assert by_question["oracle"]["strong_share"] == 1.0
    assert by_turn["oracle"]["quality"] == pytest.approx((0.9 + 0.7 + 1.0 + 1.0) / 4)
    assert by_turn["oracle"]["strong_share"] == 0.75
    for name in (STRONG, WEAK):
        assert by_question["models"][name]["mean_judge_score"] == pytest.approx(
            by_turn["models"][name]["mean_judge_score"])
        assert by_question["models"][name]["cost_usd"] == pytest.approx(
            by_turn["models"][name]["cost_usd"])


def test_a_failed_turn_takes_its_question_out(run_json, tmp_path):
    scores = dict(SCORES)
    scores[(82, WEAK)] = (10, -1)
    folder = _write(tmp_path / "mt_bench", scores)
    doc = run_json("replay", folder, "-f", "routellm", "--judge-error", "0")
    assert doc["prompts"] == 1 and doc["excluded"] == {"failed_judgements": 1}
    assert doc["models"][WEAK]["mean_judge_score"] == pytest.approx(5.0)
    doc = run_json("replay", folder, "-f", "routellm", "--per-turn", "--judge-error", "0")
    assert doc["prompts"] == 3 and doc["excluded"] == {"failed_judgements": 1}
    assert any("routed per turn" in note for note in doc["notes"])


def test_bundled_mt_bench_per_question_and_per_turn(run_json):
    doc = run_json("replay", ROUTELLM / "mt_bench", "-f", "routellm")
    assert doc["prompts"] == 80 and doc["groups"] == {"name": "category", "count": 8}
    turns = run_json("replay", ROUTELLM / "mt_bench", "-f", "routellm", "--per-turn")
    assert turns["prompts"] == 160
    for name, score in ((STRONG, 9.228), (WEAK, 8.341)):
        assert doc["models"][name]["mean_judge_score"] == pytest.approx(score, abs=5e-4)
        assert turns["models"][name]["mean_judge_score"] == pytest.approx(score, abs=5e-4)
    # mixing models across the turns of a question reaches higher than routing questions
    assert turns["oracle"]["quality"] > doc["oracle"]["quality"]


def test_per_turn_is_for_mt_bench_only(run_cli):
    code, _, err = run_cli("replay", ROUTELLM / "gsm8k", "-f", "routellm", "--per-turn")
    assert code == 2 and "--per-turn applies to MT-Bench only" in err
