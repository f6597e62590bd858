"""Loader of RouteLLM's MT-Bench judgements (``mt_bench/judgements.jsonl``): one GPT-4 judge
score 1-10 per (question, turn, model); -1 is a failed judgement.

RouteLLM routes a *question*: the router reads its first turn, and the chosen model answers
both turns; the question's score is the mean of its turns' judge scores (``MTBench.evaluate``
merges the routed model's judgements by ``question_id`` and averages every row; with two turns
per question that is the mean of the per-question means). So by default a row of the table is
a question: quality = mean of its turns' scores / 10, cost = the sum of its turns' calls, router
prompt length = the first turn's input. A question any model lacks a turn of, or has a failed
judgement on, leaves every figure (counted in ``excluded``). ``per_turn=True`` keeps a row per
(question, turn), each turn routed on its own.

The category of each question comes from ``question.jsonl`` beside the file when there is one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from workbench.domain.errors import ReplayError
from workbench.replay import cost as costs
from workbench.replay.table import EvalTable

_CONVERSATION = re.compile(r"<\|The Start of Assistant A's Conversation with User\|>(.*?)"
                           r"<\|The End of Assistant A's Conversation with User\|>", re.DOTALL)
_QUESTION = re.compile(r"\[Question\]\n(.*?)\n\n\[The (?:Start|End) of", re.DOTALL)
_ANSWER = re.compile(r"\[The Start of Assistant's Answer\]\n(.*?)\n\[The End of Assistant's "
                     r"Answer\]", re.DOTALL)


def mt_bench_chars(user_prompt: str) -> tuple[float, float] | None:
    """(input characters, output characters) of the judged turn, read from the judge prompt:
    the question (and earlier turns) are input, the judged answer is output."""
    conv = _CONVERSATION.search(user_prompt)
    if conv is not None:
        parts = re.split(r"\n### (?:User|Assistant A):\n", "\n" + conv.group(1).strip())
        parts = [p.strip() for p in parts if p.strip()]
        if len(parts) < 2:
            return None
        return float(sum(len(p) for p in parts[:-1])), float(len(parts[-1]))
    question, answer = _QUESTION.search(user_prompt), _ANSWER.search(user_prompt)
    if question is None or answer is None:
        return None
    return float(len(question.group(1))), float(len(answer.group(1)))


def _json_lines(path: Path):
    """(line number, parsed value) of every non-blank line of a JSON lines file; a line that
    is not JSON is a ReplayError naming the file, the line and its start."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReplayError(f"{path}: line {number}: not valid JSON ({exc.msg}) "
                                  f"(got {line[:60].strip()!r})") from None


def _read_judgements(path: Path) -> list[dict]:
    if not path.exists():
        raise ReplayError(f"{path}: no such file")
    rows = []
    for number, row in _json_lines(path):
        if not isinstance(row, dict):
            raise ReplayError(f"{path}: line {number}: expected a JSON object "
                              f"(got {type(row).__name__})")
        for key in ("question_id", "model", "turn", "score"):
            if key not in row:
                raise ReplayError(f"{path}: line {number}: missing key {key!r}")
        score = row["score"]
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not (
                score == -1 or 1 <= score <= 10):
            raise ReplayError(f"{path}: line {number}: score must be 1-10 or -1 (failed "
                              f"judgement) (got {score!r})")
        row["_line"] = number
        rows.append(row)
    if not rows:
        raise ReplayError(f"{path}: empty file (no judgements)")
    return rows


