"""One audit: exports read, a workload fitted, the scenario built and validated, the estimate
of ``today`` reconciled with the observed spend, and the provider's usage (when given)
compared with what the gateway logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from workbench.audit.attempts import mark_follow_ups
from workbench.audit.build import TODAY, build_scenario
from workbench.audit.evidence import apply_evidence, pass_rates, read_scores
from workbench.audit.exports import scan_export
from workbench.audit.fit import FittedWorkload, fit_workload
from workbench.audit.log_formats import FORMATS, requests_from_export
from workbench.audit.mapping import load_mapping, load_task_map
from workbench.audit.prices import PriceMatch, catalog_match, match_prices
from workbench.audit.provider_usage import USAGE_READERS
from workbench.audit.reconcile import list_price_gap, residual_items, untracked_spend
from workbench.audit.requests import RequestLog
from workbench.audit.usage_workload import fit_usage, usage_prices
from workbench.domain.errors import AuditError
from workbench.domain.scenario import DEFAULT_BARS


@dataclass
class Audit:
    """The result of ``workbench audit``: the scenario data and the evidence behind it."""

    scenario: dict[str, Any]
    fitted: FittedWorkload
    prices: dict[str, PriceMatch]
    observed: dict[str, float]
    estimated_monthly_cost_usd: float
    residual: list[dict[str, Any]]
    teams: dict[str, dict[str, float]]
    skipped: dict[str, int]
    cache_hits: int
    untracked: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def residual_share(self) -> float:
        """(estimate - observed) / observed monthly spend."""
        observed = self.observed["monthly_cost_usd"]
        return (self.estimated_monthly_cost_usd - observed) / observed if observed else 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document (no prompt or response text, only sizes)."""
        tasks = {t.name: {"per_day": t.per_day, "team": t.team,
                          "input_tokens_p50": t.input_quantiles["p50"],
                          "input_tokens_p95": t.input_quantiles["p95"],
                          "output_tokens_p50": t.output_quantiles["p50"],
                          "output_tokens_p95": t.output_quantiles["p95"],
                          "cached_input_share": t.cached_input_share,
                          "models": t.model_shares} for t in self.fitted.tasks}
        return {
            "observed": self.observed,
            "estimated_monthly_cost_usd": self.estimated_monthly_cost_usd,
            "residual_share": self.residual_share, "residual": self.residual,
            "task_types": tasks, "teams": self.teams,
            "models": {m.model: {"price": m.price(), "catalog_id": m.catalog_id,
                                 "provider": m.provider} for m in self.prices.values()},
            "unpriced_models": sorted(m.model for m in self.prices.values() if m.ref is None),
            "untracked": self.untracked, "skipped_rows": self.skipped,
            "gateway_cache_hits": self.cache_hits,
            "growth_monthly": self.fitted.growth_monthly,
            "fallbacks": self.fitted.failover.to_json(),
            "notes": self.fitted.notes + self.notes,
        }

    def overlay(self) -> dict[str, Any]:
        """Measured latency per model and error rate per provider in `workbench calibrate`'s
        overlay format (``overlays: [file]`` applies them to any scenario naming the same
        models and providers); quality too where scores measured it."""
        models = {}
        for model in self.scenario["models"]:
            patch = {k: model[k] for k in ("latency",) if k in model}
            if "by_category" in model.get("quality", {}):
                patch["quality"] = {"by_category": model["quality"]["by_category"]}
            if patch:
                models[model["name"]] = patch
        providers = {p["name"]: {"error_rate": p["error_rate"]}
                     for p in self.scenario["providers"] if "error_rate" in p}
        return {k: v for k, v in (("models", models), ("providers", providers)) if v}

    def write_overlay(self, path: str | Path) -> Path:
        """Write `overlay` as YAML with a provenance header; return its path."""
        out = Path(path)
        header = (f"# Measured by `workbench audit` over {self.observed['days']:g} days of "
                  f"logs ({self.observed['requests']:,} calls).\n# Include it in a scenario "
                  f"with `overlays: [{out.name}]`.\n")
        out.write_text(header + yaml.safe_dump(self.overlay() or {"models": {}},
                                               sort_keys=True), encoding="utf-8")
        return out

    def write_scenario(self, path: str | Path) -> None:
        """Write the scenario as YAML with a header stating where it came from."""
        header = "".join(f"# {line}\n" for line in [
            "Written by `workbench audit`: fitted from logs (sizes only, no prompt text).",
            (f"Observed {self.observed['requests']:,} calls over {self.observed['days']:g} "
             f"days, ${self.observed['monthly_cost_usd']:,.2f} a month; estimate of "
             f"'{TODAY}' ${self.estimated_monthly_cost_usd:,.2f} ({self.residual_share:+.2%})."),
            *self.fitted.notes, *self.notes])
        Path(path).write_text(header + yaml.safe_dump(self.scenario, sort_keys=False,
                                                      width=100), encoding="utf-8")


