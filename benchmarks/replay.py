"""Benchmark of ``workbench replay``: a synthetic RouterBench-shaped table (1 million prompts x
11 models by default) replayed through 50 policies, and the real MMLU table.

The 51 policies: 11 single models, the oracle, 4 router families evaluated at every
strong-call share (random, optimal, cross-fitted group gain, a noisy difficulty score column),
and 35 cascades (the weak -> strong ladder at 5 judge error rates, and each of the 10 other models ->
the strongest at 3 other error rates). The timed part is loading the parquet file plus the replay;
generating and writing the synthetic file is not timed.

    python benchmarks/replay.py --json          # the goal: under 10 s for 1M x 11 x 50+
    python benchmarks/replay.py --small --json  # CI correctness run (seconds)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.replay import policies
from workbench.replay.formats import load_table
from workbench.replay.replay import ReplayOptions, replay
from workbench.replay.synthetic import synthetic_routerbench

ROOT = Path(__file__).resolve().parents[1]


def _extra_cascades(models: list[str], strong: str, errors: tuple[float, ...]) -> list:
    def make(weak: str, error: float):
        return lambda table, rng: policies.cascade(
            table, [weak, strong], rng, false_accept=error, false_reject=error,
            name=f"cascade {weak} -> {strong} @ {error:g}")
    return [make(m, e) for m in models if m != strong for e in errors]


def synthetic_case(n_prompts: int, n_models: int, seed: int) -> dict:
    """Generate, write, then time load + replay of the synthetic table."""
    frame = synthetic_routerbench(n_prompts, n_models, seed=seed, with_text=False)
    rng = np.random.default_rng(seed)
    # a router score: the prompt's true difficulty seen through noise (higher = harder)
    truth = frame.select([f"model-{j:02d}" for j in range(n_models)]).to_numpy().mean(axis=1)
    frame = frame.with_columns(router_score=-(truth + rng.normal(0, 0.3, n_prompts)))
    models = [f"model-{j:02d}" for j in range(n_models)]
    extra = _extra_cascades(models, models[-1], (0.02, 0.15, 0.25))
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "routerbench.parquet"
        frame.write_parquet(file)
        start, cpu = time.perf_counter(), time.process_time()
        table = load_table(file, "routerbench")
        loaded = time.perf_counter()
        doc = replay(table, ReplayOptions(seed=seed, extra_outcomes=extra))
        done, cpu_done = time.perf_counter(), time.process_time()
    n_policies = (len(doc["models"]) + 1 + sum(c["kind"] != "cascade"
                                               for c in doc["curves"].values())
                  + len(doc["policies"]))
    expected = frame["oracle_model_to_route_to"].value_counts(normalize=True)
    oracle_ok = all(abs(doc["oracle"]["calls"].get(m, 0.0) - p) < 1e-9
                    for m, p in zip(expected["oracle_model_to_route_to"],
                                    expected["proportion"]))
    s, w = table.column(doc["strong"]), table.column(doc["weak"])
    perfect = next(p for p in doc["policies"] if p["name"] == "cascade (judge error 0)")
    return {
        "name": f"synthetic_routerbench_{n_prompts}x{n_models}", "prompts": n_prompts,
        "models": n_models, "policies": n_policies,
        "seconds": round(done - start, 3), "load_seconds": round(loaded - start, 3),
        "replay_seconds": round(done - loaded, 3), "cpu_seconds": round(cpu_done - cpu, 3),
        "checks": {
            "oracle_matches_table_oracle": oracle_ok,
            "random_apgr": doc["curves"]["random"]["apgr"],
            "perfect_cascade_equals_best_of_pair": abs(
                perfect["quality"] - float(np.maximum(s, w).mean())) < 1e-12,
        },
    }


def mmlu_case() -> dict:
    """Time load + replay of the bundled real MMLU table (14,042 prompts)."""
    start, cpu = time.perf_counter(), time.process_time()
    table = load_table(ROOT / "data" / "routellm", "routellm", benchmark="mmlu")
    loaded = time.perf_counter()
    doc = replay(table, ReplayOptions(seed=0))
    done, cpu_done = time.perf_counter(), time.process_time()
    return {"name": "routellm_mmlu", "prompts": table.n_prompts, "models": len(table.models),
            "policies": len(doc["models"]) + 1 + len(doc["curves"]) - 1 + len(doc["policies"]),
            "seconds": round(done - start, 3), "load_seconds": round(loaded - start, 3),
            "replay_seconds": round(done - loaded, 3), "cpu_seconds": round(cpu_done - cpu, 3),
            "checks": {"oracle_quality": doc["oracle"]["quality"],
                       "oracle_strong_share": doc["oracle"]["strong_share"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--small", action="store_true", help="20,000 prompts (CI)")
    parser.add_argument("--prompts", type=int, default=None)
    parser.add_argument("--models", type=int, default=11)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.prompts or (20_000 if args.small else 1_000_000)
    cases = [synthetic_case(n, args.models, args.seed), mmlu_case()]
    document = {"cases": cases}
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        for case in cases:
            print(f"{case['name']}: {case['prompts']:,} prompts x {case['models']} models x "
                  f"{case['policies']} policies in {case['seconds']:.2f} s "
                  f"(load {case['load_seconds']:.2f} s, cpu {case['cpu_seconds']:.2f} s) checks {case['checks']}")


if __name__ == "__main__":
    main()
