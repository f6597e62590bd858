"""Benchmark of ``workbench audit``: a month of LiteLLM SpendLogs (about 1 million rows by
default, generated from the known workload of tests/audit/logs_fixture.py scaled up) read,
fitted, turned into a scenario, estimated and reconciled, with the OpenAI usage export beside
it, by the command in a child process (its peak RSS is measured). Generating the CSV is not
timed; reading it is.

    python benchmarks/audit.py --json          # the goal: 1 M rows under 10 s and 2 GiB
    python benchmarks/audit.py --small --json  # CI correctness run (seconds)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.audit import logs_fixture


def case(scale: float) -> dict:
    """One audit of a month at ``scale`` x the fixture's volumes."""
    logs_fixture.KNOWN[:] = [dataclasses.replace(t, per_day=t.per_day * scale)
                             for t in logs_fixture.KNOWN]
    with tempfile.TemporaryDirectory() as folder:
        logs = logs_fixture.spend_logs()
        path = Path(folder) / "spendlogs.csv"
        logs.write_csv(path)
        usage = Path(folder) / "usage.json"
        usage.write_text(json.dumps(logs_fixture.openai_usage(logs)))
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "workbench.cli", "audit", str(path),
                              "--usage", str(usage), "--json"], capture_output=True, text=True,
                             check=False, cwd=ROOT)
        seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    doc = json.loads(run.stdout)
    return {"name": f"workbench audit: litellm month x{scale:g}", "rows": logs.height,
            "seconds": round(seconds, 3), "rows_per_s": round(logs.height / seconds),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "residual_share": doc["residual_share"],
            "untracked_usd": doc["untracked"]["cost_usd"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--small", action="store_true", help="a quick correctness run")
    args = parser.parse_args()
    result = {"cases": [case(0.1 if args.small else 6.1)]}
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
