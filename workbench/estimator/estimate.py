"""Expected monthly figures per policy: cost (by task type, model, provider, team), quality
pass rate, rework hours, success, availability, latency quantiles, budget rule firings, ROI.

Latency of a workflow step counts from the workflow's arrival: its own attempts start when the
last of its upstream steps is done (a quadrature over quantiles of that time).

Budget rules: spend accrues linearly within a month, so the day a rule fires is
(threshold - spend so far) / daily spend rate in the current state; the month is split into
segments with the rules in force, and every figure is the duration-weighted sum.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from workbench.domain.claims import judge_claims
from workbench.domain.policy import Budget, Policy
from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.estimator.ladder import TaskEstimate, estimate_ladder, estimate_single, weighted
from workbench.estimator.latency import (
    max_quantiles,
    mixture_quantile,
)
from workbench.estimator.predictive import cooling_shares
from workbench.metrics.breakdown import DIMENSIONS, book_hosting, hosted_monthly_usd
from workbench.metrics.roi import MonthlyFigures, Roi, roi
from workbench.policies.budget import (
    NO_RULES,
    BudgetState,
    BudgetStates,
    RuleFiring,
    budget_state,
    thresholds_usd,
)
from workbench.policies.routing import Route, routes

DAY_S = 86_400.0
UPSTREAM_NODES = 6  # quantile nodes of when a workflow step's upstream steps are done
JUDGE = "(judge)"


@dataclass
class Unit:
    """A stream of tasks of one type: standalone, or a step of a workflow (run after the steps
    in ``after``; loses ``penalty`` of score when one of them delivered below its bar)."""

    task: TaskType
    per_day: float
    workflow: str | None = None
    step: str | None = None
    after: tuple[str, ...] = ()
    penalty: float = 0.0


@dataclass
class DailyFigures:
    """Per-day expectations of one budget state."""

    tasks: float = 0.0
    delivered: float = 0.0
    passed: float = 0.0
    below_bar: float = 0.0
    available: float = 0.0
    blocked: float = 0.0
    cost: dict[str, dict[str, float]] = field(
        default_factory=lambda: {d: defaultdict(float) for d in DIMENSIONS})
    model_usd: float = 0.0
    judge_usd: float = 0.0
    calls: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    latency: list = field(default_factory=list)  # ServedLatency mixtures
    escalations: float = 0.0
    failovers: float = 0.0
    primary_calls: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    primary_fails: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))

    @property
    def spend_usd(self) -> float:
        """Per-call spend per day (models + judge), what budget rules watch."""
        return self.model_usd + self.judge_usd


@dataclass
class PolicyEstimate:
    """Expected figures of one policy for one month; see ``summary`` for the JSON keys."""

    policy: str
    tasks_per_month: float
    monthly_cost_usd: float
    model_usd: float
    judge_usd: float
    hosting_usd: float
    quality_pass_rate: float | None
    success_rate: float
    availability: float
    latency_p50_s: float | None
    latency_p95_s: float | None
    rework_hours: float
    escalations_per_task: float
    failovers_per_task: float
    breakdown: dict[str, dict[str, float]]
    budget_firings: list[dict]
    savings_vs_baseline: float | None = None
    roi: Roi | None = None

    @property
    def cost_per_task_usd(self) -> float:
        """Monthly cost over tasks per month."""
        return self.monthly_cost_usd / self.tasks_per_month if self.tasks_per_month else 0.0

    def figures(self) -> MonthlyFigures:
        """The monthly figures ROI needs."""
        return MonthlyFigures(self.model_usd, self.judge_usd, self.hosting_usd,
                              self.rework_hours, self.availability)

    def summary(self) -> dict:
        """JSON summary following the CLI contract."""
        return {
            "monthly_cost_usd": round(self.monthly_cost_usd, 6),
            "cost_per_task_usd": round(self.cost_per_task_usd, 8),
            "savings_vs_baseline": _round(self.savings_vs_baseline, 6),
            "quality_pass_rate": _round(self.quality_pass_rate, 6),
            "success_rate": round(self.success_rate, 6),
            "availability": round(self.availability, 6),
            "latency_p50_s": _round(self.latency_p50_s, 4),
            "latency_p95_s": _round(self.latency_p95_s, 4),
            "rework_hours": round(self.rework_hours, 4) + 0.0,  # + 0.0: no "-0.0"
            "tasks_per_month": round(self.tasks_per_month, 4),
            "escalations_per_task": round(self.escalations_per_task, 6),
            "failovers_per_task": round(self.failovers_per_task, 6),
            "cost_components_usd": {"models": round(self.model_usd, 6),
                                    "judge": round(self.judge_usd, 6),
                                    "hosting": round(self.hosting_usd, 6)},
            "breakdown_usd": {d: {k: round(v, 6) for k, v in sorted(b.items())}
                              for d, b in self.breakdown.items()},
            "budget_firings": self.budget_firings,
            "roi": self.roi.as_dict() if self.roi else None,
        }


@dataclass
class ScenarioEstimate:
    """Estimates of every policy of a scenario, baseline first in ``baseline``."""

    scenario: str
    baseline: str
    days_per_month: float
    policies: dict[str, PolicyEstimate]
    claims: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``workbench estimate --json`` document."""
        return {"scenario": self.scenario, "method": "closed-form expected values",
                "baseline": self.baseline, "days_per_month": self.days_per_month,
                "policies": {n: p.summary() for n, p in self.policies.items()},
                "claims": self.claims}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def volume_factor(scenario: Scenario) -> float:
    """Mean over the first month of weekday weight x monthly growth (the hour-of-day profile
    averages to 1 over each day): a 30-day month starting on a Monday has two extra Mondays
    and Tuesdays, and growth compounds continuously."""
    w = scenario.workload
    weights = w.weekday_profile or [1.0] * 7
    total = sum(weights)
    weekday = [7.0 * x / total for x in weights] if total > 0 else [1.0] * 7
    days = scenario.days_per_month
    whole = int(days)
    parts = [(d, 1.0) for d in range(whole)] + ([(whole, days - whole)] if days > whole else [])
    g = w.growth_monthly
    acc = 0.0
    for day, span in parts:
        mid = (day + span / 2.0) / days
        acc += span * weekday[(day + scenario.horizon.start_weekday) % 7] * (1.0 + g) ** mid
    return acc / days


