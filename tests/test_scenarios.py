"""Every bundled scenario validates, estimates, and says what it models; figures derived from
data are re-derived here from the copies in ``data/``."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rules.invariants import check_estimate
from workbench.domain import load_scenario
from workbench.estimator import estimate

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO_ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_validates_and_estimates(path):
    """Loads, estimates every policy; every total equals its recomputation from its parts
    (tests/rules/invariants.py: components, breakdowns, tasks, savings, ROI) and every
    summary number is finite and sane."""
    scenario = load_scenario(path)
    result = estimate(scenario)
    check_estimate(scenario, result)
    document = result.to_json()
    json.dumps(document, allow_nan=False)
    assert set(document["policies"]) == set(scenario.policy_names)
    for name, summary in document["policies"].items():
        assert summary["monthly_cost_usd"] >= 0, name
        assert 0.0 <= summary["success_rate"] <= 1.0, name
        assert 0.0 <= summary["availability"] <= 1.0, name
        assert summary["rework_hours"] >= 0.0, name
        assert math.isfinite(summary["cost_per_task_usd"]), name
    assert document["policies"][scenario.baseline]["savings_vs_baseline"] == 0.0
    for claim in document["claims"]:  # judged by the estimate, or left to a simulation
        if claim["fidelity"] == "estimate":
            assert claim["holds"] in (True, False), claim
            assert claim["computed"] == document["policies"][claim["policy"]][claim["metric"]]
        else:
            assert claim["holds"] is None and claim["judged_by"] is None, claim
            assert claim["status"] == "not modelled by the estimate", claim


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_opens_with_its_claim_and_assumptions(path):
    """The opening comment names the claim modelled and lists the assumptions added."""
    head = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        head.append(line)
    text = "\n".join(head)
    assert text.startswith("# Claim modelled:"), path.name
    assert "Assumptions added here" in text, path.name
    assert "seed 00" in text, path.name  # which article the claim comes from


def test_bundled_set_is_complete():
    """The scenarios the issue asks for are all there."""
    names = {p.stem for p in SCENARIOS}
    assert {"support_desk", "tiered_escalation", "math_shift", "agency_shopify",
            "agency_fullservice", "agency_dev", "marketing_14_tasks", "content_pipeline",
            "multi_provider_failover"} <= names


def test_estimate_cli_json_gives_the_support_desk_figures():
    """`workbench estimate scenarios/support_desk.yaml --json`: one JSON document on stdout."""
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "estimate",
                          "scenarios/support_desk.yaml", "--json"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    policies = document["policies"]
    assert f"{policies['baseline']['monthly_cost_usd']:.2f}" == "4500.00"
    assert f"{policies['routed']['monthly_cost_usd']:.2f}" == "1965.00"


def _outage_minutes(provider: str, service: str) -> tuple[float, float, int]:
    partial = major = 0.0
    days = 0
    with open(REPO_ROOT / "data/outages/daily_outage_minutes.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["provider"], row["service"]) == (provider, service):
                partial += float(row["partial_outage_minutes"])
                major += float(row["major_outage_minutes"])
                days += 1
    return partial, major, days


def test_failover_outage_parameters_come_from_the_data():
    """partial_share = partial / (partial + major) minutes; degraded_error_rate reproduces the
    study's partial-weighted availability (99.82% OpenAI API, 99.92% Anthropic API) to within
    the rounding of those published percentages."""
    scenario = load_scenario(REPO_ROOT / "scenarios/multi_provider_failover.yaml")
    for name, service, study_availability in (("openai", "api", 0.9982),
                                              ("anthropic", "api.anthropic.com", 0.9992)):
        partial, major, days = _outage_minutes(name, service)
        provider = scenario.provider(name)
        assert provider.partial_share == pytest.approx(partial / (partial + major), abs=5e-5)
        minutes = days * 1440.0
        weighted = 1.0 - (provider.degraded_error_rate * partial + major) / minutes
        assert weighted == pytest.approx(study_availability, abs=5e-5)
    assert scenario.provider("openai").mtbf_days == 5.64
    assert scenario.provider("anthropic").mttr_hours == 2.81


def test_incident_copy_holds_only_the_two_apis():
    """data/outages/incidents.csv keeps the OpenAI API and Anthropic API incidents only."""
    with open(REPO_ROOT / "data/outages/incidents.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 307
    for row in rows:
        services = row["services"].split(";")
        assert ("API" in services) if row["provider"] == "openai" else \
            ("api.anthropic.com" in services)


def test_latency_profiles_borrowed_from_llmperf():
    """The tiered scenario's tiers carry the Groq / Together / Fireworks Llama-2-70B rows."""
    with open(REPO_ROOT / "data/llmperf/latency_summary.csv", newline="") as handle:
        rows = {(r["provider"], r["model"]): r for r in csv.DictReader(handle)}
    scenario = load_scenario(REPO_ROOT / "scenarios/tiered_escalation.yaml")
    for model, provider in (("tier1", "groq"), ("tier2", "together"), ("tier3", "fireworks")):
        row = rows[(provider, "Llama-2-70B")]
        latency = scenario.model(model).latency
        assert latency.ttft_median_s == pytest.approx(float(row["ttft_p50_s"]), abs=0.01)
        assert latency.ttft_p95_s == pytest.approx(float(row["ttft_p95_s"]), abs=0.01)
        assert latency.tokens_per_s == pytest.approx(float(row["tokens_per_s_p50"]), abs=0.5)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_estimate_tables_fit_a_100_column_terminal(path):
    """The human tables of `workbench estimate` never cut a number at 100 columns."""
    from rich.console import Console

    from workbench.cli.tables import claims_table, policy_table

    document = estimate(load_scenario(path)).to_json()
    console = Console(width=100, record=True, file=io.StringIO())
    for table in (policy_table("t", document["policies"], document["baseline"]),
                  claims_table(document["claims"])):
        if table is not None:
            console.print(table)
    text = console.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 100
    for summary in document["policies"].values():
        cost = summary["monthly_cost_usd"]
        assert (f"${cost:,.0f}" if cost >= 1000 else f"${cost:,.2f}") in text
