"""Live mode under stops and changes (issue 14): a revoked key leaves unfinished tasks for a
rerun, a down endpoint costs nothing and blocks no one, a resume refuses a changed config
naming what changed, and task latency is measured across sessions without spend-guard waits."""

from __future__ import annotations

import json
import socket
from itertools import pairwise

import pytest

from workbench.domain.errors import ProbeError
from workbench.probe.config import load_probe
from workbench.probe.runner import run_probe
from workbench.probe.sampler import build_jobs
from workbench.probe.spend import worst_case_usd
from workbench.probe.store import RunStore

from .conftest import endpoint, write_config
from .test_probe_cli import workbench
from .test_probe_live import FAST, assert_one_final_per_task


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_revoked_key_leaves_in_flight_and_late_failures_for_the_rerun(tmp_path, fake, keyed):
    llm, base_url = fake
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "s?delay=0.4&fault=500&times=1",
                                                      "big": "b?ttft=0.01"}, concurrency=4)],
                       sample={"per_task_type": 5, "seed": 1})
    setup = load_probe(cfg)
    out = tmp_path / "run"
    llm.revoke_after = 4  # the first 4 requests pass; the key is revoked after them
    first = run_probe(setup, out)
    assert "PROBE_KEY" in first.stopped["local"]
    rows = RunStore(out).load("records")
    late = [r for r in rows if r["outcome"] == "error_5xx"]  # in flight at the 401, failed later
    assert late and not any(r["final"] for r in late)
    auth = [r for r in rows if r["outcome"] == "auth"]
    assert auth and not any(r["final"] for r in auth)
    assert first.not_sent == 20 - sum(r["final"] for r in rows)
    llm.revoke_after = None  # the key fixed
    second = run_probe(setup, out)
    assert not second.stopped and second.not_sent == 0
    by_task = assert_one_final_per_task(RunStore(out).load("records"), 20)
    assert all(attempts[-1]["outcome"] == "ok" for attempts in by_task.values())
    assert second.summary["total"]["success_rate"] == 1.0


def test_a_down_endpoint_costs_nothing_and_blocks_no_one(tmp_path, fake, keyed):
    _, base_url = fake
    endpoints = [endpoint(f"http://127.0.0.1:{free_port()}/v1", {"big": "b"}, name="down",
                          timeout=FAST),
                 endpoint(base_url, {"small": "s?ttft=0.01&tokens=4"}, concurrency=4)]
    sample = {"per_task_type": 20, "seed": 1}
    setup = load_probe(write_config(tmp_path, endpoints, sample=sample))
    worst = {m: max(worst_case_usd(setup.scenario.model(m), j.prompt_tokens, 32)
                    for j in build_jobs(setup, [("probe", m)])) for m in ("small", "big")}
    # room for every small task at its worst case and 5 big requests: 120 big attempts
    # charged at worst case (the old behaviour) would block small tasks
    cap = 40 * worst["small"] + 5 * worst["big"]
    setup = load_probe(write_config(tmp_path, endpoints, sample=sample, spend_cap_usd=cap))
    result = run_probe(setup, tmp_path / "run")
    rows = RunStore(tmp_path / "run").load("records")
    assert_one_final_per_task(rows, 80)
    small = [r for r in rows if r["model"] == "small"]
    big = [r for r in rows if r["model"] == "big"]
    assert {r["outcome"] for r in small} == {"ok"} and len(small) == 40
    assert {r["outcome"] for r in big} == {"unreachable"} and len(big) == 120
    assert all(r["cost_usd"] == 0 for r in big)
    assert result.spent_usd == pytest.approx(sum(r["cost_usd"] for r in small))
    assert list(result.failed) == ["down"] and "unreachable 120" in result.failed["down"]


def test_an_endpoint_where_every_attempt_failed_exits_2(tmp_path, keyed):
    down = f"http://127.0.0.1:{free_port()}/v1"
    cfg = write_config(tmp_path, [endpoint(down, {"small": "s"}, timeout=FAST)],
                       sample={"per_task_type": 1, "seed": 1})
    proc = workbench("probe", str(cfg), "--out", str(tmp_path / "run"), "--json")
    assert proc.returncode == 2, proc.stderr
    assert "every one of 6 attempts failed (unreachable 6)" in " ".join(proc.stderr.split())
    assert json.loads(proc.stdout)["failed_endpoints"]["local"]


@pytest.mark.parametrize("change, named", [
    ({"models": {"small": "m2"}}, "endpoints.local.models.small: 'm?tokens=2' -> 'm2'"),
    ({"top": {"temperature": 0.7}}, "temperature: 0.0 -> 0.7"),
    ({"top": {"max_tokens": 64}}, "max_tokens: 32 -> 64"),
    ({"base_url": "http://127.0.0.1:9/v1"}, "endpoints.local.base_url"),
    ({"top": {"judge": {"endpoint": "local", "model": "small"}}}, "judge: None -> {"),
])
def test_resume_refuses_a_changed_config_naming_what_changed(tmp_path, fake, keyed, change,
                                                            named):
    llm, base_url = fake
    sample = {"per_task_type": 1, "seed": 1}

    def config(models=None, base=base_url, **top):
        ep = endpoint(base, models or {"small": "m?tokens=2"})
        return write_config(tmp_path, [ep], sample=sample, **top)

    out = tmp_path / "run"
    run_probe(load_probe(config()), out)
    before = llm.requests
    cfg = config(change.get("models"), change.get("base_url", base_url), **change.get("top", {}))
    with pytest.raises(ProbeError) as err:
        run_probe(load_probe(cfg), out)
    assert named in str(err.value) and "another --out" in str(err.value)
    assert llm.requests == before
    # what does not change the measurement resumes: the cap, concurrency, retries
    again = run_probe(load_probe(config(spend_cap_usd=9.0, retry={"max_attempts": 5})), out)
    assert again.done_before == 2