def units(scenario: Scenario) -> list[Unit]:
    """Every task stream of the workload, at the month's mean volume factor."""
    w = scenario.workload
    growth = volume_factor(scenario)
    out = [Unit(t, w.standalone_per_day(t) * growth) for t in w.task_types
           if w.standalone_per_day(t) > 0]
    for wf in w.workflows:
        out += [Unit(w.task_type(step.task_type), wf.per_day * growth, wf.name, step.name,
                     tuple(step.after), wf.cascade_penalty) for step in wf.order()]
    return out


def _task_estimate(scenario: Scenario, policy: Policy, task: TaskType, state: BudgetState,
                   penalty: float = 0.0, cooling: dict | None = None) -> TaskEstimate:
    """Expected outcome of one task (its ``latency``: when it is delivered, per path); a
    weighted split is the mixture of its models' outcomes."""
    parts = routes(policy, task)
    if len(parts) > 1:
        return weighted([(share, _route_estimate(scenario, policy, task, target, state, penalty,
                                                  cooling)) for target, share in parts])
    return _route_estimate(scenario, policy, task, parts[0][0], state, penalty, cooling)


def _route_estimate(scenario: Scenario, policy: Policy, task: TaskType, target: Route,
                    state: BudgetState, penalty: float, cooling: dict | None) -> TaskEstimate:
    """Expected outcome of one task sent down one route."""
    if not target.escalates:
        return estimate_single(scenario, policy.failover, target.model, task, state.substitute,
                               penalty, cooling)
    assert policy.escalation is not None
    return estimate_ladder(scenario, policy.escalation, policy.failover, task,
                           state.substitute, penalty, cooling)


def daily_figures(scenario: Scenario, policy: Policy, states: BudgetState | BudgetStates,
                  cooling: dict | None = None) -> DailyFigures:
    """Expected figures per day with the budget ``states`` in force (per team; ``cooling``: predictive
    failover's cooldown shares, see `workbench.estimator.predictive`)."""
    day = DailyFigures()
    steps: dict[tuple[str | None, str | None], TaskEstimate] = {}
    finished: dict[tuple[str | None, str | None], list] = {}
    for unit in units(scenario):
        task, n = unit.task, unit.per_day
        state = states.for_team(task.team)
        day.tasks += n
        if state.block_noncritical and not task.is_critical:
            day.blocked += n
            steps[(unit.workflow, unit.step)] = TaskEstimate(reach=[0.0])
            continue
        est = _step_estimate(scenario, policy, unit, state, steps, cooling)
        steps[(unit.workflow, unit.step)] = est
        day.delivered += n * est.delivered
        day.passed += n * est.passed
        day.below_bar += n * est.below_bar
        day.escalations += n * est.escalations
        day.failovers += n * est.failovers
        for model, calls in est.primary_calls.items():
            day.primary_calls[model] += n * calls
        for model, fails in est.primary_fails.items():
            for fail_state, p in fails.items():
                day.primary_fails[model][fail_state] += n * p
        for model, usd in est.cost_by_model.items():
            _book(day, scenario, task, model, n * usd)
            day.model_usd += n * usd
        if est.judge_usd:
            judge_model = policy.escalation.judge.model if policy.escalation else None
            _book(day, scenario, task, judge_model or JUDGE, n * est.judge_usd)
            day.judge_usd += n * est.judge_usd
        for model, calls in est.calls_by_model.items():
            day.calls[model] += n * calls
        deadline = scenario.latency_classes[task.latency_class].deadline_s
        starts = max_quantiles([finished.get((unit.workflow, a), []) for a in unit.after],
                               UPSTREAM_NODES) if unit.after else [0.0]
        latency = [mix.shifted(start).scaled(n / len(starts))
                   for start in starts for mix in est.latency if mix.weight > 0]
        finished[(unit.workflow, unit.step)] = latency
        day.latency += latency
        day.available += sum(mix.weight * mix.cdf(deadline) for mix in latency)
    return day


