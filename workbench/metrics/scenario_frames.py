"""Scenario and summary data as small polars frames for tables and charts: the workload mix,
the ROI assumptions, the models and providers, and per-policy KPIs."""

from __future__ import annotations

import polars as pl

from workbench.domain.scenario import Scenario

FINANCE_FIELDS = {
    "hourly_rate_usd": ("USD / hour", "cost of an hour of the people who fix below-bar output"),
    "rework_minutes": ("minutes", "time to fix one output delivered below its quality bar"),
    "implementation_cost_usd": ("USD", "one-off cost of putting the policy in place"),
    "implementation_weeks": ("weeks", "ramp before the savings start"),
    "downtime_cost_per_hour_usd": ("USD / hour", "value lost per hour of unavailability"),
    "tooling_monthly_usd": ("USD / month", "gateway, monitoring and other tooling"),
}
KPI_COLUMNS = ("monthly_cost_usd", "cost_per_task_usd", "savings_vs_baseline",
               "quality_pass_rate", "success_rate", "availability", "latency_p50_s",
               "latency_p95_s", "rework_hours")


def workload_frame(scenario: Scenario) -> pl.DataFrame:
    """One row per task type with its daily volume, token sizes and requirements."""
    w = scenario.workload
    in_workflows: dict[str, float] = {}
    for wf in w.workflows:
        for step in wf.steps:
            in_workflows[step.task_type] = in_workflows.get(step.task_type, 0.0) + wf.per_day
    rows = []
    for t in w.task_types:
        per_day = w.standalone_per_day(t) + in_workflows.get(t.name, 0.0)
        rows.append({
            "task_type": t.name, "category": t.category_name, "per_day": per_day,
            "input_tokens_median": t.input_tokens.typical,
            "output_tokens_median": t.output_tokens.typical,
            "input_tokens": t.input_tokens.mean, "output_tokens": t.output_tokens.mean,
            "tokens_per_day": per_day * (t.input_tokens.mean + t.output_tokens.mean),
            "tier": t.tier, "latency_class": t.latency_class, "client_facing": t.client_facing,
            "data_sensitive": t.data_sensitive, "language": t.language, "team": t.team})
    return pl.DataFrame(rows)


def finance_frame(scenario: Scenario) -> pl.DataFrame:
    """The ROI assumptions: assumption, value, unit, meaning."""
    finance = scenario.finance
    return pl.DataFrame([{"assumption": key, "value": float(getattr(finance, key)), "unit": unit,
                          "meaning": meaning} for key, (unit, meaning) in FINANCE_FIELDS.items()])


def models_frame(scenario: Scenario) -> pl.DataFrame:
    """Models with provider, tier, price form, context window and quality profile."""
    rows = []
    for m in scenario.models:
        price = m.price
        if price is None:
            priced = f"self-hosted ${m.deployment.hourly_usd:g}/h x {m.deployment.instances}"
        elif price.per_request_usd is not None:
            priced = f"${price.per_request_usd:g} per request"
        else:
            tp = price.token_price()
            priced = f"${tp.input_per_mtok_usd:g} in / ${tp.output_per_mtok_usd:g} out per MTok"
        rows.append({"model": m.name, "provider": m.provider, "tier": m.tier or "-",
                     "price": priced, "context_window": m.window_tokens(),
                     "quality_mean": m.quality.mean, "quality_sd": m.quality.sd})
    return pl.DataFrame(rows)


def _unavailable_share(scenario: Scenario, p) -> float:
    """Share of time in an outage (degraded or down): MTTR / (MTBF + MTTR), or for a replayed
    history the share of the scenario's horizon its incidents cover."""
    if not p.replays_incidents:
        return p.unavailable_share
    from workbench.domain.incidents import replayed_intervals

    horizon_s = float(scenario.horizon.days) * 86_400.0
    rows = replayed_intervals(p, scenario.resolve_path(str(p.incidents)), horizon_s)
    return sum(e - s for s, e, _ in rows) / horizon_s


def providers_frame(scenario: Scenario) -> pl.DataFrame:
    """Providers with their outage process and limits."""
    return pl.DataFrame([{"provider": p.name, "mtbf_days": p.mtbf_days, "mttr_hours": p.mttr_hours,
                          "partial_share": p.partial_share, "error_rate": p.error_rate,
                          "failure_domain": p.domain, "rpm": p.rpm, "tpm": p.tpm,
                          "long_run_unavailable": _unavailable_share(scenario, p)}
                         for p in scenario.providers],
                        schema_overrides={"mtbf_days": pl.Float64, "rpm": pl.Int64,
                                          "tpm": pl.Int64})


def kpi_frame(summaries: dict[str, dict]) -> pl.DataFrame:
    """One row per policy with the CLI contract's headline keys (and ROI net / payback)."""
    rows = []
    for name, s in summaries.items():
        roi = s.get("roi") or {}
        row = {"policy": name, **{k: s.get(k) for k in KPI_COLUMNS},
               "net_monthly_usd": roi.get("net_monthly_usd"),
               "payback_months": roi.get("payback_months")}
        ci = s.get("monthly_cost_usd_ci95")
        if ci:
            row["cost_ci95_low"], row["cost_ci95_high"] = ci
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def group_frame(summaries: dict[str, dict], by: str) -> pl.DataFrame:
    """One row per policy and group of ``by`` (``task_type``, ``team``, ``latency_class``):
    tasks per run, success rate, availability and quality pass rate, from the summaries'
    ``by_group`` (an estimate has none: an empty frame)."""
    rows = [{"policy": name, by: group, **figures}
            for name, s in summaries.items()
            for group, figures in ((s.get("by_group") or {}).get(by) or {}).items()]
    return pl.DataFrame(rows, infer_schema_length=None)
