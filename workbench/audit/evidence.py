"""Quality evidence from per-request scores: a scores export joined to the request log gives
each model's measured pass rate per task type, which becomes the model's quality profile for
that task type (so quality is measured, not typed in).

Scores file (CSV / JSON lines / JSON array / Parquet): a request id column (``request_id``,
``observationId`` as Langfuse names it, or ``id``) and/or a trace id (Langfuse's ``traceId``:
a score on a trace counts for the call of the trace that succeeded, e.g. after a fallback;
a Langfuse scores export's ``id`` is the score's own and is not used), and either ``pass``
(true/false, 1/0) or a numeric ``score``/``value`` in [0, 1] that passes when it clears the
task type's bar. A task type x model cell with measured pass rate p (clipped to
[1/2n, 1 - 1/2n]) becomes ``quality.by_category.<task type>`` = Normal(mean, ``SD``) with
the mean solved so that P(score >= bar) = p: mean = bar + SD x z(p).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import polars as pl

from workbench.audit.exports import scan_export
from workbench.domain.errors import AuditError

SD = 0.05
ID_COLUMNS = ("request_id", "observationId", "id", "traceId")
TRACE_COLUMN = "traceId"
PASS_TRUE = ("true", "1", "yes", "pass", "passed")


@dataclass(frozen=True)
class PassRate:
    """Measured pass rate of one model on one task type over ``n`` scored requests."""

    task_type: str
    model: str
    n: int
    passed: int

    @property
    def rate(self) -> float:
        """Share of scored requests that passed."""
        return self.passed / self.n

    def profile(self, bar: float) -> dict[str, float]:
        """Normal(mean, sd) score profile whose P(score >= bar) is the clipped pass rate: sd
        is ``SD``, narrowed where the mean would leave [0, 1]."""
        p = min(max(self.rate, 0.5 / self.n), 1.0 - 0.5 / self.n)
        z = NormalDist().inv_cdf(p)
        room = (1.0 - bar) if z > 0 else bar  # how far the mean may move from the bar
        sd = min(SD, room / abs(z)) if z else SD
        return {"mean": round(bar + sd * z, 9), "sd": round(sd, 9)}


def read_scores(path: str | Path, bar: float) -> pl.DataFrame:
    """``request_id, passed`` from a scores export (a score passes when >= ``bar``)."""
    frame = scan_export(path)
    columns = frame.collect_schema().names()
    trace = TRACE_COLUMN if TRACE_COLUMN in columns else None
    ident = next((c for c in ID_COLUMNS[:3] if c in columns
                  and not (c == "id" and trace is not None)), None)
    if ident is None and trace is None:
        raise AuditError(f"a scores export needs a request id column ({', '.join(ID_COLUMNS)})",
                         file=str(path), value=columns[:8])
    if "pass" in columns:
        passed = pl.col("pass").str.to_lowercase().is_in(PASS_TRUE)
    else:
        value = next((c for c in ("score", "value") if c in columns), None)
        if value is None:
            raise AuditError("a scores export needs a pass, score or value column",
                             file=str(path), value=columns[:8])
        passed = pl.col(value).cast(pl.Float64, strict=False) >= bar
    text = lambda column: (pl.col(column).cast(pl.Utf8) if column
                           else pl.lit(None, pl.Utf8))
    scores = frame.select(text(ident).alias("request_id"), text(trace).alias("trace_id"),
                          passed.alias("passed")).collect()
    return scores.unique(["request_id", "trace_id"], keep="last")


def pass_rates(requests: pl.DataFrame, scores: pl.DataFrame) -> list[PassRate]:
    """Measured pass rates per task type and model from scored, successful requests (a
    score without a request id counts for its trace's successful call)."""
    ok = requests.filter(pl.col("ok"))
    by_call = scores.filter(pl.col("request_id").is_not_null())
    by_trace = scores.filter(pl.col("request_id").is_null() & pl.col("trace_id").is_not_null())
    joined = pl.concat([
        ok.join(by_call.select("request_id", "passed"), on="request_id", how="inner"),
        ok.filter(pl.col("trace_id").is_not_null())
        .join(by_trace.select("trace_id", "passed"), on="trace_id", how="inner")])
    table = joined.group_by("task_type", "model").agg(
        pl.len().alias("n"), pl.col("passed").sum().alias("passed")).sort("task_type", "model")
    return [PassRate(r["task_type"], r["model"], r["n"], r["passed"])
            for r in table.iter_rows(named=True)]


def apply_evidence(scenario: dict, rates: list[PassRate], bar: float) -> list[str]:
    """Set each measured model's ``quality.by_category``; return notes on what stays assumed."""
    by_model: dict[str, dict[str, dict[str, float]]] = {}
    for rate in rates:
        by_model.setdefault(rate.model, {})[rate.task_type] = rate.profile(bar)
    for model in scenario["models"]:
        if model["name"] in by_model:
            model["quality"] = {"mean": 1.0, "sd": 0.0, "by_category": by_model[model["name"]]}
    measured = {(r.task_type, r.model) for r in rates}
    routed = [(t["name"], m["name"]) for t in scenario["workload"]["task_types"]
              for m in scenario["models"]]
    unmeasured = [f"{t} on {m}" for t, m in routed if (t, m) not in measured]
    count = sum(r.n for r in rates)
    cells = len(measured)
    notes = [f"quality measured from {count:,} scored requests ({cells} task type x model cells)"]
    if unmeasured:
        notes.append(f"quality assumed (no scores): {', '.join(unmeasured[:6])}"
                     + (f" and {len(unmeasured) - 6} more" if len(unmeasured) > 6 else ""))
    return notes
