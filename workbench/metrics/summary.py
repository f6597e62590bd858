"""Per-policy summaries of a records frame (simulated): means over replications with 95%
intervals, following the CLI contract keys. Cost per month = run cost x days_per_month / days."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from workbench.domain.scenario import Scenario
from workbench.metrics.breakdown import DIMENSIONS, book_hosting, hosted_monthly_usd
from workbench.metrics.latency_histogram import LatencyHistogram
from workbench.metrics.roi import MonthlyFigures, payback_months, roi


def t_quantile_975(dof: int) -> float:
    """Two-sided 95% Student-t quantile."""
    from scipy.stats import t

    return float(t.ppf(0.975, dof))


def mean_ci95(values: list[float]) -> tuple[float, list[float]]:
    """Mean and 95% confidence interval (t distribution over replications)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, [mean, mean]
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return mean, [mean - half, mean + half]


def per_replication(records: pl.DataFrame) -> pl.DataFrame:
    """One row per (policy, replication): counts and sums behind every summary figure."""
    final = pl.col("final")
    return records.group_by("policy", "replication").agg(
        model_usd=pl.col("cost_usd").sum(),
        judge_usd=pl.col("judge_cost_usd").sum(),
        tasks=final.sum(),
        delivered=(final & pl.col("task_success")).sum(),
        passed=(final & pl.col("task_passed")).sum(),
        on_time=(final & pl.col("within_deadline")).sum(),
        attempts=pl.len(),
        failovers=(pl.col("reason") == "failover").sum(),
        retries=(pl.col("reason") == "retry").sum(),
        hedges=(pl.col("reason") == "hedge").sum(),
        escalations=(pl.col("reason") == "escalation").sum(),
        rate_limited=(pl.col("outcome") == "rate_limited").sum(),
        blocked=(pl.col("outcome") == "blocked").sum(),
        errors=(pl.col("outcome") != "ok").sum(),
    ).sort("policy", "replication")


def hosting_usd(scenario: Scenario, records: pl.DataFrame) -> dict[tuple[str, int], dict]:
    """Self-hosted models used by each (policy, replication): monthly USD by model."""
    hosted = hosted_monthly_usd(scenario)
    if not hosted:
        return {}
    used = (records.filter(pl.col("model").cast(pl.String).is_in(list(hosted))
                           & (pl.col("outcome") != "blocked"))
            .select("policy", "replication", "model").unique())
    out: dict[tuple[str, int], dict] = {}
    for policy, rep, model in used.iter_rows():
        out.setdefault((str(policy), rep), {})[str(model)] = hosted[str(model)]
    return out


@dataclass
class Reduced:
    """What summaries need of a records frame, small enough to keep for many replications:
    counts per (policy, replication), spend per breakdown key, a latency histogram of
    delivered tasks per policy (constant size: quantiles within
    `workbench.metrics.latency_histogram.RELATIVE_RESOLUTION`)."""

    counts: pl.DataFrame
    spend: pl.DataFrame
    latencies: dict[str, LatencyHistogram]
    hosting: dict[tuple[str, int], dict]
    groups: pl.DataFrame

    @staticmethod
    def concat(parts: list[Reduced]) -> Reduced:
        """Merge reductions of different replications."""
        hosting: dict = {}
        latencies: dict[str, LatencyHistogram] = {}
        for part in parts:
            hosting.update(part.hosting)
            for policy, hist in part.latencies.items():
                latencies.setdefault(policy, LatencyHistogram()).merge(hist)
        return Reduced(pl.concat([p.counts for p in parts]), pl.concat([p.spend for p in parts]),
                       latencies, hosting, pl.concat([p.groups for p in parts]))


def reduce_records(scenario: Scenario, records: pl.DataFrame) -> Reduced:
    """Reduce a records frame to what `summarize_reduced` needs."""
    usd = (pl.col("cost_usd") + pl.col("judge_cost_usd")).sum().alias("usd")
    spend = pl.concat([
        records.group_by("policy", "replication", dim).agg(usd)
        .select(pl.col("policy").cast(pl.String), "replication", pl.lit(dim).alias("dimension"),
                pl.col(dim).cast(pl.String).alias("key"), "usd")
        for dim in DIMENSIONS])
    delivered = (records.filter(pl.col("final") & pl.col("task_success"))
                 .select(pl.col("policy").cast(pl.String), pl.col("task_latency_s")))
    latencies = {str(policy): LatencyHistogram.of(frame["task_latency_s"].to_numpy())
                 for (policy,), frame in delivered.group_by("policy")}
    counts = per_replication(records).with_columns(pl.col("policy").cast(pl.String))
    return Reduced(counts, spend, latencies, hosting_usd(scenario, records),
                   group_counts(records))


GROUPS = ("task_type", "latency_class", "team")


