"""Policy forms: a policy as editable rows (routing rules, ladder rungs, budget rules) and
back to policy data. Plain data only - no Streamlit here."""

from __future__ import annotations

from typing import Any

import polars as pl
import yaml

from workbench.domain.bounded_read import parse_yaml
from workbench.domain.errors import PolicyError, ScenarioError
from workbench.domain.policy import Policy

LADDER = "(escalation ladder)"


def when_text(when: dict) -> str:
    """A rule's conditions as one line of flow-style YAML: ``{task_type: simple}``."""
    return yaml.safe_dump(when, default_flow_style=True, sort_keys=False).strip()


def parse_when(text: str | None) -> dict:
    """Conditions from a line of YAML; a bare ``field: value`` works too. Raises
    ``PolicyError`` naming the text when it is not a mapping."""
    text = (text or "").strip()
    try:
        value = parse_yaml(text if text.startswith("{") else "{" + text + "}", None)
    except ScenarioError:
        value = None
    if not isinstance(value, dict) or not value or None in value.values():
        raise PolicyError(f"a rule's 'when' must be conditions like 'task_type: simple' "
                          f"(got {text!r})")
    return value


def routing_rows(policy: Policy) -> pl.DataFrame:
    """Routing rules as rows (when as YAML text, model or the escalation ladder)."""
    rows = [{"when": when_text(rule.when), "model": LADDER if rule.escalate else rule.model}
            for rule in (policy.routing.rules if policy.routing else [])]
    return pl.DataFrame(rows, schema={"when": pl.String, "model": pl.String})


def ladder_rows(policy: Policy) -> pl.DataFrame:
    """Rungs of the escalation ladder (model, stated pass probability)."""
    rungs = policy.escalation.ladder if policy.escalation else []
    return pl.DataFrame([{"model": r.model, "pass_probability": r.pass_probability} for r in rungs],
                        schema={"model": pl.String, "pass_probability": pl.Float64})


def budget_rows(policy: Policy) -> pl.DataFrame:
    """Budget rules (at, action, map as ``a -> b, c -> d``)."""
    rules = policy.budget.rules if policy.budget else []
    return pl.DataFrame([{"at": r.at, "action": r.action,
                          "map": ", ".join(f"{k} -> {v}" for k, v in r.map.items())}
                         for r in rules],
                        schema={"at": pl.Float64, "action": pl.String, "map": pl.String})


def parse_map(text: str | None) -> dict[str, str]:
    """``a -> b, c -> d`` -> ``{"a": "b", "c": "d"}``."""
    out = {}
    for part in (text or "").split(","):
        if "->" in part:
            src, dst = part.split("->", 1)
            out[src.strip()] = dst.strip()
    return out


def draft_policy(base: Policy, name: str, default: str, rules: pl.DataFrame,
                 ladder: pl.DataFrame, judge: dict, failover: dict, monthly_usd: float | None,
                 budget: pl.DataFrame) -> dict:
    """Policy data from the form's values laid over ``base`` (fields the form does not show,
    such as a judge model or predictive settings, are kept); validated later by
    `edits.with_policy`."""
    data = base.model_dump(mode="json", exclude_none=True)
    policy: dict[str, Any] = {"name": name, "description": data.get("description", "")}
    rule_list = []
    for row in rules.drop_nulls(["when", "model"]).to_dicts():
        rule = {"when": parse_when(row["when"])}
        rule.update({"escalate": True} if row["model"] == LADDER else {"model": row["model"]})
        rule_list.append(rule)
    if default != LADDER or rule_list or "routing" in data:
        policy["routing"] = ({"default_escalate": True} if default == LADDER
                             else {"default": default}) | {"rules": rule_list}
    rungs = [{k: v for k, v in r.items() if v is not None}
             for r in ladder.drop_nulls("model").to_dicts()]
    if rungs:
        escalation = data.get("escalation", {})
        policy["escalation"] = escalation | {
            "ladder": rungs, "judge": escalation.get("judge", {}) | judge}
    policy["failover"] = {k: v for k, v in (data.get("failover", {}) | failover).items()
                          if v is not None}
    if monthly_usd is not None:
        policy["budget"] = {"monthly_usd": monthly_usd, "rules": [
            {"at": r["at"], "action": r["action"], "map": parse_map(r["map"])}
            for r in budget.drop_nulls(["at", "action"]).sort("at").to_dicts()]}
    return policy
