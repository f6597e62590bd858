"""Loader of AlpacaEval 2.0 preferences in long format: one row per (prompt, model) with
``prompt_idx``, ``model`` and ``preference_1to2`` (1 = the baseline's output is better, 2 = the
model's), optionally ``dataset`` and ``model_output_chars``.

Quality of a (prompt, model) is ``preference - 1`` in [0, 1]; a model's win rate is its mean
quality x 100, as AlpacaEval publishes it. Input tokens come from a ``prompts.csv``
(``prompt_idx, instruction``) beside the file when there is one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.errors import ReplayError
from workbench.replay import cost as costs
from workbench.replay.frames import read_frame, require_columns
from workbench.replay.table import EvalTable

REQUIRED = ["prompt_idx", "model", "preference_1to2"]


def load_alpacaeval(path: Path, *, price_overrides: dict[str, str] | None = None) -> EvalTable:
    """Read a long AlpacaEval preferences file (csv or parquet; a directory means its
    ``preferences_long.csv``). Example::

        table = load_alpacaeval(Path("data/alpaca_eval2/preferences_long.csv"))
    """
    path = Path(path)
    if path.is_dir():
        path = path / "preferences_long.csv"
    notes: list[str] = []
    frame = read_frame(path, notes)
    require_columns(frame, path, REQUIRED)
    pref = frame["preference_1to2"]
    if not pref.dtype.is_numeric():
        raise ReplayError(f"{path}: column 'preference_1to2' holds {pref.dtype} values, "
                          f"expected numbers in [1, 2] (first value {pref[0]!r})")
    values = pref.cast(pl.Float64)
    bad = values.is_null() | values.is_nan() | (values < 1.0) | (values > 2.0)
    if bad.any():
        row = int(bad.arg_max())
        raise ReplayError(f"{path}: column 'preference_1to2', row {row + 1}: preference must "
                          f"lie in [1, 2] (got {pref[row]!r})")
    dupes = frame.select("prompt_idx", "model").is_duplicated()
    if dupes.any():
        row = int(dupes.arg_max())
        raise ReplayError(f"{path}: row {row + 1}: second preference for model "
                          f"{frame['model'][row]!r} on prompt {frame['prompt_idx'][row]!r}")
    frame = frame.with_columns((values - 1.0).alias("_quality"))
    models = sorted(frame["model"].cast(pl.String).unique().to_list())
    prompts = frame["prompt_idx"].unique().sort()
    row_of = pl.DataFrame({"prompt_idx": prompts, "_row": np.arange(len(prompts))})
    col_of = pl.DataFrame({"model": models, "_col": np.arange(len(models))})
    long = (frame.with_columns(pl.col("model").cast(pl.String))
            .join(row_of, on="prompt_idx").join(col_of, on="model"))
    rows, cols = long["_row"].to_numpy(), long["_col"].to_numpy()
    scores = np.full((len(prompts), len(models)), np.nan)
    scores[rows, cols] = long["_quality"].to_numpy()
    out_chars = np.full_like(scores, np.nan)
    if "model_output_chars" in frame.columns:
        out_chars[rows, cols] = long["model_output_chars"].cast(pl.Float64).to_numpy()
    groups = None
    if "dataset" in frame.columns:
        first = long.group_by("_row").agg(pl.col("dataset").first()).sort("_row")
        groups = first["dataset"].cast(pl.String).to_numpy()
    in_chars, in_text = _instruction_chars(path, prompts)
    prices = costs.resolve_model_prices(models, price_overrides or {})
    cost = costs.estimated_cost_usd(models, costs.tokens_from_chars(in_chars),
                                    costs.tokens_from_chars(np.nan_to_num(out_chars)), prices)
    cost[np.isnan(scores)] = np.nan
    missing = int(np.isnan(scores).sum())
    if missing:
        notes.append(f"{missing} (prompt, model) pairs have no preference: a model's win rate "
                     "over the prompts it has (the leaderboard's) is its own_rows.win_rate")
    if "NullModel" in models:
        notes.append("NullModel is an adversarial entry (a constant output that games the "
                     "judge), not a real model: leave it out with --exclude-model NullModel")
    if "model_output_chars" not in frame.columns:
        notes.append("no model_output_chars column: output tokens counted as 0")
    return EvalTable(
        models=models, scores=scores, cost_usd=cost, prompt_ids=prompts.to_numpy(),
        groups=groups, group_name="dataset",
        prompt_chars=None if in_text is None else in_chars,
        raw_scale=100.0, raw_name="win_rate", source=str(path), benchmark="alpacaeval",
        price_sources=costs.price_sources(prices), notes=notes,
        cost_method=costs.describe_estimate(in_text or "0 (no prompts.csv beside the file)",
                                            "model_output_chars / 4", prices))


def _instruction_chars(path: Path, prompts: pl.Series) -> tuple[np.ndarray, str | None]:
    """Characters of each prompt's instruction from ``prompts.csv`` beside ``path``."""
    file = path.parent / "prompts.csv"
    if not file.exists():
        return np.zeros(len(prompts)), None
    table = read_frame(file)
    require_columns(table, file, ["prompt_idx", "instruction"])
    chars = (pl.DataFrame({"prompt_idx": prompts})
             .join(table.select("prompt_idx", pl.col("instruction").str.len_chars()
                                .alias("chars")), on="prompt_idx", how="left",
                   coalesce=True)["chars"])
    if chars.null_count():
        raise ReplayError(f"{file}: no instruction for prompt_idx "
                          f"{prompts[int(chars.is_null().arg_max())]!r}")
    return chars.cast(pl.Float64).to_numpy(), "prompts.csv instruction characters"
