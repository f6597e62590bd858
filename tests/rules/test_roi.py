"""ROI by hand, with a baseline that has its own judge and hosting spend."""

from __future__ import annotations

import pytest

from workbench.domain.finance import Finance
from workbench.metrics.roi import MonthlyFigures, roi

FINANCE = Finance(hourly_rate_usd=40.0, rework_minutes=5.0, implementation_cost_usd=6000.0,
                  implementation_weeks=3.0, downtime_cost_per_hour_usd=500.0,
                  tooling_monthly_usd=25.0)
POLICY = MonthlyFigures(model_usd=1000.0, judge_usd=50.0, hosting_usd=200.0,
                        rework_hours=10.0, availability=0.999)
BASELINE = MonthlyFigures(model_usd=3000.0, judge_usd=20.0, hosting_usd=100.0,
                          rework_hours=30.0, availability=0.99)


def test_roi_against_a_baseline_with_judge_and_hosting():
    """token 3000 - 1000 = 2000; rework (30 - 10) x 40 = 800; downtime (0.999 - 0.99) x 24 x 30
    x 500 = 3240; overhead 50 + 200 - 20 - 100 + 25 = 155; net 2000 + 800 + 3240 - 155 = 5885;
    ramp 3 x 7 / 30 = 0.7 months; payback 0.7 + 6000 / 5885; 12 months 5885 x 11.3 - 6000."""
    got = roi(POLICY, BASELINE, FINANCE, 30.0)
    assert got.token_savings_usd == pytest.approx(2000.0)
    assert got.rework_saved_usd == pytest.approx(800.0)
    assert got.downtime_avoided_usd == pytest.approx(3240.0)
    assert got.overhead_usd == pytest.approx(155.0)
    assert got.net_monthly_usd == pytest.approx(5885.0)
    assert got.ramp_months == pytest.approx(0.7)
    assert got.implementation_cost_usd == 6000.0
    assert got.payback_months == pytest.approx(0.7 + 6000.0 / 5885.0)
    assert got.net_12_months_usd == pytest.approx(5885.0 * 11.3 - 6000.0)
    assert got.as_dict()["overhead_usd"] == pytest.approx(155.0)


def test_the_baseline_against_itself_costs_the_tooling():
    """Same figures: only tooling is left, net -25, no payback, 12 months
    -25 x 11.3 - 6000."""
    got = roi(BASELINE, BASELINE, FINANCE, 30.0)
    assert got.net_monthly_usd == pytest.approx(-25.0)
    assert got.payback_months is None
    assert got.net_12_months_usd == pytest.approx(-25.0 * 11.3 - 6000.0)


def test_zero_net_has_no_payback_and_a_long_ramp_counts_no_months():
    """Tooling exactly offsets the savings (net 0): no payback. A 60-week ramp (14 months of
    30 days) leaves max(0, 12 - 14) = 0 months: the 12-month net is minus the implementation."""
    finance = Finance(tooling_monthly_usd=2000.0, implementation_cost_usd=100.0,
                      implementation_weeks=60.0)
    policy = MonthlyFigures(1000.0, 0.0, 0.0, 0.0, 1.0)
    baseline = MonthlyFigures(3000.0, 0.0, 0.0, 0.0, 1.0)
    got = roi(policy, baseline, finance, 30.0)
    assert got.net_monthly_usd == 0.0 and got.payback_months is None
    assert got.ramp_months == pytest.approx(14.0)
    assert got.net_12_months_usd == pytest.approx(-100.0)
    finance = Finance(tooling_monthly_usd=1999.0, implementation_cost_usd=100.0)
    assert roi(policy, baseline, finance, 30.0).payback_months == pytest.approx(100.0)


def test_a_ramp_longer_than_a_year_leaves_no_month_of_savings():
    """Net $2,000 a month but a 60-week ramp (14 months): 2000 x max(0, 12 - 14) - 100 = -100;
    payback 14 + 100 / 2000 = 14.05 months."""
    finance = Finance(implementation_cost_usd=100.0, implementation_weeks=60.0)
    policy = MonthlyFigures(1000.0, 0.0, 0.0, 0.0, 1.0)
    got = roi(policy, MonthlyFigures(3000.0, 0.0, 0.0, 0.0, 1.0),
              finance, 30.0)
    assert got.net_monthly_usd == 2000.0
    assert got.net_12_months_usd == pytest.approx(-100.0)
    assert got.payback_months == pytest.approx(14.05)
