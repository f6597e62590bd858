"""Where a task type or team comes from in an export: ``tag:<prefix>`` (a request tag
``<prefix>:<value>`` in ``request_tags``), ``<column>.<key>[.<key>...]`` (a value inside a
column of JSON objects, e.g. ``metadata.route``), or a plain column name."""

from __future__ import annotations

import re

import polars as pl

from workbench.domain.errors import AuditError

SPEC = re.compile(r"^(tag:[A-Za-z0-9_.-]+|[A-Za-z0-9_-]+(\.[A-Za-z0-9_ -]+)*)$")


def field_expr(spec: str, columns: list[str], file: str, option: str,
               optional: bool = False) -> pl.Expr:
    """Text expression of ``spec`` over an export's columns. A spec naming a column the export
    lacks is an AuditError, or null values when ``optional`` (a format's default)."""
    if not SPEC.match(spec):
        raise AuditError("give tag:<prefix>, <column>.<key> or a column name",
                         path=option, value=spec)
    if spec.startswith("tag:"):
        column, extract = "request_tags", None
    elif spec in columns or "." not in spec:
        column, extract = spec, None
    else:
        column, _, extract = spec.partition(".")
    if column not in columns:
        if optional:
            return pl.lit(None, pl.Utf8)
        raise AuditError(f"the export has no column {column!r}; columns: "
                         f"{', '.join(columns[:20])}", file=file, path=option, value=spec)
    if spec.startswith("tag:"):
        prefix = re.escape(spec[4:])
        return pl.col(column).str.extract(rf'(?:^|[\[",\s]){prefix}:([^",\]]+)', 1)
    if extract is not None:
        path = "$" + "".join(f"['{key}']" for key in extract.split("."))
        return pl.col(column).str.json_path_match(path)
    return pl.col(column).cast(pl.Utf8)