def group_counts(records: pl.DataFrame) -> pl.DataFrame:
    """Tasks, delivered, passed and on-time tasks per policy and group (task type, latency
    class, team), from final records."""
    final = records.filter(pl.col("final"))
    return pl.concat([
        final.group_by("policy", dim).agg(
            tasks=pl.len(), delivered=pl.col("task_success").sum(),
            passed=pl.col("task_passed").sum(), on_time=pl.col("within_deadline").sum())
        .select(pl.col("policy").cast(pl.String), pl.lit(dim).alias("dimension"),
                pl.col(dim).cast(pl.String).alias("key"), "tasks", "delivered", "passed",
                "on_time")
        for dim in GROUPS])


def _by_group(groups: pl.DataFrame, policy: str) -> dict[str, dict[str, dict]]:
    """Success rate, availability and pass rate per task type, latency class and team."""
    out: dict[str, dict[str, dict]] = {dim: {} for dim in GROUPS}
    totals = (groups.filter(pl.col("policy") == policy).group_by("dimension", "key")
              .agg(pl.col("tasks", "delivered", "passed", "on_time").sum())
              .sort("dimension", "key"))
    for dim, key, tasks, delivered, passed, on_time in totals.iter_rows():
        out[dim][key] = {"tasks": tasks, "success_rate": delivered / tasks if tasks else None,
                         "availability": on_time / tasks if tasks else None,
                         "quality_pass_rate": passed / delivered if delivered else None}
    return out


def _latency_quantiles(latencies: dict[str, LatencyHistogram]
                       ) -> dict[str, dict[str, float | None]]:
    return {policy: {"p50": h.quantile(0.50), "p95": h.quantile(0.95), "p99": h.quantile(0.99)}
            for policy, h in latencies.items() if h.total}


def _breakdowns(spend: pl.DataFrame, scale: float, reps: int) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    totals = (spend.group_by("policy", "dimension", "key").agg(pl.col("usd").sum())
              .sort("policy", "dimension", "key"))
    for policy, dim, key, usd in totals.iter_rows():
        out.setdefault(policy, {d: {} for d in DIMENSIONS})[dim][key] = usd * scale / reps
    return out


def summarize(scenario: Scenario, records: pl.DataFrame, days: float,
              firings: dict[str, list[dict]] | None = None) -> dict[str, dict]:
    """Summary per policy (in scenario order) from simulated records of ``days`` days."""
    return summarize_reduced(scenario, reduce_records(scenario, records), days, firings)


def summarize_reduced(scenario: Scenario, reduced: Reduced, days: float,
                      firings: dict[str, list[dict]] | None = None) -> dict[str, dict]:
    """Summary per policy (in scenario order) from reduced records of ``days`` days."""
    scale = scenario.days_per_month / days
    reps_frame = reduced.counts.sort("policy", "replication")
    hosting = reduced.hosting
    latency = _latency_quantiles(reduced.latencies)
    n_reps = reps_frame["replication"].n_unique() if reps_frame.height else 1
    breakdowns = _breakdowns(reduced.spend, scale, n_reps)
    finance = scenario.finance
    out: dict[str, dict] = {}
    present = set(reps_frame["policy"])
    per_rep: dict[str, dict[int, tuple[MonthlyFigures, float | None]]] = {}
    for policy in [p for p in scenario.policy_names if p in present]:
        rows = reps_frame.filter(pl.col("policy") == policy).to_dicts()
        host = [sum(hosting.get((policy, r["replication"]), {}).values()) for r in rows]
        monthly = [(r["model_usd"] + r["judge_usd"]) * scale + h for r, h in zip(rows, host)]
        mean_cost, ci = mean_ci95(monthly)
        per_rep[policy] = {r["replication"]: (MonthlyFigures(
            r["model_usd"] * scale, r["judge_usd"] * scale, h,
            (r["delivered"] - r["passed"]) * scale * finance.rework_minutes / 60.0,
            r["on_time"] / r["tasks"] if r["tasks"] else 0.0),
            r["passed"] / r["delivered"] if r["delivered"] else None)
            for r, h in zip(rows, host)}
        shares = {key: [r[num] / r["tasks"] for r in rows if r["tasks"]]
                  for key, num in (("availability", "on_time"), ("success_rate", "delivered"))}
        tot = {k: sum(r[k] for r in rows) for k in rows[0] if k not in ("policy", "replication")}
        tasks = tot["tasks"]
        lat = latency.get(policy, {})
        breakdown = breakdowns.get(policy, {d: {} for d in DIMENSIONS})
        for (pol, _rep), models in hosting.items():
            if pol == policy:
                for model, usd in models.items():
                    book_hosting(breakdown, scenario, model, usd / len(rows))
        out[policy] = {
            "monthly_cost_usd": mean_cost,
            "monthly_cost_usd_ci95": ci,
            "cost_per_task_usd": sum(monthly) / (tasks * scale) if tasks else 0.0,
            "savings_vs_baseline": None,
            "quality_pass_rate": tot["passed"] / tot["delivered"] if tot["delivered"] else None,
            "success_rate": tot["delivered"] / tasks if tasks else 0.0,
            "availability": tot["on_time"] / tasks if tasks else 0.0,
            "availability_ci95": _share_ci95(shares["availability"]),
            "success_rate_ci95": _share_ci95(shares["success_rate"]),
            "latency_p50_s": lat.get("p50"), "latency_p95_s": lat.get("p95"),
            "latency_p99_s": lat.get("p99"),
            "rework_hours": (tot["delivered"] - tot["passed"]) * scale / len(rows)
            * finance.rework_minutes / 60.0,
            "tasks_per_month": tasks * scale / len(rows),
            "attempts_per_task": tot["attempts"] / tasks if tasks else 0.0,
            "escalations_per_task": tot["escalations"] / tasks if tasks else 0.0,
            "failovers_per_task": tot["failovers"] / tasks if tasks else 0.0,
            "escalations": tot["escalations"] / len(rows), "failovers": tot["failovers"] / len(rows),
            "retries": tot["retries"] / len(rows), "hedges": tot["hedges"] / len(rows),
            "rate_limited": tot["rate_limited"] / len(rows), "blocked": tot["blocked"] / len(rows),
            "errors": tot["errors"] / len(rows),
            "cost_components_usd": {"models": tot["model_usd"] * scale / len(rows),
                                    "judge": tot["judge_usd"] * scale / len(rows),
                                    "hosting": sum(host) / len(rows)},
            "breakdown_usd": breakdown,
            "by_group": _by_group(reduced.groups, policy),
            "budget_firings": (firings or {}).get(policy, []),
            "replications": len(rows),
        }
    _add_savings_and_roi(scenario, out)
    _add_replication_intervals(scenario, out, per_rep)
    return out


