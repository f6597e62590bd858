"""HTML building blocks of the report: escaping, numbers with machine-readable values,
tables."""

from __future__ import annotations

import html
import json

import polars as pl


def esc(value: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(value), quote=True)


def figure_span(policy: str, key: str, value: float | None, text: str) -> str:
    """A number with its machine-readable value (``data-value`` is JSON: null for None)."""
    return (f'<span class="figure" data-policy="{esc(policy)}" data-key="{esc(key)}" '
            f'data-value="{esc(json.dumps(value))}">{esc(text)}</span>')


def table_html(headers: list[str], rows: list[list[str]],
               numeric: set[int] | None = None) -> str:
    """A table whose cells are already HTML; columns in ``numeric`` (default: all but the
    first) are right-aligned."""
    numeric = set(range(1, len(headers))) if numeric is None else numeric
    cls = lambda i: ' class="n"' if i in numeric else ""
    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return (f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def frame_html(frame: pl.DataFrame) -> str:
    """A polars frame as an HTML table: column names as words, numbers without trailing zeros
    (up to 4 decimals below 1,000, whole above), None as ``-``."""
    from workbench.metrics.formats import label, number

    def cell(v: object) -> str:
        if v is None:
            return "-"
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float | int):
            return esc(number(v, 4 if abs(v) < 1000 else 0))
        return esc(v)
    numeric = {i for i, dtype in enumerate(frame.dtypes) if dtype.is_numeric()}
    return table_html([label(c) for c in frame.columns],
                      [[cell(v) for v in row] for row in frame.iter_rows()], numeric)
