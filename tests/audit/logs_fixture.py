"""A month of LiteLLM SpendLogs generated from a known workload, and the OpenAI usage export
of the same month with planted calls that bypassed the gateway.

Prices are the catalogue's (genai-prices), so the logged spend is list price; the known
workload is what the audit must recover.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from workbench.domain.catalog import resolve_price

START = datetime(2026, 3, 1, tzinfo=UTC)  # a Sunday
DAYS = 31
WEEKDAY = [1.15, 1.15, 1.1, 1.1, 1.0, 0.75, 0.75]  # Monday first
HOUR = [0.3] * 7 + [1.0] * 2 + [1.6] * 9 + [1.0] * 3 + [0.5] * 3
MODELS = {"gpt-4o": ("openai", "gpt-4o-2024-08-06"),
          "gpt-4o-mini": ("openai", "gpt-4o-mini-2024-07-18"),
          "claude-3-5-haiku-20241022": ("anthropic", None),
          "claude-sonnet-4-20250514": ("anthropic", None)}
ERROR_RATE = 0.01
CACHE_HIT_RATE = 0.02
FALLBACKS = {"gpt-4o": "claude-sonnet-4-20250514", "gpt-4o-mini": "claude-3-5-haiku-20241022",
             "claude-3-5-haiku-20241022": "gpt-4o-mini", "claude-sonnet-4-20250514": "gpt-4o"}


@dataclass(frozen=True)
class KnownTask:
    """A task type of the known workload: volume per day, lognormal tokens, model (or a
    weighted ``split`` of models, each call drawing one), team."""

    name: str
    per_day: float
    input_median: float
    input_p95: float
    output_median: float
    output_p95: float
    model: str
    team: str
    cached_share: float = 0.0
    split: tuple[tuple[str, float], ...] = ()


KNOWN = [
    KnownTask("triage", 1200, 600, 1800, 80, 200, "gpt-4o-mini", "support"),
    KnownTask("reply", 800, 1500, 4000, 350, 900, "gpt-4o", "support", 0.3),
    KnownTask("summarize", 600, 3000, 9000, 250, 600, "claude-3-5-haiku-20241022", "ops"),
    KnownTask("classify", 900, 400, 1000, 10, 30, "gpt-4o-mini", "ops"),
    KnownTask("extract", 500, 2000, 6000, 400, 1000, "gpt-4o-mini", "data"),
    KnownTask("draft", 400, 1200, 3000, 900, 2000, "claude-sonnet-4-20250514", "marketing",
              split=(("claude-sonnet-4-20250514", 0.6), ("gpt-4o", 0.4))),
    KnownTask("translate", 450, 800, 2000, 800, 2000, "claude-3-5-haiku-20241022", "marketing"),
    KnownTask("code_review", 400, 5000, 15000, 600, 1500, "gpt-4o", "data"),
]
TEAM_IDS = {"support": "team-support", "ops": "team-ops", "data": "team-data",
            "marketing": "team-marketing"}


def _lognormal(rng, median, p95, n):
    sigma = np.log(p95 / median) / 1.6448536269514722
    return np.maximum(1, np.round(rng.lognormal(np.log(median), sigma, n))).astype(np.int64)


def _models(rng, task: KnownTask, n: int) -> list[str]:
    if not task.split:
        return [task.model] * n
    names, shares = zip(*task.split)
    return [names[k] for k in rng.choice(len(names), n, p=shares)]


def _price(model: str):
    provider, _ = MODELS[model]
    return resolve_price(f"{provider}:{model}")


def _with_fallbacks(rng, rows: pl.DataFrame) -> pl.DataFrame:
    """Every failed call followed, in its trace, by one call to its FALLBACKS model that
    starts 0.2-2 s after the failure ended (LiteLLM's router fallbacks); a fallback fails at
    ERROR_RATE too, and is never a cache hit."""
    rows = rows.with_columns(pl.format("trace-{}", pl.int_range(pl.len())).alias("trace"))
    failed = rows.filter(~pl.col("ok"))
    n = failed.height
    ended = failed["offset_s"] + failed["ttft"] + failed["completion_tokens"] / failed["tps"]
    backup = failed.with_columns(
        pl.col("model").replace_strict(FALLBACKS),
        (ended + rng.uniform(0.2, 2.0, n)).alias("offset_s"),
        pl.Series("ok", rng.uniform(size=n) >= ERROR_RATE), pl.lit(False).alias("hit"),
        pl.Series("ttft", rng.lognormal(np.log(0.5), 0.4, n)),
        pl.Series("tps", rng.lognormal(np.log(70), 0.2, n)))
    return pl.concat([rows, backup])


def spend_logs(seed: int = 11, scale: float = 1.0) -> pl.DataFrame:
    """The SpendLogs rows of the month, in the proxy's column names; ``scale`` multiplies
    every task type's volume."""
    rng = np.random.default_rng(seed)
    hour_p = np.array(HOUR) / sum(HOUR)
    frames = []
    for task in KNOWN:
        for day in range(DAYS):
            date = START + timedelta(days=day)
            n = rng.poisson(task.per_day * scale * WEEKDAY[date.weekday()])
            seconds = (rng.choice(24, n, p=hour_p) * 3600 + rng.uniform(0, 3600, n))
            inp = _lognormal(rng, task.input_median, task.input_p95, n)
            out = _lognormal(rng, task.output_median, task.output_p95, n)
            frames.append(pl.DataFrame({
                "day": [day] * n, "offset_s": seconds, "task": [task.name] * n,
                "model": _models(rng, task, n), "team": [task.team] * n, "prompt_tokens": inp,
                "completion_tokens": out,
                "cached": np.round(inp * task.cached_share).astype(np.int64)}))
    rows = pl.concat(frames)
    n = rows.height
    ok = rng.uniform(size=n) >= ERROR_RATE
    hit = (rng.uniform(size=n) < CACHE_HIT_RATE) & ok
    ttft = rng.lognormal(np.log(0.5), 0.4, n)
    tps = rng.lognormal(np.log(70), 0.2, n)
    rows = _with_fallbacks(rng, rows.with_columns(
        pl.Series("ok", ok), pl.Series("hit", hit), pl.Series("ttft", ttft),
        pl.Series("tps", tps)))
    n, ok, hit = rows.height, rows["ok"].to_numpy(), rows["hit"].to_numpy()
    spend = np.zeros(n)
    for model in MODELS:
        mask = (rows["model"] == model).to_numpy() & ok & ~hit
        if mask.any():
            price = _price(model)
            sub = rows.filter(pl.Series(mask))
            spend[mask] = ((sub["prompt_tokens"] - sub["cached"]).to_numpy()
                           * price.input_per_mtok_usd
                           + sub["cached"].to_numpy() * price.cached_input_per_mtok_usd
                           + sub["completion_tokens"].to_numpy() * price.output_per_mtok_usd) / 1e6
    start = [START + timedelta(days=int(d), seconds=float(s))
             for d, s in zip(rows["day"], rows["offset_s"])]
    first = [s + timedelta(seconds=float(t)) for s, t in zip(start, rows["ttft"])]
    end = [f + timedelta(seconds=float(o) / float(r))
           for f, o, r in zip(first, rows["completion_tokens"], rows["tps"])]
    iso = lambda ts: [t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in ts]
    return pl.DataFrame({
        "request_id": [f"chatcmpl-{i:08d}" for i in range(n)],
        "call_type": ["acompletion"] * n,
        "api_key": ["88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"] * n,
        "spend": spend,
        "total_tokens": (rows["prompt_tokens"] + rows["completion_tokens"]).to_list(),
        "prompt_tokens": rows["prompt_tokens"].to_list(),
        "completion_tokens": rows["completion_tokens"].to_list(),
        "startTime": iso(start), "endTime": iso(end), "completionStartTime": iso(first),
        "model": rows["model"].to_list(),
        "model_group": rows["task"].to_list(),
        "custom_llm_provider": [MODELS[m][0] for m in rows["model"]],
        "api_base": ["https://api.example.invalid/v1"] * n,
        "user": [""] * n,
        "team_id": [TEAM_IDS[t] for t in rows["team"]],
        "end_user": [""] * n,
        "metadata": [json.dumps({"user_api_key_team_alias": t, "usage_object": {
            "prompt_tokens_details": {"cached_tokens": int(c)}}})
            for t, c in zip(rows["team"], rows["cached"])],
        "request_tags": [json.dumps([f"task:{t}", "env:prod"]) for t in rows["task"]],
        "cache_hit": ["True" if h else "False" for h in rows["hit"]],
        "status": ["success" if o else "failure" for o in rows["ok"]],
        "session_id": rows["trace"].to_list(),
    }).sort("startTime")


PLANTED = [  # direct calls to OpenAI that bypassed the gateway: (day, model, requests, in, out)
    (3, "gpt-4o-2024-08-06", 120, 240_000, 60_000),
    (17, "gpt-4o-mini-2024-07-18", 400, 900_000, 150_000),
    (17, "o3-mini-2025-01-31", 50, 100_000, 200_000),
]


def openai_usage(logs: pl.DataFrame) -> dict:
    """The OpenAI Usage API's completions pages (daily buckets grouped by model) for the
    gateway's successful OpenAI calls plus the PLANTED direct calls."""
    served = logs.filter((pl.col("custom_llm_provider") == "openai")
                         & (pl.col("status") == "success") & (pl.col("cache_hit") == "False"))
    served = served.with_columns(
        pl.col("startTime").str.slice(0, 10).alias("date"),
        pl.col("metadata").str.json_path_match(
            "$.usage_object.prompt_tokens_details.cached_tokens").cast(pl.Int64).alias("cached"),
        pl.col("model").replace({k: v[1] for k, v in MODELS.items() if v[1]}).alias("snapshot"))
    agg = served.group_by("date", "snapshot").agg(
        pl.len().alias("n"), pl.col("prompt_tokens").sum(), pl.col("completion_tokens").sum(),
        pl.col("cached").sum())
    buckets: dict[str, list] = {}
    for row in agg.iter_rows(named=True):
        buckets.setdefault(row["date"], []).append({
            "object": "organization.usage.completions.result", "model": row["snapshot"],
            "input_tokens": row["prompt_tokens"], "output_tokens": row["completion_tokens"],
            "input_cached_tokens": row["cached"], "input_audio_tokens": 0,
            "output_audio_tokens": 0, "num_model_requests": row["n"], "project_id": None,
            "user_id": None, "api_key_id": None, "batch": None})
    for day, model, requests, inp, out in PLANTED:
        date = (START + timedelta(days=day)).strftime("%Y-%m-%d")
        results = buckets.setdefault(date, [])
        match = next((r for r in results if r["model"] == model), None)
        if match is None:
            match = {"object": "organization.usage.completions.result", "model": model,
                     "input_tokens": 0, "output_tokens": 0, "input_cached_tokens": 0,
                     "num_model_requests": 0}
            results.append(match)
        match["input_tokens"] += inp
        match["output_tokens"] += out
        match["num_model_requests"] += requests
    data = []
    for date in sorted(buckets):
        start = int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp())
        data.append({"object": "bucket", "start_time": start, "end_time": start + 86400,
                     "results": buckets[date]})
    return {"object": "page", "data": data, "has_more": False, "next_page": None}


