"""Provider usage exports (what the provider billed, whoever sent the calls) -> daily usage
per model: ``day, model, provider, requests, input_tokens, cached_tokens, output_tokens``.

``openai-usage``: the Usage API's completions buckets (``{"object": "page", "data": [{
"start_time": <unix s>, "results": [{"model", "input_tokens", "input_cached_tokens",
"output_tokens", "num_model_requests", ...}]}]}``, one page or a list of pages, bucketed by
day and grouped by model) or a CSV/JSONL with those result fields plus ``start_time``.
``anthropic-usage``: the Usage & Cost API's message usage report (``starting_at``, ``model``,
``uncached_input_tokens``, ``cache_read_input_tokens``, ``cache_creation`` input tokens -
the nested ``ephemeral_5m``/``ephemeral_1h`` object or flat columns - ``output_tokens``) as
JSON pages or CSV. The report counts tokens, not requests: ``requests`` is 0 unless a CSV
adds a ``requests`` column.

Rows are per day and bucket hour (``hour``: 0 for daily buckets; hourly buckets keep
their hour). ``group`` keeps one of the export's grouping columns (``project_id``, ``api_key_id``,
``user_id``, ``workspace_id``...) as ``group``: the usage-only audit's task types.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from workbench.audit.exports import read_export
from workbench.audit.requests import parse_time, require_columns
from workbench.domain.bounded_read import parse_json
from workbench.domain.errors import AuditError, ScenarioError

CACHE_CREATION = ("cache_creation_input_tokens", "cache_creation.ephemeral_5m_input_tokens",
                  "cache_creation.ephemeral_1h_input_tokens", "cache_creation_5m_input_tokens",
                  "cache_creation_1h_input_tokens")
USAGE_COLUMNS = ("day", "model", "provider", "requests", "input_tokens", "cached_tokens",
                 "output_tokens")


def _flatten_pages(path: Path) -> pl.DataFrame | None:
    """Bucket pages -> one row per result with its bucket's start; None if not pages."""
    if not path.name.lower().endswith(".json"):
        return None
    try:
        data = parse_json(path.read_bytes(), str(path))
    except ScenarioError as exc:
        raise AuditError(exc.reason, file=str(path)) from None
    pages = data if isinstance(data, list) else [data]
    if not pages or not all(isinstance(p, dict) and isinstance(p.get("data"), list)
                            for p in pages):
        return None
    rows = []
    for page in pages:
        for bucket in page["data"]:
            if not isinstance(bucket, dict) or "results" not in bucket:
                return None
            start = bucket.get("start_time", bucket.get("starting_at"))
            for result in bucket["results"]:
                rows.append({**_flat(result), "start_time": str(start)})
    if not rows:
        raise AuditError("the usage export has no results", file=str(path))
    return pl.DataFrame(rows, infer_schema_length=None)


def _flat(result: dict) -> dict[str, str | None]:
    """A result's scalar fields as text, nested objects one level deep as ``parent.child``
    (Anthropic's ``cache_creation.ephemeral_5m_input_tokens``); lists are left out."""
    out: dict[str, str | None] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": None if v is None else str(v) for k, v in value.items()
                        if not isinstance(v, (dict, list))})
        elif not isinstance(value, list):
            out[key] = None if value is None else str(value)
    return out


def _number(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64, strict=False).fill_null(0.0).cast(pl.Int64)


def _read(path: str | Path, required: tuple[str, ...], fmt: str,
          group: str | None) -> pl.DataFrame:
    """The export's rows (bucket pages flattened), checked for ``required`` columns and, when
    given, the ``group`` column."""
    file = Path(path)
    raw = _flatten_pages(file) if file.is_file() else None
    raw = raw if raw is not None else read_export(file)
    require_columns(raw.columns, required + ((group,) if group else ()), str(path), fmt)
    return raw


def _group(group: str | None) -> list[pl.Expr]:
    return ([pl.col(group).cast(pl.Utf8).fill_null("(none)").alias("group")]
            if group else [])


def read_openai_usage(path: str | Path, group: str | None = None) -> pl.DataFrame:
    """Daily usage per model (and ``group``) from an OpenAI Usage API export."""
    raw = _read(path, ("start_time", "model", "input_tokens", "output_tokens",
                       "num_model_requests"), "OpenAI usage", group)
    cached = _number("input_cached_tokens") if "input_cached_tokens" in raw.columns else pl.lit(0)
    return _daily(raw.select(parse_time(pl.col("start_time")).alias("start"),
                             pl.col("model"), pl.lit("openai").alias("provider"),
                             _number("num_model_requests").alias("requests"),
                             _number("input_tokens").alias("input_tokens"),
                             cached.alias("cached_tokens"),
                             _number("output_tokens").alias("output_tokens"), *_group(group)),
                  str(path))


def read_anthropic_usage(path: str | Path, group: str | None = None) -> pl.DataFrame:
    """Daily usage per model (and ``group``) from an Anthropic usage report export."""
    raw = _read(path, ("model", "uncached_input_tokens", "output_tokens"), "Anthropic usage",
                group)
    start = "starting_at" if "starting_at" in raw.columns else "start_time"
    require_columns(raw.columns, (start,), str(path), "Anthropic usage")
    optional = {c: (_number(c) if c in raw.columns else pl.lit(0))
                for c in ("cache_read_input_tokens", "requests", "num_requests")}
    optional["cache_creation_input_tokens"] = pl.sum_horizontal(
        pl.lit(0), *(_number(c) for c in CACHE_CREATION if c in raw.columns))
    return _daily(raw.select(
        parse_time(pl.col(start)).alias("start"), pl.col("model"),
        pl.lit("anthropic").alias("provider"),
        pl.max_horizontal(optional["requests"], optional["num_requests"]).alias("requests"),
        (_number("uncached_input_tokens") + optional["cache_read_input_tokens"]
         + optional["cache_creation_input_tokens"]).alias("input_tokens"),
        optional["cache_read_input_tokens"].alias("cached_tokens"),
        _number("output_tokens").alias("output_tokens"), *_group(group)), str(path))


def _daily(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    bad = frame.with_row_index("row", 1).filter(pl.col("start").is_null())
    if bad.height:
        raise AuditError(f"unparsable bucket start ({bad.height} row(s))", file=file,
                         path=f"row {bad['row'][0]}, column start_time")
    negative = frame.filter(pl.any_horizontal(pl.col(c) < 0 for c in USAGE_COLUMNS[3:]))
    if negative.height:
        raise AuditError("negative usage", file=file, value=negative.row(0, named=True))
    keys = ["group"] if "group" in frame.columns else []
    return (frame.group_by(pl.col("start").dt.date().alias("day"), "model", "provider",
                           pl.col("start").dt.hour().alias("hour"), *keys)
            .agg(pl.col(c).sum() for c in USAGE_COLUMNS[3:])
            .select(*USAGE_COLUMNS, "hour", *keys).sort("day", "hour", "model", *keys))


USAGE_READERS = {"openai-usage": read_openai_usage, "anthropic-usage": read_anthropic_usage}
