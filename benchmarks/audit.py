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
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.audit import logs_fixture


def write_month(folder: str, scale: float) -> int:
    """The month's SpendLogs CSV and usage export in ``folder``; its number of rows."""
    logs = logs_fixture.spend_logs(scale=scale)
    logs.write_csv(Path(folder) / "spendlogs.csv")
    (Path(folder) / "usage.json").write_text(json.dumps(logs_fixture.openai_usage(logs)))
    return logs.height


def peak_run(command: list[str]) -> tuple[str, float, int]:
    """Run ``command``; its stdout, wall seconds and peak RSS (MiB). Measured with wait4 on
    this one child, from a parent that holds no data: a child forked from a big parent
    counts the parent's pages as its own until it execs."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(err.read())
        return out.read(), seconds, round(usage.ru_maxrss / 1024)


def case(scale: float) -> dict:
    """One audit of a month at ``scale`` x the fixture's volumes (generated in a child)."""
    with tempfile.TemporaryDirectory() as folder:
        rows = int(subprocess.run(
            [sys.executable, "-c", ("from benchmarks.audit import write_month; "
             f"print(write_month({folder!r}, {scale!r}))")], cwd=ROOT, check=True,
            capture_output=True, text=True).stdout)
        stdout, seconds, peak = peak_run([
            sys.executable, "-m", "workbench.cli", "audit", f"{folder}/spendlogs.csv",
            "--usage", f"{folder}/usage.json", "--json"])
    doc = json.loads(stdout)
    return {"name": f"workbench audit: litellm month x{scale:g}", "rows": rows,
            "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds),
            "peak_rss_mib": peak, "residual_share": doc["residual_share"],
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
