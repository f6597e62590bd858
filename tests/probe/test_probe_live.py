"""The probe against local fake servers: faults end as exactly one final record per task,
retries honour Retry-After, 401 stops an endpoint naming the key variable, the spend cap holds
at concurrency 32, and a rerun resumes without repeating a task."""

from __future__ import annotations

import socket
from collections import defaultdict

import pytest

from workbench.domain.records import OUTCOMES, RECORD_SCHEMA
from workbench.probe.config import load_probe
from workbench.probe.runner import run_probe
from workbench.probe.spend import SpendGuard
from workbench.probe.store import RunStore

from .conftest import endpoint, write_config

FAST = {"connect_s": 1, "read_s": 0.5, "total_s": 1.0}


def assert_one_final_per_task(rows: list[dict], n_jobs: int) -> dict[int, list[dict]]:
    """Every task has attempts 1..k, exactly one final record, and it is the last attempt."""
    by_task: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        assert set(r) == set(RECORD_SCHEMA) and r["outcome"] in OUTCOMES
        by_task[r["task_id"]].append(r)
    assert sorted(by_task) == list(range(n_jobs))
    for attempts in by_task.values():
        attempts.sort(key=lambda r: r["attempt"])
        assert [r["attempt"] for r in attempts] == list(range(1, len(attempts) + 1))
        assert [r["final"] for r in attempts] == [False] * (len(attempts) - 1) + [True]
    return by_task


def probe_once(tmp_path, base_url, served: str, api: str = "openai", stream: bool = True,
               **endpoint_extra):
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": served}, api=api,
                                           **endpoint_extra)],
                       sample={"per_task_type": 2, "seed": 1}, stream=stream)
    result = run_probe(load_probe(cfg), tmp_path / "run")
    rows = RunStore(tmp_path / "run").load("records")
    return result, assert_one_final_per_task(rows, 4)


FAULTS = [  # (served model, stream, expected outcomes per task)
    ("m?fault=429&times=1&retry_after=0.2", True, ["rate_limited", "ok"]),
    ("m?fault=500&times=1", True, ["error_5xx", "ok"]),
    ("m?fault=500", True, ["error_5xx", "error_5xx", "error_5xx"]),
    ("m?fault=hang&times=1", True, ["timeout", "ok"]),
    ("m?fault=malformed&times=1", True, ["malformed", "ok"]),
    ("m?fault=malformed&times=1", False, ["malformed", "ok"]),
    ("m?fault=cut&times=1&tokens=8", True, ["stream_cut", "ok"]),
    ("m?fault=truncate&times=1&tokens=8", True, ["stream_cut", "ok"]),
    ("m?fault=truncate&times=1&tokens=8", False, ["truncated", "ok"]),
    ("m?fault=404", True, ["not_found"]),
    ("m?ttft=0.01&tokens=5", False, ["ok"]),
]


@pytest.mark.parametrize("api", ["openai", "anthropic", "azure-openai"])
@pytest.mark.parametrize("served, stream, expected", FAULTS)
def test_faults_end_as_one_final_record(tmp_path, fake, keyed, api, served, stream, expected):
    _, base_url = fake
    result, by_task = probe_once(tmp_path, base_url, served, api, stream, timeout=FAST)
    for attempts in by_task.values():
        assert [r["outcome"] for r in attempts] == expected
        final = attempts[-1]
        assert final["task_success"] is (expected[-1] == "ok")
        assert final["task_latency_s"] >= sum(r["latency_s"] for r in attempts)
        if expected[0] == "rate_limited":
            assert attempts[1]["queue_s"] >= 0.2 and attempts[1]["reason"] == "retry"
        for r in attempts:
            if r["outcome"] in ("timeout", "malformed", "stream_cut", "truncated"):
                assert r["tokens_estimated"] and r["cost_usd"] > 0  # bill unknown
                assert r["http_status"] == 200 or r["outcome"] == "timeout"
            if r["outcome"] in ("rate_limited", "error_5xx", "not_found"):
                assert r["cost_usd"] == 0.0
            if r["outcome"] == "ok":
                assert r["input_tokens"] > 0 and r["output_tokens"] > 0
                assert not r["tokens_estimated"] and r["cost_usd"] > 0
                assert (r["ttft_s"] is not None) is stream
    assert result.not_sent == 0
    if expected == ["not_found"]:
        assert "404" in result.warnings[0]


def test_usage_absent_is_estimated_and_flagged(tmp_path, fake, keyed):
    _, base_url = fake
    _, by_task = probe_once(tmp_path, base_url, "m?usage=0&tokens=6")
    for (r,) in by_task.values():
        assert r["outcome"] == "ok" and r["tokens_estimated"]
        assert r["output_tokens"] == 6  # "tok " x 6 = 24 characters / 4


def test_connection_refused(tmp_path, keyed):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result, by_task = probe_once(tmp_path, f"http://127.0.0.1:{port}/v1", "m", timeout=FAST)
    for attempts in by_task.values():  # nothing left the machine: retried, never charged
        assert [r["outcome"] for r in attempts] == ["unreachable"] * 3
        assert all(r["cost_usd"] == 0 and not r["tokens_estimated"] for r in attempts)
    assert result.spent_usd == 0


