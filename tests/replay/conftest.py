"""Shared fixtures of the replay tests: the bundled data and a CLI runner that goes through
``workbench.cli.main`` (so exit codes and error messages are the user's)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[2]
ROUTELLM = ROOT / "data" / "routellm"
ALPACA = ROOT / "data" / "alpaca_eval2"
STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run ``workbench ARGS``; returns (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["workbench", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def run_json(run_cli):
    """Run ``workbench ARGS --json`` and parse stdout."""
    def run(*args: str) -> dict:
        code, out, err = run_cli(*args, "--json")
        assert code == 0, err
        return json.loads(out)
    return run
