"""Simulator performance. Prints {"cases": [...]} as JSON.

1. batch: 30 days x 100,000 tasks/day with outages, a failover chain and an escalation ladder,
   10 replications (30 million task outcomes). Goal: under 60 s and 4 GiB on 2 cores.
2. contention: 1 million requests through rate limits and a concurrency cap on the SimPy path,
   beside a bare SimPy loop doing the same events (arrival, resource request, service timeout)
   in the same run. Goal: at least half the bare loop's throughput.
3. scale: one replication of the batch scenario at 1,000,000 tasks a day for 30 days on the
   streaming path with 2 worker processes, no records kept. Goals: peak RSS of the whole
   process tree under 1.5 GiB, under 25 s on 2 cores; memory flat in volume (peak at 3 M a day
   within 20% of the peak at 300 k a day, over ``--flat-days`` days: memory does not depend on
   the days simulated). Each run is a fresh subprocess whose process tree's resident memory is
   sampled every 50 ms from /proc.

    python benchmarks/simulate.py --json            # full size
    python benchmarks/simulate.py --json --small    # CI: correctness of the script only
    python benchmarks/simulate.py --json --only scale --volumes 300000,3000000 --flat-days 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import simpy

from workbench.domain.loader import validate_as
from workbench.domain.references import check_references
from workbench.domain.scenario import Scenario
from workbench.engine.simulation import simulate


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def batch_scenario(per_day: float) -> Scenario:
    """Two providers with outages, a three-rung ladder with a judge, sequential failover."""
    tokens = {"input_tokens": {"median": 1200, "p95": 4000},
              "output_tokens": {"median": 300, "p95": 900}}
    data = {
        "name": "bench_batch", "seed": 1, "baseline": "tiered", "horizon": {"days": 30},
        "providers": [
            {"name": "openai", "mtbf_days": 5.64, "mttr_hours": 2.56, "partial_share": 0.6,
             "degraded_error_rate": 0.3},
            {"name": "anthropic", "mtbf_days": 5.22, "mttr_hours": 2.81, "partial_share": 0.6,
             "degraded_error_rate": 0.3}],
        "models": [
            {"name": "small", "provider": "openai", "price": {"ref": "openai:gpt-4o-mini"},
             "quality": {"mean": 0.82, "sd": 0.1}},
            {"name": "mid", "provider": "anthropic",
             "price": {"ref": "anthropic:claude-3-5-haiku-latest"},
             "quality": {"mean": 0.88, "sd": 0.07}},
            {"name": "big", "provider": "openai", "price": {"ref": "openai:gpt-4o"},
             "quality": {"mean": 0.93, "sd": 0.04}},
            {"name": "backup", "provider": "anthropic",
             "price": {"ref": "anthropic:claude-3-5-sonnet-latest"},
             "quality": {"mean": 0.92, "sd": 0.05}}],
        "workload": {"total_per_day": per_day, "task_types": [
            {"name": "classify", "share": 0.4, "tier": "basic", **tokens},
            {"name": "answer", "share": 0.35, "tier": "standard", **tokens},
            {"name": "draft", "share": 0.2, "tier": "standard", **tokens},
            {"name": "review", "share": 0.05, "tier": "premium", **tokens}]},
        "policies": [{
            "name": "tiered",
            "escalation": {"ladder": [{"model": "small"}, {"model": "mid"}, {"model": "big"}],
                           "judge": {"cost_usd": 0.0002, "false_accept": 0.05,
                                     "false_reject": 0.05, "latency_s": 0.3}},
            "failover": {"mode": "sequential", "chain": ["backup"], "retries": 1,
                         "backoff_s": 1.0, "timeout_s": 60}}],
    }
    scenario = validate_as(Scenario, data, "bench")
    check_references(scenario)
    return scenario


def contention_scenario(per_day: float) -> Scenario:
    """One provider with RPM/TPM limits and a concurrency cap."""
    data = {
        "name": "bench_contention", "seed": 1, "baseline": "p", "horizon": {"days": 1},
        "providers": [{"name": "prov", "rpm": int(per_day / 1440 * 1.05), "tpm": 10 ** 9,
                       "concurrency": 64, "retry_after_s": 1.0}],
        "models": [{"name": "m", "provider": "prov", "price": {"per_request_usd": 0.001},
                    "latency": {"ttft_median_s": 0.3, "ttft_p95_s": 0.8, "tokens_per_s": 80}}],
        "workload": {"task_types": [{"name": "t", "per_day": per_day,
                                     "output_tokens": {"median": 100, "p95": 300}}]},
        "policies": [{"name": "p", "routing": {"default": "m"}}],
    }
    scenario = validate_as(Scenario, data, "bench")
    check_references(scenario)
    return scenario


def bare_simpy_s(n: int, rate_per_s: float, cap: int, seed: int = 1) -> float:
    """Seconds for plain SimPy to run n arrivals, each a process taking a Resource slot for an
    exponential service time: the same events as the contention path, without any policy."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / rate_per_s, n).tolist()
    service = rng.exponential(1.6, n).tolist()
    env = simpy.Environment()
    slots = simpy.Resource(env, cap)

    def request(k):
        with slots.request() as req:
            yield req
            yield env.timeout(service[k])

    def arrivals():
        for k in range(n):
            yield env.timeout(gaps[k])
            env.process(request(k))

    started = time.perf_counter()
    env.process(arrivals())
    env.run()
    return time.perf_counter() - started


