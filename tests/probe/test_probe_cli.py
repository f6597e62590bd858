"""``workbench probe`` / ``calibrate`` as a user runs them: killed with SIGKILL and resumed,
and the key never written anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from workbench.probe.store import RunStore

from .conftest import KEY, endpoint, write_config
from .test_probe_live import assert_one_final_per_task

BAD_KEY = "sk-bad-LEAKCHECK-0c1d2e3f4a"


def workbench(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          check=False, text=True, env=env or os.environ.copy(), timeout=60,
                          **kw)


def test_sigkill_mid_run_then_resume_records_every_task_once(tmp_path, fake, keyed):
    _, base_url = fake
    cfg = write_config(tmp_path, [endpoint(base_url, {
        "small": "m?ttft=0.08&tokens=4&fault=500&times=1", "big": "b?ttft=0.06&tokens=4"},
        concurrency=3)], sample={"per_task_type": 8, "seed": 5})
    out = tmp_path / "run"
    records = out / "records.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "probe", str(cfg), "--out",
                             str(out), "--json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.time() + 30
    while time.time() < deadline:
        if records.exists() and records.read_bytes().count(b"\n") >= 12:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_rows = RunStore(out).load("records")
    finals = {r["task_id"] for r in killed_rows if r["final"]}
    assert 0 < len(finals) < 32, "the kill must land mid-run"
    done = workbench("probe", str(cfg), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["done_before"] == len(finals) and document["not_sent"] == 0
    rows = RunStore(out).load("records")
    assert_one_final_per_task(rows, 32)
    assert rows[:len(killed_rows)] == killed_rows  # nothing rewritten, only appended


def test_the_key_appears_in_no_file_and_no_output(tmp_path, fake, keyed):
    _, base_url = fake
    env = {**os.environ, "PROBE_KEY": KEY, "BAD_KEY": BAD_KEY}
    good = endpoint(base_url, {"small": "m?ttft=0.01&tokens=8&fault=429&times=1"})
    bad = endpoint(base_url, {"big": "b"}, name="cloud", api="anthropic")
    bad["api_key_env"] = "BAD_KEY"
    cfg = write_config(tmp_path, [good, bad], sample={"per_task_type": 3, "seed": 1})
    out = tmp_path / "run"
    outputs = []
    probe = workbench("probe", str(cfg), "--out", str(out), "--json", "--export-parquet",
                      env=env)
    outputs.append(probe)
    assert probe.returncode == 2 and "BAD_KEY" in probe.stderr and "Traceback" not in probe.stderr
    document = json.loads(probe.stdout)
    assert "BAD_KEY" in document["stopped_endpoints"]["cloud"]
    assert (out / "records.parquet").exists()
    outputs.append(workbench("probe", str(cfg), "--out", str(out), env=env))  # human output
    calibrate = workbench("calibrate", str(out), "--json", env=env)
    outputs.append(calibrate)
    assert calibrate.returncode == 0, calibrate.stderr
    assert json.loads(calibrate.stdout)["overlay"]["providers"]["local"]["error_rate"] == 0
    outputs.append(workbench("calibrate", str(out), env=env))
    files = [p for p in Path(out).rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "records.jsonl", "outputs.jsonl",
                                       "records.parquet", "calibration.yaml"}
    for secret in (KEY, BAD_KEY):
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
        for proc in outputs:
            assert secret not in proc.stdout and secret not in proc.stderr


def test_config_error_exits_2_naming_file_field_value(tmp_path):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})],
                       max_tokens=0)
    proc = workbench("probe", str(cfg), "--out", str(tmp_path / "run"))
    assert proc.returncode == 2 and "max_tokens" in proc.stderr and str(cfg) in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = workbench("calibrate", str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "no probe run" in proc.stderr
