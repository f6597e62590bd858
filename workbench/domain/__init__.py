"""Pure scenario data and validation (pydantic + stdlib only).

Importing this package never imports simpy, polars, httpx or streamlit.
"""

from workbench.domain.errors import (
    PolicyError,
    ProbeError,
    ReplayError,
    ScenarioError,
    WorkbenchError,
)
from workbench.domain.loader import load_scenario
from workbench.domain.scenario import Scenario

__all__ = [
    "PolicyError",
    "ProbeError",
    "ReplayError",
    "Scenario",
    "ScenarioError",
    "WorkbenchError",
    "load_scenario",
]
