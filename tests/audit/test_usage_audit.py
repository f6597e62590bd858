"""A provider's usage export audited on its own (issue 10: ``openai-usage`` and
``anthropic-usage`` as ``--format``): daily totals become volumes per model (or per project
with ``--task-from project_id``), token sizes are means and said to be, and the estimate of
``today`` equals the list price of the exported tokens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.audit import audit_logs
from workbench.domain.catalog import resolve_price
from workbench.domain.errors import AuditError

DATA = Path(__file__).resolve().parents[2] / "data" / "audit"
DAY = 86_400
MARCH_1 = 1_772_323_200  # 2026-03-01T00:00:00Z


def openai_page(rows: list[tuple[int, str, str | None, int, int, int, int]]) -> dict:
    """Usage API completions buckets from (day, model, project, requests, input, cached,
    output) rows."""
    buckets: dict[int, list] = {}
    for day, model, project, n, inp, cached, out in rows:
        buckets.setdefault(day, []).append({
            "object": "organization.usage.completions.result", "model": model,
            "project_id": project, "num_model_requests": n, "input_tokens": inp,
            "input_cached_tokens": cached, "output_tokens": out, "input_audio_tokens": 0,
            "output_audio_tokens": 0, "user_id": None, "api_key_id": None, "batch": False})
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": MARCH_1 + d * DAY,
                      "end_time": MARCH_1 + (d + 1) * DAY, "results": results}
                     for d, results in sorted(buckets.items())]}


def test_the_bundled_usage_export_audits_on_its_own():
    """By hand: per model, requests / 31 days; the month's spend is the list price of every
    exported token, and the estimate of today equals it."""
    doc = audit_logs([DATA / "openai_usage_march.json"], "openai-usage").to_json()
    page = json.loads((DATA / "openai_usage_march.json").read_text())
    results = [r for bucket in page["data"] for r in bucket["results"]]
    spend = 0.0
    for model in {r["model"] for r in results}:
        mine = [r for r in results if r["model"] == model]
        n = sum(r["num_model_requests"] for r in mine)
        assert doc["task_types"][model]["per_day"] == pytest.approx(n / 31, rel=1e-12)
        inp = sum(r["input_tokens"] for r in mine)
        cached = sum(r["input_cached_tokens"] for r in mine)
        price = resolve_price(f"openai:{model}")
        spend += ((inp - cached) * price.input_per_mtok_usd
                  + cached * price.cached_input_per_mtok_usd
                  + sum(r["output_tokens"] for r in mine) * price.output_per_mtok_usd) / 1e6
        t = doc["task_types"][model]
        assert t["input_tokens_p50"] == t["input_tokens_p95"] == pytest.approx(inp / n)
    assert doc["observed"]["monthly_cost_usd"] == pytest.approx(spend, rel=1e-12)
    assert doc["estimated_monthly_cost_usd"] == pytest.approx(spend, rel=1e-6)
    assert any("per-request means" in note for note in doc["notes"])


def test_projects_become_task_types_and_teams(tmp_path):
    rows = []
    for day in range(14):
        rows += [(day, "gpt-4o-mini-2024-07-18", "proj_support", 300, 300_000, 0, 60_000),
                 (day, "gpt-4o-2024-08-06", "proj_support", 100, 200_000, 50_000, 40_000),
                 (day, "gpt-4o-2024-08-06", "proj_sales", 50, 100_000, 0, 25_000)]
    (tmp_path / "usage.json").write_text(json.dumps(openai_page(rows)))
    audit = audit_logs([tmp_path / "usage.json"], "openai-usage", task_from="project_id")
    doc = audit.to_json()
    # a project on two models is one task type per model (their token sizes differ)
    mini = doc["task_types"]["proj_support:gpt-4o-mini-2024-07-18"]
    big = doc["task_types"]["proj_support:gpt-4o-2024-08-06"]
    assert (mini["per_day"], big["per_day"]) == pytest.approx((300.0, 100.0))
    assert (mini["team"], big["team"]) == ("proj_support", "proj_support")
    assert big["input_tokens_p50"] == pytest.approx(2000.0)
    assert big["cached_input_share"] == pytest.approx(0.25)
    assert doc["task_types"]["proj_sales"]["models"] == {"gpt-4o-2024-08-06": 1.0}
    assert set(doc["teams"]) == {"proj_support", "proj_sales"}
    assert sum(t["monthly_cost_usd"] for t in doc["teams"].values()) == pytest.approx(
        doc["observed"]["monthly_cost_usd"])
    assert doc["residual_share"] == pytest.approx(0.0, abs=1e-6)


def test_anthropic_usage_counts_no_requests_and_says_so(tmp_path):
    report = {"data": [{"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-02T00:00:00Z",
                        "results": [{"model": "claude-sonnet-4-20250514",
                                     "uncached_input_tokens": 1500,
                                     "cache_creation": {"ephemeral_1h_input_tokens": 1000,
                                                        "ephemeral_5m_input_tokens": 500},
                                     "cache_read_input_tokens": 200, "output_tokens": 500,
                                     "server_tool_use": {"web_search_requests": 0},
                                     "workspace_id": "wrkspc_01", "api_key_id": None,
                                     "service_tier": "standard", "context_window": "0-200k"}]}],
              "has_more": False, "next_page": None}
    (tmp_path / "anthropic.json").write_text(json.dumps(report))
    with pytest.raises(AuditError, match="counts no requests") as err:
        audit_logs([tmp_path / "anthropic.json"], "anthropic-usage")
    assert "anthropic.json" in str(err.value)
    from workbench.audit.provider_usage import read_anthropic_usage

    daily = read_anthropic_usage(tmp_path / "anthropic.json", "workspace_id")
    assert daily.row(0, named=True)["input_tokens"] == 1500 + 200 + 1000 + 500
    assert daily.row(0, named=True)["group"] == "wrkspc_01"


def test_an_anthropic_csv_with_request_counts_audits(tmp_path):
    (tmp_path / "anthropic.csv").write_text(
        "starting_at,model,uncached_input_tokens,cache_read_input_tokens,output_tokens,requests\n"
        + "".join(f"2026-03-{d:02d}T00:00:00Z,claude-3-5-haiku-20241022,90000,10000,20000,100\n"
                  for d in range(1, 15)))
    doc = audit_logs([tmp_path / "anthropic.csv"], "anthropic-usage").to_json()
    t = doc["task_types"]["claude-3-5-haiku-20241022"]
    assert t["per_day"] == pytest.approx(100.0)
    assert t["cached_input_share"] == pytest.approx(0.1)
    assert doc["residual_share"] == pytest.approx(0.0, abs=1e-6)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, check=False, timeout=300)


def test_cli_usage_format_writes_a_scenario_that_validates(tmp_path):
    out = tmp_path / "scenario.yaml"
    proc = run("audit", str(DATA / "openai_usage_march.json"), "--format", "openai-usage",
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "per-request means" in proc.stdout
    check = run("validate", str(out))
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(("extra", "message"), [
    (["--task-from", "project"], "project"),
    (["--usage", str(DATA / "openai_usage_march.json")], "--usage"),
])
def test_cli_usage_format_bad_options_exit_2(extra, message):
    proc = run("audit", str(DATA / "openai_usage_march.json"), "--format", "openai-usage",
               *extra)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_hourly_buckets_give_the_hour_profile(tmp_path):
    """bucket_width=1h: 14 days of 30 requests at 09:00 and 10 at 15:00 -> hour 9 holds 3/4
    of the day (24 x 0.75 = 18), hour 15 a quarter (6)."""
    buckets = []
    for day in range(14):
        for hour, n in ((9, 30), (15, 10)):
            start = MARCH_1 + day * DAY + hour * 3600
            buckets.append({"object": "bucket", "start_time": start, "end_time": start + 3600,
                            "results": [{"object": "organization.usage.completions.result",
                                         "model": "gpt-4o-mini-2024-07-18",
                                         "num_model_requests": n, "input_tokens": 500 * n,
                                         "output_tokens": 100 * n}]})
    (tmp_path / "hourly.json").write_text(json.dumps({"object": "page", "data": buckets}))
    audit = audit_logs([tmp_path / "hourly.json"], "openai-usage")
    profile = audit.scenario["workload"]["hour_profile"]
    assert profile[9] == pytest.approx(18.0) and profile[15] == pytest.approx(6.0)
    assert sum(profile) == pytest.approx(24.0)
    assert audit.to_json()["task_types"]["gpt-4o-mini-2024-07-18"]["per_day"] == 40.0
    assert not any("hour-of-day profile is flat" in n for n in audit.to_json()["notes"])


def test_daily_buckets_say_the_hour_profile_is_flat():
    notes = audit_logs([DATA / "openai_usage_march.json"], "openai-usage").to_json()["notes"]
    assert any("hour-of-day profile is flat" in n for n in notes)


def test_a_task_map_over_models_renames_task_types_not_teams(tmp_path):
    """Without --task-from the task types are models: a map renames them, and the team
    stays 'default' (a renamed model is no team)."""
    (tmp_path / "tasks.yaml").write_text("tasks: {gpt-4o-2024-08-06: chat}\n")
    doc = audit_logs([DATA / "openai_usage_march.json"], "openai-usage",
                     task_map=tmp_path / "tasks.yaml").to_json()
    assert doc["task_types"]["chat"]["models"] == {"gpt-4o-2024-08-06": 1.0}
    assert {t["team"] for t in doc["task_types"].values()} == {"default"}
    assert list(doc["teams"]) == ["default"]


def test_an_unknown_format_lists_the_usage_formats_too():
    proc = run("audit", str(DATA / "openai_usage_march.json"), "--format", "openai-usagee")
    assert proc.returncode == 2
    assert "openai-usage, anthropic-usage" in proc.stderr and "Traceback" not in proc.stderr
