"""Edits of a frozen scenario: dump, change the plain data, validate and cross-check again.
Every function returns a new `Scenario` (or raises `ScenarioError` naming the field)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import yaml

from workbench.domain.errors import ScenarioError
from workbench.domain.loader import scenario_from_data
from workbench.domain.scenario import Scenario


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (None fields left out, so it validates again)."""
    return scenario.model_dump(mode="json", exclude_none=True)


def from_data(data: dict[str, Any], source: Scenario | None = None) -> Scenario:
    """Validate and cross-check plain data; keeps ``source``'s file for relative paths."""
    return scenario_from_data(data, None, source.source if source is not None else None)


def with_changes(scenario: Scenario, mutate: Callable[[dict[str, Any]], None]) -> Scenario:
    """A copy of ``scenario`` after ``mutate`` edited its plain data in place."""
    data = scenario_data(scenario)
    mutate(data)
    return from_data(data, scenario)


def with_policy(scenario: Scenario, policy: dict[str, Any]) -> Scenario:
    """Add ``policy`` (plain data), replacing a policy of the same name."""
    def mutate(data: dict[str, Any]) -> None:
        names = [p["name"] for p in data["policies"]]
        if policy["name"] in names:
            data["policies"][names.index(policy["name"])] = policy
        else:
            data["policies"].append(policy)
    return with_changes(scenario, mutate)


def with_volumes(scenario: Scenario, per_day: dict[str, float],
                 input_median: dict[str, float] | None = None,
                 output_median: dict[str, float] | None = None) -> Scenario:
    """New daily volumes (and median token sizes, p95 scaled alike) per task type. A workload
    given as shares keeps that form: the total becomes the sum, shares the proportions."""
    def scale(size: dict, median: float | None) -> dict:
        if median is None or median <= 0:
            return size
        if "fixed" in size:
            return {"fixed": median}
        if "median" in size:
            factor = median / size["median"]
            return {"median": median, "p95": size["p95"] * factor}
        return size

    def mutate(data: dict[str, Any]) -> None:
        workload = data["workload"]
        tasks = workload["task_types"]
        shares = any("share" in t for t in tasks)
        total = sum(per_day.get(t["name"], 0.0) for t in tasks if "share" in t or "per_day" in t)
        if shares:
            workload["total_per_day"] = total
        for task in tasks:
            name = task["name"]
            if name in per_day and ("share" in task or "per_day" in task):
                if shares:
                    task["share"] = per_day[name] / total if total else 0.0
                else:
                    task["per_day"] = per_day[name]
            task["input_tokens"] = scale(task["input_tokens"], (input_median or {}).get(name))
            task["output_tokens"] = scale(task["output_tokens"], (output_median or {}).get(name))
        if shares:  # shares must sum to exactly 1: give the rounding rest to the last one
            listed = [t for t in tasks if "share" in t]
            listed[-1]["share"] = 1.0 - sum(t["share"] for t in listed[:-1])
    return with_changes(scenario, mutate)


TASK_TABLE_FIELDS = ("per_day", "tier", "latency_class", "client_facing", "team")
REQUIREMENT_TABLE_FIELDS = ("data_class", "required_pass_rate", "deadline_s")


def _blank(value: Any) -> bool:
    """An empty table cell: None, "", or NaN."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def with_task_types(scenario: Scenario, rows: list[dict[str, Any]]) -> Scenario:
    """The task types as edited in a table, one row each: ``name`` and any of
    `TASK_TABLE_FIELDS` and `REQUIREMENT_TABLE_FIELDS` (a blank requirement is removed). A
    task type keeps its other fields (tokens, attributes, ...); a new name starts from the
    schema's defaults; a name left out is removed (a rule or workflow still naming it fails
    validation, naming the field). A workload given as shares becomes ``per_day``."""
    def mutate(data: dict[str, Any]) -> None:
        workload = data["workload"]
        total = workload.pop("total_per_day", None) or 0.0
        old = {t["name"]: t for t in workload["task_types"]}
        tasks = []
        for i, row in enumerate(rows):
            name = "" if _blank(row.get("name")) else str(row["name"]).strip()
            if not name:
                raise ScenarioError("a task type needs a name",
                                    path=f"workload.task_types[{i}].name", value=row.get("name"))
            task = dict(old.get(name, {"name": name}))
            if "share" in task:
                task["per_day"] = task.pop("share") * total
            task.update({k: row[k] for k in TASK_TABLE_FIELDS if not _blank(row.get(k))})
            needs = dict(task.get("requirements", {}))
            for key in REQUIREMENT_TABLE_FIELDS:
                if _blank(row.get(key)):
                    needs.pop(key, None)
                else:
                    needs[key] = row[key]
            task["requirements"] = needs
            tasks.append(task)
        workload["task_types"] = tasks
    return with_changes(scenario, mutate)


def with_quality_bars(scenario: Scenario, bars: dict[str, float]) -> Scenario:
    """New score bars per tier (premium, standard, basic), each within [0, 1]."""
    def mutate(data: dict[str, Any]) -> None:
        data["quality_bars"] = {**data.get("quality_bars", {}), **bars}
    return with_changes(scenario, mutate)


def with_data_classes(scenario: Scenario, rules: dict[str, dict[str, list[str] | None]]
                      ) -> Scenario:
    """Where each data class may go: ``{class: {"regions": [...] | None, "deployments":
    [...] | None}}`` (None: anywhere)."""
    def mutate(data: dict[str, Any]) -> None:
        data["data_classes"] = {name: {k: v for k, v in rule.items() if v is not None}
                                for name, rule in rules.items()}
    return with_changes(scenario, mutate)


def with_finance(scenario: Scenario, finance: dict[str, float]) -> Scenario:
    """Replace finance assumptions (keys of `workbench.domain.finance.Finance`)."""
    def mutate(data: dict[str, Any]) -> None:
        data["finance"] = {**data.get("finance", {}), **finance}
    return with_changes(scenario, mutate)


def with_outages(scenario: Scenario, provider: str, mtbf_days: float | None,
                 mttr_hours: float) -> Scenario:
    """Set a provider's outage process (and every provider sharing its failure domain);
    ``mtbf_days`` None means it never fails."""
    domain = scenario.provider(provider).domain

    def mutate(data: dict[str, Any]) -> None:
        for p in data["providers"]:
            if (p.get("failure_domain") or p["name"]) == domain:
                p.pop("mtbf_days", None)
                if mtbf_days is not None:
                    p["mtbf_days"] = mtbf_days
                p["mttr_hours"] = mttr_hours
    return with_changes(scenario, mutate)


def with_horizon_days(scenario: Scenario, days: float) -> Scenario:
    """The same scenario simulated over ``days`` days (monthly figures stay per month)."""
    def mutate(data: dict[str, Any]) -> None:
        data["horizon"] = {**data.get("horizon", {}), "days": days}
    return with_changes(scenario, mutate)


def to_yaml(data: Any) -> str:
    """Block-style YAML of plain data, keys in their given order."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def policy_yaml(scenario: Scenario, name: str) -> str:
    """One policy as YAML, defaults left out."""
    policy = scenario.policy(name)
    return to_yaml(policy.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
