"""Benchmark of ``workbench report``: seconds to build the decision pack and the size of the
HTML file (the goal: under 1.5 MB with one copy of plotly.js), per bundled scenario; with
``--pptx`` also the seconds to write the slide deck (charts rendered by kaleido).

    python benchmarks/report.py --json           # every bundled scenario, estimate numbers
    python benchmarks/report.py --small --json   # CI correctness run: support_desk only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from workbench.domain.loader import load_scenario
from workbench.estimator import estimate
from workbench.report.html import build_pack, build_report

ROOT = Path(__file__).resolve().parents[1]
GOAL_BYTES = 1_500_000


def case(path: Path, pptx: bool) -> dict:
    """Time the pack (estimate, claims, recommendation, sensitivity) and the HTML."""
    scenario = load_scenario(path)
    start = time.perf_counter()
    estimate_doc = estimate(scenario).to_json()
    pack = build_pack(scenario, estimate_doc)
    html = build_report(scenario, estimate_doc, pack=pack)
    seconds = time.perf_counter() - start
    out = {"name": scenario.name, "seconds": round(seconds, 3),
           "html_bytes": len(html.encode("utf-8")),
           "under_goal": len(html.encode("utf-8")) < GOAL_BYTES,
           "recommended": pack["recommendation"].policy,
           "assumptions": len((pack["sensitivity"] or {}).get("rows", []))}
    if pptx:
        from workbench.report.slides import write_deck

        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            deck = write_deck(scenario, pack, Path(tmp) / "pack.pptx")
            out["pptx_seconds"] = round(time.perf_counter() - start, 3)
            out["pptx_bytes"] = deck.stat().st_size
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--small", action="store_true", help="support_desk only")
    parser.add_argument("--pptx", action="store_true", help="also time the slide deck")
    args = parser.parse_args()
    files = ([ROOT / "scenarios" / "support_desk.yaml"] if args.small
             else sorted((ROOT / "scenarios").glob("*.yaml")))
    cases = []
    for path in files:
        cases.append(case(path, args.pptx))
        print(f"{path.name}: {cases[-1]['seconds']} s, {cases[-1]['html_bytes']:,} bytes",
              file=sys.stderr)
    doc = {"benchmark": "report", "goal_bytes": GOAL_BYTES, "cases": cases}
    print(json.dumps(doc, indent=2) if args.json else doc)


if __name__ == "__main__":
    main()
