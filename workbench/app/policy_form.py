"""Policy forms: a policy as editable rows (routing rules, ladder rungs, budget rules) and
back to policy data. Plain data only - no Streamlit here."""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.domain.policy import Policy

LADDER = "(escalation ladder)"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_value(text: str) -> Any:
    """``true``/``false`` -> bool, a number -> float, ``a, b`` -> list, else the text."""
    text = str(text).strip()
    if "," in text:
        return [parse_value(part) for part in text.split(",") if part.strip()]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def routing_rows(policy: Policy) -> pl.DataFrame:
    """Routing rules with one equality / membership condition each (field, value, model);
    richer conditions are kept as their text."""
    rows = []
    for rule in policy.routing.rules if policy.routing else []:
        for key, value in rule.when.items():
            rows.append({"field": key, "value": _text(value),
                         "model": LADDER if rule.escalate else rule.model})
            break
    return pl.DataFrame(rows, schema={"field": pl.String, "value": pl.String, "model": pl.String})


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


def draft_policy(name: str, description: str, default: str, rules: pl.DataFrame,
                 ladder: pl.DataFrame, judge: dict, failover: dict, monthly_usd: float | None,
                 budget: pl.DataFrame) -> dict:
    """Policy data from the form's values (validated later by `edits.with_policy`)."""
    policy: dict[str, Any] = {"name": name, "description": description}
    rule_list = []
    for row in rules.drop_nulls(["field", "model"]).to_dicts():
        rule = {"when": {row["field"]: parse_value(row["value"] or "")}}
        rule.update({"escalate": True} if row["model"] == LADDER else {"model": row["model"]})
        rule_list.append(rule)
    policy["routing"] = ({"default_escalate": True} if default == LADDER
                         else {"default": default}) | {"rules": rule_list}
    rungs = [{k: v for k, v in r.items() if v is not None}
             for r in ladder.drop_nulls("model").to_dicts()]
    if rungs:
        policy["escalation"] = {"ladder": rungs, "judge": judge}
    policy["failover"] = {k: v for k, v in failover.items() if v is not None}
    if monthly_usd is not None:
        policy["budget"] = {"monthly_usd": monthly_usd, "rules": [
            {"at": r["at"], "action": r["action"], "map": parse_map(r["map"])}
            for r in budget.drop_nulls(["at", "action"]).sort("at").to_dicts()]}
    return policy
