"""The three fidelities agree: estimator vs simulator on every shipped scenario, batch vs
contention path, and runs reproduce from their seed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.engine.fidelity import METRICS, RATES, estimated, per_replication, widened
from tests.engine.helpers import scenario_from
from workbench.domain import load_scenario
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate

SCENARIOS = sorted(p for p in Path(__file__).parents[2].joinpath("scenarios").glob("*.yaml")
                   if "probe" not in p.name and "prompts" not in p.name)


BATCH_REPLICATIONS, EVENT_REPLICATIONS = 8, 6
BATCH_TASKS, EVENT_TASKS = 12_000, 1_500  # tasks per replication and policy
OUTAGE_CYCLES = 6  # outage cycles (MTBF + MTTR) per replication
MIN_MTTR_H = 10.0 / 60.0  # outages stay far longer than a call, as the estimator assumes
# Every estimate-vs-simulation comparison of this module: (shipped policies 35 + generated
# 4 scenarios x 5 policies) x 6 metrics x 2 paths = 660, rounded up.
COMPARISONS = 700


def for_agreement(s: Scenario, tasks: float) -> tuple[Scenario, float]:
    """The scenario as the agreement tests run it, and the days to simulate: about ``tasks``
    tasks per replication and policy, every rate unchanged in expectation.

    - With outages, the outage clock runs faster (MTBF and MTTR scaled by one factor, so the
      shares of time up, degraded and down stay the same, MTTR at least MIN_MTTR_H) and the
      run holds OUTAGE_CYCLES outages of the rarer kind (partial or full), so that
      replications do not differ by whether a rare outage happened (a t interval over
      replications assumes they are not that skewed); volumes are scaled down to keep about
      ``tasks`` tasks.
    - With replayed incidents the run is the whole horizon (the window the estimate
      integrates), volumes scaled down.
    - With budget rules the month lasts the run (at least a day); budgets scale with the
      month and the volumes, so rules fire at the same share of the month.
    Costs are per month of the changed scenario: estimate and simulation see the same one."""
    from workbench.domain.edits import scenario_data, with_changes
    from workbench.estimator.estimate import units

    per_day = sum(u.per_day for u in units(s)) or 1.0
    outages = [p for p in s.providers if p.mtbf_days is not None and p.incidents is None]
    cycle = {p.name: (p.mtbf_days + p.mttr_hours / 24.0) * min(1.0, MIN_MTTR_H / p.mttr_hours)
             for p in outages}
    # enough outages of the rarer kind (partial or full) too
    rarer = {p.name: min([x for x in (p.partial_share, 1.0 - p.partial_share) if x > 0.0])
             for p in outages}
    days = max([OUTAGE_CYCLES * c / rarer[name] for name, c in cycle.items()]
               + [max(0.25, min(s.horizon.days, tasks / per_day))])
    if any(p.incidents is not None for p in s.providers):
        days = s.horizon.days  # a replayed history agrees only over the window the estimate
        # integrates: the whole horizon (volumes scale down instead)
    budgets = any(p.budget is not None for p in s.policies)
    if budgets:
        days = max(1.0, min(days, 31.0))
    volume = min(1.0, tasks / (per_day * days))

    def mutate(data: dict) -> None:
        for p in data["providers"]:
            if p["name"] in cycle:
                factor = max(days * rarer[p["name"]] / OUTAGE_CYCLES, cycle[p["name"]]) / (
                    p["mtbf_days"] + p["mttr_hours"] / 24.0)
                if factor < 1.0:
                    p["mtbf_days"] *= factor
                    p["mttr_hours"] *= factor
        workload = data["workload"]
        for t in workload["task_types"]:
            if "per_day" in t:
                t["per_day"] *= volume
        for w in workload.get("workflows", []):
            w["per_day"] *= volume
        if "total_per_day" in workload:
            workload["total_per_day"] *= volume
        if budgets:
            month = data["horizon"].get("days_per_month", 30.0)
            data["horizon"].update(days=days, days_per_month=days)
            for p in data["policies"]:
                if "budget" in p:
                    p["budget"]["monthly_usd"] *= volume * days / month

    assert scenario_data(s)  # plain data round-trips
    return with_changes(s, mutate), days


def agreement_failures(scenario: Scenario, path: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Every metric of every policy (but ``skip``) whose estimate lies outside the
    simulation's widened interval on ``path`` (empty when the fidelities agree)."""
    run, days = for_agreement(scenario, BATCH_TASKS if path == "batch" else EVENT_TASKS)
    expected = estimated(run)
    reps = BATCH_REPLICATIONS if path == "batch" else EVENT_REPLICATIONS
    simulated = per_replication(run, days, reps, path)
    failures = []
    for policy, values in simulated.items():
        if policy in skip:
            continue
        for metric in METRICS:
            tasks = float(values["tasks"].sum()) if metric in RATES else None
            interval = widened(values[metric], COMPARISONS, tasks)
            if not interval.holds(expected[policy][metric]):
                failures.append(f"{scenario.name}/{policy} {metric} on {path}: estimate "
                                f"{expected[policy][metric]:.6g}, simulated {interval.mean:.6g} "
                                f"[{interval.low:.6g}, {interval.high:.6g}]")
    return failures




