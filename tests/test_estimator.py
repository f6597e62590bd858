"""The closed-form estimator against the articles' worked examples and hand-computed cases."""

from __future__ import annotations

import pytest

from workbench.domain import load_scenario
from workbench.domain.finance import Finance
from workbench.domain.scenario import Claim
from workbench.estimator import estimate
from workbench.metrics.roi import MonthlyFigures, roi

EXACT = 1e-9


def _estimate(path):
    return estimate(load_scenario(path))


# ---------------------------------------------------------------- the three headline numbers


def test_support_desk_reproduces_the_article(scenarios_dir):
    """Seed 004: 1,000 tickets/day x $0.15 x 30 = $4,500; routed $65.50/day x 30 = $1,965."""
    est = _estimate(scenarios_dir / "support_desk.yaml")
    assert round(est.policies["baseline"].monthly_cost_usd, 2) == 4500.00
    assert round(est.policies["routed"].monthly_cost_usd, 2) == 1965.00
    assert round(est.policies["routed"].savings_vs_baseline, 4) == 0.5633


def test_tiered_escalation_counts_the_failed_attempts(scenarios_dir):
    """Per task: 0.00125 + 0.35 x 0.0075 + 0.075 x 0.0375 = $0.0066875 against $0.0375."""
    est = _estimate(scenarios_dir / "tiered_escalation.yaml")
    assert est.policies["always_tier3"].monthly_cost_usd == pytest.approx(11_250.0, rel=EXACT)
    assert est.policies["tiered"].monthly_cost_usd == pytest.approx(2_006.25, rel=1e-8)
    assert round(est.policies["tiered"].savings_vs_baseline, 4) == 0.8217
    judged = est.policies["tiered_judged"]
    assert judged.savings_vs_baseline < est.policies["tiered"].savings_vs_baseline
    assert judged.quality_pass_rate < 1.0  # false accepts deliver below-bar outputs


def test_tiered_judged_by_hand(scenarios_dir):
    """Judge: a tier-2 call of 2,550 tokens = $0.00765, false accept 0.10, false reject 0.05.
    Accept at tier 1: 0.65 x 0.95 + 0.35 x 0.10 = 0.6525 -> reach tier 2: 0.3475.
    Accept at tier 2: q2 x 0.95 + (1 - q2) x 0.10 with q2 = 0.7857142857 -> reach tier 3:
    0.3475 x (1 - accept2). Judge calls per task: 1 + 0.3475 (tier 3 is not judged).
    Below-bar deliveries: 0.35 x 0.10 + 0.3475 x (1 - q2) x 0.10."""
    q2 = 0.7857142857
    reach3 = 0.3475 * (1.0 - (q2 * 0.95 + (1.0 - q2) * 0.10))
    per_task_models = 0.00125 + 0.3475 * 0.0075 + reach3 * 0.0375
    per_task_judge = (1.0 + 0.3475) * 0.00765
    judged = _estimate(scenarios_dir / "tiered_escalation.yaml").policies["tiered_judged"]
    assert judged.model_usd == pytest.approx(per_task_models * 300_000, rel=1e-9)
    assert judged.judge_usd == pytest.approx(per_task_judge * 300_000, rel=1e-9)
    below = 0.35 * 0.10 + 0.3475 * (1.0 - q2) * 0.10
    assert judged.quality_pass_rate == pytest.approx(1.0 - below, rel=1e-9)
    assert judged.rework_hours == pytest.approx(below * 300_000 * 5 / 60, rel=1e-9)


def test_math_shift_saves_exactly_27_percent(scenarios_dir):
    """30% of equally sized tasks at 10% of the price: 0.30 x 0.90 = 0.27."""
    est = _estimate(scenarios_dir / "math_shift.yaml")
    assert est.policies["shifted"].savings_vs_baseline == pytest.approx(0.27, abs=1e-12)
    assert est.to_json()["policies"]["shifted"]["savings_vs_baseline"] == 0.27


