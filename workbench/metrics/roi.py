"""ROI of a policy against the baseline, from monthly figures (pure Python, shared by the
estimator and the simulator).

    net monthly benefit = token savings + rework saved + downtime avoided - overhead
    token savings       = baseline model spend - policy model spend          (USD / month)
    rework saved        = (baseline - policy rework hours) x hourly rate
    downtime avoided    = (policy - baseline availability) x hours in a month x downtime cost/h
    overhead            = policy's extra judge + hosting spend + tooling per month
    payback months      = ramp months + implementation cost / net     (ramp = weeks x 7 / days
                                                                        per month; none if net <= 0)
    12-month net        = net x (12 - ramp months) - implementation cost
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from workbench.domain.finance import Finance


@dataclass(frozen=True)
class MonthlyFigures:
    """What ROI needs of one policy, per month: USD by component, rework hours, availability."""

    model_usd: float
    judge_usd: float
    hosting_usd: float
    rework_hours: float
    availability: float


@dataclass(frozen=True)
class Roi:
    """ROI components in USD per month, payback in months, 12-month net in USD."""

    token_savings_usd: float
    rework_saved_usd: float
    downtime_avoided_usd: float
    overhead_usd: float
    net_monthly_usd: float
    ramp_months: float
    implementation_cost_usd: float
    payback_months: float | None
    net_12_months_usd: float

    def as_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def roi(policy: MonthlyFigures, baseline: MonthlyFigures, finance: Finance,
        days_per_month: float) -> Roi:
    """ROI of ``policy`` against ``baseline`` under ``finance`` assumptions."""
    token = baseline.model_usd - policy.model_usd
    rework = (baseline.rework_hours - policy.rework_hours) * finance.hourly_rate_usd
    downtime = ((policy.availability - baseline.availability) * 24.0 * days_per_month
                * finance.downtime_cost_per_hour_usd)
    overhead = (policy.judge_usd + policy.hosting_usd - baseline.judge_usd
                - baseline.hosting_usd + finance.tooling_monthly_usd)
    net = token + rework + downtime - overhead
    ramp = ramp_months(finance, days_per_month)
    payback = payback_months(net, finance, days_per_month)
    net12 = net * max(0.0, 12.0 - ramp) - finance.implementation_cost_usd
    return Roi(token, rework, downtime, overhead, net, ramp, finance.implementation_cost_usd,
               payback, net12)


def ramp_months(finance: Finance, days_per_month: float) -> float:
    """Months before the change starts paying: implementation weeks x 7 / days per month."""
    return finance.implementation_weeks * 7.0 / days_per_month


def payback_months(net_monthly_usd: float, finance: Finance,
                   days_per_month: float) -> float | None:
    """Ramp + implementation cost / net monthly benefit; None (never) when net <= 0."""
    if net_monthly_usd <= 0:
        return None
    return ramp_months(finance, days_per_month) + finance.implementation_cost_usd / net_monthly_usd