@pytest.mark.parametrize("path", ["batch", "contention"])
@pytest.mark.parametrize("file", SCENARIOS, ids=lambda p: p.stem)
def test_estimate_batch_and_contention_agree(file, path):
    """On every shipped scenario, the estimate lies within each simulation path's interval for
    cost, quality pass rate, success rate, availability, escalations and failovers per task.

    Intervals: a t interval over the replications (8 on the batch path, 6 on the contention
    path), each at level 1 - 0.05 / COMPARISONS (Bonferroni over every comparison of this
    module, so that all of them hold together at 95% when the fidelities agree); a rate's
    half width is at least 3 / tasks (rule of three: a rate never observed to vary is not held
    to equality). Estimate vs batch and estimate vs contention within these intervals puts
    batch and contention within the sum of theirs. Scenarios run as `for_agreement` shapes
    them (faster outage clock, shorter month with budgets: same expectations).

    Approximations of the closed form, not tested here: queueing under binding rate limits
    and concurrency caps (no shipped scenario binds; `test_theory.py` checks the contention
    path against Erlang C instead); the circuit breaker (the estimator and the batch path
    treat it as sequential failover; it moves only the calls of its cooldowns, within the
    intervals here)."""
    failures = agreement_failures(load_scenario(file), path)
    assert not failures, "\n".join(failures)


def test_support_desk_routed_within_one_percent_of_1965():
    result = simulate(load_scenario("scenarios/support_desk.yaml"), replications=10,
                      keep_records=False)
    assert result.summaries["routed"]["monthly_cost_usd"] == pytest.approx(1965.0, rel=0.01)


def test_same_seed_same_records():
    scenario = load_scenario("scenarios/multi_provider_failover.yaml")
    runs = [simulate(scenario, replications=2, days=0.25, policies=["failover", "breaker"])
            for _ in range(2)]
    assert runs[0].records.height > 0
    assert_frame_equal(runs[0].records, runs[1].records)
    other = simulate(scenario, replications=2, days=0.25, seed=scenario.seed + 1,
                     policies=["failover"])
    assert not other.records.equals(runs[0].records.filter(pl.col("policy") == "failover"))


@pytest.mark.parametrize("file", ["support_desk.yaml", "tiered_escalation.yaml"])
def test_batch_and_contention_paths_agree(file):
    scenario = load_scenario(f"scenarios/{file}")
    days = 4.0 if file == "support_desk.yaml" else 0.5
    batch = simulate(scenario, replications=4, days=days, path="batch", keep_records=False)
    events = simulate(scenario, replications=4, days=days, path="contention",
                      keep_records=False)
    for name in scenario.policy_names:
        b, e = batch.summaries[name], events.summaries[name]
        low, high = b["monthly_cost_usd_ci95"]
        half = (high - low) / 2
        assert abs(b["monthly_cost_usd"] - e["monthly_cost_usd"]) <= 2 * half + 1e-9
        assert e["quality_pass_rate"] == pytest.approx(b["quality_pass_rate"], abs=0.02)
        assert e["latency_p50_s"] == pytest.approx(b["latency_p50_s"], rel=0.05)


@pytest.mark.parametrize("file", ["content_pipeline.yaml", "multi_provider_failover.yaml",
                                  "agency_fullservice.yaml"])
def test_log_reduction_equals_records_reduction(file):
    """Large runs reduce from the attempt log; it must equal reducing the records frame."""
    from workbench.engine.simulation import run_replication
    from workbench.metrics.summary import reduce_records

    scenario = load_scenario(f"scenarios/{file}")
    records, reduced, *_ = run_replication(scenario, 0, scenario.seed, 2.0,
                                           scenario.policy_names, True, keep_records=True)
    expected = reduce_records(scenario, records)
    order = ["policy", "replication"]
    assert_frame_equal(reduced.counts.sort(order), expected.counts.sort(order),
                       check_dtypes=False)
    keys = ["policy", "replication", "dimension", "key"]
    assert_frame_equal(reduced.spend.sort(keys), expected.spend.sort(keys), check_dtypes=False,
                       rel_tol=1e-9)
    assert_frame_equal(reduced.groups.sort(keys[:1] + keys[2:]),
                       expected.groups.sort(keys[:1] + keys[2:]), check_dtypes=False)
    assert reduced.latencies == expected.latencies  # histograms: same counts, min and max
    assert reduced.hosting == expected.hosting


