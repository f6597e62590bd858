"""`optimize` against brute force: on a scenario small enough to enumerate every policy of
the space (itertools.product over each task type's choices, the estimator on each
combination), the integer program returns exactly the brute-force optimum and frontier, and
its recommendation meets every constraint in the estimate and in a simulation."""

from __future__ import annotations

import itertools
import json

import pytest
import yaml

from workbench.domain.loader import load_scenario, read_yaml_mapping, scenario_from_data
from workbench.domain.policy import Escalation, Failover, Judge, Policy, Routing, RoutingRule, Rung
from workbench.estimator.estimate import estimate_policy
from workbench.planner.frontier import frontier
from workbench.planner.model import Constraints, PlanModel
from workbench.planner.recommendation import optimize, policy_mapping
from workbench.planner.space import search_space
from workbench.planner.terms import TermTable
from workbench.policies.eligibility import eligibility

SMALL = """
name: planner_small
seed: 3
horizon: {days: 30, days_per_month: 30}
baseline: strong_only
quality_bars: {premium: 0.9, standard: 0.85, basic: 0.75}
providers:
  - {name: pa, mtbf_days: 3, mttr_hours: 4}
  - {name: pb, mtbf_days: 6, mttr_hours: 2}
  - {name: own}
models:
  - {name: cheap, provider: pa, price: {input_per_mtok_usd: 0.2, output_per_mtok_usd: 0.8},
     quality: {mean: 0.87, sd: 0.06}, latency: {ttft_median_s: 0.3, ttft_p95_s: 0.6,
     tokens_per_s: 120}}
  - {name: strong, provider: pb, price: {input_per_mtok_usd: 3, output_per_mtok_usd: 15},
     context_window: 2000, quality: {mean: 0.95, sd: 0.03},
     latency: {ttft_median_s: 0.8, ttft_p95_s: 1.5, tokens_per_s: 50}}
  - {name: local, provider: own, deployment: {kind: self_hosted, hourly_usd: 0.02},
     quality: {mean: 0.91, sd: 0.04}, latency: {ttft_median_s: 0.5, ttft_p95_s: 1.0,
     tokens_per_s: 60}}
workload:
  task_types:
    - {name: chat, per_day: 300, tier: standard, input_tokens: 400, output_tokens: 150}
    - {name: tag, per_day: 200, tier: basic, latency_class: batch, input_tokens: 300,
       output_tokens: 20}
    - {name: report, per_day: 40, tier: premium, latency_class: batch, input_tokens: 3000,
       output_tokens: 600}
  workflows:
    - name: triage
      per_day: 50
      cascade_penalty: 0.1
      steps:
        - {name: answer, task_type: chat}
        - {name: label, task_type: tag, after: [answer]}
policies:
  - name: strong_only
    routing: {default: strong, rules: [{when: {task_type: report}, model: local}]}
    failover: {mode: sequential, chain: [cheap], retries: 1}
  - name: cascade
    routing: {default_escalate: true, rules: [{when: {task_type: report}, model: local}]}
    escalation:
      ladder: [{model: cheap}, {model: strong}]
      judge: {cost_usd: 0.0004, latency_s: 0.2, false_accept: 0.1, false_reject: 0.05}
"""

JUDGE = Judge(cost_usd=0.0004, latency_s=0.2, false_accept=0.1, false_reject=0.05)
LADDERS = [Escalation(ladder=[Rung(model="cheap"), Rung(model="strong")], judge=JUDGE),
           Escalation(ladder=[Rung(model="cheap"), Rung(model="local"), Rung(model="strong")],
                      judge=JUDGE)]