def planted_cost_usd() -> float:
    """List price of the PLANTED calls."""
    total = 0.0
    for _, model, _, inp, out in PLANTED:
        total += resolve_price(f"openai:{model}").cost_usd(inp, out)
    return total


def _ms(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    parse = lambda c: c.str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="us")
    return (parse(later) - parse(earlier)).dt.total_microseconds() / 1000.0


def as_langfuse(logs: pl.DataFrame) -> list[dict]:
    """The same calls as Langfuse generations (public API observation objects)."""
    cached = pl.col("metadata").str.json_path_match(
        "$.usage_object.prompt_tokens_details.cached_tokens").cast(pl.Int64)
    rows = logs.select(
        pl.col("request_id").alias("id"), pl.col("startTime"), pl.col("endTime"),
        pl.col("completionStartTime"), pl.col("model"), pl.col("model_group").alias("name"),
        pl.col("prompt_tokens"), pl.col("completion_tokens"), cached.alias("cached"),
        pl.col("spend"), pl.col("status"), pl.col("team_id"), pl.col("session_id"))
    return [{"id": r["id"], "traceId": r["session_id"], "type": "GENERATION",
             "name": r["name"], "startTime": r["startTime"], "endTime": r["endTime"],
             "completionStartTime": r["completionStartTime"], "model": r["model"],
             "usageDetails": {"input": r["prompt_tokens"], "output": r["completion_tokens"],
                              "cache_read_input_tokens": r["cached"]},
             "costDetails": {"total": r["spend"]}, "calculatedTotalCost": r["spend"],
             "level": "DEFAULT" if r["status"] == "success" else "ERROR",
             "metadata": {"team": r["team_id"]}, "input": SECRET_PROMPT, "output": "..."}
            for r in rows.iter_rows(named=True)]


