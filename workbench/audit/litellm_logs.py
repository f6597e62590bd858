"""LiteLLM proxy SpendLogs (``LiteLLM_SpendLogs`` rows exported from the proxy's database, or
its ``/spend/logs`` API) -> request log.

Columns read: ``request_id, call_type, spend, prompt_tokens, completion_tokens, startTime,
endTime, completionStartTime, model, model_group, custom_llm_provider, api_base, user,
team_id, end_user, metadata, request_tags, cache_hit, status``; only ``request_id, spend,
prompt_tokens, completion_tokens, startTime, endTime, model`` are required. Cached prompt
tokens come from ``metadata.usage_object.prompt_tokens_details.cached_tokens`` when present.
Prompts and responses (``messages``, ``response``) are never read.
"""

from __future__ import annotations

import polars as pl

from workbench.audit.fields import field_expr
from workbench.audit.requests import UNTAGGED, RequestLog, bad_rows, parse_time, require_columns

REQUIRED = ("request_id", "spend", "prompt_tokens", "completion_tokens", "startTime", "endTime",
            "model")
NAMES = {"start": "startTime", "end": "endTime", "input_tokens": "prompt_tokens",
         "output_tokens": "completion_tokens", "cost_usd": "spend", "request_id": "request_id"}
CACHED_PATH = "$.usage_object.prompt_tokens_details.cached_tokens"


def _optional(columns: list[str], name: str, default: pl.Expr) -> pl.Expr:
    return pl.col(name).cast(pl.Utf8) if name in columns else default


def _provider(columns: list[str]) -> pl.Expr:
    from_prefix = pl.col("model").str.extract(r"^([A-Za-z0-9_-]+)/", 1)
    stated = _optional(columns, "custom_llm_provider", pl.lit(None, pl.Utf8))
    return pl.coalesce(pl.when(stated != "").then(stated), from_prefix, pl.lit(""))


def requests_from_litellm(raw: pl.DataFrame, file: str, task_from: str = "tag:task",
                          team_from: str = "team_id", skip: bool = False) -> RequestLog:
    """The calls of one SpendLogs export; bad rows raise AuditError (or, with ``skip``, are
    dropped and counted by reason)."""
    columns = raw.columns
    require_columns(columns, REQUIRED, file, "LiteLLM SpendLogs")
    skipped: dict[str, int] = {}
    team = (field_expr(team_from, columns, file, "--team-from")
            if team_from != "team_id" or "team_id" in columns else pl.lit(None, pl.Utf8))
    cached = (pl.col("metadata").str.json_path_match(CACHED_PATH) if "metadata" in columns
              else pl.lit("0"))
    frame = raw.select(
        pl.col("request_id").cast(pl.Utf8),
        parse_time(pl.col("startTime")).alias("start"),
        parse_time(pl.col("endTime")).alias("end"),
        parse_time(_optional(columns, "completionStartTime", pl.lit(None, pl.Utf8)))
        .alias("first_token"),
        pl.col("model").str.replace(r"^[A-Za-z0-9_-]+/", "").alias("model"),
        _provider(columns).alias("provider"),
        field_expr(task_from, columns, file, "--task-from").alias("task_type"),
        team.alias("team"),
        pl.col("prompt_tokens").cast(pl.Float64, strict=False).alias("input_tokens"),
        pl.col("completion_tokens").cast(pl.Float64, strict=False).alias("output_tokens"),
        cached.cast(pl.Float64, strict=False).fill_null(0.0).alias("cached_tokens"),
        pl.col("spend").cast(pl.Float64, strict=False).alias("cost_usd"),
        _optional(columns, "status", pl.lit("success")).str.to_lowercase().alias("_status"),
        _optional(columns, "cache_hit", pl.lit("false")).str.to_lowercase().alias("_cache"),
        *(pl.col(c).alias(f"_raw_{c}") for c in ("startTime", "endTime", "prompt_tokens",
                                                  "completion_tokens", "spend", "request_id")),
        pl.int_range(1, pl.len() + 1).alias("_line"),
    )
    return finish(frame, [file], skipped, skip, NAMES)


def finish(frame: pl.DataFrame, files: list[str], skipped: dict[str, int], skip: bool,
           names: dict[str, str]) -> RequestLog:
    """Check and type a frame of the request columns plus ``_status`` / ``_cache`` text, the
    data row number ``_line`` and the ``_raw_<export column>`` originals; ``names`` maps
    request columns to the export's column names (for error messages)."""
    file = files[0] if len(files) == 1 else ", ".join(files)
    checks = [
        (pl.col("start").is_null(), "start", "unparsable timestamp"),
        (pl.col("end").is_null(), "end", "unparsable timestamp"),
        (pl.col("input_tokens").is_null() | (pl.col("input_tokens") < 0),
         "input_tokens", "missing, non-numeric or negative token count"),
        (pl.col("output_tokens").is_null() | (pl.col("output_tokens") < 0),
         "output_tokens", "missing, non-numeric or negative token count"),
        (pl.col("cost_usd").is_null() | (pl.col("cost_usd") < 0) | ~pl.col("cost_usd").is_finite(),
         "cost_usd", "missing, non-numeric or negative cost"),
        (pl.col("request_id").is_duplicated() & ~pl.col("request_id").is_first_distinct(),
         "request_id", "duplicate request_id"),
    ]
    for mask, column, reason in checks:
        frame = bad_rows(frame, mask, names[column], reason, file, skip, skipped)
    untagged = frame["task_type"].is_null().sum()
    if untagged:
        skipped[f"kept as task type '{UNTAGGED}' (no task tag)"] = int(untagged)
    frame = frame.with_columns(
        pl.col("task_type").fill_null(UNTAGGED),
        pl.col("team").fill_null("default"),
        pl.col("input_tokens").cast(pl.Int64), pl.col("output_tokens").cast(pl.Int64),
        pl.col("cached_tokens").cast(pl.Int64).clip(0, None),
        pl.col("_status").is_in(["success", "ok", "200", ""]).alias("ok"),
        pl.col("_cache").is_in(["true", "1", "yes"]).alias("cache_hit"),
    ).with_columns(pl.min_horizontal("cached_tokens", "input_tokens").alias("cached_tokens"))
    from workbench.audit.requests import REQUEST_SCHEMA

    return RequestLog(frame.select(pl.col(c).cast(t) for c, t in REQUEST_SCHEMA.items()),
                      files, skipped)
