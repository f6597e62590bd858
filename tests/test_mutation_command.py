"""benchmarks/mutation.py without running mutmut (it is run by hand): its config names real
modules and tests, it parses mutmut's output, and its --small mode prints the canned case."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "mutation.py"


@pytest.fixture(scope="module")
def mutation():
    spec = importlib.util.spec_from_file_location("mutation_command", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_module_and_test_selection_exists(mutation):
    base, modules = mutation.modules_config()
    assert base["process_isolation"] == "forkserver"
    assert sorted(base["only_mutate"]) == sorted(modules)
    for module, tests in modules.items():
        assert (ROOT / module).is_file(), module
        assert tests and all((ROOT / t).exists() for t in tests), module


def test_score_is_killed_plus_timeout_over_tested(mutation):
    """(60 + 2) / (70 - 5) = 62 / 65."""
    stats = {"killed": 60, "timeout": 2, "survived": 3, "total": 70, "skipped": 5}
    assert mutation.score(stats) == pytest.approx(62 / 65)
    assert mutation.score({"total": 0}) is None


def test_parses_mutmut_results(mutation):
    text = ("    workbench.policies.budget.xǁBudgetStateǁsubstitute__mutmut_2: timeout\n"
            "    workbench.policies.routing.x_route__mutmut_7: survived\n"
            "noise line\n"
            "    workbench.policies.routing.x_matches__mutmut_2: no tests\n")
    assert mutation.parse_results(text) == [
        {"mutant": "workbench.policies.budget.xǁBudgetStateǁsubstitute__mutmut_2",
         "status": "timeout"},
        {"mutant": "workbench.policies.routing.x_route__mutmut_7", "status": "survived"},
        {"mutant": "workbench.policies.routing.x_matches__mutmut_2", "status": "no tests"}]


def test_scratch_pyproject_narrows_mutmut_to_one_module(mutation):
    base, modules = mutation.modules_config()
    text = mutation._scratch_pyproject("workbench/metrics/roi.py",
                                       modules["workbench/metrics/roi.py"], base)
    table = tomllib.loads(text)["tool"]["mutmut"]
    assert table["only_mutate"] == ["workbench/metrics/roi.py"]
    assert table["pytest_add_cli_args_test_selection"] == modules["workbench/metrics/roi.py"]
    assert "modules" not in table
    assert tomllib.loads(text)["project"]["name"] == "workbench"


def test_small_prints_the_canned_case():
    out = subprocess.run([sys.executable, str(SCRIPT), "--json", "--small"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    case, = json.loads(out.stdout)["cases"]
    assert case["score"] == pytest.approx(66 / 70, abs=1e-4)
    assert [c["status"] for c in case["not_killed"]] == ["survived"] * 3 + ["no tests"]