SECRET_PROMPT = "patient record 0042: confidential"


def as_helicone(logs: pl.DataFrame) -> pl.DataFrame:
    """The same calls as a Helicone request export."""
    cached = pl.col("metadata").str.json_path_match(
        "$.usage_object.prompt_tokens_details.cached_tokens").cast(pl.Int64)
    return logs.select(
        pl.col("request_id"), pl.col("startTime").alias("request_created_at"),
        pl.col("model").alias("request_model"),
        pl.col("custom_llm_provider").str.to_uppercase().alias("provider"),
        pl.col("prompt_tokens"), pl.col("completion_tokens"),
        cached.alias("prompt_cache_read_tokens"), pl.col("spend").alias("costUSD"),
        pl.when(pl.col("status") == "success").then(pl.lit("200")).otherwise(pl.lit("500"))
        .alias("response_status"),
        _ms(pl.col("endTime"), pl.col("startTime")).alias("delay_ms"),
        _ms(pl.col("completionStartTime"), pl.col("startTime")).alias("time_to_first_token"),
        pl.format('{{"Helicone-Property-Task": "{}", "Helicone-Property-Team": "{}", '
                  '"Helicone-Session-Id": "{}"}}', pl.col("model_group"), pl.col("team_id"),
                  pl.col("session_id")).alias("request_properties"),
        pl.col("cache_hit").str.to_lowercase().alias("cache_hit"),
        pl.lit(SECRET_PROMPT).alias("request_body"))


def write_bundled(folder: Path, seed: int = 5, scale: float = 0.05) -> None:
    """The fixtures bundled in ``data/audit`` (see its SOURCE.md): the month at 5% of the known
    volume, its OpenAI usage export with the planted direct calls, and reviewer scores."""
    logs = spend_logs(seed, scale).drop("api_key")
    with open(folder / "litellm_spendlogs_march.csv.gz", "wb") as raw, gzip.GzipFile(
            fileobj=raw, mode="wb", mtime=0) as handle:  # the same bytes on every run
        logs.write_csv(handle)
    (folder / "openai_usage_march.json").write_text(json.dumps(openai_usage(logs)))


if __name__ == "__main__":
    write_bundled(Path(__file__).resolve().parents[2] / "data" / "audit")
