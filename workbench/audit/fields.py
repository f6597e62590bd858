"""Where a task type or team comes from in an export: ``tag:<prefix>`` (a request tag
``<prefix>:<value>``), ``metadata.<key>[.<key>...]`` (a value inside the JSON metadata), or a
plain column name."""

from __future__ import annotations

import re

import polars as pl

from workbench.domain.errors import AuditError

SPEC = re.compile(r"^(tag:[A-Za-z0-9_.-]+|metadata(\.[A-Za-z0-9_-]+)+|[A-Za-z0-9_.-]+)$")


def field_expr(spec: str, columns: list[str], file: str, option: str) -> pl.Expr:
    """Text expression of ``spec`` over an export's columns (null where absent)."""
    if not SPEC.match(spec):
        raise AuditError("give tag:<prefix>, metadata.<key> or a column name",
                         path=option, value=spec)
    if spec.startswith("tag:"):
        if "request_tags" not in columns:
            raise AuditError("the export has no request_tags column", file=file, path=option,
                             value=spec)
        prefix = re.escape(spec[4:])
        return pl.col("request_tags").str.extract(rf'(?:^|[\[",\s]){prefix}:([^",\]]+)', 1)
    if spec.startswith("metadata."):
        if "metadata" not in columns:
            raise AuditError("the export has no metadata column", file=file, path=option,
                             value=spec)
        return pl.col("metadata").str.json_path_match("$." + spec[len("metadata."):])
    if spec not in columns:
        raise AuditError(f"no such column; columns: {', '.join(columns[:20])}", file=file,
                         path=option, value=spec)
    return pl.col(spec).cast(pl.Utf8)
