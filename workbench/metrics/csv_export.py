"""CSV a spreadsheet can open safely: every CSV the product writes goes through `csv_bytes` or
`write_csv`.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as
a formula by spreadsheet tools (a task type named ``=HYPERLINK(...)`` becomes a link, ``=cmd|``
runs a program); such cells get a leading single quote, as OWASP and the spreadsheet vendors
recommend, so they show as text. Numeric columns are left as numbers (``-3.5`` in a Float64
column is not a formula), and so is a text cell that is a plain number (``-3.5``).

>>> import polars as pl
>>> spreadsheet_safe(pl.DataFrame({"name": ["=1+1", "ok", "-2"], "usd": [-1.5, 2.0, 3.0]})).rows()
[("'=1+1", -1.5), ('ok', 2.0), ('-2', 3.0)]
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_FORMULA_START = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"


def neutralise_cell(text: str) -> str:
    """One cell as `spreadsheet_safe` writes it."""
    if text.startswith(FORMULA_STARTS) and not re.match(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text columns (String, Categorical, Enum) and column names neutralised
    (text cast to String); other columns unchanged; nested columns (lists, structs) as JSON
    text."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_nested():
            column = column.map_elements(_json_text, return_dtype=pl.String)
        elif dtype == pl.String or dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            column = column.cast(pl.String)
        else:
            exprs.append(column.alias(neutralise_cell(name)))
            continue
        exprs.append(pl.when(column.str.contains(_FORMULA_START)
                             & ~column.str.contains(_PLAIN_NUMBER))
                     .then(pl.lit("'") + column).otherwise(column).alias(neutralise_cell(name)))
    return frame.select(exprs)


def _json_text(value: object) -> str:
    import json

    return json.dumps(value.to_list() if isinstance(value, pl.Series) else value, default=str)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV of `spreadsheet_safe` ``frame`` (for download buttons)."""
    buffer = io.BytesIO()
    spreadsheet_safe(frame).write_csv(buffer)
    return buffer.getvalue()


def write_csv(frame: pl.DataFrame, path: str | Path) -> None:
    """Write `spreadsheet_safe` ``frame`` as CSV to ``path``."""
    spreadsheet_safe(frame).write_csv(path)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as a Parquet file in memory (types kept; no formula risk in Parquet)."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()