def _step_estimate(scenario: Scenario, policy: Policy, unit: Unit, state: BudgetState,
                   done: dict, cooling: dict | None = None) -> TaskEstimate:
    """A task, or a workflow step: it runs only when every upstream step delivered
    (independence across steps), and loses the cascade penalty when one of them delivered
    below its bar."""
    clean = _task_estimate(scenario, policy, unit.task, state, cooling=cooling)
    if not unit.after:
        return clean
    ups = [done[(unit.workflow, name)] for name in unit.after]
    runs = math.prod(u.delivered for u in ups)
    below = 1.0 - math.prod(1.0 - (u.below_bar / u.delivered if u.delivered else 0.0)
                            for u in ups)
    mix = [(runs * (1.0 - below), clean)]
    if below > 0.0 and unit.penalty > 0.0:
        mix.append((runs * below, _task_estimate(scenario, policy, unit.task, state,
                                                 unit.penalty, cooling)))
    else:
        mix[0] = (runs, clean)
    return weighted(mix)


def _book(day: DailyFigures, scenario: Scenario, task: TaskType, model: str, usd: float) -> None:
    day.cost["task_type"][task.name] += usd
    day.cost["team"][task.team] += usd
    day.cost["model"][model] += usd
    provider = scenario.model(model).provider if model != JUDGE else JUDGE
    day.cost["provider"][provider] += usd


def predictive_cooling(scenario: Scenario, policy: Policy) -> dict | None:
    """Under predictive failover or a circuit breaker: per model, the share of time it is
    avoided in each state of its provider (`workbench.estimator.predictive`; both rules
    together: avoided when either avoids it, taken independent), from the mean rate of calls
    that start on it with no budget rule in force; None without either."""
    failover = policy.failover
    rules = ([failover.predictive] if failover.mode == "predictive" else []) + (
        [failover.breaker] if failover.breaker is not None else [])
    if not rules:
        return None
    day = daily_figures(scenario, policy, NO_RULES)
    out = {}
    for model, calls in day.primary_calls.items():
        if calls <= 0.0:
            continue
        fail = {s: p / calls for s, p in day.primary_fails[model].items()}
        kept = {"up": 1.0, "degraded": 1.0, "down": 1.0}
        for rule in rules:
            share = cooling_shares(rule, scenario.provider_of(model), calls / DAY_S,
                                   failover.retries, fail)
            kept = {s: kept[s] * (1.0 - share[s]) for s in kept}
        out[model] = {s: 1.0 - k for s, k in kept.items()}
    return out


def budget_segments(scenario: Scenario, policy: Policy) -> tuple[list[tuple[float, DailyFigures]],
                                                                  list[dict]]:
    """Split a month into (days, figures) segments by the budget rules in force: spend rates
    are constant between crossings, so each budget (the policy's, watching all spend, and
    each team's, watching its team's) crosses its next threshold after (threshold - spend
    so far) / its daily rate; the month steps from the earliest crossing to the next."""
    month = scenario.days_per_month
    cooling = predictive_cooling(scenario, policy)
    budgets = {team: budget for team, budget in _budgets(policy)}
    if not budgets:
        return [(month, daily_figures(scenario, policy, NO_RULES, cooling))], []
    levels = {key: thresholds_usd(b) for key, b in budgets.items()}
    fired = dict.fromkeys(budgets, 0)
    spent = dict.fromkeys(budgets, 0.0)
    segments, firings, t = [], [], 0.0
    while t < month:
        states = {key: budget_state(budgets[key], levels[key][fired[key] - 1]) if fired[key]
                  else NO_RULES for key in budgets}
        day = daily_figures(scenario, policy, BudgetStates(
            states.get(None, NO_RULES), {k: v for k, v in states.items() if k is not None}),
            cooling)
        rate = {key: day.spend_usd if key is None else day.cost["team"].get(key, 0.0)
                for key in budgets}
        waits = {key: (levels[key][fired[key]] - spent[key]) / rate[key] for key in budgets
                 if fired[key] < len(levels[key]) and rate[key] > 0.0}
        if not waits or t + min(waits.values()) >= month:
            segments.append((month - t, day))
            break
        key = min(waits, key=lambda k: (waits[k], k is not None, str(k)))
        dt = waits[key]
        segments.append((dt, day))
        t += dt
        for other in budgets:
            spent[other] += rate[other] * dt
        spent[key] = levels[key][fired[key]]
        rule = budgets[key].rules[fired[key]]
        firing = RuleFiring(0, fired[key], rule.at, rule.action, round(t * DAY_S, 3),
                            round(spent[key], 6), key)
        firings.append({**firing.as_dict(), "day": round(t, 4)})
        fired[key] += 1
    return segments, firings