def case_batch(per_day: float, replications: int, days: float) -> dict:
    scenario = batch_scenario(per_day)
    started = time.perf_counter()
    result = simulate(scenario, replications=replications, days=days, keep_records=False,
                      workers=2)
    seconds = time.perf_counter() - started
    tasks = per_day * days * replications
    summary = result.summaries["tiered"]
    return {"name": "batch_outages_failover_ladder", "tasks": int(tasks), "seconds": seconds,
            "tasks_per_s": tasks / seconds, "peak_rss_mb": peak_rss_mb(),
            "replications": replications, "workers": 2, "path": result.paths["tiered"],
            "monthly_cost_usd": summary["monthly_cost_usd"],
            "availability": summary["availability"], "goal": "< 60 s and < 4096 MiB"}


def case_contention(requests: int) -> dict:
    scenario = contention_scenario(float(requests))
    started = time.perf_counter()
    result = simulate(scenario, replications=1, days=1.0, keep_records=False, path="contention")
    seconds = time.perf_counter() - started
    summary = result.summaries["p"]
    attempts = round(summary["attempts_per_task"] * requests)  # 429s are retried: same events
    bare = bare_simpy_s(attempts, attempts / 86400.0, 64)
    return {"name": "contention_rate_limits", "tasks": requests, "seconds": seconds,
            "tasks_per_s": requests / seconds, "peak_rss_mb": peak_rss_mb(),
            "attempts": attempts, "bare_simpy_seconds": bare, "bare_simpy_tasks_per_s": requests / bare,
            "ratio_to_bare": bare / seconds, "rate_limited_per_month": summary["rate_limited"],
            "path": result.paths["p"], "goal": "ratio_to_bare >= 0.5"}


