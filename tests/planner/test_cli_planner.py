"""`workbench optimize` and `workbench budget-plan` as a user runs them (subprocess): one
JSON document, the policy file a scenario accepts, exit 2 naming the bad flag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from .test_budget_plan import SMALL as BUDGET_SCENARIO
from .test_optimize import SMALL

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], check=False,
                          capture_output=True, text=True, timeout=300, env=env)


def test_optimize_json_out_and_validate(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    out, full = tmp_path / "policy.yaml", tmp_path / "with_policy.yaml"
    proc = run("optimize", str(scenario), "--min-pass", "0.93", "--min-availability", "0.99",
               "--max-rungs", "2", "-r", "2", "--points", "3", "--out", str(out),
               "--scenario-out", str(full), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {"searched", "frontier", "best", "binding"} <= set(doc)
    best = doc["best"]
    assert best["quality_pass_rate"] >= 0.93 and best["availability"] >= 0.99
    assert len(best["simulated"]["monthly_cost_usd_ci95"]) == 2
    entry = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert entry == [best["policy"]]
    checked = run("validate", str(full), "--json")
    assert checked.returncode == 0, checked.stderr
    assert "optimized" in json.loads(checked.stdout)["policies"]


def test_optimize_table_and_bad_flags(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    proc = run("optimize", str(scenario), "--min-pass", "0.9", "-r", "0", "--points", "2")
    assert proc.returncode == 0, proc.stderr
    assert "proved optimal: yes" in proc.stdout and "Frontier" in proc.stdout
    bad = run("optimize", str(scenario), "--min-pass", "1.5")
    assert bad.returncode == 2 and "--min-pass" in bad.stderr and "1.5" in bad.stderr
    out_of_reach = run("optimize", str(scenario), "--min-pass", "0.9999", "-r", "0")
    assert out_of_reach.returncode == 2 and "--min-pass 0.9999" in out_of_reach.stderr
    only_strong = run("optimize", str(scenario), "-m", "strong", "-r", "0")
    assert only_strong.returncode == 2 and "'report'" in only_strong.stderr
    assert "context: needs" in only_strong.stderr
    no_model = run("optimize", str(scenario), "-m", "gpt-9", "-r", "0")
    assert no_model.returncode == 2 and "--model" in no_model.stderr and "gpt-9" in no_model.stderr
    assert "Traceback" not in bad.stderr + out_of_reach.stderr + no_model.stderr


def test_budget_plan_json_and_bad_policy(tmp_path):
    scenario = tmp_path / "bp.yaml"
    scenario.write_text(BUDGET_SCENARIO, encoding="utf-8")
    proc = run("budget-plan", str(scenario), "--policy", "premium", "--monthly-usd", "60",
               "--months", "400", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["meets_limit"] and doc["chosen"]["overrun_probability_upper95"] <= 0.05
    bad = run("budget-plan", str(scenario), "--policy", "nope", "--monthly-usd", "60")
    assert bad.returncode == 2 and "--policy" in bad.stderr and "nope" in bad.stderr
