"""Gateway and observability log formats -> request log. A format names, for each request
column, the export column (or an expression over the export's text columns) it comes from.

- ``litellm``: proxy SpendLogs (``LiteLLM_SpendLogs`` rows from the proxy's database or its
  ``/spend/logs`` API): ``request_id, spend, prompt_tokens, completion_tokens, startTime,
  endTime, completionStartTime, model, custom_llm_provider, team_id, metadata, request_tags,
  cache_hit, status``; cached prompt tokens from
  ``metadata.usage_object.prompt_tokens_details.cached_tokens``; ``session_id`` holds the
  request's trace id (LiteLLM's ``litellm_trace_id``), shared by its retries and fallbacks.
- ``langfuse``: observations (generations) from the public API or its export: ``id,
  startTime, endTime, completionStartTime, model, usage`` (``input``/``output``) or
  ``usageDetails``, ``calculatedTotalCost`` or ``costDetails.total``, ``level`` (``ERROR``
  fails), ``metadata``, ``traceId`` (the trace id).
- ``helicone``: request export: ``request_id, request_created_at, response_created_at,
  request_model`` (or ``model``), ``prompt_tokens, completion_tokens,
  prompt_cache_read_tokens, costUSD`` (or ``cost``), ``response_status, delay_ms,
  time_to_first_token, provider, request_properties`` (``Helicone-Session-Id`` is the trace
  id).
- ``table``: any export, with a mapping file naming its columns (``mapping_table``).
Prompts and responses are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from workbench.audit.fields import field_expr
from workbench.audit.requests import (
    REQUEST_SCHEMA,
    UNTAGGED,
    RequestLog,
    bad_rows,
    parse_time,
    require_columns,
    time_kind,
)

NULL = pl.lit(None, pl.Utf8)


@dataclass(frozen=True)
class LogFormat:
    """Where each request column comes from in one export format. Values are export column
    names; ``json`` entries are (column, JSON path) pairs tried in order; ``derived`` holds
    expressions for columns no single export column gives."""

    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    json: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    ok_values: tuple[str, ...] = ("success", "ok", "200", "")
    fail_values: tuple[str, ...] = ()
    task_from: str = "tag:task"
    team_from: str = "team_id"


LITELLM = LogFormat(
    "litellm",
    {"request_id": "request_id", "start": "startTime", "end": "endTime",
     "first_token": "completionStartTime", "model": "model", "provider": "custom_llm_provider",
     "input_tokens": "prompt_tokens", "output_tokens": "completion_tokens", "cost_usd": "spend",
     "status": "status", "cache_hit": "cache_hit", "trace_id": "session_id"},
    ("request_id", "spend", "prompt_tokens", "completion_tokens", "startTime", "endTime",
     "model"),
    json={"cached_tokens": [("metadata", r're:"cached_tokens"\s*:\s*(\d+)')]})
LANGFUSE = LogFormat(
    "langfuse",
    {"request_id": "id", "start": "startTime", "end": "endTime",
     "first_token": "completionStartTime", "model": "model", "status": "level",
     "input_tokens": "promptTokens", "output_tokens": "completionTokens",
     "cost_usd": "calculatedTotalCost", "trace_id": "traceId"},
    ("id", "startTime", "endTime", "model"),
    json={"input_tokens": [("usageDetails", "$.input"), ("usage", "$.input")],
          "output_tokens": [("usageDetails", "$.output"), ("usage", "$.output")],
          "cached_tokens": [("usageDetails", "$.cache_read_input_tokens"),
                            ("usageDetails", "$.input_cached_tokens")],
          "cost_usd": [("costDetails", "$.total")]},
    ok_values=("default", "debug", "warning", ""), fail_values=("error",),
    task_from="name", team_from="metadata.team")
HELICONE = LogFormat(
    "helicone",
    {"request_id": "request_id", "start": "request_created_at", "end": "response_created_at",
     "model": "request_model", "provider": "provider", "input_tokens": "prompt_tokens",
     "output_tokens": "completion_tokens", "cached_tokens": "prompt_cache_read_tokens",
     "cost_usd": "costUSD", "status": "response_status", "cache_hit": "cache_hit"},
    ("request_id", "request_created_at", "prompt_tokens", "completion_tokens"),
    json={"trace_id": [("request_properties", "$['Helicone-Session-Id']")]},
    ok_values=("200", "success", ""), task_from="request_properties.Helicone-Property-Task",
    team_from="request_properties.Helicone-Property-Team")
FORMATS = {f.name: f for f in (LITELLM, LANGFUSE, HELICONE)}
ALIASES = {"helicone": {"request_model": "model", "costUSD": "cost",
                        "response_created_at": "request_created_at"}}


def _column(columns: list[str], fmt: LogFormat, name: str) -> pl.Expr:
    """The export's value of request column ``name`` as text (null where absent)."""
    candidates = []
    for column, path in fmt.json.get(name, []):
        if column in columns:
            candidates.append(pl.col(column).str.extract(path[3:], 1) if path.startswith("re:")
                              else pl.col(column).str.json_path_match(path))
    column = fmt.columns.get(name)
    alias = ALIASES.get(fmt.name, {}).get(column or "")
    for source in (column, alias):
        if source and source in columns:
            candidates.append(pl.col(source).cast(pl.Utf8))
    return pl.coalesce(candidates) if candidates else NULL


