"""Importing the pure layers pulls in no heavy dependency (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("simpy", "polars", "httpx", "streamlit", "plotly")

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_modules_loaded_by(module: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_domain_imports_no_heavy_dependency():
    """`import workbench.domain` loads no simpy, polars, httpx, streamlit or plotly."""
    assert _heavy_modules_loaded_by("workbench.domain") == []


def test_estimator_and_loading_a_scenario_stay_light():
    """The estimator and the policies (what `workbench estimate` needs) stay light too."""
    assert _heavy_modules_loaded_by("workbench.estimator, workbench.policies.routing") == []
