"""Tiny scenarios for the call-rule tests: deterministic latency (ttft median = p95, fixed
output tokens, fixed speed), so every probability and cost can be computed by hand."""

from __future__ import annotations

from workbench.domain.loader import validate_as
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario

FAST = {"ttft_median_s": 1.0, "ttft_p95_s": 1.0, "tokens_per_s": 100.0}


def model(name: str, provider: str, usd: float | None = None, **price) -> dict:
    """A model at ``usd`` per request (or token ``price``), 1 s to first token, 100 tok/s."""
    spec = {"per_request_usd": usd} if usd is not None else price
    return {"name": name, "provider": provider, "price": spec, "latency": dict(FAST)}


def scenario(providers: list[dict], models: list[dict], policy: dict, task: dict | None = None,
             workflows: list[dict] | None = None, **extra) -> Scenario:
    """One task type ``t`` (500 input / 100 output tokens fixed: 2 s per attempt) and one
    policy ``p`` (also the baseline)."""
    data = {"name": "rules", "seed": 1, "baseline": "p", "horizon": {"days": 30},
            "providers": providers, "models": models,
            "workload": {"task_types": [{"name": "t", "per_day": 100, "input_tokens": 500,
                                         "output_tokens": 100, "latency_class": "batch",
                                         **(task or {})}],
                         "workflows": workflows or []},
            "policies": [{"name": "p", **policy}], **extra}
    s = validate_as(Scenario, data, "test")
    check_references(s)
    return s