def _ci95(values: list[float]) -> list[float] | None:
    """95% interval over replications, None with fewer than two."""
    return mean_ci95(values)[1] if len(values) >= 2 else None


def _add_replication_intervals(scenario: Scenario, out: dict[str, dict],
                               per_rep: dict[str, dict[int, tuple[MonthlyFigures, float | None]]]
                               ) -> None:
    """95% intervals over replications (None with fewer than two) of the pass rate, the
    savings and the ROI (``roi_ci95``: net USD / month and payback months). Savings and ROI pair
    each replication with the baseline's same replication (common random numbers); the payback
    interval maps the ends of the net interval (payback falls as net rises; None = never)."""
    base = per_rep.get(scenario.baseline, {})
    for name, reps in per_rep.items():
        s = out[name]
        passes = [p for _, p in reps.values() if p is not None]
        s["quality_pass_rate_ci95"] = _share_ci95(passes)
        paired = [(f, base[k][0]) for k, (f, _) in reps.items() if k in base]
        costs = [(_cost(f), _cost(b)) for f, b in paired]
        s["savings_vs_baseline_ci95"] = None if name == scenario.baseline else _ci95(
            [1.0 - c / b for c, b in costs if b > 0])
        if name == scenario.baseline or len(paired) < 2:
            s["roi_ci95"] = None
            continue
        nets = [roi(f, b, scenario.finance, scenario.days_per_month).net_monthly_usd
                for f, b in paired]
        low, high = mean_ci95(nets)[1]
        s["roi_ci95"] = {"net_monthly_usd": [low, high], "payback_months": [
            payback_months(end, scenario.finance, scenario.days_per_month)
            for end in (high, low)]}


def _cost(f: MonthlyFigures) -> float:
    return f.model_usd + f.judge_usd + f.hosting_usd


def _share_ci95(values: list[float]) -> list[float] | None:
    """95% interval of a share over replications (t distribution, clipped to [0, 1]); None with
    fewer than two replications, where the spread between runs is unknown."""
    if len(values) < 2:
        return None
    low, high = mean_ci95(values)[1]
    return [max(0.0, low), min(1.0, high)]


def _add_savings_and_roi(scenario: Scenario, out: dict[str, dict]) -> None:
    base = out.get(scenario.baseline)
    if base is None:
        return
    for name, s in out.items():
        if base["monthly_cost_usd"] > 0:
            s["savings_vs_baseline"] = 1.0 - s["monthly_cost_usd"] / base["monthly_cost_usd"]
        s["roi"] = None if name == scenario.baseline else roi(
            _figures(s), _figures(base), scenario.finance, scenario.days_per_month).as_dict()


def _figures(s: dict) -> MonthlyFigures:
    c = s["cost_components_usd"]
    return MonthlyFigures(c["models"], c["judge"], c["hosting"], s["rework_hours"],
                          s["availability"])
