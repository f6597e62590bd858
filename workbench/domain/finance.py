"""Finance: what people's time, downtime and the change itself cost (the ROI assumptions)."""

from __future__ import annotations

from pydantic import NonNegativeFloat

from workbench.domain.base import Frozen


class Finance(Frozen):
    """ROI assumptions, all in USD, minutes, hours or weeks as named."""

    hourly_rate_usd: NonNegativeFloat = 0.0
    rework_minutes: NonNegativeFloat = 0.0
    implementation_cost_usd: NonNegativeFloat = 0.0
    implementation_weeks: NonNegativeFloat = 0.0
    downtime_cost_per_hour_usd: NonNegativeFloat = 0.0
    tooling_monthly_usd: NonNegativeFloat = 0.0