def renamed(frame: pl.DataFrame, column: str, task_map: str | Path | None,
            notes: list[str]) -> pl.DataFrame:
    """``column``'s task type names renamed and merged by the ``--task-map`` file (a note
    says what it did)."""
    if task_map is None:
        return frame
    names = load_task_map(task_map)
    seen = set(frame[column].unique().to_list())
    used = {k: v for k, v in names.items() if k in seen}
    if used:
        notes.append(f"task types renamed or merged by {Path(task_map).name}: "
                     + "; ".join(f"{k} -> {v}" for k, v in used.items()))
    return frame.with_columns(pl.col(column).replace(names))


def read_logs(paths: list[str | Path], fmt: str, task_from: str | None,
              team_from: str | None, skip: bool, mapping: str | Path | None = None) -> RequestLog:
    """Every file read and checked, then joined (request ids unique across files)."""
    if fmt == "table":
        if mapping is None:
            raise AuditError("the table format needs --mapping FILE (which column holds what)",
                             path="--mapping")
        log_format = load_mapping(mapping)
    elif fmt in FORMATS:
        log_format = FORMATS[fmt]
    else:
        known = ", ".join([*FORMATS, "table", *USAGE_READERS])
        raise AuditError(f"unknown log format; formats: {known}",
                         path="--format", value=fmt)
    logs = [requests_from_export(scan_export(p), log_format, str(p), task_from, team_from,
                                 skip) for p in paths]
    frame = pl.concat([log.frame for log in logs])
    skipped: dict[str, int] = {}
    for log in logs:
        for reason, count in log.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    dupes = frame.filter(pl.col("request_id").is_duplicated()
                         & ~pl.col("request_id").is_first_distinct())
    if dupes.height and not skip:
        raise AuditError(f"duplicate request_id across files ({dupes.height} rows)",
                         file=", ".join(str(p) for p in paths), value=dupes["request_id"][0])
    if dupes.height:
        skipped["duplicate request_id across files"] = dupes.height
        frame = frame.unique("request_id", keep="first", maintain_order=True)
    return RequestLog(frame, [str(p) for p in paths], skipped)


def fitted_scenario(fitted: FittedWorkload, prices: dict[str, PriceMatch],
                    name: str) -> dict[str, Any]:
    """Scenario data whose month holds the observed volume (the estimator's volume factor
    of the fitted profiles divided out)."""
    from workbench.domain.loader import scenario_from_data
    from workbench.estimator.estimate import volume_factor

    draft = build_scenario(fitted, prices, name)
    factor = volume_factor(scenario_from_data(draft, "(audited scenario)", None))
    return build_scenario(fitted, prices, name, factor)


def audit_usage(paths: list[str | Path], fmt: str, *, task_from: str | None = None,
                name: str = "audited", task_map: str | Path | None = None) -> Audit:
    """Audit a provider's usage export on its own (`workbench.audit.usage_workload`):
    ``task_from`` names the export's grouping column (``project_id``, ``api_key_id``...)
    whose values become task types; else one task type per model."""
    from workbench.domain.loader import scenario_from_data
    from workbench.estimator import estimate

    daily = pl.concat([USAGE_READERS[fmt](p, task_from) for p in paths])
    notes: list[str] = []
    if task_from:
        daily = renamed(daily, "group", task_map, notes)
    elif task_map is not None:
        daily = renamed(daily.with_columns(pl.col("model").alias("group")), "group", task_map,
                        notes)
    if daily.filter(pl.col("requests") > 0).height == 0:
        raise AuditError("the usage export counts no requests (Anthropic's usage report counts "
                         "tokens only): volumes cannot be fitted from it; audit the gateway "
                         "logs and pass this export with --usage, or add a requests column",
                         file=str(paths[0]), path="requests")
    if daily.filter((pl.col("requests") == 0) & (pl.col("input_tokens") > 0)).height:
        raise AuditError("rows with tokens but no request count: volumes would be wrong",
                         file=str(paths[0]), path="requests")
    prices = usage_prices(daily)
    fitted = fit_usage(daily, prices, teams_from_groups=bool(task_from))
    data = fitted_scenario(fitted, prices, name)
    data["description"] = data["description"].replace(
        "days of logs", "days of a usage export (totals per bucket)")
    scenario = scenario_from_data(data, "(audited scenario)", None)
    month_factor = scenario.days_per_month / fitted.days
    spend = sum(t.cost_usd for t in fitted.tasks)
    observed = {"days": fitted.days, "requests": int(daily["requests"].sum()),
                "monthly_cost_usd": spend * month_factor}
    estimated = estimate(scenario).to_json()["policies"][TODAY]["monthly_cost_usd"]
    teams: dict[str, dict[str, float]] = {}
    for task in fitted.tasks:
        team = teams.setdefault(task.team, {"monthly_cost_usd": 0.0})
        team["monthly_cost_usd"] += task.cost_usd * month_factor
    return Audit(data, fitted, prices, observed, estimated, [], teams, {}, 0, notes=notes)


