"""Cost breakdowns shared by the estimator and the simulator's summaries (pure Python): the
dimensions, and where the fixed monthly cost of a self-hosted model is booked."""

from __future__ import annotations

from workbench.domain.scenario import Scenario

DIMENSIONS = ("task_type", "model", "provider", "team")
HOSTING = "(hosting)"


def hosted_monthly_usd(scenario: Scenario) -> dict[str, float]:
    """Fixed USD per month of every self-hosted model, by model name."""
    return {m.name: m.deployment.monthly_usd(scenario.days_per_month) for m in scenario.models
            if m.deployment.kind == "self_hosted"}


def book_hosting(breakdown: dict[str, dict[str, float]], scenario: Scenario, model: str,
                 usd: float) -> None:
    """Add ``usd`` of hosting to the model and its provider, and as ``(hosting)`` to the task
    type and team breakdowns (hours are not caused by any one task)."""
    provider = scenario.model(model).provider
    for dim, key in (("model", model), ("provider", provider), ("task_type", HOSTING),
                     ("team", HOSTING)):
        breakdown[dim][key] = breakdown[dim].get(key, 0.0) + usd
