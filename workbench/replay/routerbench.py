"""Loader of RouterBench's wide format: one row per prompt with ``sample_id``, ``prompt``,
``eval_name``, one score column per model (named by the model, in [0, 1]),
``<model>|model_response``, ``<model>|total_cost`` (USD) and ``oracle_model_to_route_to``;
csv, parquet or a pickled pandas DataFrame - or a directory of such files (train/test splits),
read as one table (a ``sample_id`` in two files is an error: it would count twice). Index
columns (``Unnamed: 0``, an empty header) are ignored.

Models are the columns that have a ``|total_cost`` companion (or, when no column has one, every
numeric column that is not reserved). Other numeric columns are kept as router scores that
threshold routers can use. Passing --price for any model replaces the cost columns by estimates
from text lengths (prompt and `|model_response` characters / 4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.errors import ReplayError
from workbench.replay import cost as costs
from workbench.replay.frames import (
    file_and_row,
    read_tables,
    require_columns,
    score_matrix,
    text_chars,
)
from workbench.replay.table import EvalTable

RESERVED = {"sample_id", "prompt", "eval_name", "oracle_model_to_route_to"}
COST_SUFFIX = "|total_cost"
RESPONSE_SUFFIX = "|model_response"


def load_routerbench(path: Path, *, price_overrides: dict[str, str] | None = None) -> EvalTable:
    """Read a RouterBench-shaped table. Example::

        table = load_routerbench(Path("routerbench_0shot.pkl"))
    """
    path = Path(path)
    notes: list[str] = []
    frame, source, files = read_tables(path, notes)
    require_columns(frame, path, ["sample_id"])
    if len(files) > 1:
        dupes = frame["sample_id"].is_duplicated()
        if dupes.any():
            rows = np.flatnonzero((frame["sample_id"] == frame["sample_id"][int(dupes.arg_max())])
                                  .to_numpy())
            raise ReplayError(f"{path}: sample_id {frame['sample_id'][int(rows[0])]!r} is in "
                              f"{file_and_row(files, int(rows[0]))} and "
                              f"{file_and_row(files, int(rows[1]))}; a directory's files are "
                              "read as one table and must not overlap")
    cost_models = [c[: -len(COST_SUFFIX)] for c in frame.columns if c.endswith(COST_SUFFIX)]
    plain = [c for c in frame.columns if c not in RESERVED and "|" not in c]
    if cost_models:
        missing = [m for m in cost_models if m not in frame.columns]
        if missing:
            raise ReplayError(f"{path}: cost column {missing[0] + COST_SUFFIX!r} has no score "
                              f"column {missing[0]!r}")
        models = cost_models
    else:
        models = [c for c in plain if frame[c].dtype.is_numeric() or frame[c].dtype == pl.Boolean]
    if not models:
        raise ReplayError(f"{path}: no model score columns (expected one column per model "
                          f"beside {', '.join(sorted(RESERVED))})")
    scores = score_matrix(frame, path, models, files=files)
    extra = {c: frame[c].cast(pl.Float64).to_numpy() for c in plain
             if c not in models and frame[c].dtype.is_numeric()}
    prompt_chars = None
    if "prompt" in frame.columns:
        prompt_chars = text_chars(frame["prompt"])
    cost, method, sources = _costs(frame, path, models, prompt_chars, price_overrides or {},
                                   files)
    groups = frame["eval_name"].cast(pl.String).to_numpy() if "eval_name" in frame.columns \
        else None
    return EvalTable(
        models=models, scores=scores, cost_usd=cost, prompt_ids=frame["sample_id"].to_numpy(),
        groups=groups, group_name="eval_name", prompt_chars=prompt_chars, extra_scores=extra,
        source=source, benchmark="routerbench", cost_method=method, price_sources=sources,
        notes=notes)


def _costs(frame: pl.DataFrame, path: Path, models: list[str], prompt_chars: np.ndarray | None,
           overrides: dict[str, str], files: list[tuple[Path, int]]
           ) -> tuple[np.ndarray, str, dict[str, str]]:
    cost_cols = [m + COST_SUFFIX for m in models]
    if all(c in frame.columns for c in cost_cols) and not overrides:
        matrix = score_matrix(frame, path, cost_cols, low=0.0, high=np.inf, files=files)
        return matrix, "table: <model>|total_cost columns (USD)", \
            {m: "table" for m in models}
    prices = costs.resolve_model_prices(models, overrides)
    inp = np.zeros(frame.height) if prompt_chars is None else prompt_chars
    out = np.zeros((frame.height, len(models)))
    for j, model in enumerate(models):
        col = model + RESPONSE_SUFFIX
        if col in frame.columns:
            out[:, j] = text_chars(frame[col])
    method = costs.describe_estimate("prompt characters" if prompt_chars is not None else "0",
                                     "<model>|model_response characters / 4", prices)
    return (costs.estimated_cost_usd(models, costs.tokens_from_chars(inp),
                                     costs.tokens_from_chars(out), prices),
            method, costs.price_sources(prices))