def audit_logs(paths: list[str | Path], fmt: str = "litellm", *, task_from: str | None = None,
               team_from: str | None = None, usage: list[str | Path] | None = None,
               usage_format: str = "openai-usage", skip_bad_rows: bool = False,
               name: str = "audited", mapping: str | Path | None = None,
               scores: list[str | Path] | None = None,
               task_map: str | Path | None = None) -> Audit:
    """Audit gateway logs (and optionally the provider's usage export) into a scenario.

    >>> audit = audit_logs(["spendlogs.csv"], usage=["usage.json"])  # doctest: +SKIP
    """
    from workbench.domain.loader import scenario_from_data
    from workbench.estimator import estimate

    if fmt in USAGE_READERS:
        if usage or scores:
            raise AuditError("a usage export audited on its own takes neither --usage nor "
                             "--scores (they compare with or score gateway logs)",
                             path="--format", value=fmt)
        return audit_usage(paths, fmt, task_from=task_from, name=name, task_map=task_map)
    log = read_logs(paths, fmt, task_from, team_from, skip_bad_rows, mapping)
    map_notes: list[str] = []
    log.frame = renamed(log.frame, "task_type", task_map, map_notes)
    cache_hits = int(log.frame["cache_hit"].sum())
    provider_calls = RequestLog(mark_follow_ups(log.frame.filter(~pl.col("cache_hit"))),
                                log.files, log.skipped)
    if provider_calls.frame.height == 0:
        raise AuditError("every logged call was a gateway cache hit: nothing to fit",
                         file=log.files[0])
    fitted = fit_workload(provider_calls)
    prices = match_prices(provider_calls.frame)
    data = fitted_scenario(fitted, prices, name)
    evidence_notes: list[str] = []
    if scores:
        bar = DEFAULT_BARS["standard"]
        table = pl.concat([read_scores(p, bar) for p in scores]).unique(
            ["request_id", "trace_id"], keep="last")
        rates = pass_rates(provider_calls.frame, table)
        if not rates:
            raise AuditError("no scored request matches a logged request id",
                             file=", ".join(str(p) for p in scores))
        evidence_notes = apply_evidence(data, rates, bar)
        data["description"] = data["description"].replace(
            "Quality profiles are assumptions (usage logs carry no scores).",
            "Quality measured from scored requests where scores exist.")
    scenario = scenario_from_data(data, "(audited scenario)", None)
    month_factor = scenario.days_per_month / fitted.days
    estimated = estimate(scenario).to_json()["policies"][TODAY]["monthly_cost_usd"]
    frame = provider_calls.frame
    observed = {"days": fitted.days, "requests": log.frame.height,
                "monthly_cost_usd": float(log.frame["cost_usd"].sum()) * month_factor}
    residual = residual_items(frame, fitted, prices, month_factor)
    gap = list_price_gap(frame, prices, month_factor)
    if abs(gap) > 0.005 * max(observed["monthly_cost_usd"], 1e-9):
        residual.append({"reason": "billed amounts differ from list prices (discounts, "
                                   "price changes, the gateway's own cost map)",
                         "requests": frame.height, "monthly_usd": gap})
    teams = {str(team): {"monthly_cost_usd": float(cost) * month_factor}
             for team, cost in log.frame.group_by("team").agg(pl.col("cost_usd").sum())
             .sort("team").iter_rows()}
    audit = Audit(data, fitted, prices, observed, estimated, residual, teams, log.skipped,
                  cache_hits, notes=map_notes + evidence_notes)
    if cache_hits:
        audit.notes.append(f"{cache_hits:,} gateway cache hits served without a provider call: "
                           "not part of the fitted workload")
    if usage:
        audit.untracked = _untracked(frame, prices, usage, usage_format)
    return audit


def _untracked(frame: pl.DataFrame, prices: dict[str, PriceMatch], usage: list,
               usage_format: str) -> dict[str, Any]:
    if usage_format not in USAGE_READERS:
        raise AuditError(f"unknown usage format; formats: {', '.join(USAGE_READERS)}",
                         path="--usage-format", value=usage_format)
    daily = pl.concat([USAGE_READERS[usage_format](p) for p in usage])
    known = dict(prices)
    for model, provider in daily.select("model", "provider").unique().iter_rows():
        if model not in known:
            found = catalog_match(model, provider)
            known[model] = (PriceMatch(model, f"{found[1]}:{model}", found[0], found[1])
                            if found else PriceMatch(model, None, None, provider))
    keyed = daily.with_columns(pl.col("model").replace_strict(
        {m: p.key for m, p in known.items()}, default=pl.col("model")).alias("model_key"))
    providers = set(daily["provider"].unique())
    gateway = frame.filter(pl.col("provider").is_in(providers)).with_columns(
        pl.col("model").replace_strict({m: p.key for m, p in prices.items()},
                                       default=pl.col("model")).alias("model_key"))
    return untracked_spend(gateway, keyed.group_by("day", "model_key").agg(
        pl.col("requests", "input_tokens", "cached_tokens", "output_tokens").sum()),
        {k: v for k, v in known.items() if v.ref is not None})
