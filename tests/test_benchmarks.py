"""Every benchmark script runs at its --small size and prints the documented JSON (CI checks
correctness only; timings are read by people, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted(Path(__file__).parents[1].joinpath("benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_small_prints_cases(script):
    proc = subprocess.run([sys.executable, str(script), "--json", "--small"],
                          check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["cases"], doc
    for case in doc["cases"]:
        assert "name" in case and "seconds" in case
