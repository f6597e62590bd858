"""Sensitivity of a policy's ROI to the finance and traffic assumptions, on the closed form.

Each `Assumption` edits a copy of the scenario (`workbench.domain.edits`) and the estimator
gives the policy's net monthly benefit against the baseline (USD / month) and its payback
(months). The tornado moves each assumption to a low and a high value (rework minutes, hourly
rate, daily volume and each vendor's prices at 0.5x and 1.5x; each provider's outage rate at
0.5x and 2x; judge error at 0.5x and 1.5x). The break-even value of an assumption is where the
net crosses a target, found by bisection on the estimator: ``0`` (the change stops paying at
all) and the net that pays back within `PAYBACK_TARGET_MONTHS` (payback = ramp + implementation
cost / net, so "payback <= 12" is "net >= implementation cost / (12 - ramp)").

    >>> result = sensitivity(load_scenario("scenarios/support_desk.yaml"), "routed")  # doctest: +SKIP
    >>> result.rows[0].label, result.rows[0].break_even  # doctest: +SKIP
    ('rework minutes per below-bar answer', 12.72...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.domain.catalog import resolve_price
from workbench.domain.edits import from_data, scenario_data
from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import estimate
from workbench.metrics.roi import ramp_months

PAYBACK_TARGET_MONTHS = 12.0
Edit = Callable[[dict[str, Any], float], None]


@dataclass(frozen=True)
class Assumption:
    """One assumption: its name, unit, today's value, the tornado's low and high values, the
    range searched for a break-even, and how to set it in the scenario's plain data."""

    key: str
    label: str
    unit: str
    base: float
    low: float
    high: float
    search: tuple[float, float]
    edit: Edit = field(repr=False)


@dataclass(frozen=True)
class SensitivityRow:
    """Net USD / month and payback months of the policy at the assumption's low and high value,
    and its break-even values (None: no value in the search range crosses the target)."""

    key: str
    label: str
    unit: str
    base: float
    low: float
    high: float
    net_low_usd: float
    net_high_usd: float
    payback_low_months: float | None
    payback_high_months: float | None
    break_even: float | None
    break_even_payback: float | None

    @property
    def swing_usd(self) -> float:
        """Width of the bar: |net at high - net at low|."""
        return abs(self.net_high_usd - self.net_low_usd)


@dataclass(frozen=True)
class Sensitivity:
    """The tornado of ``policy`` against ``baseline``: rows sorted by swing, widest first."""

    policy: str
    baseline: str
    net_usd: float
    payback_months: float | None
    target_net_usd: float | None
    rows: list[SensitivityRow]

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        from dataclasses import asdict

        return asdict(self)


def _scale_finance(key: str) -> Edit:
    def edit(data: dict[str, Any], value: float) -> None:
        data["finance"] = {**data.get("finance", {}), key: value}
    return edit


def _scale_volume(data: dict[str, Any], factor: float) -> None:
    workload = data["workload"]
    if workload.get("total_per_day") is not None:
        workload["total_per_day"] *= factor
    for item in workload.get("task_types", []) + workload.get("workflows", []):
        if item.get("per_day") is not None:
            item["per_day"] *= factor


def _scale_prices(provider: str) -> Edit:
    """Every API price of ``provider``'s models x factor (a genai-prices reference becomes its
    explicit per-token prices first)."""
    def edit(data: dict[str, Any], factor: float) -> None:
        for model in data["models"]:
            price = model.get("price")
            if model["provider"] != provider or not price:
                continue
            if price.get("ref") is not None:
                tp = resolve_price(price["ref"])
                price = {"input_per_mtok_usd": tp.input_per_mtok_usd,
                         "output_per_mtok_usd": tp.output_per_mtok_usd,
                         "cached_input_per_mtok_usd": tp.cached_input_per_mtok_usd}
            model["price"] = {k: (v * factor if isinstance(v, int | float) else v)
                              for k, v in price.items()}
    return edit


def _scale_outages(provider: str) -> Edit:
    """Outage rate x factor: MTBF / factor for ``provider`` (and its failure domain)."""
    def edit(data: dict[str, Any], factor: float) -> None:
        domain = next((p.get("failure_domain") or p["name"]) for p in data["providers"]
                      if p["name"] == provider)
        for p in data["providers"]:
            if (p.get("failure_domain") or p["name"]) == domain and p.get("mtbf_days"):
                p["mtbf_days"] = p["mtbf_days"] / max(factor, 1e-9)
    return edit


def _scale_judge(policy: str) -> Edit:
    def edit(data: dict[str, Any], factor: float) -> None:
        for p in data["policies"]:
            judge = (p.get("escalation") or {}).get("judge")
            if p["name"] == policy and judge:
                for key in ("false_accept", "false_reject"):
                    judge[key] = min(1.0, judge.get(key, 0.0) * factor)
    return edit