# ---------------------------------------------------------------- hand-computed small cases

LADDER = """
name: ladder_by_hand
baseline: strong_only
providers: [{name: p}]
models:
  - {name: cheap, provider: p, price: {per_request_usd: 0.01}}
  - {name: strong, provider: p, price: {per_request_usd: 0.10}}
workload:
  task_types:
    - {name: t, per_day: 100, latency_class: batch}
policies:
  - name: strong_only
    routing: {default: strong}
  - name: ladder
    escalation:
      ladder:
        - {model: cheap, pass_probability: 0.6}
        - {model: strong, pass_probability: 1.0}
      judge: {cost_usd: 0.002, false_accept: 0.1, false_reject: 0.2}
finance: {hourly_rate_usd: 40, rework_minutes: 30}
"""


def test_ladder_with_an_imperfect_judge(write_scenario):
    """Hand computation, 100 tasks/day, 30 days:

    rung 1 passes with q = 0.6; the judge accepts a = 0.6 x (1 - 0.2) + 0.4 x 0.1 = 0.52;
    P(reach rung 2) = 0.48. Per task: cheap $0.01 + judge $0.002 + 0.48 x strong $0.10 =
    $0.060 -> $180 a month, of which judge $6. Passed = 0.6 x 0.8 + 0.48 x 1.0 = 0.96;
    delivered below bar = 0.4 x 0.1 = 0.04 -> 120 tasks x 30 min = 60 rework hours.
    """
    est = _estimate(write_scenario(LADDER))
    ladder = est.policies["ladder"]
    assert ladder.monthly_cost_usd == pytest.approx(180.0, rel=EXACT)
    assert ladder.judge_usd == pytest.approx(6.0, rel=EXACT)
    assert ladder.model_usd == pytest.approx(174.0, rel=EXACT)
    assert ladder.escalations_per_task == pytest.approx(0.48, rel=EXACT)
    assert ladder.quality_pass_rate == pytest.approx(0.96, rel=EXACT)
    assert ladder.rework_hours == pytest.approx(60.0, rel=EXACT)
    assert ladder.success_rate == pytest.approx(1.0, rel=EXACT)
    assert ladder.breakdown["model"]["cheap"] == pytest.approx(30.0, rel=EXACT)
    assert ladder.breakdown["model"]["strong"] == pytest.approx(144.0, rel=EXACT)


def test_roi_fields_of_the_ladder_example(write_scenario):
    """Against strong_only ($300 of model spend, no rework): token savings 300 - 174 = 126;
    rework saved (0 - 60) x $40 = -2,400; overhead = judge $6; net = 126 - 2,400 - 6 =
    -2,280 a month, so no payback and a 12-month net of -27,360."""
    roi_ = _estimate(write_scenario(LADDER)).policies["ladder"].roi
    assert roi_.token_savings_usd == pytest.approx(126.0, rel=EXACT)
    assert roi_.rework_saved_usd == pytest.approx(-2400.0, rel=EXACT)
    assert roi_.overhead_usd == pytest.approx(6.0, rel=EXACT)
    assert roi_.net_monthly_usd == pytest.approx(-2280.0, rel=EXACT)
    assert roi_.payback_months is None
    assert roi_.net_12_months_usd == pytest.approx(-27_360.0, rel=EXACT)


