"""The ``table`` log format: any CSV / JSON lines / Parquet export, with a small YAML file
naming which of its columns holds what; and the task map (``--task-map``) that renames and
merges task types.

    columns:                 # request field: your column, or <column>.<key> inside JSON
      request_id: id
      start: created_at      # ISO-8601, a date, or epoch seconds
      end: finished_at       # optional (latency unknown without it)
      model: model_name
      provider: vendor       # optional (else from the price catalogue)
      input_tokens: tokens_in
      output_tokens: tokens_out
      cached_tokens: cached  # optional
      cost_usd: cost
      status: outcome        # optional; ok_values say which values succeeded
      trace_id: trace        # optional: shared by one request's retries and fallbacks
      currency: curr         # optional; any value but USD is refused
    task_type: feature       # tag:<prefix>, <column>.<key> or a column
    team: department
    ok_values: [ok, success, "200"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from workbench.audit.log_formats import LogFormat
from workbench.domain.base import Frozen
from workbench.domain.loader import read_yaml_mapping, validate_as

Field_ = Literal["request_id", "start", "end", "first_token", "model", "provider",
                 "input_tokens", "output_tokens", "cached_tokens", "cost_usd", "status",
                 "cache_hit", "trace_id", "currency"]
REQUIRED = ("request_id", "start", "model", "input_tokens", "output_tokens", "cost_usd")


class TableMapping(Frozen):
    """Which export column holds each request field."""

    columns: dict[Field_, str]
    task_type: str | None = None
    team: str | None = None
    ok_values: list[str] = Field(default_factory=lambda: ["success", "ok", "200", ""])

    def log_format(self) -> LogFormat:
        """The mapping as a log format (JSON paths for ``<column>.<key>`` entries)."""
        missing = [f for f in REQUIRED if f not in self.columns]
        if missing:
            raise ValueError(f"columns must name {', '.join(missing)}")
        plain = {f: c for f, c in self.columns.items() if "." not in c}
        nested = {f: [(c.split(".")[0], "$" + "".join(f"['{k}']" for k in c.split(".")[1:]))]
                  for f, c in self.columns.items() if "." in c}
        required = tuple(c.split(".")[0] for f, c in self.columns.items() if f in REQUIRED)
        return LogFormat("table", plain, required, json=nested,
                         ok_values=tuple(v.lower() for v in self.ok_values),
                         task_from=self.task_type or "task_type", team_from=self.team or "team")


def load_mapping(path: str | Path) -> LogFormat:
    """Read and check a mapping file (exit 2 naming the file and field on a mistake)."""
    mapping = validate_as(TableMapping, read_yaml_mapping(path), str(path))
    try:
        return mapping.log_format()
    except ValueError as exc:
        from workbench.domain.errors import ScenarioError

        raise ScenarioError(str(exc), file=str(path), path="columns") from None


class TaskMap(Frozen):
    """``--task-map`` file: ``tasks: {name in the logs: task type}``; several names mapped to
    one task type merge into it; names not listed keep their own."""

    tasks: dict[str, str] = Field(min_length=1)

    def check(self) -> None:
        """Raise ValueError naming an empty task type."""
        empty = [k for k, v in self.tasks.items() if not str(v).strip()]
        if empty:
            raise ValueError(f"tasks.{empty[0]}: give a task type name")


def load_task_map(path: str | Path) -> dict[str, str]:
    """Read and check a task map (exit 2 naming the file and entry on a mistake)."""
    task_map = validate_as(TaskMap, read_yaml_mapping(path), str(path))
    try:
        task_map.check()
    except ValueError as exc:
        from workbench.domain.errors import ScenarioError

        raise ScenarioError(str(exc), file=str(path), path="tasks") from None
    return {str(k): str(v).strip() for k, v in task_map.tasks.items()}