def assumptions(scenario: Scenario, policy: str) -> list[Assumption]:
    """The assumptions that move ``policy``'s ROI in ``scenario`` (vendors and providers that
    the baseline or the policy use; outages only where a provider has an MTBF; judge error only
    where the policy's judge errs)."""
    f = scenario.finance
    out = [Assumption("rework_minutes", "rework minutes per below-bar answer", "min",
                      f.rework_minutes, 0.5 * f.rework_minutes, 1.5 * f.rework_minutes,
                      (0.0, 10.0 * max(f.rework_minutes, 1.0)), _scale_finance("rework_minutes")),
           Assumption("hourly_rate_usd", "hourly rate of the people doing rework", "USD/h",
                      f.hourly_rate_usd, 0.5 * f.hourly_rate_usd, 1.5 * f.hourly_rate_usd,
                      (0.0, 10.0 * max(f.hourly_rate_usd, 1.0)), _scale_finance("hourly_rate_usd")),
           Assumption("volume", "daily volume (all task types)", "x today", 1.0, 0.5, 1.5,
                      (0.01, 10.0), _scale_volume)]
    used = {scenario.model(m).provider for name in (scenario.baseline, policy)
            for _, m in scenario.policy(name).model_names()}
    priced = {m.provider for m in scenario.models if m.price is not None}
    for provider in [p.name for p in scenario.providers if p.name in used & priced]:
        out.append(Assumption(f"price:{provider}", f"Prices of {provider}", "x today", 1.0, 0.5,
                              1.5, (0.0, 10.0), _scale_prices(provider)))
    for p in scenario.providers:
        if p.name in used and p.mtbf_days is not None and p.incidents is None:
            out.append(Assumption(f"outages:{p.name}", f"{p.name} outage rate", "x today", 1.0,
                                  0.5, 2.0, (0.01, 100.0), _scale_outages(p.name)))
    escalation = scenario.policy(policy).escalation
    if escalation is not None and (escalation.judge.false_accept or escalation.judge.false_reject):
        worst = max(escalation.judge.false_accept, escalation.judge.false_reject)
        out.append(Assumption("judge_error", "judge error (false accept and reject)", "x today",
                              1.0, 0.5, min(1.5, 1.0 / worst), (0.0, 1.0 / worst),
                              _scale_judge(policy)))
    return out


def roi_at(scenario: Scenario, policy: str, assumption: Assumption | None = None,
           value: float | None = None) -> tuple[float, float | None]:
    """(net USD / month, payback months) of ``policy`` vs the baseline, with ``assumption`` set
    to ``value`` (only the baseline and the policy are estimated)."""
    data = scenario_data(scenario)
    data["policies"] = [p for p in data["policies"] if p["name"] in (scenario.baseline, policy)]
    data["claims"] = []
    if assumption is not None:
        assumption.edit(data, value)
    result = estimate(from_data(data, scenario)).policies[policy].roi
    return result.net_monthly_usd, result.payback_months


def break_even(net_of: Callable[[float], float], base: float, search: tuple[float, float],
               target: float, tolerance: float = 1e-5, max_steps: int = 40) -> float | None:
    """The value nearest ``base`` in ``search`` where ``net_of(value)`` crosses ``target``
    (Brent's method on the bracket next to ``base``, to ``tolerance`` x the search width: a
    few estimates where the net is near linear); None when neither end of the range is on the
    other side of the target."""
    from scipy.optimize import brentq

    f_base = net_of(base) - target
    if f_base == 0.0:
        return base
    for end in (search[0], search[1]) if base - search[0] <= search[1] - base else (
            search[1], search[0]):
        if end == base:
            continue
        f_end = net_of(end) - target
        if f_end == 0.0:
            return end
        if (f_end > 0) == (f_base > 0):
            continue
        return float(brentq(lambda v: net_of(v) - target, min(base, end), max(base, end),
                            xtol=tolerance * (search[1] - search[0]), maxiter=max_steps))
    return None


def sensitivity(scenario: Scenario, policy: str) -> Sensitivity:
    """The tornado and the break-even values of ``policy`` (not the baseline)."""
    net, payback = roi_at(scenario, policy)
    ramp = ramp_months(scenario.finance, scenario.days_per_month)
    target = (scenario.finance.implementation_cost_usd / (PAYBACK_TARGET_MONTHS - ramp)
              if ramp < PAYBACK_TARGET_MONTHS else None)
    rows = []
    for a in assumptions(scenario, policy):
        cache: dict[float, float] = {}

        def net_of(value: float, a: Assumption = a, cache: dict = cache) -> float:
            if value not in cache:
                cache[value] = roi_at(scenario, policy, a, value)[0]
            return cache[value]
        low, high = roi_at(scenario, policy, a, a.low), roi_at(scenario, policy, a, a.high)
        rows.append(SensitivityRow(
            a.key, a.label, a.unit, a.base, a.low, a.high, low[0], high[0], low[1], high[1],
            break_even(net_of, a.base, a.search, 0.0),
            None if target is None else break_even(net_of, a.base, a.search, target)))
    rows.sort(key=lambda r: r.swing_usd, reverse=True)
    return Sensitivity(policy, scenario.baseline, net, payback, target, rows)
