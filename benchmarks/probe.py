"""Benchmark of the probe's overhead: N requests at concurrency 64 against a local
zero-latency OpenAI-compatible server (tests/probe/fake_servers.py, run as a subprocess),
through ``run_probe`` (spend guard, SSE parsing, records appended and flushed per request)
and through two bare httpx loops sending the same bodies with 64 workers: one shared
``AsyncClient`` (the loop one writes first; httpcore's shared pool slows down as connections
grow) and one client per worker (what the probe does). ``ratio`` = probe / the faster bare
loop. Goal: ratio >= 0.8.

    python benchmarks/probe.py --json            # 2,000 requests per case
    python benchmarks/probe.py --small --json    # 200: a quick correctness run for CI

Prints {"cases": [{"name", "requests", "seconds", "concurrency", "probe_rps", "bare_rps", "ratio",
"bare_shared_client_rps", "bare_client_per_worker_rps", "ratio_vs_shared_client", "goal",
"ok"}]}; each figure is the best of ``--repeat`` alternating runs. Every time includes making
the clients (one shared SSL context) and, for the probe, sampling the jobs, the run store and
the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "probe" / "fake_servers.py"
SCENARIO = ROOT / "tests" / "probe" / "scenario_probe.yaml"
CONCURRENCY = 64
GOAL = 0.8
SERVED = "bench?tokens=8"


def start_server() -> tuple[subprocess.Popen, str]:
    """The fake server in a subprocess; (process, base_url)."""
    proc = subprocess.Popen([sys.executable, str(SERVER), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    base_url = f"http://127.0.0.1:{port}/v1"
    for _ in range(100):
        try:
            httpx.post(base_url + "/chat/completions", json={
                "model": SERVED, "messages": [{"role": "user", "content": "up?"}]})
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, base_url


def write_config(folder: Path, base_url: str, requests: int, stream: bool) -> Path:
    """A probe config sending ``requests`` tasks to one model at concurrency 64."""
    config = {"scenario": str(SCENARIO), "max_tokens": 16, "spend_cap_usd": 1000.0,
              "stream": stream, "sample": {"per_task_type": requests // 2, "seed": 1},
              "endpoints": [{"name": "bench", "base_url": base_url, "models": {"small": SERVED},
                             "max_concurrency": CONCURRENCY}]}
    path = folder / f"probe_{stream}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


async def bare_loop(base_url: str, bodies: list[dict], stream: bool,
                    per_worker: bool) -> float:
    """Seconds to send every body with 64 workers and bare httpx: one shared AsyncClient (the
    loop one writes first) or one client per worker (as the probe does)."""
    start = time.perf_counter()  # clients are made inside the timed part, as in the probe
    n = 1 if per_worker else CONCURRENCY
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    ssl_context = httpx.create_ssl_context()
    clients = [httpx.AsyncClient(limits=limits, timeout=30, verify=ssl_context)
               for _ in range(CONCURRENCY if per_worker else 1)]
    queue = list(reversed(bodies))
    url = base_url + "/chat/completions"

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            body = queue.pop()
            async with client.stream("POST", url, json=body) as response:
                if stream:
                    async for _ in response.aiter_lines():
                        pass
                else:
                    await response.aread()
                assert response.status_code == 200

    await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    for client in clients:
        await client.aclose()
    return elapsed


def run_case(base_url: str, requests: int, stream: bool, repeat: int) -> dict:
    from workbench.probe.api import FAMILIES
    from workbench.probe.config import load_probe
    from workbench.probe.runner import arms_of, run_probe
    from workbench.probe.sampler import build_jobs
    from workbench.probe.store import RunStore

    folder = Path(tempfile.mkdtemp(prefix="probe-bench-"))
    setup = load_probe(write_config(folder, base_url, requests, stream))
    jobs = build_jobs(setup, arms_of(setup, None))
    bodies = [FAMILIES["openai"].body(SERVED, j.prompt, 16, 0.0, stream) for j in jobs]
    probe_s, shared_s, worker_s, ok = [], [], [], True
    for i in range(repeat):
        shared_s.append(asyncio.run(bare_loop(base_url, bodies, stream, per_worker=False)))
        worker_s.append(asyncio.run(bare_loop(base_url, bodies, stream, per_worker=True)))
        start = time.perf_counter()
        result = run_probe(setup, folder / f"run{i}")
        probe_s.append(time.perf_counter() - start)
        rows = RunStore(folder / f"run{i}").load("records")
        ok = ok and len(rows) == len(jobs) and all(r["outcome"] == "ok" for r in rows)
        ok = ok and result.not_sent == 0
    probe_rps = len(jobs) / min(probe_s)
    shared_rps, worker_rps = len(jobs) / min(shared_s), len(jobs) / min(worker_s)
    bare_rps = max(shared_rps, worker_rps)
    return {"name": "stream" if stream else "no_stream", "requests": len(jobs),
            "seconds": round(min(probe_s), 4),
            "concurrency": CONCURRENCY, "probe_rps": round(probe_rps, 1),
            "bare_rps": round(bare_rps, 1), "ratio": round(probe_rps / bare_rps, 3),
            "bare_shared_client_rps": round(shared_rps, 1),
            "bare_client_per_worker_rps": round(worker_rps, 1),
            "ratio_vs_shared_client": round(probe_rps / shared_rps, 3),
            "goal": GOAL, "ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 requests (CI correctness)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    requests = 200 if args.small else 2000
    proc, base_url = start_server()
    try:
        cases = [run_case(base_url, requests, stream, args.repeat) for stream in (True, False)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    document = {"cases": cases, "cpu_count": os.cpu_count()}
    if args.json:
        print(json.dumps(document))
    else:
        for c in cases:
            print(f"{c['name']:>10}: probe {c['probe_rps']:.0f} req/s, bare httpx "
                  f"{c['bare_client_per_worker_rps']:.0f} (client per worker) / "
                  f"{c['bare_shared_client_rps']:.0f} (shared client) req/s, ratio "
                  f"{c['ratio']:.2f} (goal {GOAL})"
                  f"{'' if c['ok'] else '  RECORDS WRONG'}")
    if not all(c["ok"] for c in cases):
        sys.exit(1)


if __name__ == "__main__":
    main()
