"""The audit recovers a known workload from a month of LiteLLM logs, reconciles to the bill,
finds planted untracked spend exactly, and refuses bad exports with file, row and column."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import polars as pl
import pytest

from tests.audit.logs_fixture import (
    CACHE_HIT_RATE,
    DAYS,
    KNOWN,
    START,
    WEEKDAY,
    openai_usage,
    planted_cost_usd,
    spend_logs,
)
from workbench.audit import audit_logs
from workbench.domain.errors import AuditError

Z95 = 1.6448536269514722
SECRET = "the customer's card number is 4111"


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    logs = spend_logs().with_columns(pl.lit(SECRET).alias("messages"))
    logs.write_csv(folder / "spendlogs.csv")
    (folder / "usage.json").write_text(json.dumps(openai_usage(logs)))
    audit = audit_logs([folder / "spendlogs.csv"], usage=[folder / "usage.json"])
    return folder, logs, audit


def _weekday_mean() -> float:
    """Mean weekday weight over the month the fixture spans (it starts on a Sunday)."""
    return sum(WEEKDAY[(START.weekday() + d) % 7] for d in range(DAYS)) / DAYS


def test_volumes_within_two_percent_per_task_type(month):
    _, _, audit = month
    fitted = audit.to_json()["task_types"]
    for task in KNOWN:  # provider calls: the gateway's cache hits never reach a provider
        expected = task.per_day * _weekday_mean() * (1.0 - CACHE_HIT_RATE)
        assert fitted[task.name]["per_day"] == pytest.approx(expected, rel=0.02), task.name


def test_token_quantiles_within_five_percent(month):
    _, _, audit = month
    fitted = audit.to_json()["task_types"]
    for task in KNOWN:  # lognormal: p95 = median x exp(1.645 sigma) by construction
        t = fitted[task.name]
        assert t["input_tokens_p50"] == pytest.approx(task.input_median, rel=0.05)
        assert t["input_tokens_p95"] == pytest.approx(task.input_p95, rel=0.05)
        assert t["output_tokens_p50"] == pytest.approx(task.output_median, rel=0.05)
        assert t["output_tokens_p95"] == pytest.approx(task.output_p95, rel=0.05)


def test_estimate_of_today_within_one_percent_of_observed_spend(month):
    _, logs, audit = month
    doc = audit.to_json()
    observed = float(logs["spend"].sum())  # 31 days, reported per 31-day month
    assert doc["observed"]["monthly_cost_usd"] == pytest.approx(observed, rel=1e-12)
    assert abs(doc["residual_share"]) < 0.01
    assert doc["unpriced_models"] == []
    assert sum(t["monthly_cost_usd"] for t in doc["teams"].values()) == pytest.approx(observed)


def test_planted_untracked_spend_found_exactly(month):
    _, _, audit = month
    untracked = audit.to_json()["untracked"]
    assert untracked["cost_usd"] == pytest.approx(planted_cost_usd(), abs=1e-9)
    assert untracked["requests"] == 120 + 400 + 50
    days = {(r["day"], r["model_key"]) for r in untracked["rows"]}
    assert days == {("2026-03-04", "gpt-4o"), ("2026-03-18", "gpt-4o-mini"),
                    ("2026-03-18", "o3-mini")}


def test_today_routes_each_task_type_where_the_logs_show(month):
    _, _, audit = month
    from workbench.domain.loader import scenario_from_data
    from workbench.policies.routing import route

    scenario = scenario_from_data(audit.scenario, "audited", None)
    today = scenario.policy("today")
    for task in KNOWN:
        target = route(today, scenario.workload.task_type(task.name))
        if not task.split:
            assert target.model == task.model and target.split is None
            continue
        shares = dict(target.split)  # the planted weighted split, within 3 standard errors
        assert set(shares) == {m for m, _ in task.split}
        calls = task.per_day * DAYS * _weekday_mean()
        for model, share in task.split:
            assert shares[model] == pytest.approx(share, abs=3 * math.sqrt(
                share * (1 - share) / calls))


def test_cli_writes_a_valid_scenario_and_never_copies_prompts(month, tmp_path):
    folder, _, _ = month
    out = tmp_path / "scenario.yaml"
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit",
                          str(folder / "spendlogs.csv"), "--usage", str(folder / "usage.json"),
                          "--out", str(out), "--json"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert set(doc) >= {"observed", "estimated_monthly_cost_usd", "residual_share", "task_types",
                        "teams", "unpriced_models", "untracked"}
    assert SECRET not in run.stdout and SECRET not in out.read_text()
    check = subprocess.run([sys.executable, "-m", "workbench.cli", "validate", str(out)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


HEADER = "request_id,spend,prompt_tokens,completion_tokens,startTime,endTime,model,request_tags"
ROW = '{id},{spend},{inp},{out},{start},2026-03-01T10:00:02Z,gpt-4o-mini,"[""task:a""]"'


def _csv(tmp_path, rows: list[dict], header: str = HEADER):
    base = {"id": "r1", "spend": "0.001", "inp": "100", "out": "20",
            "start": "2026-03-01T10:00:00Z"}
    lines = [header] + [ROW.format(**{**base, **r}) for r in rows]
    path = tmp_path / "logs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("rows, where, value", [
    ([{"id": "r1"}, {"id": "r2", "start": "yesterday"}], "row 2, column startTime", "yesterday"),
    ([{"id": "r1", "inp": "-5"}], "row 1, column prompt_tokens", "-5"),
    ([{"id": "r1", "spend": "abc"}], "row 1, column spend", "abc"),
    ([{"id": "r1"}, {"id": "r2"}, {"id": "r1"}], "row 3, column request_id", "r1"),
])
def test_bad_rows_name_file_row_column_and_value(tmp_path, rows, where, value):
    path = _csv(tmp_path, rows)
    with pytest.raises(AuditError) as err:
        audit_logs([path])
    message = str(err.value)
    assert str(path) in message and where in message and repr(value) in message


def test_skip_bad_rows_counts_what_it_skipped(tmp_path):
    path = _csv(tmp_path, [{"id": "r1"}, {"id": "r2", "start": "nope"}, {"id": "r3"},
                           {"id": "r3"}])
    doc = audit_logs([path], skip_bad_rows=True).to_json()
    assert doc["skipped_rows"] == {"unparsable timestamp": 1, "duplicate request_id": 1}
    assert doc["observed"]["requests"] == 2


@pytest.mark.parametrize("text, message", [
    ("", "no rows"),
    ("request_id,spend\nr1,0.1\n", "missing column(s) prompt_tokens"),
])
def test_wrong_or_empty_exports_exit_2(tmp_path, text, message):
    path = tmp_path / "logs.csv"
    path.write_text(text)
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit", str(path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert str(path) in run.stderr and message in run.stderr and "Traceback" not in run.stderr


def test_a_model_unknown_to_the_catalogue_is_priced_from_the_log_never_zero(tmp_path):
    rows = [{"id": f"r{i}", "inp": str(100 * (i + 1)), "out": str(10 * (i % 3 + 1)),
             "spend": f"{(100 * (i + 1) * 2.0 + 10 * (i % 3 + 1) * 8.0) / 1e6:.10f}"}
            for i in range(6)]
    path = _csv(tmp_path, rows)
    path.write_text(path.read_text().replace("gpt-4o-mini", "acme-private-7b"))
    doc = audit_logs([path]).to_json()
    assert doc["unpriced_models"] == ["acme-private-7b"]
    price = doc["models"]["acme-private-7b"]["price"]
    assert price["input_per_mtok_usd"] == pytest.approx(2.0, rel=1e-6)
    assert price["output_per_mtok_usd"] == pytest.approx(8.0, rel=1e-6)
    assert math.isclose(doc["estimated_monthly_cost_usd"], doc["observed"]["monthly_cost_usd"],
                        rel_tol=1e-6)


@pytest.fixture(scope="module")
def one_week(month):
    _, logs, _ = month
    # Langfuse and Helicone see no gateway cache: a week of calls that reached a provider
    return logs.filter((pl.col("startTime") < "2026-03-08") & (pl.col("cache_hit") == "False"))


def _same_audit(a, b):
    da, db = a.to_json(), b.to_json()
    assert da["observed"] == pytest.approx(db["observed"])
    assert da["estimated_monthly_cost_usd"] == pytest.approx(db["estimated_monthly_cost_usd"],
                                                             rel=1e-9)
    for name, task in da["task_types"].items():
        other = db["task_types"][name]
        for key in ("per_day", "input_tokens_p50", "output_tokens_p95", "cached_input_share"):
            assert task[key] == pytest.approx(other[key]), (name, key)
        assert task["team"] == other["team"]
    assert {m: v["price"] for m, v in da["models"].items()} == \
        {m: v["price"] for m, v in db["models"].items()}


def test_langfuse_and_helicone_exports_audit_like_the_litellm_logs(one_week, tmp_path):
    from tests.audit.logs_fixture import SECRET_PROMPT, as_helicone, as_langfuse

    one_week.drop("messages").write_csv(tmp_path / "litellm.csv")
    (tmp_path / "langfuse.json").write_text(json.dumps({"data": as_langfuse(one_week)}))
    as_helicone(one_week).write_csv(tmp_path / "helicone.csv")
    reference = audit_logs([tmp_path / "litellm.csv"])
    langfuse = audit_logs([tmp_path / "langfuse.json"], "langfuse")
    helicone = audit_logs([tmp_path / "helicone.csv"], "helicone")
    _same_audit(langfuse, reference)
    _same_audit(helicone, reference)
    for audit in (langfuse, helicone):
        assert SECRET_PROMPT not in json.dumps(audit.to_json())
        assert SECRET_PROMPT not in json.dumps(audit.scenario)


def test_any_table_with_a_mapping_file_audits_like_the_litellm_logs(one_week, tmp_path):
    one_week.drop("messages").write_csv(tmp_path / "litellm.csv")
    own = one_week.select(
        pl.col("request_id").alias("id"), pl.col("startTime").alias("created"),
        pl.col("endTime").alias("done"), pl.col("model").alias("engine"),
        pl.col("prompt_tokens").alias("tin"), pl.col("completion_tokens").alias("tout"),
        pl.col("spend").alias("usd"), pl.col("status").alias("outcome"),
        pl.col("model_group").alias("feature"), pl.col("team_id").alias("dept"),
        pl.col("metadata").alias("meta"), pl.col("session_id").alias("trace"))
    own.write_parquet(tmp_path / "own.parquet")
    (tmp_path / "mapping.yaml").write_text(
        "columns: {request_id: id, start: created, end: done, model: engine, input_tokens: tin,\n"
        "          output_tokens: tout, cost_usd: usd, status: outcome, trace_id: trace,\n"
        "          cached_tokens: meta.usage_object.prompt_tokens_details.cached_tokens}\n"
        "task_type: feature\nteam: dept\nok_values: [success]\n")
    table = audit_logs([tmp_path / "own.parquet"], "table", mapping=tmp_path / "mapping.yaml")
    _same_audit(table, audit_logs([tmp_path / "litellm.csv"]))


def test_a_mapping_without_the_cost_column_exits_2_naming_the_file(tmp_path):
    (tmp_path / "m.yaml").write_text("columns: {request_id: id, start: t, model: m,\n"
                                     "          input_tokens: i, output_tokens: o}\n")
    (tmp_path / "logs.csv").write_text("id,t,m,i,o\nr1,2026-03-01,x,1,1\n")
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit", str(tmp_path / "logs.csv"),
                          "--format", "table", "--mapping", str(tmp_path / "m.yaml")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2, run.stderr
    assert "m.yaml" in run.stderr and "cost_usd" in run.stderr


def test_scores_become_measured_pass_rates_per_task_type_and_model(one_week, tmp_path):
    from statistics import NormalDist

    from workbench.domain.loader import scenario_from_data
    from workbench.estimator.ladder import pass_probability

    one_week.drop("messages").write_csv(tmp_path / "litellm.csv")
    ok = one_week.filter(pl.col("status") == "success")
    # triage passes 3 of 4 scored requests, reply every one; the rest is not scored
    triage = ok.filter((pl.col("model_group") == "triage")
                       & (pl.col("model") == "gpt-4o-mini")).head(400)  # not its fallbacks
    reply = ok.filter((pl.col("model_group") == "reply") & (pl.col("model") == "gpt-4o")).head(100)
    scores = pl.concat([
        triage.select("request_id", pl.Series("score", [0.95, 0.95, 0.95, 0.5] * 100)),
        reply.select("request_id", pl.lit(0.99).alias("score"))])
    scores.write_csv(tmp_path / "scores.csv")
    audit = audit_logs([tmp_path / "litellm.csv"], scores=[tmp_path / "scores.csv"])
    scenario = scenario_from_data(audit.scenario, "audited", None)
    triage_task = scenario.workload.task_type("triage")
    assert pass_probability(scenario, "gpt-4o-mini", triage_task) == pytest.approx(0.75)
    reply_rate = pass_probability(scenario, "gpt-4o", scenario.workload.task_type("reply"))
    assert reply_rate == pytest.approx(1 - 0.5 / 100)  # all passed: clipped to 1 - 1/2n
    profile = scenario.model("gpt-4o-mini").quality.by_category["triage"]
    assert profile.mean == pytest.approx(0.90 + 0.05 * NormalDist().inv_cdf(0.75), abs=1e-6)
    assert any("quality assumed (no scores)" in n for n in audit.to_json()["notes"])


@pytest.mark.parametrize("n", [201, 744, 12_345])
def test_token_sample_keeps_the_mean_exactly_whatever_the_count(n):
    import numpy as np

    from workbench.audit.fit import token_sample

    values = np.round(np.random.default_rng(n).lognormal(6.0, 1.0, n))
    sample = token_sample(values)
    assert len(sample) == 200
    assert sum(sample) / len(sample) == pytest.approx(values.mean(), rel=1e-12)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(sample))  # ordered, up to rounding


def test_bundled_month_reconciles_within_one_percent():
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "data" / "audit"
    doc = audit_logs([data / "litellm_spendlogs_march.csv.gz"],
                     usage=[data / "openai_usage_march.json"]).to_json()
    assert abs(doc["residual_share"]) < 0.01
    assert doc["untracked"]["cost_usd"] == pytest.approx(planted_cost_usd(), abs=1e-9)


def test_a_decompression_bomb_is_refused_early_with_the_file_named(tmp_path):
    import gzip

    bomb = tmp_path / "logs.csv.gz"
    with gzip.open(bomb, "wb") as handle:
        handle.write(b"request_id,spend\n")
        for _ in range(64):
            handle.write(b"\0" * (1 << 20))  # 64 MiB of zeros packs into ~64 KiB
    with pytest.raises(AuditError, match="decompression bomb") as err:
        audit_logs([bomb])
    assert str(bomb) in str(err.value)


def test_a_zipped_export_reads_like_the_plain_one(one_week, tmp_path):
    import zipfile

    one_week.drop("messages").write_csv(tmp_path / "litellm.csv")
    with zipfile.ZipFile(tmp_path / "logs.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "litellm.csv", "spendlogs.csv")
    _same_audit(audit_logs([tmp_path / "logs.zip"]), audit_logs([tmp_path / "litellm.csv"]))


def test_a_task_map_renames_and_merges_task_types(one_week, tmp_path):
    one_week.drop("messages").write_csv(tmp_path / "litellm.csv")
    (tmp_path / "tasks.yaml").write_text(
        "tasks: {triage: support_triage, reply: writing, draft: writing}\n")
    plain = audit_logs([tmp_path / "litellm.csv"]).to_json()["task_types"]
    doc = audit_logs([tmp_path / "litellm.csv"], task_map=tmp_path / "tasks.yaml").to_json()
    tasks = doc["task_types"]
    assert "triage" not in tasks and "reply" not in tasks and "draft" not in tasks
    assert tasks["support_triage"]["per_day"] == pytest.approx(plain["triage"]["per_day"])
    assert tasks["writing"]["per_day"] == pytest.approx(plain["reply"]["per_day"]
                                                        + plain["draft"]["per_day"])
    assert any("reply -> writing; draft -> writing" in n or "draft -> writing" in n
               for n in doc["notes"])


def test_a_bad_task_map_exits_2_naming_the_file(tmp_path):
    (tmp_path / "tasks.yaml").write_text("tasks: {triage: '  '}\n")
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit",
                          "data/audit/litellm_spendlogs_march.csv.gz", "--task-map",
                          str(tmp_path / "tasks.yaml")], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 2, run.stderr
    assert "tasks.yaml" in run.stderr and "tasks.triage" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_measured_latency_and_errors_become_a_calibration_overlay(tmp_path):
    """`audit --overlay` writes calibrate's overlay format: a hand-written scenario naming the
    same models and providers takes the measured figures by including it."""
    import yaml

    from workbench.domain.loader import load_scenario

    data = "data/audit/litellm_spendlogs_march.csv.gz"
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit", data, "--out",
                          str(tmp_path / "audited.yaml"), "--overlay",
                          str(tmp_path / "measured.yaml")], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert "calibration overlay written to" in run.stdout
    audited = yaml.safe_load((tmp_path / "audited.yaml").read_text())
    overlay = yaml.safe_load((tmp_path / "measured.yaml").read_text())
    gpt4o = next(m for m in audited["models"] if m["name"] == "gpt-4o")
    assert overlay["models"]["gpt-4o"]["latency"] == gpt4o["latency"]
    assert overlay["providers"]["openai"]["error_rate"] == next(
        p["error_rate"] for p in audited["providers"] if p["name"] == "openai")
    mine = {"name": "mine", "baseline": "a", "overlays": ["measured.yaml"],
            "providers": [{"name": "openai"}, {"name": "anthropic"}],
            "models": [{"name": m, "provider": p, "price": {"per_request_usd": 0.01}}
                       for m, p in (("gpt-4o", "openai"), ("gpt-4o-mini", "openai"),
                                    ("claude-3-5-haiku-20241022", "anthropic"),
                                    ("claude-sonnet-4-20250514", "anthropic"))],
            "workload": {"task_types": [{"name": "t", "per_day": 10}]},
            "policies": [{"name": "a", "routing": {"default": "gpt-4o"}}]}
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(mine))
    scenario = load_scenario(tmp_path / "mine.yaml")
    assert scenario.model("gpt-4o").latency.ttft_median_s == gpt4o["latency"]["ttft_median_s"]
    assert scenario.provider("openai").error_rate == overlay["providers"]["openai"]["error_rate"]


def test_mixed_currencies_name_the_row_and_value(tmp_path):
    path = _csv(tmp_path, [{"id": "r1"}, {"id": "r2"}])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",currency", lines[1] + ",USD",
                               lines[2] + ",EUR"]) + "\n")
    with pytest.raises(AuditError, match="other than USD") as err:
        audit_logs([path])
    assert "row 2, column currency" in str(err.value) and "'EUR'" in str(err.value)
    doc = audit_logs([path], skip_bad_rows=True).to_json()
    assert doc["observed"]["requests"] == 1
    assert list(doc["skipped_rows"].values()) == [1]