def test_roi_formula_by_hand():
    """token 1000 - 400 = 600; rework (10 - 12) x 50 = -100; downtime (0.995 - 0.99) x 24 x 30
    x 1000 = 3,600; overhead 50 + 100 + tooling 50 = 200; net = 3,900; ramp 6 x 7 / 30 = 1.4
    months; payback 1.4 + 6000 / 3900; 12-month net 3900 x 10.6 - 6000 = 35,340."""
    finance = Finance(hourly_rate_usd=50, downtime_cost_per_hour_usd=1000,
                      implementation_cost_usd=6000, implementation_weeks=6,
                      tooling_monthly_usd=50)
    base = MonthlyFigures(1000.0, 0.0, 0.0, 10.0, 0.99)
    policy = MonthlyFigures(400.0, 50.0, 100.0, 12.0, 0.995)
    out = roi(policy, base, finance, 30.0)
    assert out.token_savings_usd == pytest.approx(600.0)
    assert out.rework_saved_usd == pytest.approx(-100.0)
    assert out.downtime_avoided_usd == pytest.approx(3600.0)
    assert out.overhead_usd == pytest.approx(200.0)
    assert out.net_monthly_usd == pytest.approx(3900.0)
    assert out.ramp_months == pytest.approx(1.4)
    assert out.payback_months == pytest.approx(1.4 + 6000 / 3900)
    assert out.net_12_months_usd == pytest.approx(35_340.0)


FAILOVER = """
name: failover_by_hand
baseline: single
providers:
  - {name: a, mtbf_days: 9, mttr_hours: 24, partial_share: 0}
  - {name: b, mtbf_days: 3, mttr_hours: 24, partial_share: 0}
  - {name: a_twin, mtbf_days: 9, mttr_hours: 24, partial_share: 0, failure_domain: a}
models:
  - {name: ma, provider: a, price: {per_request_usd: 0.01}}
  - {name: mb, provider: b, price: {per_request_usd: 0.03}}
  - {name: ma2, provider: a_twin, price: {per_request_usd: 0.02}}
workload:
  task_types:
    - {name: t, per_day: 1000, latency_class: batch}
policies:
  - name: single
    routing: {default: ma}
  - name: failover
    routing: {default: ma}
    failover: {mode: sequential, chain: [mb]}
  - name: same_domain
    routing: {default: ma}
    failover: {mode: sequential, chain: [ma2]}
"""


def test_failover_availability_of_independent_providers(write_scenario):
    """Full outages only: u_a = 1 / (9 + 1) = 0.1, u_b = 1 / (3 + 1) = 0.25.
    Single: 1 - 0.1 = 0.9. Failover a -> b: 1 - 0.1 x 0.25 = 0.975. Failed attempts are not
    billed: per task 0.9 x $0.01 + 0.1 x 0.75 x $0.03 = $0.01125 -> $337.50 a month."""
    est = _estimate(write_scenario(FAILOVER))
    assert est.policies["single"].success_rate == pytest.approx(0.9, rel=1e-9)
    assert est.policies["single"].availability == pytest.approx(0.9, rel=1e-9)
    assert est.policies["failover"].success_rate == pytest.approx(0.975, rel=1e-9)
    assert est.policies["failover"].availability == pytest.approx(0.975, rel=1e-9)
    assert est.policies["failover"].monthly_cost_usd == pytest.approx(337.5, rel=1e-9)


def test_shared_failure_domain_is_counted_once(write_scenario):
    """A backup in the primary's failure domain is down whenever the primary is: 0.9, not
    1 - 0.1 x 0.1 = 0.99."""
    est = _estimate(write_scenario(FAILOVER))
    assert est.policies["same_domain"].success_rate == pytest.approx(0.9, rel=1e-9)


BUDGET = """
name: budget_by_hand
baseline: base
providers: [{name: p}]
models:
  - {name: x, provider: p, price: {per_request_usd: 0.10}}
  - {name: y, provider: p, price: {per_request_usd: 0.02}}
workload:
  task_types:
    - {name: t, per_day: 100, latency_class: batch}
policies:
  - name: base
    routing: {default: x}
  - name: capped
    routing: {default: x}
    budget:
      monthly_usd: 200
      rules:
        - {at: 0.5, action: downgrade, map: {x: y}}
        - {at: 0.6, action: block_noncritical}
"""


