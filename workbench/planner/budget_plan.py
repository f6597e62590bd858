"""Budget thresholds that keep P(a month's spend > B) under a limit: `workbench budget-plan`.

Demand: each stream (a standalone task type, or a workflow) arrives day by day as Poisson
counts around the engine's own rates (`workbench.engine.tasks.hourly_rates`: weekday profile
and the scenario's monthly growth), optionally times a month-level multiplier (lognormal with
sd ``level_sd``) and spike days (probability ``spike_prob``, volume x ``spike_factor``).

Spend: the expected USD, pass, delivery and on-time figures per arrival of each stream in each
budget state come from the estimator (`daily_figures` on the stream alone, with the state the
shared rule `budget_state` gives); spend accrues linearly within a day, and a rule fires at the
instant month-to-date spend reaches its threshold, as in the estimator and the engine. Hosting
of self-hosted models is a fixed monthly cost added to the month (rules do not watch it).

Candidates: no rules; downgrade at 50-90% of B; block non-critical tasks at 80-95% of B; both.
The chosen plan is the one with the most work done well (passed tasks over all tasks) among
those whose overrun probability - the upper end of its 95% Wilson interval over the Monte Carlo
months - is within the limit. A blocked task is deferred work, reported apart from outages.

With ``team``, the plan is for that team's own budget (the policy's ``team_budgets``): the
demand is the team's task types (and the workflows all of whose steps are the team's), the
spend is theirs (hosting is not team spend), and the policy-wide budget is taken as not
firing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.domain.errors import PolicyError
from workbench.domain.policy import Budget, BudgetRule, Policy
from workbench.domain.scenario import Scenario
from workbench.engine.tasks import hourly_rates
from workbench.estimator.estimate import daily_figures, volume_factor
from workbench.metrics.breakdown import hosted_monthly_usd
from workbench.planner.space import reference_cost_usd
from workbench.policies.budget import NO_RULES, budget_state
from workbench.policies.eligibility import eligibility
from workbench.policies.routing import routes

FIELDS = ("spend", "tasks", "delivered", "passed", "available", "blocked")
DOWNGRADE_AT = (0.5, 0.6, 0.7, 0.8, 0.9)
BLOCK_AT = (0.8, 0.9, 0.95)
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Demand:
    """Demand uncertainty beyond Poisson arrivals: month-level lognormal sd, spike days."""

    level_sd: float = 0.0
    spike_prob: float = 0.0
    spike_factor: float = 3.0
    month: int = 0


@dataclass
class Streams:
    """Per stream: name, task types, critical or not, base daily rates over the month
    (days x streams) and per-arrival figures in each budget state."""

    names: list[str]
    task_types: list[list[str]]
    rates: np.ndarray
    noncritical: list[bool]


@dataclass
class Outcome:
    """Monte Carlo result of one candidate over ``months`` months."""

    name: str
    rules: list[BudgetRule]
    months: int
    overruns: int
    month_usd: np.ndarray
    paths: np.ndarray
    totals: dict[str, float]
    affects: dict[str, list[str]] = field(default_factory=dict)

    @property
    def overrun_probability(self) -> float:
        """Share of simulated months whose spend exceeded the budget."""
        return self.overruns / self.months

    def upper95(self) -> float:
        """Upper end of the 95% Wilson interval of the overrun probability."""
        n, p, z = self.months, self.overrun_probability, 1.96
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre + half

    def summary(self, budget_usd: float) -> dict:
        """The JSON figures of the candidate."""
        t = self.totals
        tasks = t["tasks"] or 1.0
        return {"name": self.name, "rules": [r.model_dump(mode="json") for r in self.rules],
                "affects": self.affects,
                "overrun_probability": round(self.overrun_probability, 6),
                "overrun_probability_upper95": round(self.upper95(), 6),
                "mean_month_usd": round(float(self.month_usd.mean()), 4),
                "p95_month_usd": round(float(np.quantile(self.month_usd, 0.95)), 4),
                "budget_usd": budget_usd,
                "quality_pass_rate": round(t["passed"] / t["delivered"], 6)
                if t["delivered"] else None,
                "passed_share_of_all_tasks": round(t["passed"] / tasks, 6),
                "availability_of_served": round(t["available"] / max(tasks - t["blocked"], 1e-12),
                                                6),
                "deferred_tasks_per_month": round(t["blocked"] / self.months, 2),
                "deferred_share": round(t["blocked"] / tasks, 6)}


def streams(scenario: Scenario, demand: Demand) -> tuple[Streams, list[Scenario]]:
    """Each standalone task type and each workflow as a stream with its own one-stream
    scenario (for the estimator) and its expected arrivals per day of the planned month."""
    w = scenario.workload
    days = scenario.days_per_month
    n_days = math.ceil(days)
    names, types, subs, rates, noncrit = [], [], [], [], []

    def daily(per_day: float) -> np.ndarray:
        hourly = hourly_rates(scenario, per_day, days)
        out = np.zeros(n_days)
        np.add.at(out, np.arange(hourly.size) // 24, hourly)
        return out * (1.0 + w.growth_monthly) ** demand.month

    for t in w.task_types:
        if w.standalone_per_day(t) > 0:
            sub_w = w.model_copy(update={"task_types": [t], "workflows": []})
            names.append(t.name)
            types.append([t.name])
            subs.append(sub_w)
            rates.append(daily(w.standalone_per_day(t)))
            noncrit.append(not t.is_critical)
    for wf in w.workflows:
        members = {s.task_type for s in wf.steps}
        tasks = [t.model_copy(update={"per_day": None, "share": None})
                 for t in w.task_types if t.name in members]
        sub_w = w.model_copy(update={"task_types": tasks, "workflows": [wf]})
        names.append(f"workflow {wf.name}")
        types.append(sorted(members))
        subs.append(sub_w)
        rates.append(daily(wf.per_day))
        noncrit.append(not any(t.is_critical for t in tasks))
    scenarios = []
    for sub_w in subs:
        sub = scenario.model_copy(update={"workload": sub_w})
        sub._indexes = {}
        scenarios.append(sub)
    return Streams(names, types, np.array(rates).T, noncrit), scenarios


def per_arrival(scenario: Scenario, subs: list[Scenario], policy: Policy,
                rules: list[BudgetRule], budget_usd: float) -> np.ndarray:
    """Figures (states x streams x FIELDS) per arrival: the state after k rules fired."""
    budget = Budget(monthly_usd=budget_usd, rules=rules)
    states = [NO_RULES] + [budget_state(budget, r.at * budget_usd) for r in rules]
    vf = volume_factor(scenario)
    out = np.zeros((len(states), len(subs), len(FIELDS)))
    for j, sub in enumerate(subs):
        w = sub.workload
        base = (sum(wf.per_day for wf in w.workflows) if w.workflows
                else w.standalone_per_day(w.task_types[0])) * vf
        for k, state in enumerate(states):
            d = daily_figures(sub, policy, state)
            out[k, j] = [d.spend_usd / base, d.tasks / base, d.delivered / base,
                         d.passed / base, d.available / base, d.blocked / base]
    return out


def demand_draws(st: Streams, demand: Demand, months: int, seed: int) -> np.ndarray:
    """Arrivals (months x days x streams): Poisson around the rates x level x spikes."""
    rng = np.random.default_rng(seed)
    level = (np.exp(rng.normal(-demand.level_sd ** 2 / 2, demand.level_sd, months))
             if demand.level_sd > 0 else np.ones(months))
    n_days = st.rates.shape[0]
    spikes = np.where(rng.random((months, n_days)) < demand.spike_prob, demand.spike_factor,
                      1.0)
    lam = st.rates[None, :, :] * level[:, None, None] * spikes[:, :, None]
    return rng.poisson(lam).astype(float)


def run_months(fig: np.ndarray, levels: list[float], counts: np.ndarray,
               hosting_usd: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month totals (USD), spend paths (months x days, cumulative per-call USD) and summed
    figures (FIELDS) with rules firing when spend reaches each level (USD, ascending)."""
    months, n_days, _ = counts.shape
    spent = np.zeros(months)
    state = np.zeros(months, dtype=int)
    paths = np.zeros((months, n_days))
    totals = np.zeros(len(FIELDS))
    top = np.array(list(levels) + [np.inf])
    for d in range(n_days):
        left = np.ones(months)
        c = counts[:, d, :]
        for _ in range(len(levels) + 1):
            per_state = np.einsum("ms,msf->mf", c, fig[state])
            rate = per_state[:, 0]
            room = top[state] - spent
            frac = np.where(rate * left > room, np.clip(room / np.where(rate > 0, rate, 1.0),
                                                        0.0, None), left)
            frac = np.minimum(frac, left)
            totals += (per_state * frac[:, None]).sum(axis=0)
            spent += rate * frac
            left -= frac
            crossed = (left > 1e-12) & (state < len(levels))
            if not crossed.any():
                break
            state = state + crossed
        paths[:, d] = spent
    return spent + hosting_usd, paths, totals


