"""Loader of RouteLLM's evaluation outcomes (``routellm/evals/`` layout).

``PATH`` is the root directory (holding ``mmlu/``, ``gsm8k/``, ``mt_bench/``; pick one with
``benchmark``), one benchmark's directory, or one file:

- MMLU: ``mmlu_<subject>.csv`` files (``prompt`` and one bool column per model), or one
  ``mmlu.parquet`` / ``.csv`` with a ``subject`` column;
- GSM8K: ``gsm8k_responses.csv`` (a bool per model and ``<model>_response`` texts);
- MT-Bench: ``judgements.jsonl``, one judgement per line with ``question_id``, ``model``,
  ``turn`` and ``score`` 1-10 (a score of -1 is a failed judgement: excluded and counted); a
  row per question by default, as RouteLLM routes it (see `workbench.replay.mt_bench`).

Costs are estimated from text lengths (see `workbench.replay.cost`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.errors import ReplayError
from workbench.replay import cost as costs
from workbench.replay.frames import bool_matrix, read_frame
from workbench.replay.table import EvalTable

BENCHMARKS = ("mmlu", "gsm8k", "mt_bench")
RESPONSE_SUFFIX = "_response"


def load_routellm(path: Path, *, benchmark: str | None = None,
                  price_overrides: dict[str, str] | None = None,
                  output_tokens: float = 1.0, per_turn: bool = False) -> EvalTable:
    """Read one RouteLLM benchmark into an EvalTable.

    ``output_tokens`` is the assumed answer length for tables without response text (MMLU asks
    for the answer letter only); ``per_turn`` makes each MT-Bench turn a row of its own
    (default: a row per question, as RouteLLM routes). Example::

        table = load_routellm(Path("data/routellm"), benchmark="gsm8k")
    """
    path = Path(path)
    if not path.exists():
        raise ReplayError(f"{path}: no such file or directory")
    benchmark, target = _locate(path, benchmark)
    overrides = price_overrides or {}
    if benchmark == "mt_bench":
        from workbench.replay.mt_bench import load_mt_bench
        return load_mt_bench(target, overrides, per_turn=per_turn)
    if per_turn:
        raise ReplayError(f"--per-turn applies to MT-Bench only (this is {benchmark})")
    if benchmark == "gsm8k":
        return _load_gsm8k(target, overrides)
    return _load_mmlu(target, overrides, output_tokens)


def _locate(path: Path, benchmark: str | None) -> tuple[str, Path]:
    if benchmark is not None and benchmark not in BENCHMARKS:
        raise ReplayError(f"--benchmark must be one of {', '.join(BENCHMARKS)} "
                          f"(got {benchmark!r})")
    if path.is_dir():
        present = [b for b in BENCHMARKS if (path / b).is_dir()]
        if present:
            if benchmark is None:
                if len(present) > 1:
                    raise ReplayError(f"{path}: holds {', '.join(present)}; choose one with "
                                      "--benchmark")
                benchmark = present[0]
            if benchmark not in present:
                raise ReplayError(f"{path}: no {benchmark}/ directory (found: "
                                  f"{', '.join(present) or 'none'})")
            path = path / benchmark
        guessed = _guess(path)
        benchmark = benchmark or guessed
        if benchmark is None:
            raise ReplayError(f"{path}: cannot tell which RouteLLM benchmark this is; "
                              f"pass --benchmark {'|'.join(BENCHMARKS)}")
        if benchmark == "gsm8k" and (path / "gsm8k_responses.csv").exists():
            path = path / "gsm8k_responses.csv"
        if benchmark == "mt_bench":
            path = path / "judgements.jsonl"
        return benchmark, path
    benchmark = benchmark or _guess(path)
    if benchmark is None:
        raise ReplayError(f"{path}: cannot tell which RouteLLM benchmark this is; pass "
                          f"--benchmark {'|'.join(BENCHMARKS)}")
    return benchmark, path


def _guess(path: Path) -> str | None:
    name = path.name.lower()
    for bench in ("mt_bench", "gsm8k", "mmlu"):
        if name.startswith(bench) or name == "judgements.jsonl" and bench == "mt_bench":
            return bench
    return None


def _model_columns(frame: pl.DataFrame, file: Path, reserved: set[str]) -> list[str]:
    models = [c for c in frame.columns if c not in reserved and not c.endswith(RESPONSE_SUFFIX)]
    if not models:
        raise ReplayError(f"{file}: no model columns (expected a bool column per model beside "
                          f"{', '.join(sorted(reserved))})")
    return models


def _load_mmlu(path: Path, overrides: dict[str, str], output_tokens: float) -> EvalTable:
    if path.is_dir():
        files = sorted(path.glob("mmlu_*.csv"))
        single = [p for p in (path / "mmlu.parquet", path / "mmlu.csv") if p.exists()]
        if not files and not single:
            raise ReplayError(f"{path}: no mmlu_*.csv files and no mmlu.parquet")
        if not files:
            path = single[0]
    else:
        files = []
    notes: list[str] = []
    if files:
        parts = []
        for file in files:
            frame = read_frame(file, notes)
            subject = file.stem.removeprefix("mmlu_")
            parts.append((file, frame.with_columns(pl.lit(subject).alias("subject"))))
        first_file, first = parts[0]
        for file, frame in parts[1:]:
            if set(frame.columns) != set(first.columns):
                raise ReplayError(f"{file}: columns {frame.columns} differ from "
                                  f"{first_file.name}'s {first.columns}")
        models = _model_columns(first, first_file, {"prompt", "subject"})
        scores = np.vstack([bool_matrix(f, file, models) for file, f in parts])
        frame = pl.concat([f.select(first.columns) for _, f in parts])
        source = f"{path} ({len(files)} files)"
    else:
        frame = read_frame(path, notes)
        models = _model_columns(frame, path, {"prompt", "subject"})
        scores = bool_matrix(frame, path, models)
        source = str(path)
    if "prompt" not in frame.columns:
        raise ReplayError(f"{source}: missing column 'prompt'")
    prompt_chars = frame["prompt"].str.len_chars().fill_null(0).to_numpy().astype(np.float64)
    prices = costs.resolve_model_prices(models, overrides)
    n = len(prompt_chars)
    out = np.full((n, len(models)), float(output_tokens))
    cost = costs.estimated_cost_usd(models, costs.tokens_from_chars(prompt_chars), out, prices)
    groups = frame["subject"].to_numpy() if "subject" in frame.columns else None
    return EvalTable(
        models=models, scores=scores, cost_usd=cost, prompt_ids=np.arange(n),
        groups=groups, group_name="subject", prompt_chars=prompt_chars, source=source,
        benchmark="mmlu", price_sources=costs.price_sources(prices), notes=notes,
        cost_method=costs.describe_estimate(
            "prompt characters", f"{output_tokens:g} per call (assumed: the table has no "
            "response text; MMLU asks for the answer only)", prices))


def _load_gsm8k(path: Path, overrides: dict[str, str]) -> EvalTable:
    notes: list[str] = []
    frame = read_frame(path, notes)
    if "prompt" not in frame.columns:
        raise ReplayError(f"{path}: missing column 'prompt'")
    models = _model_columns(frame, path, {"prompt"})
    scores = bool_matrix(frame, path, models)
    prompt_chars = frame["prompt"].str.len_chars().fill_null(0).to_numpy().astype(np.float64)
    prices = costs.resolve_model_prices(models, overrides)
    out_chars = np.zeros((frame.height, len(models)))
    missing = []
    for j, model in enumerate(models):
        col = model + RESPONSE_SUFFIX
        if col in frame.columns:
            out_chars[:, j] = frame[col].cast(pl.String).str.len_chars().fill_null(0).to_numpy()
        else:
            missing.append(col)
    if missing:
        raise ReplayError(f"{path}: missing response column(s) {', '.join(missing)} "
                          "(needed to estimate output tokens)")
    cost = costs.estimated_cost_usd(models, costs.tokens_from_chars(prompt_chars),
                                    costs.tokens_from_chars(out_chars), prices)
    return EvalTable(
        models=models, scores=scores, cost_usd=cost, prompt_ids=np.arange(frame.height),
        prompt_chars=prompt_chars, source=str(path), benchmark="gsm8k",
        price_sources=costs.price_sources(prices), notes=notes,
        cost_method=costs.describe_estimate("prompt characters",
                                            "response characters / 4", prices))