def test_budget_rules_fire_on_the_hand_computed_days(write_scenario):
    """$10/day on x: 50% of $200 is reached on day 10; then $2/day on y reaches 60% ($120)
    on day 20; the (non-critical) tasks are blocked for the last 10 days. Month: $100 + $20 =
    $120; 2,000 of 3,000 tasks done."""
    est = _estimate(write_scenario(BUDGET))
    capped = est.policies["capped"]
    days = [f["day"] for f in capped.budget_firings]
    assert days == [pytest.approx(10.0), pytest.approx(20.0)]
    assert [f["action"] for f in capped.budget_firings] == ["downgrade", "block_noncritical"]
    assert capped.monthly_cost_usd == pytest.approx(120.0, rel=EXACT)
    assert capped.breakdown["model"] == {"x": pytest.approx(100.0), "y": pytest.approx(20.0)}
    assert capped.success_rate == pytest.approx(2 / 3, rel=EXACT)
    assert est.policies["base"].budget_firings == []


def test_budget_never_reached_changes_nothing(write_scenario):
    """A budget the month's spend never reaches leaves cost and firings untouched."""
    est = _estimate(write_scenario(BUDGET.replace("monthly_usd: 200", "monthly_usd: 2000")))
    assert est.policies["capped"].budget_firings == []
    assert est.policies["capped"].monthly_cost_usd == pytest.approx(300.0, rel=EXACT)


# ---------------------------------------------------------------- claims


def test_claims_hold_or_fail_as_the_numbers_say(scenarios_dir):
    """The tiered article claims 40-60%: the free perfect judge gives 82%, outside the range."""
    claims = {c["policy"]: c for c in _estimate(scenarios_dir / "tiered_escalation.yaml").claims}
    assert claims["tiered"]["holds"] is False
    assert claims["tiered"]["claimed_range"] == [0.40, 0.60]
    assert claims["tiered_judged"]["holds"] is True
    support = _estimate(scenarios_dir / "support_desk.yaml").claims
    by_metric = {c["metric"]: c["holds"] for c in support}
    assert by_metric == {"savings_vs_baseline": True, "monthly_cost_usd": True,
                         "quality_pass_rate": False}


@pytest.mark.parametrize(("kwargs", "computed", "holds"), [
    ({"value": 0.56, "tolerance": 0.005}, 0.5633, True),
    ({"value": 0.56, "tolerance": 0.001}, 0.5633, False),
    ({"low": 0.4, "high": 0.6}, 0.8217, False),
    ({"low": 0.4, "high": 0.6}, 0.5, True),
    ({"low": 0.999}, 0.9989, False),
    ({"high": 0.999}, 0.99, True),
    ({"value": 1.0}, None, None),
])
def test_claim_holds(kwargs, computed, holds):
    """A claim is a value within a tolerance or a [low, high] range; nothing computed: None."""
    claim = Claim(text="t", policy="p", metric="m", **kwargs)
    assert claim.holds(computed) is holds


ESCALATING_WORKFLOW = """
name: escalations_in_a_workflow
baseline: direct
providers:
  - {name: pa, mtbf_days: 9, mttr_hours: 24, partial_share: 0.0}
  - {name: pb}
models:
  - {name: a, provider: pa, price: {per_request_usd: 0.01}}
  - {name: b, provider: pb, price: {per_request_usd: 0.01}}
  - {name: c, provider: pb, price: {per_request_usd: 0.05}}
workload:
  task_types:
    - {name: first, latency_class: batch}
    - {name: second, latency_class: batch}
  workflows:
    - name: two_steps
      per_day: 100
      steps:
        - {name: first, task_type: first}
        - {name: second, task_type: second, after: [first]}
policies:
  - name: direct
    routing: {default: a}
  - name: laddered
    routing:
      default: a
      rules:
        - {when: {task_type: second}, escalate: true}
    escalation:
      ladder:
        - {model: b, pass_probability: 0.6}
        - {model: c, pass_probability: 1.0}
"""


