"""Small scenario builders for engine tests."""

from __future__ import annotations

from workbench.domain.loader import validate_as
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario


def scenario_from(data: dict) -> Scenario:
    """Validate and cross-check scenario data."""
    s = validate_as(Scenario, data, "test")
    check_references(s)
    return s


def one_model(per_day: float = 100.0, provider: dict | None = None, policy: dict | None = None,
              **task) -> dict:
    """A one-provider, one-model scenario as data."""
    return {
        "name": "t", "seed": 1, "baseline": "p", "horizon": {"days": 30},
        "providers": [{"name": "prov", **(provider or {})}],
        "models": [{"name": "m", "provider": "prov", "price": {"per_request_usd": 0.01},
                    "latency": {"ttft_median_s": 0.5, "ttft_p95_s": 1.0, "tokens_per_s": 50}}],
        "workload": {"task_types": [{"name": "t", "per_day": per_day, **task}]},
        "policies": [{"name": "p", "routing": {"default": "m"}, **(policy or {})}],
    }