def downgrade_map(scenario: Scenario, policy: Policy, team: str | None = None
                  ) -> dict[str, str]:
    """For each model the policy routes to, the cheapest cheaper model (reference call cost)
    eligible for every task type that reaches it; the policy's own downgrade maps first (the
    team's budget's, with ``team``)."""
    budget = policy.budget if team is None else policy.team_budgets.get(team)
    if budget is not None:
        own = {k: v for r in budget.rules if r.action == "downgrade"
               for k, v in r.map.items()}
        if own:
            return own
    used: dict[str, list] = {}
    for t in scenario.workload.task_types:
        for m in _models(policy, t, chain=False):
            used.setdefault(m, []).append(t)
    ranked = sorted(scenario.models, key=lambda m: reference_cost_usd(scenario, m.name))
    out = {}
    for m, tasks in used.items():
        price = reference_cost_usd(scenario, m)
        for cand in ranked:
            if reference_cost_usd(scenario, cand.name) < price and all(
                    eligibility(cand, t, scenario.data_classes)[0] for t in tasks):
                out[m] = cand.name
                break
    return out


def candidates(mapping: dict[str, str]) -> list[tuple[str, list[BudgetRule]]]:
    """No rules, downgrade alone, block alone, downgrade then block."""
    out: list[tuple[str, list[BudgetRule]]] = [("no rules", [])]
    down = [BudgetRule(at=a, action="downgrade", map=mapping) for a in DOWNGRADE_AT] \
        if mapping else []
    block = [BudgetRule(at=b, action="block_noncritical") for b in BLOCK_AT]
    out += [(f"downgrade at {r.at:.0%}", [r]) for r in down]
    out += [(f"block non-critical at {r.at:.0%}", [r]) for r in block]
    out += [(f"downgrade at {d.at:.0%}, block at {b.at:.0%}", [d, b])
            for d in down for b in block if d.at < b.at]
    return out