def test_401_stops_the_endpoint_and_names_the_variable(tmp_path, fake, monkeypatch):
    llm, base_url = fake
    monkeypatch.setenv("PROBE_KEY", "wrong-key-value-123")
    before = llm.requests
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?ttft=0.02"}, concurrency=2)],
                       sample={"per_task_type": 10, "seed": 1})
    result = run_probe(load_probe(cfg), tmp_path / "run")
    rows = RunStore(tmp_path / "run").load("records")
    assert {r["outcome"] for r in rows} == {"auth"} and not any(r["final"] for r in rows)
    assert len(rows) <= 2 and llm.requests - before == len(rows)
    assert result.not_sent == 20  # no task is final: a rerun with the right key sends all
    assert "PROBE_KEY" in result.stopped["local"] and "wrong-key" not in str(result.to_json())


def test_spend_cap_holds_at_concurrency_32(tmp_path, fake, keyed):
    llm, base_url = fake
    cap = 0.012
    cfg = write_config(tmp_path, [endpoint(base_url, {"big": "b?ttft=0.05&tokens=12"},
                                           concurrency=32)],
                       sample={"per_task_type": 40, "seed": 2}, spend_cap_usd=cap)
    setup = load_probe(cfg)
    peaks: list[float] = []
    try_ = SpendGuard._try

    def spy(self, worst):  # watch every reservation: committed + in flight never above cap
        out = try_(self, worst)
        peaks.append(self.spent_usd + self.reserved_usd)
        return out

    SpendGuard._try = spy
    try:
        result = run_probe(setup, tmp_path / "run")
    finally:
        SpendGuard._try = try_
    rows = RunStore(tmp_path / "run").load("records")
    assert_one_final_per_task(rows, 80)
    spent = sum(r["cost_usd"] for r in rows)
    outcomes = [r["outcome"] for r in rows]
    assert spent <= cap and result.spent_usd == pytest.approx(spent)
    assert max(peaks) <= cap + 1e-12 and result.peak_usd <= cap + 1e-12
    assert outcomes.count("ok") >= 5 and outcomes.count("blocked") >= 40
    assert all(r["final"] and r["cost_usd"] == 0 for r in rows if r["outcome"] == "blocked")
    assert llm.max_in_flight >= 2  # requests really ran concurrently


def test_rerun_resumes_without_repeating(tmp_path, fake, keyed):
    llm, base_url = fake
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?fault=500&times=1"})],
                       sample={"per_task_type": 3, "seed": 1})
    setup = load_probe(cfg)
    first = run_probe(setup, tmp_path / "run")
    before = llm.requests
    again = run_probe(setup, tmp_path / "run")
    assert llm.requests == before and again.done_before == first.jobs == 6
    assert again.spent_usd == pytest.approx(first.spent_usd)
    assert_one_final_per_task(RunStore(tmp_path / "run").load("records"), 6)
    frame = RunStore(tmp_path / "run").frame()
    assert frame.height == 12 and dict(frame.schema)["outcome"].__class__.__name__ == \
        "Categorical"


def test_missing_key_variable_fails_before_anything_is_written(tmp_path, monkeypatch):
    from workbench.domain.errors import ProbeError

    monkeypatch.delenv("PROBE_KEY", raising=False)
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})])
    with pytest.raises(ProbeError, match="PROBE_KEY is not set"):
        run_probe(load_probe(cfg), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_custom_headers_are_sent_and_secret_ones_stay_secret(tmp_path, fake, keyed,
                                                             monkeypatch):
    llm, base_url = fake
    secret = "gw-secret-6b1f0e9d"
    monkeypatch.setenv("GW_KEY", secret)
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?tokens=2"}, api="anthropic",
                                           headers={"X-Title": "pilot"},
                                           header_env={"X-Gateway-Key": "GW_KEY"})],
                       sample={"per_task_type": 1, "seed": 1})
    result = run_probe(load_probe(cfg), tmp_path / "run")
    assert result.not_sent == 0
    assert llm.last_headers["x-title"] == "pilot" and llm.last_headers["x-gateway-key"] == secret
    assert llm.last_headers["anthropic-version"] == "2023-06-01"
    for path in (tmp_path / "run").iterdir():
        assert secret.encode() not in path.read_bytes(), path
    assert secret not in str(result.to_json())
    monkeypatch.delenv("GW_KEY")
    from workbench.domain.errors import ProbeError

    with pytest.raises(ProbeError, match=r"GW_KEY \(header_env.X-Gateway-Key\) is not set"):
        run_probe(load_probe(cfg), tmp_path / "other")
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("headers", [{"Authorization": "x"}, {"bad name": "x"},
                                     {"X-Ok": "caf\u00e9"}])
def test_custom_headers_are_checked_at_load(tmp_path, headers):
    from workbench.domain.errors import ScenarioError

    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"},
                                           headers=headers)])
    with pytest.raises(ScenarioError, match=r"endpoints\[0\]\.headers"):
        load_probe(cfg)
