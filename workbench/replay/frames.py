"""Reading evaluation files into polars frames, with errors that name the file, the column, the
row and the bad value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.errors import ReplayError, WorkbenchError

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def read_frame(path: Path) -> pl.DataFrame:
    """A csv, parquet or pickled pandas DataFrame as a polars frame.

    Pickles execute code when read: load only files you trust.
    """
    path = Path(path)
    if not path.exists():
        raise ReplayError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReplayError(f"{path}: empty file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix in (".pkl", ".pickle"):
            frame = _read_pickle(path)
        elif suffix in (".csv", ".tsv"):
            _check_text(path)
            frame = pl.read_csv(path, separator="\t" if suffix == ".tsv" else ",",
                                infer_schema_length=None)
        else:
            raise ReplayError(f"{path}: unknown file type {suffix!r} (expected .csv, .parquet "
                              "or .pkl)")
    except ReplayError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise ReplayError(f"{path}: cannot be read as {suffix[1:]} "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from None
    if frame.height == 0:
        raise ReplayError(f"{path}: empty table (no rows)")
    return frame


def _check_text(path: Path) -> None:
    """A CSV must start as UTF-8 text (UTF-16, Latin-1 and binary files are named as such)."""
    from workbench.domain.bounded_read import check_text_start

    try:
        check_text_start(path)
    except WorkbenchError as exc:
        raise ReplayError(str(exc)) from None


def _read_pickle(path: Path) -> pl.DataFrame:
    try:
        import pandas as pd
    except ModuleNotFoundError:
        raise ReplayError(f"{path}: reading a pickled DataFrame needs pandas "
                          "(pip install pandas)") from None
    try:
        obj = pd.read_pickle(path)
    except Exception as exc:  # noqa: BLE001 - unpickling raises whatever the pickle's code raises
        raise ReplayError(f"{path}: cannot be unpickled ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, pd.DataFrame):
        raise ReplayError(f"{path}: the pickle holds a {type(obj).__name__}, not a DataFrame")
    return pl.from_pandas(obj.reset_index(drop=True))


def text_chars(series: pl.Series) -> np.ndarray:
    """Characters of each text value (a list of texts counts joined; null counts 0)."""
    if isinstance(series.dtype, pl.List):
        series = series.cast(pl.List(pl.String)).list.join("\n")
    return series.cast(pl.String).str.len_chars().fill_null(0).to_numpy().astype(np.float64)


def require_columns(frame: pl.DataFrame, path: Path, columns: list[str]) -> None:
    """ReplayError naming the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReplayError(f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} "
                          f"(columns: {', '.join(frame.columns[:12])})")


def bool_matrix(frame: pl.DataFrame, path: Path, columns: list[str]) -> np.ndarray:
    """prompts x columns of 0.0/1.0 from bool columns (also "True"/"False" text and 0/1)."""
    out = np.empty((frame.height, len(columns)))
    for j, col in enumerate(columns):
        out[:, j] = _bool_column(frame[col], path, col)
    return out


def _bool_column(series: pl.Series, path: Path, col: str) -> np.ndarray:
    if series.null_count():
        row = int(series.is_null().arg_max())
        raise ReplayError(f"{path}: column {col!r}, row {row + 1}: empty value (expected a bool)")
    if series.dtype == pl.Boolean:
        return series.cast(pl.Float64).to_numpy()
    if series.dtype.is_integer():
        bad = ~series.is_in([0, 1])
    elif series.dtype == pl.String:
        lowered = series.str.strip_chars().str.to_lowercase()
        bad = ~lowered.is_in(list(_TRUE | _FALSE))
        if not bad.any():
            return lowered.is_in(list(_TRUE)).cast(pl.Float64).to_numpy()
    else:
        raise ReplayError(f"{path}: column {col!r} holds {series.dtype} values, expected bools")
    if bad.any():
        row = int(bad.arg_max())
        raise ReplayError(f"{path}: column {col!r}, row {row + 1}: not a bool "
                          f"(got {series[row]!r})")
    return series.cast(pl.Float64).to_numpy()


def score_matrix(frame: pl.DataFrame, path: Path, columns: list[str],
                 low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """prompts x columns of numeric scores in [low, high] (bools count as 0/1); nulls stay
    NaN."""
    for col in columns:
        series = frame[col]
        if not (series.dtype == pl.Boolean or series.dtype.is_numeric()):
            raise ReplayError(f"{path}: column {col!r} holds {series.dtype} values, expected "
                              f"numeric scores in [{low:g}, {high:g}] "
                              f"(first value {series[0]!r})")
    out = frame.select(pl.col(c).cast(pl.Float64) for c in columns).to_numpy(order="fortran")
    out = np.asfortranarray(out, dtype=np.float64)
    if not ((out >= low) & (out <= high) | np.isnan(out)).all():
        outside = ~np.isnan(out) & ((out < low) | (out > high))
        row, j = np.argwhere(outside)[0]
        raise ReplayError(f"{path}: column {columns[j]!r}, row {row + 1}: score outside "
                          f"[{low:g}, {high:g}] (got {out[row, j]!r})")
    return out