def load_mt_bench(path: Path, overrides: dict[str, str], per_turn: bool = False) -> EvalTable:
    """The judgements at ``path`` as a table of questions (or of turns with ``per_turn``)."""
    rows = _read_judgements(path)
    models = sorted({str(r["model"]) for r in rows})
    prompts = sorted({(r["question_id"], r["turn"]) for r in rows},
                     key=lambda p: (str(p[0]).zfill(12), str(p[1])))
    row_of = {p: i for i, p in enumerate(prompts)}
    col_of = {m: j for j, m in enumerate(models)}
    scores = np.full((len(prompts), len(models)), np.nan)
    in_chars = np.full((len(prompts), len(models)), np.nan)
    out_chars = np.full((len(prompts), len(models)), np.nan)
    failed = np.zeros(scores.shape, dtype=bool)
    for r in rows:
        i, j = row_of[(r["question_id"], r["turn"])], col_of[str(r["model"])]
        if not np.isnan(scores[i, j]):
            raise ReplayError(f"{path}: line {r['_line']}: second judgement of model "
                              f"{r['model']!r} on question {r['question_id']} turn {r['turn']}")
        chars = mt_bench_chars(str(r.get("user_prompt", "")))
        if chars is not None:
            in_chars[i, j], out_chars[i, j] = chars
        if r["score"] == -1:
            failed[i, j] = True
            scores[i, j] = -1.0  # marked; turned into NaN below
            continue
        scores[i, j] = float(r["score"]) / 10.0
    scores[failed] = np.nan
    prices = costs.resolve_model_prices(models, overrides)
    cost = costs.estimated_cost_usd(models, costs.tokens_from_chars(in_chars),
                                    costs.tokens_from_chars(out_chars), prices)
    notes = []
    if failed.any():
        notes.append(f"{int(failed.sum())} failed judgement(s) (score -1): their "
                     f"{'turns' if per_turn else 'questions'} are left out for every model")
    if np.isnan(in_chars).any():
        notes.append(f"{int(np.isnan(in_chars).sum())} judgement(s) without a readable "
                     "conversation: their cost is unknown")
    prompt_chars = np.where(np.isnan(in_chars), -1.0, in_chars).max(axis=1).clip(0.0)
    common = {"models": models, "raw_scale": 10.0, "raw_name": "mean_judge_score",
              "source": str(path), "benchmark": "mt_bench", "notes": notes,
              "price_sources": costs.price_sources(prices),
              "cost_method": costs.describe_estimate(
                  "question (and earlier turns) characters read from the judge prompt",
                  "judged answer characters / 4", prices)}
    if per_turn:
        notes.append("routed per turn (--per-turn): each turn may go to a different model; "
                     "RouteLLM routes a question and keeps its model for both turns")
        return EvalTable(
            scores=scores, cost_usd=cost,
            prompt_ids=np.array([f"{q}/{t}" for q, t in prompts]),
            groups=np.array([f"turn {t}" for _, t in prompts]), group_name="turn",
            prompt_chars=prompt_chars, row_flags={"failed_judgements": failed.any(axis=1)},
            **common)
    question = np.array([q for q, _ in prompts], dtype=object)
    starts = np.flatnonzero(np.r_[True, question[1:] != question[:-1]])
    turns = np.diff(np.r_[starts, len(prompts)])
    # mean of the question's turns; NaN when a model lacks one (NaN propagates through add)
    q_scores = np.add.reduceat(scores, starts, axis=0) / turns[:, None]
    q_cost = np.add.reduceat(cost, starts, axis=0)
    q_failed = np.logical_or.reduceat(failed.any(axis=1), starts)
    ids = question[starts]
    categories = _categories(path, ids)
    return EvalTable(
        scores=q_scores, cost_usd=q_cost, prompt_ids=np.array([str(q) for q in ids]),
        groups=categories, group_name="category",
        prompt_chars=prompt_chars[starts],  # the first turn: what RouteLLM's router reads
        row_flags={"failed_judgements": q_failed}, **common)


def _categories(path: Path, ids: np.ndarray) -> np.ndarray | None:
    """The ``category`` of each question id from ``question.jsonl`` beside ``path`` (None
    without that file, or when it does not cover every question)."""
    file = path.parent / "question.jsonl"
    if not file.exists():
        return None
    category = {}
    for _, row in _json_lines(file):
        if isinstance(row, dict) and "question_id" in row:
            category[row["question_id"]] = str(row.get("category", ""))
    if not all(q in category for q in ids):
        return None
    return np.array([category[q] for q in ids])