def _times(raw: pl.LazyFrame, columns: list[str], fmt: LogFormat) -> dict[str, pl.Expr]:
    """start, end and first_token as UTC datetimes; each column's timestamp form detected on
    its first rows (one form parses several times faster than trying every form)."""
    text = {name: _column(columns, fmt, name) for name in ("start", "end", "first_token")}
    head = raw.head(1000).select(expr.alias(name) for name, expr in text.items()).collect()
    parsed = {name: parse_time(expr, time_kind(head[name].to_list()))
              for name, expr in text.items()}
    if "end" not in fmt.columns and "end" not in fmt.json:
        parsed["end"] = parsed["start"]  # no end time: latency unknown, never a bad row
    if fmt.name == "helicone":  # end and first token are milliseconds after the start
        for name, column in (("end", "delay_ms"), ("first_token", "time_to_first_token")):
            if column in columns:
                ms = pl.col(column).cast(pl.Float64, strict=False)
                parsed[name] = parsed["start"] + pl.duration(
                    microseconds=(ms * 1000).cast(pl.Int64))
    return parsed


def _provider(columns: list[str], fmt: LogFormat) -> pl.Expr:
    stated = _column(columns, fmt, "provider").str.to_lowercase()
    from_prefix = _column(columns, fmt, "model").str.extract(r"^([A-Za-z0-9_-]+)/", 1)
    return pl.coalesce(pl.when(stated != "").then(stated), from_prefix, pl.lit(""))


def _number(columns: list[str], fmt: LogFormat, name: str) -> pl.Expr:
    return _column(columns, fmt, name).cast(pl.Float64, strict=False).alias(name)


def requests_from_export(raw: pl.LazyFrame, fmt: LogFormat, file: str,
                         task_from: str | None = None, team_from: str | None = None,
                         skip: bool = False) -> RequestLog:
    """The calls of one export (all columns text, as ``scan_export`` gives) in format
    ``fmt``; bad rows raise AuditError naming the file, the row and the export's column (or,
    with ``skip``, are dropped and counted by reason)."""
    columns = raw.collect_schema().names()
    require_columns(columns, fmt.required, file, fmt.name)
    task = field_expr(task_from or fmt.task_from, columns, file, "--task-from",
                      optional=task_from is None)
    team = field_expr(team_from or fmt.team_from, columns, file, "--team-from",
                      optional=team_from is None)
    status = _column(columns, fmt, "status").str.to_lowercase().fill_null("")
    ok = (~status.is_in(list(fmt.fail_values)) if fmt.fail_values
          else status.is_in(list(fmt.ok_values)))
    names = {name: fmt.columns.get(name, name) for name in
             ("request_id", "start", "end", "input_tokens", "output_tokens", "cost_usd",
              "currency")}
    times = _times(raw, columns, fmt)
    frame = raw.select(
        _column(columns, fmt, "request_id").alias("request_id"),
        *(expr.alias(name) for name, expr in times.items()),
        _column(columns, fmt, "model").str.replace(r"^[A-Za-z0-9_-]+/", "").alias("model"),
        _provider(columns, fmt).alias("provider"),
        task.alias("task_type"), team.alias("team"),
        _number(columns, fmt, "input_tokens"), _number(columns, fmt, "output_tokens"),
        _number(columns, fmt, "cached_tokens").fill_null(0.0),
        _number(columns, fmt, "cost_usd"), ok.alias("ok"),
        _column(columns, fmt, "cache_hit").str.to_lowercase().is_in(["true", "1", "yes"])
        .fill_null(False).alias("cache_hit"),
        pl.when(_column(columns, fmt, "trace_id").str.strip_chars() != "")
        .then(_column(columns, fmt, "trace_id")).alias("trace_id"),
        *(_column(columns, fmt, name).alias(f"_raw_{shown}") for name, shown in names.items()
          if name != "currency"),
        (pl.col(names["currency"]).cast(pl.Utf8) if names["currency"] in columns
         else NULL).alias(f"_raw_{names['currency']}"),
        pl.int_range(1, pl.len() + 1).alias("_line"),
    ).collect()
    return finish(frame, [file], {}, skip, names)


def finish(frame: pl.DataFrame, files: list[str], skipped: dict[str, int], skip: bool,
           names: dict[str, str]) -> RequestLog:
    """Check and type a frame of the request columns plus the data row number ``_line`` and
    the ``_raw_<export column>`` originals; ``names`` maps request columns to the export's
    column names (for error messages)."""
    file = files[0] if len(files) == 1 else ", ".join(files)
    checks = [
        (pl.col("request_id").is_null(), "request_id", "missing request id"),
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
    if "currency" in names:  # an export that states its currency must state USD
        code = pl.col(f"_raw_{names['currency']}").str.strip_chars().str.to_uppercase()
        checks.append((code.is_not_null() & (code != "") & (code != "USD"), "currency",
                       ("cost in a currency other than USD (the workbench counts USD: "
                       "convert first)")))
    frame = bad_rows(frame, [(mask, names[column], reason) for mask, column, reason in checks],
                     file, skip, skipped)
    untagged = frame["task_type"].is_null().sum()
    if untagged:
        skipped[f"kept as task type '{UNTAGGED}' (no task tag)"] = int(untagged)
    frame = frame.with_columns(
        pl.col("task_type").fill_null(UNTAGGED), pl.col("team").fill_null("default"),
        pl.min_horizontal(pl.col("cached_tokens").clip(0, None), "input_tokens")
        .alias("cached_tokens"))
    return RequestLog(frame.select(pl.col(c).cast(t) for c, t in REQUEST_SCHEMA.items()),
                      files, skipped)