def test_escalations_per_task_of_workflow_steps(write_scenario):
    """Step ``first`` on a delivers with 1 - 1/(9 + 1) = 0.9, so step ``second`` runs with 0.9.
    ``direct`` never escalates: 0 (it printed -0.05: the step's first-rung reach 0.9 minus 1,
    over 2 tasks). ``laddered``: the second step escalates when b's output is rejected,
    0.9 x 0.4 = 0.36 per workflow = 0.18 per task (it printed (0.9 + 0.36 - 1) / 2 = 0.13)."""
    est = _estimate(write_scenario(ESCALATING_WORKFLOW))
    assert est.policies["direct"].escalations_per_task == 0.0
    assert est.policies["laddered"].escalations_per_task == pytest.approx(0.18, rel=1e-9)


def test_content_pipeline_never_escalates(scenarios_dir):
    """No policy of content_pipeline has a ladder: 0 escalations (it printed -0.011)."""
    for name, policy in _estimate(scenarios_dir / "content_pipeline.yaml").policies.items():
        assert policy.escalations_per_task == 0.0, name


SLOW_FAILOVER = """
name: slow_failover
baseline: sequential
latency_classes:
  chat: {{deadline_s: 30}}
providers:
  - {{name: pa, mtbf_days: 9, mttr_hours: 24, partial_share: 0.0, down_failure: timeout}}
  - {{name: pb}}
models:
  - {{name: a, provider: pa, price: {{per_request_usd: 0.01}},
     latency: {{ttft_median_s: 0.5, ttft_p95_s: 0.5, tokens_per_s: 100}}}}
  - {{name: b, provider: pb, price: {{per_request_usd: 0.03}},
     latency: {{ttft_median_s: 0.5, ttft_p95_s: 0.5, tokens_per_s: 100}}}}
workload:
  task_types:
    - {{name: t, per_day: 100, latency_class: chat, output_tokens: {output}}}
policies:
  - name: sequential
    routing: {{default: a}}
    failover: {{mode: sequential, chain: [b], retries: 1, backoff_s: 1.0, timeout_s: 20}}
"""


def test_time_spent_failing_counts_against_the_deadline(write_scenario):
    """Provider pa is down 10% of the time (1 / (9 + 1)) and hangs until the 20 s timeout:
    a call then takes 20 + 1 (backoff) + 20 + 1.5 (b: 0.5 s + 100 tokens at 100/s) = 42.5 s,
    past the 30 s deadline. Availability 0.9, success 1; cost 0.9 x $0.01 + 0.1 x $0.03.
    (The estimate used to give the serving attempt's latency alone: availability 1.)"""
    est = _estimate(write_scenario(SLOW_FAILOVER.format(output=100))).policies["sequential"]
    assert est.success_rate == pytest.approx(1.0, rel=1e-12)
    assert est.availability == pytest.approx(0.9, rel=1e-9)
    assert est.cost_per_task_usd == pytest.approx(0.012, rel=1e-9)


def test_a_long_output_times_out_on_every_attempt(write_scenario):
    """Half the outputs are 10,000 tokens: 0.5 + 100 s > the 20 s timeout on a and on b, on
    every attempt (the same output), so they fail: success 0.5, not 1 - 0.5^3 = 0.875 as
    with independent attempts. The short half: pa up (0.9) -> a, on time; pa down (0.1) -> b
    after 41 s, late. Availability 0.5 x 0.9 = 0.45; only delivered outputs are billed:
    0.5 x (0.9 x $0.01 + 0.1 x $0.03) = $0.006 per task."""
    est = _estimate(write_scenario(SLOW_FAILOVER.format(output="{sample: [100, 10000]}")))
    est = est.policies["sequential"]
    assert est.success_rate == pytest.approx(0.5, rel=1e-12)
    assert est.availability == pytest.approx(0.45, rel=1e-9)
    assert est.cost_per_task_usd == pytest.approx(0.006, rel=1e-9)
    assert est.failovers_per_task == pytest.approx(0.5 + 0.5 * 0.1, rel=1e-9)
