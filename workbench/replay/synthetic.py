"""A synthetic RouterBench-shaped table, for tests and benchmarks: each prompt has a
difficulty, each model an ability; a model gets a prompt right with probability
sigmoid(ability - difficulty), so hard prompts are hard for every model. Costs are per prompt
and model, in USD, growing with the model's ability."""

from __future__ import annotations

import numpy as np
import polars as pl

EVALS = ("mmlu", "gsm8k", "hellaswag", "arc", "winogrande", "mbpp", "mt_bench")


def synthetic_routerbench(n_prompts: int, n_models: int = 11, seed: int = 0,
                          with_text: bool = True) -> pl.DataFrame:
    """A wide RouterBench-shaped frame: ``sample_id``, ``prompt``, ``eval_name``, one 0/1
    score column per model, ``<model>|total_cost``, optionally ``<model>|model_response``, and
    ``oracle_model_to_route_to`` (the cheapest model that gets the prompt right, else the
    cheapest model)."""
    rng = np.random.default_rng(seed)
    models = [f"model-{j:02d}" for j in range(n_models)]
    ability = np.linspace(-1.0, 2.0, n_models)
    price_per_call_usd = 1e-4 * np.exp(1.5 * np.arange(n_models) / max(n_models - 1, 1) * 3)
    difficulty = rng.normal(0.0, 1.5, n_prompts)
    eval_idx = rng.integers(0, len(EVALS), n_prompts)
    difficulty += (eval_idx - 3) * 0.2
    p_right = 1.0 / (1.0 + np.exp(-(ability[None, :] - difficulty[:, None])))
    right = rng.random((n_prompts, n_models)) < p_right
    length = rng.lognormal(5.0, 0.6, n_prompts)
    cost = price_per_call_usd[None, :] * (length / 150.0)[:, None]
    key = np.where(right, cost, np.inf)
    best = np.where(right.any(axis=1), key.argmin(axis=1), cost.argmin(axis=1))
    columns: dict[str, object] = {
        "sample_id": np.array([f"s{i}" for i in range(n_prompts)]) if with_text
        else np.arange(n_prompts),
        "eval_name": np.asarray(EVALS)[eval_idx],
        "oracle_model_to_route_to": np.asarray(models)[best],
    }
    if with_text:
        columns["prompt"] = [f"question {i} " + "x" * int(n) for i, n in enumerate(length)]
    for j, model in enumerate(models):
        columns[model] = right[:, j].astype(np.float64)
        columns[model + "|total_cost"] = cost[:, j]
        if with_text:
            columns[model + "|model_response"] = ["answer"] * n_prompts
    return pl.DataFrame(columns)