FAILOVERS = [Failover(mode="none"), Failover(mode="sequential", chain=["cheap"], retries=1)]
MODELS = ["cheap", "strong", "local"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("planner") / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_scenario(path)


def _policy(assignment: dict[str, str], ladder, failover) -> Policy:
    """Written independently of the planner: one routing rule per task type."""
    rules = [RoutingRule(when={"task_type": t}, model=None if c == "L" else c,
                         escalate=c == "L") for t, c in assignment.items()]
    return Policy(name="brute", routing=Routing(default="cheap", rules=rules),
                  escalation=ladder if "L" in assignment.values() else None, failover=failover)


@pytest.fixture(scope="module")
def brute(small):
    """Every policy of the space with its estimate."""
    return _brute(small, LADDERS)


def _brute(small, ladders):
    tasks = [t.name for t in small.workload.task_types]
    ok = {(m, t.name): eligibility(small.model(m), t)[0] for m in MODELS
          for t in small.workload.task_types}
    rows = []
    for ladder in [None, *ladders]:
        for fo in FAILOVERS:
            per_task = []
            for t in tasks:
                chain_ok = all(ok[(c, t)] for c in fo.chain)
                choices = [m for m in MODELS if ok[(m, t)] and chain_ok]
                if ladder is not None and chain_ok and all(ok[(r.model, t)]
                                                           for r in ladder.ladder):
                    choices.append("L")
                per_task.append(choices)
            for combo in itertools.product(*per_task):
                e = estimate_policy(small, _policy(dict(zip(tasks, combo)), ladder, fo))
                rows.append((e.monthly_cost_usd, e.quality_pass_rate, e.availability,
                             e.latency_p95_s))
    return rows


def _meets(row, cons: Constraints) -> bool:
    cost, q, a, p95 = row
    return ((cons.min_pass is None or q >= cons.min_pass)
            and (cons.min_availability is None or a >= cons.min_availability)
            and (cons.max_p95_s is None or p95 <= cons.max_p95_s)
            and (cons.budget_usd is None or cost <= cons.budget_usd))


def _space(small):
    return search_space(small, MODELS, LADDERS, FAILOVERS)


def test_the_space_is_what_brute_force_enumerates(small, brute):
    # "report" (3,600 p95 tokens) does not fit strong's 2,000-token window, nor any ladder
    # with strong: 2 ladders x 2 failovers; chat, tag: 3 models (+ ladder); report: 2 models.
    assert not eligibility(small.model("strong"), small.workload.task_type("report"))[0]
    no_ladder = 3 * 3 * 2
    with_ladder = 4 * 4 * 2
    assert _space(small).size() == 2 * no_ladder + 2 * 2 * with_ladder == len(brute) == 164


@pytest.mark.parametrize("cons", [
    Constraints(),
    Constraints(min_pass=0.93),
    Constraints(min_pass=0.96, min_availability=0.99),
    Constraints(min_pass=0.85, max_p95_s=5.3),
    Constraints(min_availability=0.995, budget_usd=60.0),
])
def test_optimum_equals_brute_force(small, brute, cons):
    space = _space(small)
    model = PlanModel(space, TermTable(space), cons.max_p95_s)
    sol = model.solve(cons)
    feasible = [r for r in brute if _meets(r, cons)]
    assert feasible, "the test's constraints must be feasible"
    assert sol is not None and sol.mip_gap == 0.0
    assert sol.monthly_cost_usd == pytest.approx(min(r[0] for r in feasible), rel=1e-9)
    # the policy the program chose has, by the estimator, the figures the program claimed
    est = estimate_policy(small, space.policy("x", space.globals[sol.g], sol.assignment))
    assert est.monthly_cost_usd == pytest.approx(sol.monthly_cost_usd, rel=1e-9)
    assert est.quality_pass_rate == pytest.approx(sol.quality_pass_rate, rel=1e-9)
    assert est.availability == pytest.approx(sol.availability, rel=1e-9)
    assert _meets((est.monthly_cost_usd, est.quality_pass_rate, est.availability,
                   est.latency_p95_s), cons)


def test_generated_ladders_and_whole_ladder_dominance(small):
    """The default ladders (the scenario's, then every 2- and 3-rung ladder in ascending
    price with its judge): dropping ladders another ladder dominates keeps the optimum."""
    space = search_space(small, MODELS, None, FAILOVERS)
    ladders = [g.escalation for g in space.globals if g.escalation is not None]
    ladders = [e for i, e in enumerate(ladders) if e not in ladders[:i]]
    assert len(ladders) == 4  # cheap>strong (the scenario's), cheap>local, local>strong, all 3
    rows = _brute(small, ladders)
    assert space.size() == len(rows)
    for cons in (Constraints(min_pass=0.95), Constraints(min_pass=0.96, budget_usd=60.0),
                 Constraints(min_pass=0.9, min_availability=0.995)):
        model = PlanModel(space, TermTable(space), None)
        sol = model.solve(cons)
        feasible = [r for r in rows if _meets(r, cons)]
        assert sol.monthly_cost_usd == pytest.approx(min(r[0] for r in feasible), rel=1e-9)


def test_a_dominated_ladder_is_dropped_and_the_optimum_kept(small):
    """The first ladder again with a dearer judge is worse on every option: dropped."""
    dear = LADDERS[0].model_copy(update={"judge": JUDGE.model_copy(update={"cost_usd": 0.002})})
    ladders = [dear, *LADDERS]
    space = search_space(small, MODELS, ladders, FAILOVERS)
    model = PlanModel(space, TermTable(space), None)
    assert model.ladders_dropped == len(FAILOVERS)  # once under each failover
    rows = _brute(small, ladders)
    for cons in (Constraints(min_pass=0.95), Constraints(min_pass=0.93, budget_usd=40.0)):
        sol = model.solve(cons)
        feasible = [r for r in rows if _meets(r, cons)]
        assert sol.monthly_cost_usd == pytest.approx(min(r[0] for r in feasible), rel=1e-9)


def test_failover_plans_that_change_nothing_are_dropped(small):
    """Without outages a retry or a backup never fires: the plan equals no failover, is
    dropped, and the optimum is the brute-force one."""
    calm = small.model_copy(update={"providers": [p.model_copy(update={"mtbf_days": None})
                                                  for p in small.providers]})
    calm._indexes = {}
    space = search_space(calm, MODELS, LADDERS, FAILOVERS)
    model = PlanModel(space, TermTable(space), None)
    assert model.failovers_dropped == 1
    rows = _brute(calm, LADDERS)
    for cons in (Constraints(min_pass=0.95), Constraints(min_pass=0.9, budget_usd=30.0)):
        sol = model.solve(cons)
        feasible = [r for r in rows if _meets(r, cons)]
        assert sol.monthly_cost_usd == pytest.approx(min(r[0] for r in feasible), rel=1e-9)


def test_quality_objective_equals_brute_force(small, brute):
    cons = Constraints(budget_usd=80.0)
    space = _space(small)
    sol = PlanModel(space, TermTable(space), None).solve(cons, "quality")
    best = max(r[1] for r in brute if _meets(r, cons))
    assert sol.quality_pass_rate == pytest.approx(best, abs=1e-9)
    cheapest = min(r[0] for r in brute if _meets(r, cons) and r[1] >= best - 1e-9)
    assert sol.monthly_cost_usd == pytest.approx(cheapest, rel=1e-9)


def test_frontier_equals_brute_force(small, brute):
    cons = Constraints(min_availability=0.99)
    space = _space(small)
    points = frontier(PlanModel(space, TermTable(space), None), cons, points=8)
    feasible = [r for r in brute if _meets(r, cons)]
    cheapest = min(feasible)
    assert points[0].solution.monthly_cost_usd == pytest.approx(cheapest[0], rel=1e-9)
    assert points[0].floor == pytest.approx(cheapest[1], abs=1e-12)
    assert points[-1].solution.quality_pass_rate == pytest.approx(
        max(r[1] for r in feasible), abs=1e-9)
    for p in points:
        at_floor = min(r[0] for r in feasible if r[1] >= p.floor - 1e-12)
        assert p.solution.monthly_cost_usd == pytest.approx(at_floor, rel=1e-9)
    # brute-force Pareto check: nothing is cheaper and at least as good on pass rate
    for p in points:
        s = p.solution
        assert not any(r[0] < s.monthly_cost_usd * (1 - 1e-9) and r[1] >= s.quality_pass_rate
                       for r in feasible)


def test_recommendation_meets_every_constraint_in_estimate_and_simulate(small):
    cons = Constraints(min_pass=0.93, min_availability=0.99, max_p95_s=6.0, budget_usd=100.0)
    plan = optimize(small, cons, models=MODELS, ladders=LADDERS, failovers=FAILOVERS,
                    replications=4, points=4)
    doc = json.loads(json.dumps(plan.to_json()))
    best = doc["best"]
    assert best["estimated"]["violates"] == []
    est = best["estimated"]
    assert est["quality_pass_rate"] >= 0.93 and est["availability"] >= 0.99
    assert est["latency_p95_s"] <= 6.0 and est["monthly_cost_usd"] <= 100.0
    sim = best["simulated"]
    assert sim["confirmed"] and sim["violates"] == []
    low, high = sim["monthly_cost_usd_ci95"]
    assert low <= sim["monthly_cost_usd"] <= high
    assert {"searched", "frontier", "best", "binding"} <= set(doc)
    for key in ("policy", "monthly_cost_usd", "quality_pass_rate", "availability",
                "latency_p95_s"):
        assert all(key in p for p in doc["frontier"])
    assert doc["searched"]["space_size"] == 164 and doc["searched"]["proved_optimal"]
    th = doc["budget_thresholds"]  # --budget-usd given: thresholds for the month's variance
    assert th["chosen"]["overrun_probability_upper95"] <= 0.05 or not th["meets_limit"]
    nxt = doc["next_cheaper"]
    if nxt is not None:  # a cheaper frontier policy breaks at least one constraint
        assert nxt["monthly_cost_usd"] < best["monthly_cost_usd"] and nxt["violates"]
    binding = {b["constraint"]: b for b in doc["binding"]}
    for b in binding.values():
        if b["binding"]:  # the next cheaper option breaks this very constraint
            assert any(v["constraint"] == b["constraint"]
                       for v in b["next_option"]["violates"])
            assert b["next_option"]["monthly_cost_usd"] < best["monthly_cost_usd"]


def test_policy_yaml_is_accepted_by_a_scenario(small, tmp_path):
    space = _space(small)
    model = PlanModel(space, TermTable(space), None)
    sol = model.solve(Constraints(min_pass=0.95))
    policy = space.policy("found", space.globals[sol.g], sol.assignment)
    data = read_yaml_mapping(small.source)
    data["policies"].append(yaml.safe_load(yaml.safe_dump(policy_mapping(policy))))
    again = scenario_from_data(data, "with_found.yaml", small.source)
    est = estimate_policy(again, again.policy("found"))
    assert est.monthly_cost_usd == pytest.approx(sol.monthly_cost_usd, rel=1e-9)


def test_one_replication_does_not_judge_the_budget(small):
    """One replication has no cost interval (low = high = the one month): the simulated check
    says the budget is unchecked rather than failing the recommendation on one draw."""
    from workbench.planner.recommendation import simulate_policy

    policy = small.policy("strong_only")
    sim = simulate_policy(small, policy, Constraints(budget_usd=1.0), replications=1)
    assert sim["confirmed"] and "not checked" in sim["note"]
    two = simulate_policy(small, policy, Constraints(budget_usd=1.0), replications=2)
    assert not two["confirmed"] and two["violates"][0]["constraint"] == "budget_usd"