def _affects(scenario: Scenario, policy: Policy, rules: list[BudgetRule]) -> dict[str, list]:
    out: dict[str, list] = {}
    for rule in rules:
        key = f"{rule.action}@{rule.at:g}"
        if rule.action == "block_noncritical":
            out[key] = [t.name for t in scenario.workload.task_types if not t.is_critical]
        else:
            out[key] = [t.name for t in scenario.workload.task_types
                        if any(m in rule.map for m in _models(policy, t))]
    return out


def _models(policy: Policy, task, chain: bool = True) -> list[str]:
    """Models ``task`` is routed to (every part of a split, every rung of the ladder), and
    the failover chain's with ``chain``."""
    out = []
    for target, _ in routes(policy, task):
        out += ([r.model for r in policy.escalation.ladder]
                if target.escalates and policy.escalation is not None else [target.model])
    backups = [b for m in out for b, _ in policy.failover.backups(m)] if chain else []
    return list(dict.fromkeys(out + backups))


def evaluate(scenario: Scenario, policy: Policy, rules: list[BudgetRule], budget_usd: float,
             counts: np.ndarray, subs: list[Scenario], name: str = "plan",
             hosting: bool = True) -> Outcome:
    """One candidate's months on the given demand draws (``hosting``: add self-hosted
    models' fixed monthly cost to each month)."""
    rules = sorted(rules, key=lambda r: r.at)
    fig = per_arrival(scenario, subs, policy, rules, budget_usd)
    hosted = hosted_monthly_usd(scenario) if hosting else {}
    used = {m for t in scenario.workload.task_types for m in _models(policy, t)}
    used |= {v for r in rules for v in r.map.values()}
    hosting = sum(hosted.get(m, 0.0) for m in used)
    month, paths, totals = run_months(fig, [r.at * budget_usd for r in rules], counts, hosting)
    return Outcome(name, rules, counts.shape[0], int((month > budget_usd).sum()), month, paths,
                   dict(zip(FIELDS, totals)), _affects(scenario, policy, rules))


