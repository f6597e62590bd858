"""Request logs: the one frame every gateway or observability export is read into.

One row per API call: ``request_id``, ``start`` / ``end`` / ``first_token`` (UTC datetimes;
``first_token`` null when not streamed), ``model`` (as the export names it), ``provider``,
``task_type``, ``team``, ``input_tokens`` (cached ones included), ``output_tokens``,
``cached_tokens``, ``cost_usd`` (what the export says was billed), ``ok`` (the call succeeded),
``cache_hit`` (served from the gateway's cache, not the provider) and ``trace_id`` (shared by
the attempts of one request - retries and fallbacks - where the export records it; else null).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from workbench.domain.errors import AuditError

UNTAGGED = "untagged"
REQUEST_SCHEMA: dict[str, pl.DataType] = {
    "request_id": pl.Utf8, "start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC"),
    "first_token": pl.Datetime("us", "UTC"), "model": pl.Utf8, "provider": pl.Utf8,
    "task_type": pl.Utf8, "team": pl.Utf8, "input_tokens": pl.Int64, "output_tokens": pl.Int64,
    "cached_tokens": pl.Int64, "cost_usd": pl.Float64, "ok": pl.Boolean, "cache_hit": pl.Boolean,
    "trace_id": pl.Utf8,
}


@dataclass
class RequestLog:
    """Calls read from one or more exports, with the rows skipped by reason."""

    frame: pl.DataFrame
    files: list[str]
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def days(self) -> float:
        """Whole calendar days the log spans (first to last day, both counted)."""
        first, last = self.frame["start"].min(), self.frame["start"].max()
        return float((last.date() - first.date()).days + 1)  # type: ignore[union-attr]


def require_columns(columns: list[str], required: tuple[str, ...], file: str,
                    fmt: str) -> None:
    """Raise AuditError naming the missing columns of a ``fmt`` export."""
    missing = [c for c in required if c not in columns]
    if missing:
        raise AuditError(f"not a {fmt} export: missing column(s) {', '.join(missing)}; "
                         f"columns found: {', '.join(columns[:12]) or 'none'}",
                         file=file, value=missing[0])


def bad_rows(frame: pl.DataFrame, checks: list[tuple[pl.Expr, str, str]], file: str,
             skip: bool, skipped: dict[str, int]) -> pl.DataFrame:
    """Rows where a check's mask holds are bad: an AuditError naming the first (its data row
    number ``_line``, the export's column and its raw value ``_raw_<column>``) and how many
    rows share the problem, or, with ``skip``, dropped and counted under the check's reason.
    ``checks`` are (mask, export column, reason)."""
    counts = frame.select(mask.sum().alias(str(i))
                          for i, (mask, _, _) in enumerate(checks)).row(0)
    for (mask, column, reason), count in zip(checks, counts):
        if not count:
            continue
        if not skip:
            first = frame.filter(mask).row(0, named=True)
            raise AuditError(f"{reason} ({count} row(s) like it; --skip-bad-rows skips "
                             "and counts them)", file=file,
                             path=f"row {first['_line']}, column {column}",
                             value=first.get(f"_raw_{column}"))
        skipped[reason] = skipped.get(reason, 0) + int(count)
    if skip and any(counts):
        frame = frame.filter(~pl.any_horizontal(mask for mask, _, _ in checks))
    return frame


TIME_FORMATS = {"offset": "%Y-%m-%dT%H:%M:%S%.f%:z", "naive": "%Y-%m-%dT%H:%M:%S%.f",
                "date": "%Y-%m-%d"}


def _iso(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.Utf8).str.strip_chars().str.replace(r"Z$", "+00:00").str.replace(" ", "T")


def _parsed(iso: pl.Expr, kind: str) -> pl.Expr:
    if kind == "epoch":
        seconds = iso.cast(pl.Float64, strict=False)
        return (seconds * 1_000_000).cast(pl.Int64, strict=False).cast(
            pl.Datetime("us")).dt.replace_time_zone("UTC")
    if kind == "offset":
        return iso.str.to_datetime(TIME_FORMATS[kind], time_zone="UTC", strict=False,
                                   time_unit="us")
    return iso.str.to_datetime(TIME_FORMATS[kind], strict=False,
                               time_unit="us").dt.replace_time_zone("UTC")


def time_kind(values: list[str | None]) -> str:
    """The one timestamp form every non-empty value of a sample parses as (``epoch``,
    ``offset``, ``naive``, ``date``), or ``mixed``."""
    sample = pl.Series([v for v in values if v not in (None, "")], dtype=pl.Utf8)
    if sample.is_empty():
        return "mixed"
    frame = sample.to_frame("t")
    for kind in ("epoch", "offset", "naive", "date"):
        if frame.select(_parsed(_iso(pl.col("t")), kind).is_not_null().all()).item():
            return kind
    return "mixed"


def parse_time(column: pl.Expr, kind: str = "mixed") -> pl.Expr:
    """ISO-8601 text (with or without offset or ``Z``), a date, or epoch seconds -> UTC
    datetime (null when unparsable). ``kind`` (from ``time_kind``) parses one form only:
    several times faster on large logs."""
    iso = _iso(column)
    if kind != "mixed":
        return _parsed(iso, kind)
    return pl.coalesce(*(_parsed(iso, k) for k in ("epoch", "offset", "naive", "date")))
