"""Calibration: a probe run's records -> a catalog overlay that scenarios include
(``overlays: [calibration.yaml]``), and simulated figures beside the measured ones.

Per model, from its ``ok`` attempts (streamed, so time to first token is known):
    latency.ttft_median_s / ttft_p95_s     median and 95th percentile of ttft_s
    latency.tokens_per_s / tokens_per_s_p05
                                           median and 5th percentile of
                                           output_tokens / (latency_s - ttft_s)
which is the profile `workbench.policies.sampling` samples: ttft + tokens / tokens_per_s.
Per model and category, from final records with a reference check: the measured pass rate p
(clipped to [1/2n, 1 - 1/2n]) becomes ``quality.by_category.<category>`` = Normal(mean, sd)
with the sd of the scenario's profile (0.05 when it is 0) and the mean solved so that the
average over the measured tasks of P(score >= bar of the task's tier) equals p.
Per provider: ``error_rate`` = attempts failing with 5xx, timeout, connection, malformed 2xx
or a cut stream / attempts sent, leaving out refused ones (blocked by the spend guard, 401/403,
404, other 4xx); 429s are rate limits, not errors: reported, not overlaid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.domain.errors import ProbeError
from workbench.domain.loader import load_scenario
from workbench.domain.model import LatencyProfile, ScoreProfile
from workbench.domain.scenario import Scenario
from workbench.policies.sampling import sample_latency_s
from workbench.probe.store import RunStore, check_records
from workbench.probe.summary import quantile

MIN_LATENCY_SAMPLES = 5
DEFAULT_SD = 0.05
ERROR_OUTCOMES = frozenset({"error_5xx", "timeout", "connection", "stream_cut", "malformed",
                            "truncated", "unreachable"})
NOT_SENT = frozenset({"blocked", "auth", "not_found",  # not the provider's failures
                      "interrupted"})
SIM_DRAWS_PER_RECORD = 200


@dataclass
class Calibration:
    """The overlay and, per model, measured and simulated figures."""

    run_id: str
    scenario: str
    overlay: dict[str, Any]
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON document of the calibration."""
        return {"run_id": self.run_id, "scenario": self.scenario, "overlay": self.overlay,
                "models": self.models, "providers": self.providers, "notes": self.notes}


def _r(x: float) -> float:
    return float(f"{x:.6g}")


def fit_latency(ok: list[dict[str, Any]]) -> dict[str, float] | None:
    """Latency profile fields of a model's ok attempts (None with fewer than 5 streamed
    ones; speeds left out with fewer than 5 attempts that streamed tokens)."""
    ttft = [r["ttft_s"] for r in ok if r["ttft_s"] is not None and r["ttft_s"] > 0]
    if len(ttft) < MIN_LATENCY_SAMPLES:
        return None
    speeds = [r["output_tokens"] / (r["latency_s"] - r["ttft_s"]) for r in ok
              if r["ttft_s"] is not None and r["output_tokens"] > 0
              and r["latency_s"] > r["ttft_s"]]
    median = quantile(ttft, 0.5)
    p95 = max(quantile(ttft, 0.95), median)
    values: dict[str, float] = {"ttft_median_s": _r(median), "ttft_p95_s": _r(p95)}
    if len(speeds) >= MIN_LATENCY_SAMPLES:
        tps = quantile(speeds, 0.5)
        values["tokens_per_s"] = _r(tps)
        values["tokens_per_s_p05"] = _r(min(quantile(speeds, 0.05), tps))
    return values


def fit_mean(pass_rate: float, bars: list[float], sd: float) -> float:
    """Mean of Normal(mean, sd) in [0, 1] whose average pass probability over ``bars`` is
    ``pass_rate`` (bisection; clipped to [0, 1] when out of reach)."""
    def rate(mean: float) -> float:
        profile = ScoreProfile(mean=mean, sd=sd)
        return sum(profile.pass_probability(b) for b in bars) / len(bars)

    lo, hi = 0.0, 1.0
    if rate(lo) >= pass_rate:
        return lo
    if rate(hi) <= pass_rate:
        return hi
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if rate(mid) < pass_rate else (lo, mid)
    return (lo + hi) / 2.0


def _quality(scenario: Scenario, model: str, finals: list[dict[str, Any]]) -> dict:
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in finals:
        if r["passed"] is not None:
            by_category[r["category"]].append(r)
    out = {}
    profile = scenario.model(model).quality
    for category, rows in sorted(by_category.items()):
        n = len(rows)
        measured = sum(bool(r["passed"]) for r in rows) / n
        clipped = min(max(measured, 0.5 / n), 1.0 - 0.5 / n)
        sd = profile.for_category(category).sd or DEFAULT_SD
        bars = [scenario.quality_bars[r["tier"]] for r in rows]
        mean = _r(fit_mean(clipped, bars, sd))
        fitted = sum(ScoreProfile(mean=mean, sd=sd).pass_probability(b) for b in bars) / n
        out[category] = {"mean": mean, "sd": _r(sd), "measured_pass_rate": measured, "n": n,
                         "fitted_rate": fitted}
    return out