def _generated(draw) -> Scenario:
    """A scenario with failover, hedging, a breaker, predictive failover, a judged ladder
    under a budget, a workflow, outages on two providers and rate limits on the third."""
    from workbench.domain.edits import with_changes
    from workbench.estimator import estimate as closed_form

    def outage():
        return {"mtbf_days": draw(st.floats(0.5, 6.0)), "mttr_hours": draw(st.floats(0.5, 4.0)),
                "partial_share": draw(st.floats(0.0, 1.0)),
                "degraded_error_rate": draw(st.floats(0.05, 0.3)),
                "error_rate": draw(st.floats(0.0, 0.01)),
                "down_failure": draw(st.sampled_from(["fast", "timeout"]))}

    def model(name, provider):
        median = draw(st.floats(0.2, 1.0))
        speed = draw(st.floats(40.0, 120.0))
        return {"name": name, "provider": provider,
                "price": {"per_request_usd": draw(st.floats(0.001, 0.05))},
                "latency": {"ttft_median_s": median, "ttft_p95_s": median * 2,
                            "tokens_per_s": speed, "tokens_per_s_p05": speed * 0.7},
                "quality": {"mean": draw(st.floats(0.8, 0.97)), "sd": 0.05}}

    timeout = draw(st.floats(20.0, 60.0))
    retries = draw(st.integers(0, 1))
    sequential = {"mode": "sequential", "chain": ["b", "c"], "retries": retries,
                  "backoff_s": 1.0, "timeout_s": timeout}
    data = {
        "name": "generated", "seed": draw(st.integers(0, 2**16)), "baseline": "sequential",
        "latency_classes": {"chat": {"deadline_s": draw(st.floats(20.0, 90.0))},
                            "batch": {"deadline_s": 86_400.0}},
        "providers": [{"name": "pa", **outage()}, {"name": "pb", **outage()},
                      {"name": "pc", "rpm": 1_000_000, "tpm": 10**10, "concurrency": 10_000}],
        "models": [model("a", "pa"), model("b", "pb"), model("c", "pc")],
        "workload": {
            "task_types": [
                {"name": "chat", "per_day": 2000, "latency_class": "chat",
                 "client_facing": True,
                 "output_tokens": {"median": 300, "p95": draw(st.floats(400, 1200))}},
                {"name": "draft", "latency_class": "batch", "output_tokens": 600},
                {"name": "review", "latency_class": "batch", "output_tokens": 200}],
            "workflows": [{"name": "doc", "per_day": 300,
                           "cascade_penalty": draw(st.floats(0.0, 0.1)),
                           "steps": [{"name": "draft", "task_type": "draft"},
                                     {"name": "review", "task_type": "review",
                                      "after": ["draft"]}]}]},
        "policies": [
            {"name": "sequential", "routing": {"default": "a"}, "failover": sequential},
            {"name": "hedged", "routing": {"default": "a"},
             "failover": {"mode": "hedged", "chain": ["b"], "timeout_s": timeout}},
            {"name": "predictive", "routing": {"default": "a"},
             "failover": {**sequential, "mode": "predictive", "predictive": {
                 "window": draw(st.integers(3, 20)),
                 "error_threshold": draw(st.floats(0.3, 1.0)),
                 "cooldown_s": draw(st.floats(10.0, 300.0))}}},
            {"name": "breaker", "routing": {"default": "a"},
             "failover": {**sequential, "breaker": {"failures": 5, "cooldown_s": 30}}},
            {"name": "ladder_budget",
             "routing": {"default": "a", "rules": [{"when": {"task_type": "chat"},
                                                    "escalate": True}]},
             "escalation": {"ladder": [{"model": "a",
                                        "pass_probability": draw(st.floats(0.3, 0.9))},
                                       {"model": "b"}],
                            "judge": {"cost_usd": 0.001, "latency_s": 0.5,
                                      "false_accept": draw(st.floats(0.0, 0.2)),
                                      "false_reject": draw(st.floats(0.0, 0.2))}},
             "failover": {**sequential, "chain": ["c"]},
             "budget": {"monthly_usd": 1e9, "rules": [
                 {"at": 0.5, "action": "downgrade", "map": {"b": "c"}},
                 {"at": 0.9, "action": "block_noncritical"}]}}],
    }
    scenario = scenario_from(data)
    spend = closed_form(scenario).policies["ladder_budget"].monthly_cost_usd
    share = draw(st.floats(0.6, 1.5))

    def budget(d: dict) -> None:
        d["policies"][-1]["budget"]["monthly_usd"] = spend * share

    return with_changes(scenario, budget)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_scenarios_agree(data):
    """Generated scenarios (`_generated`) agree across the three fidelities as the shipped
    ones do, with the same intervals. Rate limits there do not bind (queueing under binding
    limits is an approximation of the closed form, checked against Erlang C in
    `test_theory.py`). Policies whose rules act on observed failures (breaker, predictive)
    are compared on the contention path, the one `simulate` takes for them: the batch path
    ignores the breaker and takes predictive cooldowns from one pilot pass (an approximation,
    held close to the contention path in `test_predictive.py`). Timeouts stay above the
    typical attempt: where most attempts time out, the ladder's time on a rung it escalates
    from (a median attempt when its output was rejected) and the breaker and predictive
    twins' trip times are approximations that show outside these intervals."""
    scenario = _generated(data.draw)
    failures = agreement_failures(scenario, "batch", skip=("breaker", "predictive"))
    failures += agreement_failures(scenario, "contention")
    assert not failures, "\n".join(failures)
