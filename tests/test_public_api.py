"""The curated public API: ``from workbench import load_scenario, estimate, simulate, replay,
probe, report`` - every name documented with an example, imported on first use only."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import workbench
from workbench.domain.errors import ScenarioError

REPO = Path(__file__).resolve().parents[1]
PUBLIC = ("load_scenario", "estimate", "simulate", "replay", "probe", "report")


def test_the_six_names_import_and_are_documented_with_an_example():
    from workbench import estimate, load_scenario, probe, replay, report, simulate

    for name, value in zip(PUBLIC, (load_scenario, estimate, simulate, replay, probe, report)):
        assert callable(value), name
        doc = value.run.__doc__ if inspect.ismodule(value) else value.__doc__
        assert doc and doc.strip().splitlines()[0], name
        assert f"{name}(" in doc and ">>> " in doc, f"{name}: no example in its docstring"
    assert sorted(workbench.__all__) == sorted(PUBLIC)
    assert set(PUBLIC) <= set(dir(workbench))
    with pytest.raises(AttributeError, match="no attribute 'estimat'"):
        workbench.estimat  # noqa: B018


def test_import_workbench_stays_light():
    """``import workbench`` (and so ``import workbench.domain``) loads none of the heavy
    dependencies; the public names load them only when first used."""
    code = ("import json, sys, workbench; print(json.dumps(sorted(m for m in ('numpy', 'simpy', "
            "'polars', 'httpx', 'streamlit', 'plotly', 'pydantic') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(out.stdout) == []


def test_callable_packages_keep_their_submodules():
    """``replay``, ``probe`` and ``report`` are their packages, callable: importing a
    submodule does not replace the public name, and the submodules stay reachable."""
    import workbench.probe.store
    import workbench.replay.formats  # noqa: F401
    from workbench import probe, replay, report

    assert replay is sys.modules["workbench.replay"] and replay.formats.load_table
    assert probe.store.RunStore and report.run
    assert list(inspect.signature(replay).parameters)[:2] == ["source", "format"]


def test_replay_equals_the_two_step_form():
    from workbench import replay
    from workbench.replay.formats import load_table
    from workbench.replay.replay import ReplayOptions
    from workbench.replay.replay import replay as replay_table

    one_step = replay(REPO / "data/routellm", "routellm", benchmark="gsm8k", seed=3)
    table = load_table(REPO / "data/routellm", "routellm", benchmark="gsm8k")
    assert one_step == replay_table(table, ReplayOptions(seed=3))


def test_report_writes_html_and_names_an_unknown_policy(tmp_path):
    from workbench import estimate, load_scenario, report

    scenario = load_scenario(REPO / "scenarios/support_desk.yaml")
    out = tmp_path / "deep" / "report.html"
    html = report(scenario, out, policy="routed")
    assert out.read_text(encoding="utf-8") == html and html.startswith("<!DOCTYPE html>")
    cost = estimate(scenario).policies["routed"].monthly_cost_usd
    assert f"{cost:,.0f}" in html
    with pytest.raises(ScenarioError, match="no policy of that name") as info:
        report(scenario, policy="routd")
    assert info.value.path == "policy" and info.value.value == "routd"
