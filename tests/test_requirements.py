"""The requirements map decides: hard requirements make a model ineligible (and a policy
that can send a task there invalid at load), the required pass rate is kept apart from the
score bar, deadlines are checked, and a self-hosted model carries its hosting per task."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import yaml

from workbench.domain.errors import ScenarioError
from workbench.domain.loader import scenario_from_data
from workbench.estimator.requirements import requirements_frame

BASE = {
    "name": "reqs", "baseline": "today", "horizon": {"days": 30, "days_per_month": 30},
    "quality_bars": {"standard": 0.80},
    "providers": [{"name": "cloud"}, {"name": "own"}],
    "models": [
        {"name": "api-eu", "provider": "cloud", "context_window": 16000,
         "price": {"input_per_mtok_usd": 1.0, "output_per_mtok_usd": 2.0},
         "quality": {"mean": 0.80, "sd": 0.10},  # P(score >= 0.80) = 0.5
         "latency": {"ttft_median_s": 0.5, "ttft_p95_s": 0.5, "tokens_per_s": 50},
         "capabilities": {"regions": ["eu"], "structured_output": True}},
        {"name": "api-us", "provider": "cloud", "context_window": 128000,
         "price": {"input_per_mtok_usd": 1.0, "output_per_mtok_usd": 2.0},
         "quality": {"mean": 0.90, "sd": 0.05},  # P(score >= 0.80) = Phi(2)
         "capabilities": {"regions": ["us"]}},
        {"name": "box", "provider": "own", "context_window": 32000,
         "deployment": {"kind": "self_hosted", "hourly_usd": 2.0, "instances": 1},
         "quality": {"mean": 0.95, "sd": 0.05}, "capabilities": {"regions": ["eu"]}},
    ],
    "workload": {"task_types": [
        {"name": "chat", "per_day": 1000, "input_tokens": 1000, "output_tokens": 500,
         "requirements": {"required_pass_rate": 0.9, "deadline_s": 5}},
        {"name": "contracts", "per_day": 200, "input_tokens": 9000, "output_tokens": 1000,
         "requirements": {"data_class": "confidential", "regions": ["eu"],
                          "structured_output": True}},
        {"name": "long", "per_day": 100, "input_tokens": 20000, "output_tokens": 500},
    ]},
    "policies": [{"name": "today", "routing": {"default": "api-us"}}],
}


def _scenario(**changes):
    return scenario_from_data({**BASE, **changes}, "reqs.yaml", None)


def _row(frame, task, model):
    return frame.filter((frame["task_type"] == task) & (frame["model"] == model)).row(
        0, named=True)


def test_a_policy_sending_confidential_data_out_of_region_is_invalid_at_load():
    with pytest.raises(ScenarioError) as err:
        _scenario()
    message = str(err.value)
    assert "reqs.yaml" in message and "policies[0].routing.default" in message
    for part in ("policy 'today'", "'contracts'", "'api-us'", "region: allowed eu",
                 "serves from us"):
        assert part in message


def test_a_policy_may_waive_a_requirement_knowingly():
    from workbench.domain.reachability import waived

    s = _scenario(policies=[{"name": "today", "routing": {"default": "api-us"},
                             "waives": ["region", "structured output"]}])
    assert waived(s, s.policy("today")) == [
        ("contracts -> api-us (the routing default): region: allowed eu, the model serves "
         "from us"),
        "contracts -> api-us (the routing default): structured output: needed, not stated"]


def test_failover_backups_and_budget_downgrades_are_checked_too():
    route = {"default": "api-us", "rules": [{"when": {"task_type": "contracts"},
                                             "model": "api-eu"}]}
    with pytest.raises(ScenarioError, match=r"policies\[0\]\.failover\.chain\[0\]"):
        _scenario(policies=[{"name": "today", "routing": route,
                             "failover": {"mode": "sequential", "chain": ["box"]}}])
    with pytest.raises(ScenarioError, match=r"policies\[0\]\.budget\.rules\[0\]\.map\.api-eu"):
        _scenario(policies=[{"name": "today", "routing": route, "budget": {
            "monthly_usd": 100, "rules": [{"at": 0.8, "action": "downgrade",
                                           "map": {"api-eu": "api-us"}}]}}])


def test_matrix_keeps_the_required_pass_rate_apart_from_the_score_bar():
    s = _scenario(policies=[{"name": "today", "routing": {
        "default": "api-us", "rules": [{"when": {"task_type": "contracts"}, "model": "api-eu"}]}}])
    frame = requirements_frame(s)
    eu = _row(frame, "chat", "api-eu")
    assert eu["score_bar"] == 0.80 and eu["pass_rate"] == pytest.approx(0.5)
    assert eu["required_pass_rate"] == 0.9 and not eu["meets_pass_rate"]
    us = _row(frame, "chat", "api-us")
    assert us["pass_rate"] == pytest.approx(0.5 * math.erfc(-2 / math.sqrt(2)))  # Phi(2)
    assert us["meets_pass_rate"]  # 0.977 >= 0.9
    # p95 latency: fixed ttft 0.5 s + 500 tokens at 50 tokens/s = 10.5 s > the 5 s deadline
    assert eu["latency_p95_s"] == pytest.approx(10.5, abs=2e-3) and not eu["meets_deadline"]
    long = _row(frame, "long", "api-eu")  # 20,000 + 500 tokens > the 16,000 window
    assert not long["eligible"] and long["why"].startswith("context: needs 20,500 tokens")
    assert _row(frame, "contracts", "api-eu")["eligible"]
    assert not _row(frame, "contracts", "box")["eligible"]  # no structured output stated


def test_a_self_hosted_model_shows_its_hosting_per_task_never_zero():
    s = _scenario(policies=[{"name": "today", "routing": {
        "default": "api-us", "rules": [{"when": {"task_type": "contracts"}, "model": "api-eu"}]}}])
    box = _row(requirements_frame(s), "chat", "box")
    hosting = 2.0 * 24 * 30 / ((1000 + 200 + 100) * 30)  # $1,440 a month over 39,000 tasks
    assert box["hosting_usd_per_task"] == pytest.approx(hosting)
    assert box["cost_per_task_usd"] == pytest.approx(hosting)


def test_validate_exits_2_naming_policy_task_model_and_requirement(tmp_path):
    path = tmp_path / "reqs.yaml"
    path.write_text(yaml.safe_dump(BASE))
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "validate", str(path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "'contracts'" in run.stderr and "'api-us'" in run.stderr and "region" in run.stderr
