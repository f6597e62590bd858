"""Reading evaluation files into polars frames, with errors that name the file, the column, the
row and the bad value.

A saved row index is not data: pandas writes it as a leading column with an empty header (read
back as ``Unnamed: 0``), parquet keeps it as ``__index_level_0__``; such columns (and an
integer ``index`` / ``level_N`` column) are recognised and dropped with a note.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.errors import ReplayError, WorkbenchError

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pkl", ".pickle")
_UNNAMED = re.compile(r"^(|Unnamed: \d+|__index_level_\d+__)$")
_INDEX_IF_INTEGER = re.compile(r"^(index|level_\d+)$")


def index_columns(frame: pl.DataFrame) -> list[str]:
    """Columns that hold a saved row index: an empty or ``Unnamed: N`` header, parquet's
    ``__index_level_N__``, or an integer column named ``index`` / ``level_N``."""
    return [c for c in frame.columns if _UNNAMED.match(c)
            or (_INDEX_IF_INTEGER.match(c) and frame[c].dtype.is_integer())]


def read_frame(path: Path, notes: list[str] | None = None) -> pl.DataFrame:
    """A csv, parquet or pickled pandas DataFrame as a polars frame, without index columns
    (see `index_columns`; a note saying which is added to ``notes``).

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
    dropped = index_columns(frame)
    if dropped:
        frame = frame.drop(dropped)
        note = (f"ignored index column(s) {', '.join(repr(c) for c in dropped)} (a saved row "
                "index, not a score)")
        if notes is not None and note not in notes:
            notes.append(note)
    return frame


def read_tables(path: Path, notes: list[str]) -> tuple[pl.DataFrame, str, list[tuple[Path, int]]]:
    """One file, or every table file under a directory (e.g. train and test splits) read as
    one table: the union of their rows, which must have the same columns. Returns the frame,
    a source label and (file, rows) of each file in row order; the files read are added to
    ``notes``."""
    path = Path(path)
    if not path.is_dir():
        frame = read_frame(path, notes)
        return frame, str(path), [(path, frame.height)]
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and p.suffix.lower() in TABLE_SUFFIXES)
    if not files:
        raise ReplayError(f"{path}: a directory with no table files (expected "
                          f"{', '.join(TABLE_SUFFIXES)})")
    frames = [read_frame(file, notes) for file in files]
    first = frames[0]
    for file, frame in zip(files[1:], frames[1:]):
        if set(frame.columns) != set(first.columns):
            extra = sorted(set(frame.columns) - set(first.columns))
            lacking = sorted(set(first.columns) - set(frame.columns))
            raise ReplayError(f"{file}: columns differ from {files[0].name}'s (extra: "
                              f"{extra[:5]}, missing: {lacking[:5]}); a directory is read as "
                              "one table")
    try:
        union = pl.concat([f.select(first.columns) for f in frames], how="vertical_relaxed")
    except pl.exceptions.PolarsError as exc:
        raise ReplayError(f"{path}: files cannot be stacked as one table "
                          f"({str(exc).splitlines()[0][:160]})") from None
    names = [str(f.relative_to(path)) for f in files]
    notes.append(f"read {len(files)} files as one table ({union.height} rows): "
                 + ", ".join(f"{n} ({f.height})" for n, f in zip(names, frames)))
    return union, f"{path} ({len(files)} files)", [(f, x.height) for f, x in zip(files, frames)]


def file_and_row(files: list[tuple[Path, int]], row: int) -> str:
    """"name row N" of a 0-based row of a `read_tables` union (1-based in its own file)."""
    for file, height in files:
        if row < height:
            return f"{file.name} row {row + 1}"
        row -= height
    raise IndexError(row)


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
                 low: float = 0.0, high: float = 1.0,
                 files: list[tuple[Path, int]] | None = None) -> np.ndarray:
    """prompts x columns of numeric scores in [low, high] (bools count as 0/1); nulls stay
    NaN. ``files`` (from `read_tables`) names the file and row of a bad value in a union."""
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
        where = f"row {row + 1}" if files is None or len(files) < 2 else \
            file_and_row(files, int(row))
        raise ReplayError(f"{path}: column {columns[j]!r}, {where}: score outside "
                          f"[{low:g}, {high:g}] (got {out[row, j]!r})")
    return out