def simulated(profile: LatencyProfile, ok: list[dict[str, Any]], seed: int) -> dict:
    """Quantiles of ttft and latency the simulator draws for the measured output sizes."""
    tokens = np.repeat(np.asarray([r["output_tokens"] for r in ok], dtype=float),
                       SIM_DRAWS_PER_RECORD)
    ttft, total = sample_latency_s(profile, tokens, np.random.default_rng(seed))
    return {"ttft_p50_s": float(np.quantile(ttft, 0.5)),
            "ttft_p95_s": float(np.quantile(ttft, 0.95)),
            "latency_p50_s": float(np.quantile(total, 0.5)),
            "latency_p90_s": float(np.quantile(total, 0.9)),
            "latency_p95_s": float(np.quantile(total, 0.95))}


def measured(ok: list[dict[str, Any]]) -> dict:
    """Quantiles of the measured ttft and attempt latency."""
    ttft = [r["ttft_s"] for r in ok if r["ttft_s"] is not None]
    latency = [r["latency_s"] for r in ok]
    return {"ttft_p50_s": quantile(ttft, 0.5), "ttft_p95_s": quantile(ttft, 0.95),
            "latency_p50_s": quantile(latency, 0.5), "latency_p90_s": quantile(latency, 0.9),
            "latency_p95_s": quantile(latency, 0.95)}


def calibrate(run_dir: str | Path, scenario_path: str | Path | None = None) -> Calibration:
    """Fit the overlay of a probe run (see the module docstring)."""
    store = RunStore(run_dir)
    meta = store.meta()
    rows = store.load("records")
    check_records(rows, store.records_path)  # a run folder may come from someone else
    if meta is None or not rows:
        raise ProbeError(f"{run_dir}: no probe run here (run.json and records.jsonl)")
    path = scenario_path or meta.get("scenario")
    if path is None:
        raise ProbeError(f"{run_dir}: the run does not name its scenario; pass --scenario")
    scenario = load_scenario(path)
    known = {m.name for m in scenario.models}
    cal = Calibration(store.run_id, str(path), {"models": {}, "providers": {}})
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["model"] not in known:
            raise ProbeError(f"{run_dir}: model {r['model']!r} of the records is not in "
                             f"scenario {path}")
        by_model[r["model"]].append(r)
    for name, group in sorted(by_model.items()):
        _calibrate_model(cal, scenario, name, group)
    _calibrate_providers(cal, scenario, rows)
    return cal


def _calibrate_model(cal: Calibration, scenario: Scenario, name: str,
                     group: list[dict[str, Any]]) -> None:
    ok = [r for r in group if r["outcome"] == "ok"]
    patch: dict[str, Any] = {}
    before = scenario.model(name).latency
    fitted = fit_latency(ok)
    entry: dict[str, Any] = {"ok_attempts": len(ok), "measured": measured(ok),
                             "simulated_before": simulated(before, ok, scenario.seed)
                             if ok else None, "simulated_after": None}
    if fitted is None:
        cal.notes.append(f"{name}: latency not calibrated (needs {MIN_LATENCY_SAMPLES} "
                         "streamed ok attempts with a first token; set stream: true)")
    else:
        patch["latency"] = fitted
        after = LatencyProfile(**{**before.model_dump(), **fitted})
        entry["simulated_after"] = simulated(after, ok, scenario.seed)
    quality = _quality(scenario, name, [r for r in group if r["final"]])
    for category, q in quality.items():
        if abs(q["fitted_rate"] - q["measured_pass_rate"]) > max(1.0 / q["n"], 0.01):
            cal.notes.append(f"{name}/{category}: measured pass rate {q['measured_pass_rate']:.1%}"
                             f" is out of reach with sd {q['sd']}; the profile gives "
                             f"{q['fitted_rate']:.1%}")
    if quality:
        patch["quality"] = {"by_category": {c: {"mean": q["mean"], "sd": q["sd"]}
                                            for c, q in quality.items()}}
        entry["quality"] = quality
    if patch:
        cal.overlay["models"][name] = patch
    cal.models[name] = entry


def is_error(r: dict[str, Any]) -> bool:
    """Whether an attempt counts against its provider's ``error_rate``."""
    if r["outcome"] == "malformed":
        return r["http_status"] is None or 200 <= r["http_status"] < 300
    return r["outcome"] in ERROR_OUTCOMES


def _calibrate_providers(cal: Calibration, scenario: Scenario,
                         rows: list[dict[str, Any]]) -> None:
    by_provider: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        rejected = r["outcome"] == "malformed" and not is_error(r)
        if r["outcome"] not in NOT_SENT and not rejected:
            by_provider[r["provider"]].append(r)
    for name, group in sorted(by_provider.items()):
        errors = sum(is_error(r) for r in group)
        limited = sum(r["outcome"] == "rate_limited" for r in group)
        rate = errors / len(group)
        cal.overlay["providers"][name] = {"error_rate": _r(rate)}
        cal.providers[name] = {"attempts": len(group), "errors": errors,
                               "error_rate": rate, "rate_limited_share": limited / len(group),
                               "error_rate_before": scenario.provider(name).error_rate}


def write_overlay(cal: Calibration, path: str | Path) -> Path:
    """Write the overlay YAML with a provenance header; return its path."""
    import yaml

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    overlay = {k: v for k, v in cal.overlay.items() if v}
    header = (f"# Calibrated by `workbench calibrate` from probe run {cal.run_id!r} against "
              f"scenario {Path(cal.scenario).name}.\n# Include it in a scenario with "
              f"`overlays: [{out.name}]`.\n")
    out.write_text(header + yaml.safe_dump(overlay or {"models": {}}, sort_keys=True),
                   encoding="utf-8")
    return out
