"""Escalation ladders by hand: rungs whose calls sometimes fail, a judge with a fixed cost plus
a model call, judge errors, a budget that downgrades a rung, the workflow cascade penalty, and
the evaluation-table quality path (tests/rules/builders.py: every attempt 2 s, no outages)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.rules.builders import model, scenario
from workbench.domain import load_scenario
from workbench.estimator import estimate
from workbench.estimator.ladder import (
    estimate_ladder,
    estimate_single,
    judge_cost_usd,
    pass_probability,
)
from workbench.replay.source import scenario_source

TOL = 1e-12
BARS = {"quality_bars": {"standard": 0.8}}
# a fails 20% of its calls ($0.01), b 50% ($0.02), c never ($0.005)
PROVIDERS = [{"name": "p", "error_rate": 0.2}, {"name": "q", "error_rate": 0.5}, {"name": "r"}]
MODELS = [model("a", "p", 0.01), model("b", "q", 0.02), model("c", "r", 0.005),
          model("j", "r", input_per_mtok_usd=1.0, output_per_mtok_usd=5.0)]
JUDGE = {"cost_usd": 0.001, "false_accept": 0.1, "false_reject": 0.05, "latency_s": 0.4}


def _upper_normal(bar: float, mean: float, sd: float) -> float:
    """P(Normal(mean, sd) >= bar)."""
    return 0.5 * math.erfc((bar - mean) / sd / math.sqrt(2.0))


def _ladder(judge: dict | None = None, ladder: list | None = None, models=None,
            substitute=lambda m: m, penalty: float = 0.0, **escalation):
    s = scenario(PROVIDERS, models or MODELS,
                 {"escalation": {"ladder": ladder or [{"model": "a", "pass_probability": 0.6},
                                                     {"model": "b", "pass_probability": 0.9}],
                                 "judge": judge or JUDGE, **escalation}}, **BARS)
    policy = s.policies[0]
    return estimate_ladder(s, policy.escalation, policy.failover, s.workload.task_types[0],
                           substitute, penalty)


def test_ladder_with_failing_rungs_and_judge_errors():
    """Rung a: reached 1, succeeds S1 = 0.8, passes q1 = 0.6; the judge accepts
    0.6 x 0.95 + 0.4 x 0.1 = 0.61. Reach b: 0.2 + 0.8 x (1 - 0.61) = 0.512.
    Rung b (last, unjudged): S2 = 0.5, q2 = 0.9.
    delivered 0.8 x 0.61 + 0.512 x 0.5 = 0.488 + 0.256 = 0.744
    passed    0.8 x 0.6 x 0.95 + 0.256 x 0.9 = 0.456 + 0.2304 = 0.6864
    below     0.8 x 0.4 x 0.1 + 0.256 x 0.1 = 0.032 + 0.0256 = 0.0576
    USD: a 0.8 x 0.01 = 0.008, b 0.512 x 0.5 x 0.02 = 0.00512, judge 0.8 x 0.001 = 0.0008."""
    est = _ladder()
    assert est.reach == pytest.approx([1.0, 0.512], abs=TOL)
    assert est.delivered == pytest.approx(0.744, abs=TOL)
    assert est.passed == pytest.approx(0.6864, abs=TOL)
    assert est.below_bar == pytest.approx(0.0576, abs=TOL)
    assert est.cost_by_model == pytest.approx({"a": 0.008, "b": 0.00512}, abs=TOL)
    assert est.judge_usd == pytest.approx(0.0008, abs=TOL)
    assert est.cost_usd == pytest.approx(0.008 + 0.00512 + 0.0008, abs=TOL)
    assert est.calls_by_model == pytest.approx({"a": 0.8, "b": 0.256}, abs=TOL)
    assert est.judge_latency_s == 0.4


def test_judging_the_last_rung_too():
    """judge_last: the last rung is judged as well (0.512 x 0.5 judge calls more) and only
    what the judge accepts is delivered: 0.256 x (0.9 x 0.95 + 0.1 x 0.1) = 0.22144."""
    est = _ladder(judge_last=True)
    assert est.judge_usd == pytest.approx(0.0008 + 0.256 * 0.001, abs=TOL)
    assert est.delivered == pytest.approx(0.488 + 0.256, abs=TOL)  # last rung: all delivered
    assert est.passed == pytest.approx(0.456 + 0.256 * 0.9, abs=TOL)


def test_a_rung_that_always_fails_passes_everything_up():
    """a on a provider failing every call: nothing billed for it, reach b = 1."""
    providers = [{"name": "p", "error_rate": 1.0}, {"name": "q", "error_rate": 0.5},
                 {"name": "r"}]
    s = scenario(providers, MODELS, {"escalation": {
        "ladder": [{"model": "a"}, {"model": "c", "pass_probability": 0.7}],
        "judge": JUDGE}}, **BARS)
    policy = s.policies[0]
    est = estimate_ladder(s, policy.escalation, policy.failover, s.workload.task_types[0])
    assert est.reach == [1.0, 1.0]
    assert est.cost_by_model == {"a": 0.0, "c": 0.005}
    assert est.judge_usd == 0.0
    assert est.passed == pytest.approx(0.7, abs=TOL)


def test_judge_with_a_fixed_cost_and_a_model():
    """$0.001 + a call of j: 1,000 input x $1 + 100 output x $5 per Mtok = $0.0015;
    per task 0.8 judge calls: 0.8 x 0.0025 = 0.002."""
    judge = {**JUDGE, "model": "j", "input_tokens": 1000, "output_tokens": 100}
    s = scenario(PROVIDERS, MODELS, {"escalation": {"ladder": [{"model": "a"}],
                                                    "judge": judge}}, **BARS)
    assert judge_cost_usd(s, s.policies[0].escalation) == pytest.approx(0.0025, abs=TOL)
    assert _ladder(judge=judge).judge_usd == pytest.approx(0.002, abs=TOL)
    no_model = scenario(PROVIDERS, MODELS, {"escalation": {"ladder": [{"model": "a"}],
                                                           "judge": JUDGE}}, **BARS)
    assert judge_cost_usd(no_model, no_model.policies[0].escalation) == 0.001


def test_budget_downgrade_applies_to_a_rung():
    """Downgrade b -> c: the second rung calls c ($0.005, never fails): reach 0.512, cost
    0.512 x 0.005 = 0.00256; delivered 0.488 + 0.512 = 1.0."""
    est = _ladder(substitute=lambda m: {"b": "c"}.get(m, m))
    assert est.cost_by_model == pytest.approx({"a": 0.008, "c": 0.00256}, abs=TOL)
    assert est.delivered == pytest.approx(1.0, abs=TOL)
    assert est.calls_by_model == pytest.approx({"a": 0.8, "c": 0.512}, abs=TOL)


def test_budget_rule_downgrades_a_ladder_rung_mid_month():
    """Perfect judge, no failures: a (pass 0.6) then b. Per task 0.01 + 0.4 x 0.02 = $0.018,
    100 tasks a day = $1.80 a day. Budget $36, downgrade b -> c at 50% = $18: day 10. Then
    0.01 + 0.4 x 0.005 = $0.012 a task, $1.20 a day for 20 days: 18 + 24 = $42 a month."""
    s = scenario([{"name": "p"}], [model("a", "p", 0.01), model("b", "p", 0.02),
                                   model("c", "p", 0.005)],
                 {"escalation": {"ladder": [{"model": "a", "pass_probability": 0.6},
                                            {"model": "b", "pass_probability": 1.0}]},
                  "budget": {"monthly_usd": 36.0, "rules": [
                      {"at": 0.5, "action": "downgrade", "map": {"b": "c"}}]}}, **BARS)
    est = estimate(s).policies["p"]
    assert est.budget_firings[0]["day"] == pytest.approx(10.0, abs=1e-9)
    assert est.monthly_cost_usd == pytest.approx(42.0, abs=1e-9)
    assert est.breakdown["model"] == pytest.approx(
        {"a": 30.0, "b": 10 * 100 * 0.4 * 0.02, "c": 20 * 100 * 0.4 * 0.005}, abs=1e-9)


def test_stated_pass_probabilities_lose_the_cascade_penalty():
    """Penalty 0.1: q1 = 0.6 x 0.9 = 0.54, q2 = 0.9 x 0.9 = 0.81, perfect judge, no
    failures (c twice): reach 2 = 0.46, passed 0.54 + 0.46 x 0.81 = 0.9126."""
    est = _ladder(judge={"cost_usd": 0.0}, ladder=[{"model": "c", "pass_probability": 0.6},
                                    {"model": "c", "pass_probability": 0.9}], penalty=0.1)
    assert est.reach == pytest.approx([1.0, 0.46], abs=TOL)
    assert est.passed == pytest.approx(0.54 + 0.46 * 0.81, abs=TOL)
    # both rungs call c: its calls and cost add up over the rungs
    assert est.calls_by_model == pytest.approx({"c": 1.46}, abs=TOL)
    assert est.cost_by_model == pytest.approx({"c": 1.46 * 0.005}, abs=TOL)


# ---------------------------------------------------------------- quality profiles

QUALITY = [{**model("m", "r", 0.01), "quality": {"mean": 0.8, "sd": 0.1}},
           {**model("s", "r", 0.05), "quality": {"mean": 0.95, "sd": 0.0}}]


def test_pass_probability_from_the_profile_raises_the_bar_by_the_penalty():
    """Score ~ Normal(0.8, 0.1), bar 0.8: 0.5; with penalty 0.1 the bar is 0.9:
    P(Z >= 1) = 0.158655...; a lowered bar (0.7) would give 0.841..."""
    s = scenario([{"name": "r"}], QUALITY, {"routing": {"default": "m"}}, **BARS)
    task = s.workload.task_types[0]
    assert pass_probability(s, "m", task) == pytest.approx(0.5, abs=TOL)
    assert pass_probability(s, "m", task, 0.1) == pytest.approx(
        _upper_normal(0.9, 0.8, 0.1), abs=TOL)
    assert pass_probability(s, "m", task, 0.1) == pytest.approx(0.158655254, abs=1e-9)
    plain = estimate_single(s, s.policies[0].failover, "m", task)
    assert plain.passed == pytest.approx(0.5, abs=TOL) and plain.reach == [1.0]
    single = estimate_single(s, s.policies[0].failover, "m", task, penalty=0.1)
    assert single.passed == pytest.approx(0.158655254, abs=1e-9)
    assert single.below_bar == pytest.approx(1 - 0.158655254, abs=1e-9)


def test_workflow_cascade_penalty_in_the_estimate():
    """Steps x -> y on m, 100 a day, penalty 0.1. x passes 0.5; y passes 0.5 when x passed
    and P(score >= 0.9) = 0.158655 when x fell below: 0.5 x 0.5 + 0.5 x 0.158655.
    Pass rate over both steps: (0.5 + 0.25 + 0.5 x 0.158655) / 2."""
    workflow = {"name": "w", "per_day": 100, "cascade_penalty": 0.1,
                "steps": [{"name": "x", "task_type": "t"},
                          {"name": "y", "task_type": "t", "after": ["x"]}]}
    s = scenario([{"name": "r"}], QUALITY, {"routing": {"default": "m"}}, {"per_day": None},
                 [workflow], **BARS)
    est = estimate(s).policies["p"]
    y = 0.5 * 0.5 + 0.5 * _upper_normal(0.9, 0.8, 0.1)
    assert est.quality_pass_rate == pytest.approx((0.5 + y) / 2, abs=1e-9)
    assert est.tasks_per_month == pytest.approx(2 * 100 * 30, abs=1e-9)


def test_profile_pass_given_success_on_a_failing_provider():
    """m fails 20% of its calls: delivered 0.8, and P(pass | delivered) is still 0.5 (the
    served share 0.8 x 0.5 over success 0.8): passed 0.4."""
    s = scenario([{"name": "r", "error_rate": 0.2}], QUALITY, {"routing": {"default": "m"}},
                 **BARS)
    est = estimate_single(s, s.policies[0].failover, "m", s.workload.task_types[0])
    assert est.delivered == pytest.approx(0.8, abs=TOL)
    assert est.passed == pytest.approx(0.4, abs=TOL)


def test_pass_probability_uses_the_task_category_profile():
    """m scores Normal(0.9, 0.1) on category t (the task's name): P(>= 0.8) = P(Z >= -1)."""
    by_category = [{**QUALITY[0], "quality": {"mean": 0.8, "sd": 0.1,
                                              "by_category": {"t": {"mean": 0.9, "sd": 0.1}}}}]
    s = scenario([{"name": "r"}], by_category, {"routing": {"default": "m"}}, **BARS)
    assert pass_probability(s, "m", s.workload.task_types[0]) == pytest.approx(
        _upper_normal(0.8, 0.9, 0.1), abs=TOL)


def test_ladder_rungs_from_profiles_lose_the_penalty():
    """One rung on m, no stated probability, penalty 0.1: P(score >= 0.9) = 0.158655."""
    s = scenario([{"name": "r"}], QUALITY, {"escalation": {"ladder": [{"model": "m"}]}},
                 **BARS)
    policy, task = s.policies[0], s.workload.task_types[0]
    est = estimate_ladder(s, policy.escalation, policy.failover, task, penalty=0.1)
    assert est.passed == pytest.approx(_upper_normal(0.9, 0.8, 0.1), abs=TOL)


def test_ladder_pass_from_profiles_follows_the_substituted_model():
    """Rung s (mean 0.95, sd 0: always passes the 0.8 bar) downgraded to m (0.5)."""
    s = scenario([{"name": "r"}], QUALITY, {"escalation": {"ladder": [{"model": "s"}]}},
                 **BARS)
    policy, task = s.policies[0], s.workload.task_types[0]
    assert estimate_ladder(s, policy.escalation, policy.failover, task).passed == 1.0
    down = estimate_ladder(s, policy.escalation, policy.failover, task,
                           lambda m: {"s": "m"}.get(m, m))
    assert down.passed == pytest.approx(0.5, abs=TOL)


# ---------------------------------------------------------------- evaluation table


def test_gsm8k_cascade_pass_rate_from_the_evaluation_table(scenarios_dir):
    """Per prompt of the RouteLLM GSM8K table, with w / g = 1 when Mixtral / GPT-4 clears the
    0.5 bar: the judge accepts Mixtral with w x 0.95 + (1 - w) x 0.10, else GPT-4 answers.
    P(pass) = w x 0.95 + (1 - accept) x g, averaged over prompts (every call succeeds and
    is delivered, so this is the pass rate). Quality profiles would give a different figure:
    outcomes are correlated across models (a hard prompt is hard for both)."""
    s = load_scenario(scenarios_dir / "gsm8k_cascade.yaml")
    source = scenario_source(s)
    prompts = np.arange(source.n_prompts)
    w = (source.scores("mixtral-8x7b", prompts) >= 0.5).astype(float)
    g = (source.scores("gpt-4-turbo", prompts) >= 0.5).astype(float)
    accept = w * 0.95 + (1.0 - w) * 0.10
    by_hand = float(np.mean(w * 0.95 + (1.0 - accept) * g))
    est = estimate(s).policies
    assert est["cascade"].quality_pass_rate == pytest.approx(by_hand, abs=1e-9)
    assert est["always_gpt4"].quality_pass_rate == pytest.approx(float(g.mean()), abs=1e-9)
    assert est["always_mixtral"].quality_pass_rate == pytest.approx(float(w.mean()), abs=1e-9)
    reach2 = float(np.mean(1.0 - accept))
    assert est["cascade"].escalations_per_task == pytest.approx(reach2, abs=1e-9)
    # USD: Mixtral on every task, the judge on every Mixtral answer, GPT-4 on escalations;
    # 5,000 tasks a day x 30 days
    task = s.workload.task_types[0]
    usd = {m: s.model(m).call_cost_usd(250, 350) for m in ("mixtral-8x7b", "gpt-4-turbo")}
    cascade, tasks = est["cascade"], 5000 * 30
    assert cascade.breakdown["model"] == pytest.approx(
        {"mixtral-8x7b": tasks * usd["mixtral-8x7b"],
         "gpt-4-turbo": tasks * reach2 * usd["gpt-4-turbo"],
         "(judge)": tasks * 0.0002}, rel=1e-9)
    assert cascade.judge_usd == pytest.approx(tasks * 0.0002, rel=1e-9)
    # below the bar: a failing Mixtral answer accepted (0.10), or a failing GPT-4 answer
    below = float(np.mean((1.0 - w) * 0.10 + (1.0 - accept) * (1.0 - g)))
    assert cascade.rework_hours == pytest.approx(tasks * below * 3 / 60, rel=1e-9)
    ladder = estimate_ladder(s, s.policies[2].escalation, s.policies[2].failover, task)
    assert ladder.calls_by_model == pytest.approx(
        {"mixtral-8x7b": 1.0, "gpt-4-turbo": reach2}, abs=1e-9)


def test_evaluation_table_with_a_stated_rung_and_a_penalty(scenarios_dir, tmp_path):
    """A stated pass probability (0.99 for GPT-4) overrides the table for that rung:
    P(pass) = mean(w x 0.95 + (1 - accept) x 0.99). A penalty of 0.6 lifts the 0.5 bar above
    every score (1.1): no model passes any prompt, nothing passes."""
    text = (scenarios_dir / "gsm8k_cascade.yaml").read_text(encoding="utf-8")
    text = text.replace("table: ../data/routellm",
                        f"table: {scenarios_dir.parent / 'data' / 'routellm'}")
    text = text.replace("  benchmark: gsm8k\n", "  benchmark: gsm8k\n  task_types: [maths_question]\n")
    text = text.replace("ladder: [{model: mixtral-8x7b}, {model: gpt-4-turbo}]",
                        "ladder: [{model: mixtral-8x7b}, "
                        "{model: gpt-4-turbo, pass_probability: 0.99}]")
    path = tmp_path / "stated.yaml"
    path.write_text(text, encoding="utf-8")
    s = load_scenario(path)
    source = scenario_source(s)
    w = (source.scores("mixtral-8x7b", np.arange(source.n_prompts)) >= 0.5).astype(float)
    accept = w * 0.95 + (1.0 - w) * 0.10
    policy, task = s.policies[2], s.workload.task_types[0]
    assert policy.escalation.ladder[1].pass_probability == 0.99
    est = estimate_ladder(s, policy.escalation, policy.failover, task)
    assert est.passed == pytest.approx(float(np.mean(w * 0.95 + (1.0 - accept) * 0.99)),
                                       abs=1e-9)
    hard = estimate_ladder(s, policy.escalation, policy.failover, task, penalty=0.6)
    assert hard.passed == pytest.approx(0.99 * 0.4 * 0.9, abs=1e-9)  # only the stated rung
    assert pass_probability(s, "mixtral-8x7b", task, 0.6) == 0.0
    assert pass_probability(s, "mixtral-8x7b", task) == pytest.approx(float(w.mean()))
    # penalty 0.5: the bar is exactly 1.0, which a correct answer (score 1.0) still clears
    assert pass_probability(s, "mixtral-8x7b", task, 0.5) == pytest.approx(float(w.mean()))
    assert s.quality_source.task_types == ["maths_question"]


def test_a_workflow_step_that_does_not_run_is_no_negative_escalation():
    """x -> y on a (fails 20%), no ladder: y runs 0.8 of the time and never escalates, so
    escalations per task are 0 (counting reach - 1 gave 100 x (0.8 - 1) / 200 = -0.1)."""
    workflow = {"name": "w", "per_day": 100,
                "steps": [{"name": "x", "task_type": "t"},
                          {"name": "y", "task_type": "t", "after": ["x"]}]}
    s = scenario(PROVIDERS, MODELS, {"routing": {"default": "a"}}, {"per_day": None},
                 [workflow], **BARS)
    est = estimate(s).policies["p"]
    assert est.escalations_per_task == 0.0
    assert est.success_rate == pytest.approx((0.8 + 0.8 * 0.8) / 2, abs=1e-12)