def _budgets(policy: Policy) -> list[tuple[str | None, Budget]]:
    """(team or None for the policy's own, budget) of every budget with rules."""
    own = [(None, policy.budget)] if policy.budget is not None and policy.budget.rules else []
    return own + [(team, b) for team, b in policy.team_budgets.items() if b.rules]


def estimate_policy(scenario: Scenario, policy: Policy) -> PolicyEstimate:
    """Expected figures of one policy over one month."""
    segments, firings = budget_segments(scenario, policy)
    tot = lambda attr: sum(d * getattr(f, attr) for d, f in segments)
    breakdown: dict[str, dict[str, float]] = {dim: defaultdict(float) for dim in DIMENSIONS}
    calls: dict[str, float] = defaultdict(float)
    latency: list = []
    for days, fig in segments:
        for dim in DIMENSIONS:
            for key, usd in fig.cost[dim].items():
                breakdown[dim][key] += days * usd
        for model, n in fig.calls.items():
            calls[model] += days * n
        latency += [p.scaled(days)
                    for p in fig.latency]
    hosting = 0.0
    hosted = hosted_monthly_usd(scenario)
    for model in sorted(m for m, n in calls.items() if n > 0):
        usd = hosted.get(model, 0.0)
        if usd:
            hosting += usd
            book_hosting(breakdown, scenario, model, usd)
    tasks, delivered = tot("tasks"), tot("delivered")
    finance = scenario.finance
    return PolicyEstimate(
        policy=policy.name, tasks_per_month=tasks,
        monthly_cost_usd=tot("model_usd") + tot("judge_usd") + hosting,
        model_usd=tot("model_usd"), judge_usd=tot("judge_usd"), hosting_usd=hosting,
        quality_pass_rate=tot("passed") / delivered if delivered else None,
        success_rate=delivered / tasks if tasks else 0.0,
        availability=tot("available") / tasks if tasks else 0.0,
        latency_p50_s=mixture_quantile(latency, 0.50),
        latency_p95_s=mixture_quantile(latency, 0.95),
        rework_hours=tot("below_bar") * finance.rework_minutes / 60.0,
        escalations_per_task=tot("escalations") / tasks if tasks else 0.0,
        failovers_per_task=tot("failovers") / tasks if tasks else 0.0,
        breakdown={d: dict(b) for d, b in breakdown.items()}, budget_firings=firings)


def estimate(scenario: Scenario) -> ScenarioEstimate:
    """Closed-form estimate of every policy; savings and ROI against the baseline.

    >>> from workbench.domain import load_scenario
    >>> est = estimate(load_scenario("scenarios/support_desk.yaml"))  # doctest: +SKIP
    >>> round(est.policies["routed"].monthly_cost_usd, 2)  # doctest: +SKIP
    1965.0
    """
    results = {p.name: estimate_policy(scenario, p) for p in scenario.policies}
    base = results[scenario.baseline]
    for name, result in results.items():
        if base.monthly_cost_usd > 0:
            result.savings_vs_baseline = 1.0 - result.monthly_cost_usd / base.monthly_cost_usd
        if name != scenario.baseline:
            result.roi = roi(result.figures(), base.figures(), scenario.finance,
                         scenario.days_per_month)
    return ScenarioEstimate(scenario.name, scenario.baseline, scenario.days_per_month, results,
                            check_claims(scenario, {n: r.summary() for n, r in results.items()}))


def check_claims(scenario: Scenario, summaries: dict[str, dict]) -> list[dict]:
    """Each claim of the scenario judged by the estimate where the estimate models it; claims
    about reliability or latency under outages or limits are left "not modelled by the
    estimate" (``compare``, ``report --simulate`` and the app judge them on a simulation)."""
    return judge_claims(scenario, summaries)