def team_only(scenario: Scenario, team: str) -> Scenario:
    """The scenario with only ``team``'s task types, and the workflows all of whose steps are
    the team's (PolicyError when no task type is the team's)."""
    w = scenario.workload
    teams = sorted({t.team for t in w.task_types})
    if team not in teams:
        raise PolicyError(f"--team: no task type belongs to team {team!r} "
                          f"(teams: {', '.join(teams)})")
    mine = {t.name for t in w.task_types if t.team == team}
    flows = [wf for wf in w.workflows if {s.task_type for s in wf.steps} <= mine]
    in_flows = {s.task_type for wf in flows for s in wf.steps}
    tasks = [t for t in w.task_types if t.name in mine
             and (w.standalone_per_day(t) > 0 or t.name in in_flows)]
    out = scenario.model_copy(update={"workload": w.model_copy(
        update={"task_types": tasks, "workflows": flows})})
    out._indexes = {}
    return out


def budget_plan(scenario: Scenario, policy_name: str, budget_usd: float,
                max_overrun_prob: float = 0.05, months: int = 2000,
                demand: Demand = Demand(), seed: int | None = None,
                team: str | None = None) -> dict:
    """Evaluate every candidate on common demand draws; choose the plan with the most passed
    work whose overrun probability (upper 95%) is within ``max_overrun_prob``; with ``team``,
    for that team's own budget (see the module docstring)."""
    if policy_name not in scenario.policy_names:
        raise PolicyError(f"--policy: no policy {policy_name!r} in the scenario "
                          f"(policies: {', '.join(scenario.policy_names)})")
    mapping = downgrade_map(scenario, scenario.policy(policy_name), team) if team else {}
    if team is not None:
        scenario = team_only(scenario, team)
    policy = scenario.policy(policy_name).model_copy(update={"budget": None,
                                                             "team_budgets": {}})
    st, subs = streams(scenario, demand)
    seed = scenario.seed if seed is None else seed
    counts = demand_draws(st, demand, months, seed)
    outcomes = [evaluate(scenario, policy, rules, budget_usd, counts, subs, name,
                         hosting=team is None)
                for name, rules in candidates(mapping or downgrade_map(scenario, policy))]
    ok = [o for o in outcomes if o.upper95() <= max_overrun_prob]
    chosen = max(ok, key=lambda o: (round(o.totals["passed"] / max(o.totals["tasks"], 1e-12),
                                          9), -o.month_usd.mean())) if ok else \
        min(outcomes, key=lambda o: o.overrun_probability)
    fan = {f"p{int(q * 100)}": [round(float(x), 2) for x in np.quantile(chosen.paths, q, axis=0)]
           for q in FAN_QUANTILES}
    return {"scenario": scenario.name, "policy": policy_name, "team": team,
            "budget_usd": budget_usd,
            "max_overrun_prob": max_overrun_prob, "months": months, "seed": seed,
            "demand": demand.__dict__, "streams": st.names,
            "meets_limit": bool(ok), "chosen": chosen.summary(budget_usd),
            "chosen_budget": {"monthly_usd": budget_usd,
                              "rules": [r.model_dump(mode="json") for r in chosen.rules]},
            "candidates": [o.summary(budget_usd) for o in outcomes],
            "fan_chart_usd": {"days": list(range(1, chosen.paths.shape[1] + 1)), **fan}}
