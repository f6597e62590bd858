"""Closed-form expected values: cost, escalation attempts, quality, failover availability, ROI.
Instant, and reproduces the articles' worked examples exactly."""

from workbench.estimator.estimate import PolicyEstimate, ScenarioEstimate, estimate

__all__ = ["PolicyEstimate", "ScenarioEstimate", "estimate"]
