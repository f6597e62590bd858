"""How fast `optimize` answers: the 14-task-type marketing scenario with 8 candidate models
(its 5 plus 3 added here at illustrative list prices), ladders of up to 3 rungs with the
scenario's judge, and 3 failover options (none; retry once; retry then fail over to GPT-5.4
mini) - frontier, recommendation and simulation check.

    python benchmarks/optimize.py --json            # full size (goal: under 10 s on 2 cores)
    python benchmarks/optimize.py --small --json    # the scenario's 5 models, 2-rung ladders

Prints ``{"cases": [{"name", "seconds", ...}]}`` with the space size, the estimator evaluations
per second and the integer programs solved; it measures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.domain.loader import load_scenario
from workbench.domain.model import Model
from workbench.domain.policy import Failover
from workbench.planner.model import Constraints
from workbench.planner.recommendation import optimize

EXTRA_MODELS = [  # illustrative prices per million tokens (assumptions of this benchmark)
    {"name": "claude-haiku", "provider": "anthropic",
     "price": {"input_per_mtok_usd": 1.0, "output_per_mtok_usd": 5.0},
     "latency": {"ttft_median_s": 0.45, "ttft_p95_s": 0.7, "tokens_per_s": 110},
     "quality": {"mean": 0.88, "sd": 0.04}},
    {"name": "gpt-5.4", "provider": "openai",
     "price": {"input_per_mtok_usd": 1.25, "output_per_mtok_usd": 10.0},
     "latency": {"ttft_median_s": 0.6, "ttft_p95_s": 1.0, "tokens_per_s": 60},
     "quality": {"mean": 0.92, "sd": 0.03}},
    {"name": "llama-3.1-8b", "provider": "groq",
     "price": {"input_per_mtok_usd": 0.05, "output_per_mtok_usd": 0.08},
     "latency": {"ttft_median_s": 0.15, "ttft_p95_s": 0.25, "tokens_per_s": 600},
     "quality": {"mean": 0.78, "sd": 0.07}},
]
FAILOVERS = [Failover(mode="none"), Failover(mode="sequential", retries=1),
             Failover(mode="sequential", retries=1, chain=["gpt-5.4-mini"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "marketing_14_tasks.yaml")
    if not args.small:
        extra = [Model.model_validate(m) for m in EXTRA_MODELS]
        scenario = scenario.model_copy(update={"models": [*scenario.models, *extra]})
        scenario._indexes = {}
    cons = Constraints(min_pass=0.93, min_availability=0.99, max_p95_s=8.0)
    start = time.perf_counter()
    plan = optimize(scenario, cons, max_rungs=2 if args.small else 3, workers=None,
                    failovers=FAILOVERS[:2] if args.small else FAILOVERS,
                    replications=1 if args.small else 3, points=4 if args.small else 10)
    seconds = time.perf_counter() - start
    s = plan.searched
    case = {"name": "marketing_14_tasks" + (" (small)" if args.small else ", 8 models"),
            "seconds": round(seconds, 3), "space_size": s["space_size"],
            "global_choices": s["global_choices"], "candidate_models": s["candidate_models"],
            "estimator_evaluations": s["estimator_evaluations"],
            "search_seconds": s["seconds"],
            "terms_seconds": s["terms_seconds"], "evaluations_per_s": s["evaluations_per_s"],
            "ladders_dropped": s["ladders_dropped"], "failovers_dropped": s["failovers_dropped"],
            "columns_after_dominance": s["columns_after_dominance"],
            "milp_solves": s["milp_solves"], "proved_optimal": s["proved_optimal"],
            "frontier_points": len(plan.frontier),
            "best_monthly_cost_usd": round(plan.best.monthly_cost_usd, 4),
            "simulated_ci95": plan.simulated["monthly_cost_usd_ci95"] if plan.simulated else None}
    doc = {"cases": [case], "goal_s": 10.0}
    print(json.dumps(doc, indent=2) if args.json else doc)


if __name__ == "__main__":
    main()