def test_changed_config_exits_2_on_the_command_line(tmp_path, fake, keyed):
    _, base_url = fake
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?tokens=2"})],
                       sample={"per_task_type": 1, "seed": 1})
    out = tmp_path / "run"
    run_probe(load_probe(cfg), out)
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "other"})],
                       sample={"per_task_type": 1, "seed": 1})
    proc = workbench("probe", str(cfg), "--out", str(out))
    assert proc.returncode == 2 and "endpoints.local.models.small" in proc.stderr, proc.stderr
    old = RunStore(out).load("records")
    proc = workbench("probe", str(cfg), "--out", str(out), "--new-run", "--json")
    assert proc.returncode == 0, proc.stderr
    moved = tmp_path / "run-1"
    assert f"previous run moved to {moved}" in proc.stderr
    assert json.loads(proc.stdout)["previous_run_moved_to"] == str(moved)
    assert RunStore(moved).load("records") == old  # kept whole, out of the new run's way
    assert {r["model"] for r in RunStore(out).load("records")} == {"small"}
    assert json.loads((out / "run.json").read_text())["measured"]["endpoints"]["local"][
        "models"] == {"small": "other"}


def test_start_is_taken_after_the_spend_guard_wait(tmp_path, fake, keyed):
    _, base_url = fake
    sample = {"per_task_type": 4, "seed": 1, "task_types": ["math"]}  # 30-token prompts
    served = {"big": "b?ttft=0.1&tokens=2"}
    setup = load_probe(write_config(tmp_path, [endpoint(base_url, served)], sample=sample))
    worst = max(worst_case_usd(setup.scenario.model("big"), j.prompt_tokens, 32)
                for j in build_jobs(setup, [("probe", "big")]))
    # worst = (ceil(30 * 1.25) + 16) * 10e-6 + 32 * 30e-6 = 0.0015; actual 30 * 10e-6 +
    # 2 * 30e-6 = 0.00036: a cap of 1.8 x worst fits one request in flight at a time and,
    # one after the other, all four (3 x 0.00036 + 0.0015 = 0.00258 <= 0.0027)
    assert worst == pytest.approx(0.0015)
    cfg = write_config(tmp_path, [endpoint(base_url, served, concurrency=4)], sample=sample,
                       spend_cap_usd=1.8 * worst)
    run_probe(load_probe(cfg), tmp_path / "run")
    sent = sorted(RunStore(tmp_path / "run").load("records"), key=lambda r: r["start_s"])
    assert [r["outcome"] for r in sent] == ["ok"] * 4
    for before, after in pairwise(sent):  # serialised by the guard: no overlap
        assert after["start_s"] >= before["start_s"] + before["latency_s"] - 0.01
    for r in sent:  # the guard's wait is not the task's latency
        assert r["task_latency_s"] == pytest.approx(r["latency_s"])


def test_task_latency_spans_sessions(tmp_path, fake, keyed):
    _, base_url = fake
    slow = {"connect_s": 1, "read_s": 0.6, "total_s": 0.6}
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?fault=hang&times=1&tokens=2"},
                                           timeout=slow)],
                       sample={"per_task_type": 1, "seed": 1})
    out = tmp_path / "run"
    run_probe(load_probe(cfg), out)
    path = out / "records.jsonl"
    first = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(r["outcome"] for r in first) == ["ok", "ok", "timeout", "timeout"]
    # as if killed after each task's first attempt: keep only those records
    path.write_text("".join(json.dumps(r) + "\n" for r in first if not r["final"]))
    run_probe(load_probe(cfg), out)
    rows = RunStore(out).load("records")
    finals = [r for r in assert_one_final_per_task(rows, 2).values()]
    for attempts in finals:
        assert [r["outcome"] for r in attempts] == ["timeout", "ok"]
        timeout, ok = attempts
        assert timeout["latency_s"] >= 0.55
        assert ok["task_latency_s"] == pytest.approx(timeout["latency_s"] + ok["latency_s"])
        assert ok["within_deadline"] is True  # realtime: 30 s


def test_an_unreachable_attempt_fails_over_to_another_endpoint_of_the_model(tmp_path, fake,
                                                                            keyed):
    llm, base_url = fake
    cfg = write_config(tmp_path, [
        endpoint(f"http://127.0.0.1:{free_port()}/v1", {"small": "s"}, name="down",
                 timeout=FAST),
        endpoint(base_url, {"small": "s?tokens=2"}, name="backup")],
        sample={"per_task_type": 2, "seed": 1})
    before = llm.requests
    result = run_probe(load_probe(cfg), tmp_path / "run")
    assert result.not_sent == 0 and not result.failed and result.jobs == 4
    by_task = assert_one_final_per_task(RunStore(tmp_path / "run").load("records"), 4)
    for down, backup in by_task.values():
        assert (down["outcome"], down["reason"], down["cost_usd"]) == ("unreachable", "route", 0)
        assert (backup["outcome"], backup["reason"], backup["queue_s"]) == ("ok", "failover", 0)
    assert llm.requests - before == 4
