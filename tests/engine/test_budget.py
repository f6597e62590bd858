"""Budget downgrades apply to every model a policy calls, failover backups included - the
same on both simulation paths and in the estimator."""

from __future__ import annotations

import polars as pl
import pytest

from tests.engine.helpers import scenario_from
from workbench.engine.simulation import simulate
from workbench.estimator import estimate


def backup_downgrade_scenario():
    price = lambda usd: {"per_request_usd": usd}
    return scenario_from({
        "name": "backup_downgrade", "seed": 4, "baseline": "p", "horizon": {"days": 10},
        "providers": [{"name": "broken", "error_rate": 1.0}, {"name": "ok"}],
        "models": [{"name": "big", "provider": "broken", "price": price(0.10)},
                   {"name": "backup", "provider": "ok", "price": price(0.05)},
                   {"name": "cheap", "provider": "ok", "price": price(0.01)}],
        "workload": {"task_types": [{"name": "t", "per_day": 200}]},
        "policies": [{"name": "p", "routing": {"default": "big"},
                      "failover": {"mode": "sequential", "chain": ["backup"]},
                      "budget": {"monthly_usd": 200,
                                 "rules": [{"at": 0.5, "action": "downgrade",
                                            "map": {"backup": "cheap"}}]}}],
    })


@pytest.mark.parametrize("path", ["batch", "contention"])
def test_backups_are_downgraded_once_the_rule_fires(path):
    scenario = backup_downgrade_scenario()
    result = simulate(scenario, replications=1, path=path)
    fired_s = result.firings["p"][0]["time_s"]
    later = result.records.filter(pl.col("start_s") > fired_s + 1.0)
    served = set(later.filter(pl.col("outcome") == "ok")["model"].cast(pl.String))
    assert served == {"cheap"}
    earlier = result.records.filter(pl.col("start_s") < fired_s - 1.0)
    assert set(earlier.filter(pl.col("outcome") == "ok")["model"].cast(pl.String)) == {"backup"}


def test_estimate_fires_on_the_day_spend_reaches_the_threshold():
    """$100 of $200 at 200 tasks x $0.05 a day: the rule fires on day 10, then the backups
    cost $0.01: 10 x $10 + 20 x $2 = $140 a month."""
    est = estimate(backup_downgrade_scenario()).policies["p"]
    assert est.budget_firings[0]["day"] == pytest.approx(10.0)
    assert est.monthly_cost_usd == pytest.approx(140.0)
