"""Fixtures shared by the whole test suite (keep generic; subsystem fixtures live beside their
tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = REPO_ROOT / "scenarios"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    """The bundled ``scenarios/`` folder."""
    return SCENARIOS_DIR


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write YAML text to a file under ``tmp_path`` and return its path:
    ``write_scenario(text, name="s.yaml")``."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
