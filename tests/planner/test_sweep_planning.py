"""`sweep` serving planning: `--policy` limits the rows, parameter values are never cut short
in the table, and `--out` writes the grid (CSV with one column per parameter, or JSON)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LONG = "a_description_long_enough_that_a_narrow_table_would_have_to_cut_it_short"


def run(*args: str, columns: int = 160) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], check=False,
                          capture_output=True, text=True, timeout=300, env=env, cwd=REPO)


def test_policy_filter_and_csv_grid(tmp_path):
    out = tmp_path / "grid.csv"
    proc = run("sweep", "scenarios/support_desk.yaml", "--param",
               "finance.rework_minutes=3,10", "-r", "1", "--days", "1", "--policy", "routed",
               "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [r["policy"] for r in rows] == ["routed", "routed"]
    assert rows[0]["savings_vs_baseline"] is not None  # the baseline still ran
    with out.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [t["finance.rework_minutes"] for t in table] == ["3", "10"]
    assert {"monthly_cost_usd_ci95_low", "monthly_cost_usd_ci95_high"} <= set(table[0])


def test_parameter_values_are_never_truncated():
    proc = run("sweep", "scenarios/support_desk.yaml", "--param",
               f"policies[routed].description={LONG},short", "-r", "1", "--days", "1",
               "-p", "routed", columns=80)
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    first_column = "".join(line.split("│")[1].strip() for line in proc.stdout.splitlines()
                           if line.startswith("│"))
    assert LONG in first_column


def test_unknown_policy_exits_2():
    proc = run("sweep", "scenarios/support_desk.yaml", "--param", "finance.rework_minutes=3",
               "-p", "nope")
    assert proc.returncode == 2 and "--policy" in proc.stderr and "nope" in proc.stderr
