"""Sensitivity and break-even values on the closed form, against a case computed by hand.

support_desk (30,000 tickets a month, flat per-ticket prices, no outages): the routed policy
saves 4,500 - 1,965 = $2,535 of tokens a month and pays $200 of tooling, but delivers more
answers below their bar. Pass probabilities from the normal quality profiles (score ~ N(mean,
sd) clears the tier's bar):
  baseline (gpt-4 N(.92,.04) everywhere): .40 P(>.7) + .35 P(>.8) + .25 P(>.9)
  routed: .40 haiku N(.85,.06)>.7 + .35 4o-mini N(.88,.05)>.8 + .20 gpt-4>.9 + .05 opus N(.95,.03)>.9
Net = 2,535 - 200 - 30,000 x (fail_routed - fail_base) x minutes / 60 x rate, so the break-even
rework minutes (rate $45) and hourly rate (10 minutes) follow in closed form.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy.stats import norm

from workbench.domain.loader import load_scenario
from workbench.estimator.sensitivity import break_even, sensitivity

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "support_desk.yaml"


def _pass(mean: float, sd: float, bar: float) -> float:
    return float(norm.sf(bar, mean, sd))


def test_break_even_of_rework_and_rate_by_hand():
    base = (0.40 * _pass(.92, .04, .7) + .35 * _pass(.92, .04, .8) + .25 * _pass(.92, .04, .9))
    routed = (.40 * _pass(.85, .06, .7) + .35 * _pass(.88, .05, .8) + .20 * _pass(.92, .04, .9)
              + .05 * _pass(.95, .03, .9))
    extra_fail_per_month = 30_000 * (base - routed)  # answers below the bar
    budget = 2535.0 - 200.0  # token savings - tooling, USD / month
    minutes_star = budget / (extra_fail_per_month / 60.0 * 45.0)
    rate_star = budget / (extra_fail_per_month * 10.0 / 60.0)
    # payback <= 12 months: net >= 15,000 / (12 - 12 weeks x 7 / 30 days)
    target = 15_000 / (12.0 - 84.0 / 30.0)
    minutes_12 = (budget - target) / (extra_fail_per_month / 60.0 * 45.0)

    result = sensitivity(load_scenario(SCENARIO), "routed")
    rows = {r.key: r for r in result.rows}
    assert result.net_usd == pytest.approx(budget - extra_fail_per_month / 6.0 * 45.0, rel=1e-4)
    assert rows["rework_minutes"].break_even == pytest.approx(minutes_star, rel=1e-3)
    assert rows["hourly_rate_usd"].break_even == pytest.approx(rate_star, rel=1e-3)
    assert rows["rework_minutes"].break_even_payback == pytest.approx(minutes_12, rel=1e-3)
    # the tornado's ends: rework at 5 and 15 minutes
    assert rows["rework_minutes"].net_low_usd == pytest.approx(
        budget - extra_fail_per_month / 60.0 * 5.0 * 45.0, rel=1e-4)
    assert rows["rework_minutes"].payback_high_months is None  # at 15 minutes: never
    assert {"price:openai", "price:anthropic", "volume"} <= set(rows)
    assert result.rows == sorted(result.rows, key=lambda r: -r.swing_usd)


def test_bisection_finds_the_root_next_to_the_base():
    assert break_even(lambda x: 3.0 - x, 1.0, (0.0, 10.0), 0.0) == pytest.approx(3.0, abs=1e-3)
    assert break_even(lambda x: x * x - 4.0, 1.0, (-10.0, 10.0), 0.0) == pytest.approx(
        2.0, abs=1e-3)  # the root nearer base
    assert break_even(lambda x: 5.0, 1.0, (0.0, 10.0), 0.0) is None
