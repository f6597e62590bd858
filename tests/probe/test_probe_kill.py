"""The spend cap holds on the real bill across interrupts (issue 14 #1): a probe run killed with
SIGKILL and stopped with SIGINT / SIGTERM at random moments, then resumed, never makes the
local server serve more priced work than the cap - counting every request the server started
to answer (in flight at the kill included) at its whole reply."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time

import yaml

from workbench.probe.ledger import SpendLedger
from workbench.probe.store import RunStore

from .conftest import SCENARIO, endpoint, write_config
from .test_probe_live import assert_one_final_per_task

PRICES = {"b": (10.0, 30.0), "s": (1.0, 2.0)}  # served prefix -> scenario model's $/Mtok


def served_usd(billed: list[tuple[str, int, int]]) -> float:
    """What the server's work costs at the scenario's list prices."""
    total = 0.0
    for model, prompt_tokens, output_tokens in billed:
        price_in, price_out = PRICES[model.partition("?")[0]]
        total += (prompt_tokens * price_in + output_tokens * price_out) / 1e6
    return total


def test_prices_match_the_scenario():
    models = {m["name"]: m["price"] for m in yaml.safe_load(SCENARIO.read_text())["models"]}
    assert PRICES["b"] == (models["big"]["input_per_mtok_usd"],
                           models["big"]["output_per_mtok_usd"])
    assert PRICES["s"] == (models["small"]["input_per_mtok_usd"],
                           models["small"]["output_per_mtok_usd"])
    # worked example: 50 prompt + 12 output tokens of big = 50*10e-6 + 12*30e-6
    assert math.isclose(served_usd([("b?x", 50, 12)]), 0.00086)


def _start(cfg, out):
    return subprocess.Popen([sys.executable, "-m", "workbench.cli", "probe", str(cfg), "--out",
                             str(out), "--json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def test_cap_holds_on_the_served_bill_across_kills(tmp_path, fake, keyed):
    llm, base_url = fake
    cap = 0.08  # the whole sample would cost about 0.11 at the served prices
    cfg = write_config(tmp_path, [endpoint(base_url, {"big": "b?ttft=0.3&tokens=12",
                                                      "small": "s?ttft=0.3&tokens=12"},
                                           concurrency=12)],
                       sample={"per_task_type": 60, "seed": 7}, spend_cap_usd=cap)
    out = tmp_path / "run"
    llm.billed.clear()
    rng = random.Random(14)
    stops = [signal.SIGKILL, signal.SIGINT, signal.SIGKILL, signal.SIGTERM, signal.SIGKILL]
    codes = []
    for sig in stops:
        before = llm.requests
        proc = _start(cfg, out)
        deadline = time.time() + 60
        while llm.requests < before + 12 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.25))  # requests in flight (each takes 0.3 s)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        codes.append(proc.returncode)
        assert "Traceback" not in stderr, stderr
        if sig != signal.SIGKILL and proc.returncode != 0:
            assert proc.returncode == 128 + sig, stderr
            assert "rerun the same command to resume" in stderr.lower(), stderr
    assert codes.count(-signal.SIGKILL) >= 2, codes  # kills landed mid-run
    done = _start(cfg, out)
    _, stderr = done.communicate(timeout=120)
    assert done.returncode == 0, stderr
    rows = RunStore(out).load("records")
    assert_one_final_per_task(rows, 240)
    served = served_usd(llm.billed)
    assert served <= cap, f"served ${served:.5f} of work against a ${cap} cap"
    spent, unsettled = SpendLedger(RunStore(out)).state()
    assert not unsettled and served <= spent <= cap + 1e-12
    assert math.isclose(sum(r["cost_usd"] for r in rows), spent, rel_tol=1e-9)
    assert any(r["outcome"] == "blocked" for r in rows)  # the cap really bound
    assert any(r["outcome"] == "interrupted" and not r["final"] for r in rows)
