"""A scenario from a fitted workload: providers with their observed error rates, models with
their prices and measured latency, task types with their volumes and token samples, and the
``today`` policy that sends each task type where the log shows it went: one model, or a
weighted ``split`` between the models it went to, with the retries and per-model fallbacks
the log shows.

Quality is not in usage logs: model profiles are left at the schema's default and the
scenario's description says so (quality evidence is a separate import).
"""

from __future__ import annotations

from typing import Any

from workbench.audit.fit import FittedWorkload
from workbench.audit.prices import PriceMatch

TODAY = "today"
AS_LOGGED = "as_logged"  # latency class of audited task types: logs hold no deadlines
AS_LOGGED_DEADLINE_S = 600.0  # the OpenAI and Anthropic SDKs' default timeout


def _days_per_month(days: float) -> float:
    return days if 28.0 <= days <= 31.0 else 30.0


def _latency(model) -> dict[str, float] | None:
    if model.ttft_median_s is None:
        return None
    return {"ttft_median_s": round(model.ttft_median_s, 4),
            "ttft_p95_s": round(model.ttft_p95_s, 4),
            "tokens_per_s": round(model.tokens_per_s, 3),
            "tokens_per_s_p05": round(model.tokens_per_s_p05, 3)}


def _providers(fitted: FittedWorkload, prices: dict[str, PriceMatch]) -> list[dict[str, Any]]:
    calls: dict[str, list[float]] = {}
    for model in fitted.models:
        provider = prices[model.name].provider
        total, failed = calls.get(provider, [0.0, 0.0])
        calls[provider] = [total + model.requests, failed + model.requests * model.error_rate]
    return [{"name": name, "error_rate": round(failed / total, 6)}
            for name, (total, failed) in calls.items()]


def _models(fitted: FittedWorkload, prices: dict[str, PriceMatch]) -> list[dict[str, Any]]:
    out = []
    for model in fitted.models:
        entry: dict[str, Any] = {"name": model.name, "provider": prices[model.name].provider,
                                 "price": prices[model.name].price()}
        latency = _latency(model)
        if latency:
            entry["latency"] = latency
        out.append(entry)
    return out


MIN_SPLIT_SHARE = 0.01  # a model with fewer of a task type's calls stays in the residual


def dominant_model(shares: dict[str, float]) -> str:
    """The model that served most of a task type's calls."""
    return max(shares.items(), key=lambda kv: kv[1])[0]


def split_shares(shares: dict[str, float]) -> dict[str, float]:
    """The models a task type's traffic is split between (each with at least
    `MIN_SPLIT_SHARE` of its calls; at least the dominant one), shares renormalised."""
    kept = {m: s for m, s in shares.items() if s >= MIN_SPLIT_SHARE} or {
        dominant_model(shares): 1.0}
    total = sum(kept.values())
    return {m: round(s / total, 6) for m, s in kept.items()}


def route_of(shares: dict[str, float]) -> dict[str, Any]:
    """A routing target reproducing a task type's traffic: its model, or a weighted
    ``split`` between the models it went to."""
    split = split_shares(shares)
    return {"model": next(iter(split))} if len(split) == 1 else {"split": split}


def build_scenario(fitted: FittedWorkload, prices: dict[str, PriceMatch], name: str,
                   volume_factor: float = 1.0) -> dict[str, Any]:
    """Scenario data (validate with ``scenario_from_data``); ``volume_factor`` is the
    estimator's month factor of these profiles, divided out so that the month's expected
    volume equals the observed one."""
    tasks = []
    for task in fitted.tasks:
        tasks.append({"name": task.name, "per_day": round(task.per_day / volume_factor, 6),
                      "team": task.team, "input_tokens": {"sample": task.input_sample},
                      "output_tokens": {"sample": task.output_sample},
                      "cached_input_share": round(task.cached_input_share, 6),
                      "latency_class": AS_LOGGED})
    default = dominant_model({m.name: m.requests for m in fitted.models})
    rules = [{"when": {"task_type": t.name}, **route_of(t.model_shares)}
             for t in fitted.tasks if route_of(t.model_shares) != {"model": default}]
    workload: dict[str, Any] = {"task_types": tasks, "hour_profile": fitted.hour_profile,
                                "weekday_profile": fitted.weekday_profile,
                                "growth_monthly": fitted.growth_monthly}
    return {
        "name": name,
        "description": (f"Fitted from {fitted.days:g} days of logs starting {fitted.first_day}. "
                        "Quality profiles are assumptions (usage logs carry no scores). "
                        f"Logs hold no deadlines: task types are in latency class "
                        f"'{AS_LOGGED}' ({AS_LOGGED_DEADLINE_S:g} s, the SDKs' default "
                        "timeout); give your deadlines in requirements."),
        "latency_classes": {AS_LOGGED: {"deadline_s": AS_LOGGED_DEADLINE_S}},
        "seed": 1,
        "horizon": {"days": fitted.days, "days_per_month": _days_per_month(fitted.days),
                    "start_weekday": fitted.start_weekday},
        "baseline": TODAY,
        "providers": _providers(fitted, prices),
        "models": _models(fitted, prices),
        "workload": workload,
        "policies": [_today(default, rules, fitted.failover.policy())],
    }


def _today(default: str, rules: list[dict[str, Any]],
           failover: dict[str, Any] | None) -> dict[str, Any]:
    """The ``today`` policy: the routing, retries and fallbacks the logs show."""
    policy: dict[str, Any] = {"name": TODAY, "description": "The routing the logs show.",
                              "routing": {"default": default, "rules": rules}}
    if failover is not None:
        policy["description"] = "The routing, retries and fallbacks the logs show."
        policy["failover"] = failover
    return policy
