"""Hypothesis properties of the simulator on random small scenarios."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.helpers import scenario_from
from tests.rules.reference import ReferenceBreaker
from workbench.domain.policy import CircuitBreaker
from workbench.engine.simulation import simulate

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw, breaker: bool = False, budget: bool = False):
    providers = [{"name": f"p{i}", "mtbf_days": draw(st.floats(0.05, 3.0)),
                  "mttr_hours": draw(st.floats(0.2, 8.0)),
                  "partial_share": draw(st.floats(0.0, 1.0)),
                  "degraded_error_rate": draw(st.floats(0.0, 1.0)),
                  "error_rate": draw(st.floats(0.0, 0.2)),
                  "down_failure": draw(st.sampled_from(["fast", "timeout"]))}
                 for i in range(draw(st.integers(1, 2)))]
    models = []
    for i in range(draw(st.integers(1, 3))):
        price = draw(st.one_of(
            st.builds(lambda u: {"per_request_usd": u}, st.floats(0.0, 0.5)),
            st.builds(lambda a, b: {"input_per_mtok_usd": a, "output_per_mtok_usd": b},
                      st.floats(0.0, 30.0), st.floats(0.0, 60.0))))
        models.append({"name": f"m{i}", "provider": f"p{i % len(providers)}", "price": price,
                       "latency": {"ttft_median_s": 0.3, "ttft_p95_s": 1.5,
                                   "tokens_per_s": draw(st.floats(10.0, 100.0))},
                       "quality": {"mean": draw(st.floats(0.5, 1.0)),
                                   "sd": draw(st.floats(0.0, 0.2))}})
    names = [m["name"] for m in models]
    failover = {"mode": draw(st.sampled_from(["none", "sequential", "hedged"])),
                "chain": draw(st.lists(st.sampled_from(names), max_size=2)),
                "retries": draw(st.integers(0, 2)), "backoff_s": draw(st.floats(0.0, 5.0)),
                "timeout_s": draw(st.floats(5.0, 60.0))}
    if breaker:
        failover.update(mode="sequential", breaker={"failures": draw(st.integers(1, 4)),
                                                    "cooldown_s": draw(st.floats(10.0, 600.0))})
    policy = {"name": "p", "failover": failover}
    if draw(st.booleans()) and len(names) > 1:
        policy["escalation"] = {"ladder": [{"model": m} for m in names],
                                "judge": {"cost_usd": draw(st.floats(0.0, 0.01)),
                                          "false_accept": draw(st.floats(0.0, 0.3)),
                                          "false_reject": draw(st.floats(0.0, 0.3))}}
    else:
        policy["routing"] = {"default": names[0]}
    if budget:
        policy["budget"] = {"monthly_usd": draw(st.floats(0.5, 20.0)),
                            "rules": [{"at": draw(st.floats(0.5, 1.0)),
                                       "action": "block_noncritical"}]}
    tasks = {"name": "t", "per_day": draw(st.floats(20.0, 300.0)),
             "input_tokens": {"median": 500, "p95": 2000},
             "output_tokens": {"median": 200, "p95": 800}, "client_facing": False}
    return scenario_from({"name": "prop", "seed": draw(st.integers(0, 2 ** 31)),
                          "baseline": "p", "providers": providers, "models": models,
                          "workload": {"task_types": [tasks]}, "policies": [policy],
                          "horizon": {"days": 3, "days_per_month": 3}})


@SETTINGS
@given(scenarios())
def test_costs_are_never_negative_and_every_task_ends_once(scenario):
    result = simulate(scenario, replications=1)
    records = result.records
    assert (records["cost_usd"] >= 0).all() and (records["judge_cost_usd"] >= 0).all()
    finals = records.filter(pl.col("final")).group_by("task_id").len()
    assert (finals["len"] == 1).all()
    assert finals.height == records["task_id"].n_unique()


@SETTINGS
@given(scenarios(breaker=True))
def test_no_attempt_is_sent_through_an_open_breaker(scenario):
    result = simulate(scenario, replications=1)
    assert result.paths["p"] == "contention"
    sent = result.records.filter(~pl.col("outcome").is_in(["blocked", "rate_limited"]))
    config = scenario.policies[0].failover.breaker or CircuitBreaker()
    board = ReferenceBreaker(config.failures, config.cooldown_s)  # not the production class
    events = []
    for r in sent.iter_rows(named=True):
        events.append((r["start_s"], 1, r["model"], None))
        events.append((r["start_s"] + r["latency_s"], 0, r["model"], r["outcome"] == "ok"))
    for time_s, kind, model, ok in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == 1:
            assert board.allows(model, time_s), f"attempt on {model} at {time_s} while open"
        else:
            board.observe(model, ok, time_s)


@SETTINGS
@given(scenarios(budget=True))
def test_blocking_budget_overshoots_by_at_most_one_task(scenario):
    result = simulate(scenario, replications=1, path="batch")
    budget = scenario.policies[0].budget
    records = result.records.with_columns(
        usd=pl.col("cost_usd") + pl.col("judge_cost_usd"),
        month=(pl.col("start_s") // (scenario.days_per_month * 86400)).cast(pl.Int32))
    per_task = records.group_by("task_id").agg(pl.col("usd").sum())
    largest = per_task["usd"].max() or 0.0
    spent = records.group_by("month").agg(pl.col("usd").sum())
    assert (spent["usd"] <= budget.monthly_usd + largest + 1e-9).all()
