"""Chart data and figure builders on small hand-made records with exact expected values, and
the app's scenario helpers (no Streamlit)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from workbench.app import policy_form
from workbench.domain import edits, load_scenario
from workbench.domain.budget_trial import trial_budget
from workbench.domain.errors import PolicyError
from workbench.estimator import requirements
from workbench.estimator.budget_effects import expected_spend, rule_impacts
from workbench.metrics import series
from workbench.policies.eligibility import eligibility
from workbench.viz import budget, compare, cost, latency, reliability, roi, sankey, workload
from workbench.viz.calibration import measured_vs_simulated_figure

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DAY = 86_400.0


def row(**over) -> dict:
    base = {"run_id": "r", "policy": "a", "replication": 0, "task_id": 0, "workflow": None,
            "step": None, "task_type": "t1", "category": "c", "team": "x", "tier": "basic",
            "latency_class": "realtime", "client_facing": True, "attempt": 0, "model": "m1",
            "provider": "p1", "reason": "route", "start_s": 0.0, "queue_s": 0.0, "ttft_s": 0.5,
            "latency_s": 1.0, "input_tokens": 100, "cached_input_tokens": 0,
            "output_tokens": 50, "tokens_estimated": False, "cost_usd": 1.0,
            "judge_cost_usd": 0.0, "outcome": "ok", "http_status": 200, "quality_score": 0.9,
            "passed": True, "accepted": True, "final": True, "task_latency_s": 1.0,
            "task_success": True, "task_passed": True, "within_deadline": True}
    return base | over


@pytest.fixture
def records() -> pl.DataFrame:
    """Policy a: 2 replications; day 0 one 1 USD call each, day 1 a failed 2 USD attempt on m1
    then a 3 USD failover to m2 (+0.5 judge) in replication 0. Policy b: one call of 4 USD."""
    return series.records_frame([
        row(replication=0, task_id=1),
        row(replication=1, task_id=1, latency_s=3.0, task_latency_s=3.0),
        row(replication=0, task_id=2, start_s=DAY + 10, cost_usd=2.0, outcome="error_5xx",
            final=False, task_latency_s=None, task_success=None, task_passed=None,
            within_deadline=None, passed=None),
        row(replication=0, task_id=2, start_s=DAY + 20, model="m2", provider="p2",
            reason="failover", cost_usd=3.0, judge_cost_usd=0.5, attempt=1, task_passed=False,
            latency_s=5.0, task_latency_s=5.0),
        row(policy="b", cost_usd=4.0, model="m2", provider="p2", task_type="t2"),
    ])


def test_records_frame_has_the_declared_schema(records):
    assert records.schema == series.polars_schema()
    assert series.records_frame().height == 0


def test_cost_over_time_is_the_mean_per_replication(records):
    frame = series.cost_over_time(records, by="model")
    got = {(r["policy"], r["day"], r["model"]): r["cost_usd"] for r in frame.to_dicts()}
    assert got == {("a", 0.0, "m1"): 1.0, ("a", 1.0, "m1"): 1.0, ("a", 1.0, "m2"): 1.5,
                   ("a", 1.0, "(judge)"): 0.25, ("b", 0.0, "m2"): 4.0}


def test_month_to_date_spend_accumulates_and_resets(records):
    spend = series.month_to_date_spend(records, days_per_month=1.0, bucket_s=DAY)
    a = spend.filter(pl.col("policy") == "a").to_dicts()
    assert [(r["day"], r["month"], r["spend_usd"]) for r in a] == [(1.0, 0, 1.0), (2.0, 1, 2.75)]
    longer = series.month_to_date_spend(records, days_per_month=30.0, bucket_s=DAY)
    assert longer.filter(pl.col("policy") == "a")["spend_usd"].to_list() == [1.0, 3.75]


def test_task_flows_count_attempts_by_reason(records):
    flows = series.task_flows(records, "a")
    got = {(r["model"], r["reason"]): r["attempts"] for r in flows.to_dicts()}
    assert got == {("m1", "route"): 1.5, ("m2", "failover"): 0.5}
    reasons = series.reason_counts(records).filter(pl.col("policy") == "a")
    assert dict(zip(reasons["reason"], reasons["attempts"])) == {"failover": 0.5, "route": 1.5}


def test_latency_cdf_quantiles(records):
    cdf = series.latency_cdf(records, points=3).filter(pl.col("policy") == "a")
    assert cdf["latency_s"].to_list() == [1.0, 3.0, 5.0]
    assert cdf["share"].to_list() == [0.0, 0.5, 1.0]


def test_task_summary(records):
    a = series.task_summary(records).filter(pl.col("policy") == "a").row(0, named=True)
    assert a["tasks"] == 1.5 and a["success_rate"] == 1.0
    assert a["pass_rate"] == pytest.approx(2 / 3)
    assert a["cost_per_task_usd"] == pytest.approx(7.5 / 3)


def test_outage_spans_in_days():
    outages = pl.DataFrame({"replication": [0, 1], "provider": ["p1", "p1"],
                            "state": ["down", "degraded"], "start_s": [DAY, 0.0],
                            "end_s": [DAY + 7200, 60.0]})
    spans = series.outage_spans(outages).to_dicts()
    assert spans == [{"provider": "p1", "state": "down", "start_day": 1.0,
                      "end_day": 1.0 + 7200 / DAY, "hours": 2.0}]


def test_measured_vs_simulated(records):
    table = series.measured_vs_simulated(records.filter(pl.col("policy") == "a"),
                                         records.filter(pl.col("policy") == "b"))
    assert table["model"].to_list() == ["m2"]
    r = table.row(0, named=True)
    assert r["cost_per_attempt_usd_measured"] == 3.0
    assert r["cost_per_attempt_usd_simulated"] == 4.0
    m1 = series.per_model_calls(records).filter(pl.col("model") == "m1").row(0, named=True)
    assert m1["attempts"] == 3 and m1["error_rate"] == pytest.approx(1 / 3)
    assert isinstance(measured_vs_simulated_figure(table), go.Figure)


def test_record_figures(records):
    costs = series.cost_over_time(records)
    assert len(cost.cost_over_time_figure(costs).data) == 2  # one line per policy
    assert len(cost.cost_over_time_figure(costs, "a").data) == 3  # m1, m2, judge
    fig = sankey.flow_sankey_figure(series.task_flows(records), "a")
    assert list(fig.data[0].link.value) == [1.5, 0.5]
    assert len(latency.latency_cdf_figure(series.latency_cdf(records)).data) == 2
    assert len(sankey.flow_sankey_figure(series.task_flows(records), "zzz").data) == 0


@pytest.fixture(scope="module")
def support_desk():
    return load_scenario(SCENARIOS / "support_desk.yaml")


@pytest.fixture(scope="module")
def summaries(support_desk):
    from workbench.estimator import estimate

    return estimate(support_desk).to_json()["policies"]


def test_summary_figures(summaries):
    fig = cost.breakdown_figure(summaries, "model")
    assert sum(sum(t.y) for t in fig.data) == pytest.approx(
        sum(s["monthly_cost_usd"] for s in summaries.values()))
    assert compare.pareto_policies(summaries) == ["routed", "baseline"]
    assert isinstance(compare.policy_frontier_figure(summaries, "baseline"), go.Figure)
    assert len(reliability.availability_figure(summaries).data[0].x) == 2
    assert isinstance(reliability.event_counts_figure(summaries), go.Figure)


def test_roi_waterfall_ends_at_the_net_cost(summaries):
    r = summaries["routed"]["roi"]
    base = summaries["baseline"]["monthly_cost_usd"]
    fig = roi.waterfall_figure(base, r, "routed")
    steps = list(fig.data[0].y)
    assert steps[0] + sum(steps[1:5]) == pytest.approx(base - r["net_monthly_usd"])
    assert roi.waterfall_figure(base, None, "baseline").layout.annotations


def test_payback_curve_crosses_zero_at_the_payback_month():
    r = {"implementation_cost_usd": 15_000.0, "net_monthly_usd": 1_000.0, "ramp_months": 2.0,
         "payback_months": 17.0}
    xs, ys = roi.payback_series(r, months=24)
    assert ys[xs.index(0.0)] == -15_000.0 and ys[xs.index(2.0)] == -15_000.0
    assert ys[xs.index(17.0)] == 0.0 and ys[xs.index(24.0)] == 7_000.0
    assert isinstance(roi.payback_figure(r, "p"), go.Figure)


def test_budget_figures(support_desk):
    draft = trial_budget(support_desk, "routed", 1_000.0, 0.5, 0.9)
    assert draft["budget"]["rules"][0] == {
        "at": 0.5, "action": "downgrade",
        "map": {"claude-opus": "claude-3.5-haiku", "gpt-4": "claude-3.5-haiku",
                "gpt-4o-mini": "claude-3.5-haiku"}}
    trial = edits.with_policy(support_desk, draft)
    spend = expected_spend(trial, "routed_budgeted")
    assert spend["spend_usd"][0] == 0.0
    # 1,965 USD a month at 65.5 USD a day: the downgrade fires on day 500 / 65.5
    day_at_500 = spend.filter(pl.col("spend_usd") <= 500.0 + 1e-9)["day"].max()
    assert day_at_500 == pytest.approx(500.0 / 65.5)
    impacts = rule_impacts(trial, "routed_budgeted")
    assert impacts["label"].to_list() == ["rule 1: 50% downgrade",
                                          "rule 2: 90% block non-critical tasks"]
    assert impacts["monthly_cost_delta_usd"][0] < 0
    fig = budget.burn_down_figure(spend, "routed_budgeted", 1_000.0,
                                  [{"at": 0.5, "action": "downgrade"}], [{"rule": 0, "day": 7.6}])
    assert len(fig.data) == 2
    assert len(budget.rule_impact_figure(impacts).data) == 2


def test_workload_figures(support_desk):
    from workbench.metrics.scenario_frames import workload_frame

    frame = workload_frame(support_desk)
    assert frame["per_day"].sum() == 1000.0
    assert list(workload.volume_figure(frame).data[0].x) == [50.0, 200.0, 350.0, 400.0]
    assert len(workload.tokens_figure(frame).data) == 2


def test_with_volumes_keeps_shares_summing_to_one(support_desk):
    s = edits.with_volumes(support_desk, {"simple": 800, "moderate": 350, "complex": 200,
                                          "edge_case": 50})
    assert s.workload.total_per_day == 1400
    assert sum(t.share for t in s.workload.task_types) == pytest.approx(1.0, abs=1e-12)
    assert s.workload.standalone_per_day(s.workload.task_type("simple")) == pytest.approx(800)


def test_threshold_heuristic_on_a_workflow():
    s = load_scenario(SCENARIOS / "content_pipeline.yaml")
    assert requirements.intermediate_steps(s) >= {"research", "draft", "seo"}
    policy = requirements.threshold_policy(s)
    edits.with_policy(s, policy)  # valid
    tiers = {r["when"]["task_type"]: s.model(r["model"]).tier for r in policy["routing"]["rules"]}
    for name in ("research", "draft", "seo"):
        task = s.workload.task_type(name)
        if not task.client_facing:
            assert tiers[name] in ("budget", None) or tiers[name] != "premium"


def test_eligibility_reasons(support_desk):
    model = support_desk.model("gpt-4").model_copy(update={"context_window": 1000})
    task = support_desk.workload.task_type("simple")
    ok, why = eligibility(model, task)
    assert not ok and "context: needs" in why and "window 1,000" in why
    sensitive = task.model_copy(update={"data_sensitive": True})
    ok, why = eligibility(support_desk.model("gpt-4"), sensitive)
    assert not ok and why.startswith("deployment:") and "self_hosted" in why
    frame = requirements.requirements_frame(support_desk)
    assert frame.height == 16 and frame["eligible"].all()


def test_policy_form_round_trip(support_desk):
    policy = support_desk.policy("routed")
    draft = policy_form.draft_policy(
        policy, "routed", "gpt-4", policy_form.routing_rows(policy),
        policy_form.ladder_rows(policy), {}, {"mode": "none"}, None, pl.DataFrame())
    rebuilt = edits.with_policy(support_desk, draft).policy("routed")
    assert rebuilt == policy
    assert policy_form.parse_when("tier: [basic, standard]") == {"tier": ["basic", "standard"]}
    assert policy_form.parse_when("{audience: {gt: 5}}") == {"audience": {"gt": 5}}
    with pytest.raises(PolicyError):
        policy_form.parse_when("just text")
    assert policy_form.parse_map("a -> b, c->d") == {"a": "b", "c": "d"}


def test_policy_form_keeps_what_it_does_not_show():
    s = load_scenario(SCENARIOS / "tiered_escalation.yaml")
    for policy in s.policies:
        draft = policy_form.draft_policy(
            policy, policy.name,
            policy.routing.default if policy.routing and policy.routing.default
            else policy_form.LADDER,
            policy_form.routing_rows(policy), policy_form.ladder_rows(policy), {}, {}, None,
            pl.DataFrame())
        assert edits.with_policy(s, draft).policy(policy.name) == policy


def test_outage_what_if_changes_the_domain(support_desk):
    s = edits.with_outages(support_desk, "openai", 2.0, 4.0)
    assert s.provider("openai").mtbf_days == 2.0 and s.provider("openai").mttr_hours == 4.0
    assert s.provider("anthropic").mtbf_days is None
    assert edits.with_outages(s, "openai", None, 1.0).provider("openai").mtbf_days is None


def test_edits_keep_relative_paths_working():
    s = load_scenario(SCENARIOS / "incident_replay.yaml")
    edited = edits.with_finance(s, {"hourly_rate_usd": 1.0})
    assert edited.source == s.source and edited.finance.hourly_rate_usd == 1.0
