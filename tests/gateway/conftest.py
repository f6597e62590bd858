"""Shared helpers of the gateway tests: endpoints for every model of a scenario."""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.domain.scenario import Scenario
from workbench.gateway import Served

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
FIXTURES = Path(__file__).parent / "fixtures"


def served_all(scenario: Scenario, base_url: str = "http://127.0.0.1:8000/v1",
               key_env: str | None = "GATEWAY_TEST_KEY",
               names: dict[str, str] | None = None) -> dict[str, Served]:
    """Every model of ``scenario`` on one OpenAI-compatible endpoint (served name = model name
    unless ``names`` says otherwise)."""
    names = names or {}
    return {m.name: Served(m.name, "local", "openai", base_url, key_env,
                           names.get(m.name, m.name)) for m in scenario.models}


def write_endpoints(folder: Path, served: dict[str, Served]) -> Path:
    """An endpoints file (the probe config's ``endpoints:`` shape) for ``served``."""
    first = next(iter(served.values()))
    data = {"endpoints": [{"name": "local", "base_url": first.base_url,
                           "api_key_env": first.api_key_env,
                           "models": {m: s.served_name for m, s in served.items()}}]}
    path = folder / "endpoints.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
