"""Calibration: a probe run against a server whose latency we control becomes an overlay that
``load_scenario`` accepts, and the simulator's latency quantiles from the calibrated profile
match the measured ones within 10%."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from workbench.domain.loader import load_scenario
from workbench.policies.sampling import sample_latency_s
from workbench.probe.calibrate import calibrate, write_overlay
from workbench.probe.config import load_probe
from workbench.probe.runner import run_probe
from workbench.probe.store import RunStore

from .conftest import KEY, SCENARIO, endpoint, write_config

SERVED = ("c?ttft=0.25&ttft_sigma=0.35&tps=40&tps_sigma=0.25"
          "&text=84 is the number you asked about, dear customer")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, fake_server):
    """One probe run of 120 tasks, calibrated; (calibration, scenario with the overlay,
    records, overlay path)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROBE_KEY", KEY)
        return _calibrated(tmp_path_factory.mktemp("calibrate"), fake_server[1])


def _calibrated(tmp_path, base_url):
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(yaml.safe_dump({"task_types": {
        "faq": {"prompt": "Ticket $task_id: $context", "check": {"kind": "regex",
                                                                "pattern": "refund"}},
        "math": {"prompt": "What is 12*7? $context", "check": {"kind": "numeric",
                                                              "value": 84}}}}))
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": SERVED}, concurrency=20,
                                           timeout={"connect_s": 2, "read_s": 5,
                                                    "total_s": 5})],
                       sample={"per_task_type": 60, "seed": 4}, prompts=str(prompts))
    run_probe(load_probe(cfg), tmp_path / "run")
    cal = calibrate(tmp_path / "run")
    overlay = write_overlay(cal, tmp_path / "calibration.yaml")
    scenario_file = tmp_path / "scenario.yaml"
    scenario_file.write_text(SCENARIO.read_text() + "\noverlays: [calibration.yaml]\n")
    return cal, load_scenario(scenario_file), RunStore(tmp_path / "run").load("records"), overlay


def test_overlay_is_accepted_and_applied(calibrated):
    _, scenario, _, overlay = calibrated
    data = yaml.safe_load(overlay.read_text())
    latency = scenario.model("small").latency
    assert latency.ttft_median_s == data["models"]["small"]["latency"]["ttft_median_s"]
    assert latency.tokens_per_s == data["models"]["small"]["latency"]["tokens_per_s"]
    assert scenario.provider("local").error_rate == 0.0
    assert scenario.model("big").latency == load_scenario(SCENARIO).model("big").latency


def test_simulated_latency_quantiles_match_measured_within_10_percent(calibrated):
    cal, scenario, rows, _ = calibrated
    ok = [r for r in rows if r["outcome"] == "ok"]
    assert len(ok) == 120
    measured = np.asarray([r["latency_s"] for r in ok])
    tokens = np.repeat([r["output_tokens"] for r in ok], 200)
    ttft, total = sample_latency_s(scenario.model("small").latency, tokens,
                                   np.random.default_rng(0))
    for q in (0.5, 0.9):
        sim, real = np.quantile(total, q), np.quantile(measured, q)
        assert abs(sim / real - 1) < 0.10, (q, sim, real)
    real_ttft = np.asarray([r["ttft_s"] for r in ok])
    assert abs(np.median(ttft) / np.median(real_ttft) - 1) < 0.10
    after = cal.models["small"]["simulated_after"]
    assert abs(after["latency_p50_s"] / cal.models["small"]["measured"]["latency_p50_s"] - 1) \
        < 0.10


def test_measured_pass_rates_become_quality_profiles(calibrated):
    cal, scenario, _, _ = calibrated
    quality = cal.models["small"]["quality"]
    assert quality["reasoning"]["measured_pass_rate"] == 1.0
    assert quality["support"]["measured_pass_rate"] == 0.0
    profile = scenario.model("small").quality
    bar = scenario.quality_bars["standard"]  # math is a standard-tier task
    reasoning = profile.for_category("reasoning")
    assert reasoning.mean == 1.0  # 1 - 1/2n is out of reach with sd 0.1: clipped, noted
    assert reasoning.pass_probability(bar) == pytest.approx(quality["reasoning"]["fitted_rate"])
    assert any("reasoning" in note for note in cal.notes)
    assert profile.for_category("support").pass_probability(scenario.quality_bars["basic"]) \
        == pytest.approx(0.5 / quality["support"]["n"], abs=1e-6)
    assert profile.for_category("reasoning").sd == 0.1  # kept from the scenario


def test_simulate_uses_the_overlay_and_metrics_read_probe_records(calibrated, tmp_path):
    """The simulator draws time to first token from the calibrated profile; the metrics'
    per-replication reduction reads a probe records frame."""
    simulation = pytest.importorskip("workbench.engine.simulation")
    from workbench.metrics.summary import per_replication

    _, _, rows, overlay = calibrated
    data = yaml.safe_load(SCENARIO.read_text())
    data["policies"].append({"name": "all_small", "routing": {"default": "small"}})
    data["overlays"] = [str(overlay)]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    result = simulation.simulate(load_scenario(path), replications=1, days=5.0,
                                 policies=["all_small"])
    sim = result.records.filter((result.records["policy"] == "all_small")
                                & (result.records["outcome"] == "ok"))["ttft_s"].to_numpy()
    measured = np.asarray([r["ttft_s"] for r in rows if r["outcome"] == "ok"])
    assert sim.size > 300
    for q in (0.5, 0.9):
        assert abs(np.quantile(sim, q) / np.quantile(measured, q) - 1) < 0.10, q
    frame = RunStore(overlay.parent / "run").frame()
    reduced = per_replication(frame)
    assert reduced.height == 1 and reduced["policy"][0] == "probe"