def _tree_rss_bytes(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, from /proc (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                total += next((int(line.split()[1]) * 1024 for line in handle
                               if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            continue
    return total


def scale_run(per_day: float, days: float, workers: int) -> dict:
    """One streaming run (the subprocess side of the scale case)."""
    scenario = batch_scenario(per_day)
    started = time.perf_counter()
    result = simulate(scenario, replications=1, days=days, keep_records=False, workers=workers)
    seconds = time.perf_counter() - started
    summary = result.summaries["tiered"]
    tasks = summary["tasks_per_month"] * days / scenario.days_per_month
    return {"seconds": seconds, "tasks": round(tasks), "path": result.paths["tiered"],
            "monthly_cost_usd": summary["monthly_cost_usd"],
            "latency_p95_s": summary["latency_p95_s"], "worker_cpu_seconds": result.cpu_s,
            "peak_rss_own_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measured_run(per_day: float, days: float, workers: int) -> dict:
    """``scale_run`` in a fresh subprocess, its process tree's peak RSS sampled every 50 ms."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scale-run",
           f"{per_day:g}", f"{days:g}", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_bytes(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"scale run failed: {err[-2000:]}")
    run = json.loads(out)
    run.update(per_day=per_day, days=days, workers=workers, peak_rss_tree_mb=peak[0] / 2**20,
               tasks_per_s=run["tasks"] / run["seconds"],
               tasks_per_s_per_core=run["tasks"] / run["seconds"] / workers,
               tasks_per_cpu_s=run["tasks"] / max(run["worker_cpu_seconds"], 1e-9))
    return run


def case_scale(per_day: float, days: float, volumes: list[float], flat_days: float,
               workers: int = 2) -> dict:
    """The scale case: the headline run, then the same scenario at each of ``volumes``."""
    load_before = os.getloadavg()
    main_run = measured_run(per_day, days, workers)
    flat = [measured_run(v, flat_days, workers) for v in volumes]
    ratio = (flat[-1]["peak_rss_tree_mb"] / flat[0]["peak_rss_tree_mb"]) if len(flat) > 1 \
        else None
    return {"name": "scale_streaming", "tasks": main_run["tasks"],
            "seconds": main_run["seconds"], "tasks_per_s": main_run["tasks_per_s"],
            "tasks_per_s_per_core": main_run["tasks_per_s_per_core"],
            "tasks_per_cpu_s": main_run["tasks_per_cpu_s"],
            "peak_rss_mb": main_run["peak_rss_tree_mb"], "workers": workers,
            "runs": [main_run, *flat], "memory_ratio_high_to_low_volume": ratio,
            "load_average_before": list(load_before), "load_average_after": list(os.getloadavg()),
            "goal": "peak_rss_mb < 1536, seconds < 25 on 2 cores, memory ratio within 0.8-1.2"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON (the only output)")
    parser.add_argument("--small", action="store_true", help="tiny sizes for CI")
    parser.add_argument("--only", choices=("batch", "contention", "scale"),
                        help="run one case")
    parser.add_argument("--per-day", type=float, default=1_000_000,
                        help="scale case: tasks a day of the headline run")
    parser.add_argument("--days", type=float, default=30, help="scale case: days of it")
    parser.add_argument("--volumes", default="300000,3000000",
                        help="scale case: tasks a day of the memory-in-volume runs")
    parser.add_argument("--flat-days", type=float, default=5,
                        help="scale case: days of the memory-in-volume runs")
    parser.add_argument("--scale-run", nargs=3, metavar=("PER_DAY", "DAYS", "WORKERS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_run:
        per_day, days, workers = args.scale_run
        json.dump(scale_run(float(per_day), float(days), int(workers)), sys.stdout)
        return
    volumes = [float(v) for v in args.volumes.split(",")]
    if args.small:
        cases = {"batch": lambda: case_batch(2_000, 2, 3),
                 "contention": lambda: case_contention(5_000),
                 "scale": lambda: case_scale(20_000, 2, [2_000, 20_000], 1)}
    else:
        cases = {"batch": lambda: case_batch(100_000, 10, 30),
                 "contention": lambda: case_contention(1_000_000),
                 "scale": lambda: case_scale(args.per_day, args.days, volumes, args.flat_days)}
    cases = [run() for name, run in cases.items() if args.only in (None, name)]
    doc = {"cases": cases}
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for case in cases:
            print(f"{case['name']}: {case['tasks']:,} tasks in {case['seconds']:.1f} s "
                  f"({case['tasks_per_s']:,.0f}/s), peak {case['peak_rss_mb']:.0f} MiB")


if __name__ == "__main__":
    main()
