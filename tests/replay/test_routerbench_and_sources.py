"""RouterBench-shaped tables (csv, parquet, pickle), the simulator's empirical quality source,
scenario policies on a table, the original RouteLLM layout and the frontier figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

from workbench.replay.formats import load_table
from workbench.replay.replay import ReplayOptions, replay
from workbench.replay.source import EmpiricalQuality
from workbench.replay.synthetic import synthetic_routerbench
from workbench.viz.frontier import frontier_figure, frontier_points

from .conftest import ROUTELLM, STRONG, WEAK


@pytest.fixture(scope="module")
def bench_frame():
    return synthetic_routerbench(400, n_models=4, seed=3)


@pytest.mark.parametrize("suffix", ["csv", "parquet", "pkl"])
def test_routerbench_formats_load_alike(bench_frame, tmp_path, suffix):
    file = tmp_path / f"rb.{suffix}"
    if suffix == "csv":
        bench_frame.write_csv(file)
    elif suffix == "parquet":
        bench_frame.write_parquet(file)
    else:
        bench_frame.to_pandas().to_pickle(file)
    table = load_table(file, "routerbench")
    assert table.models == [f"model-{j:02d}" for j in range(4)]
    assert table.cost_method.startswith("table")
    assert np.allclose(table.scores[:, 2], bench_frame["model-02"].to_numpy())
    assert np.allclose(table.cost_usd[:, 1], bench_frame["model-01|total_cost"].to_numpy())
    assert table.group_codes[0].tolist() == sorted(set(bench_frame["eval_name"]))


def test_routerbench_oracle_agrees_with_the_tables_oracle(bench_frame, tmp_path):
    file = tmp_path / "rb.parquet"
    bench_frame.write_parquet(file)
    doc = replay(load_table(file, "routerbench"), ReplayOptions(seed=2))
    expected = bench_frame["oracle_model_to_route_to"].value_counts(normalize=True)
    shares = dict(zip(expected["oracle_model_to_route_to"], expected["proportion"]))
    assert doc["oracle"]["calls"] == pytest.approx(shares)
    assert doc["strong"] == "model-03" and doc["weak"] == "model-00"
    assert doc["models"]["model-01"]["cost_usd"] == pytest.approx(
        bench_frame["model-01|total_cost"].sum())
    assert 0.0 < doc["curves"]["random"]["aiq"] < 1.0


def test_routerbench_without_cost_columns_needs_prices(bench_frame, tmp_path, run_json):
    file = tmp_path / "rb.csv"
    bench_frame.drop([c for c in bench_frame.columns if c.endswith("|total_cost")]) \
        .write_csv(file)
    doc = run_json("replay", file, "-f", "routerbench", "--price", "model-00=0.5/1.5",
                   "--price", "model-03=openai:gpt-4o")
    assert doc["models"]["model-01"]["cost_usd"] is None
    assert doc["models"]["model-00"]["cost_usd"] > 0
    assert "unpriced" in doc["cost_method"]


def test_empirical_quality_keeps_prompt_difficulty_shared():
    table = load_table(ROUTELLM, "routellm", benchmark="gsm8k")
    source = EmpiricalQuality.from_table(table, aliases={"gpt-4": STRONG})
    assert source.n_prompts == 1319 and source.models == table.models
    rng = np.random.default_rng(0)
    prompts = source.draw_prompts(rng, 50_000)
    assert prompts.min() >= 0 and prompts.max() < 1319
    strong, weak = source.scores("gpt-4", prompts), source.scores(WEAK, prompts)
    assert strong.mean() == pytest.approx(0.8567, abs=0.01)
    # the same prompts: P(weak right | strong wrong) is far below P(weak right)
    assert weak[strong == 0].mean() < weak.mean() - 0.1
    assert source.mean_score(STRONG) == pytest.approx(0.85671, abs=1e-5)


def test_scenario_policies_route_by_subject(run_json, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("""
name: mmlu_routing
seed: 1
providers: [{name: openai}, {name: together}]
models:
  - {name: gpt4, provider: openai, price: {per_request_usd: 0.01}}
  - {name: mixtral, provider: together, price: {per_request_usd: 0.001}}
workload:
  total_per_day: 100
  task_types: [{name: q, share: 1.0}]
baseline: all_gpt4
policies:
  - {name: all_gpt4, routing: {default: gpt4}}
  - name: law_to_gpt4
    routing:
      default: mixtral
      rules: [{when: {category: [professional_law]}, model: gpt4}]
  - name: by_tier
    routing: {default: mixtral, rules: [{when: {tier: premium}, model: gpt4}]}
""")
    doc = run_json("replay", ROUTELLM / "mmlu", "-f", "routellm", "--scenario", scenario,
                   "--map", f"gpt4={STRONG}", "--map", f"mixtral={WEAK}", "--judge-error", "0")
    by_name = {p["name"]: p for p in doc["policies"]}
    assert by_name["scenario:all_gpt4"]["quality"] == pytest.approx(0.80580, abs=1e-5)
    frame = pl.read_parquet(ROUTELLM / "mmlu" / "mmlu.parquet")
    law = frame["subject"] == "professional_law"
    expected = np.where(law, frame[STRONG], frame[WEAK]).mean()
    assert by_name["scenario:law_to_gpt4"]["quality"] == pytest.approx(expected, abs=1e-12)
    assert by_name["scenario:law_to_gpt4"]["strong_share"] == pytest.approx(law.mean())
    assert doc["scenario"]["skipped"][0]["policy"] == "by_tier"


def test_original_layout_of_csv_files(tmp_path):
    frame = pl.read_parquet(ROUTELLM / "mmlu" / "mmlu.parquet")
    root = tmp_path / "routellm" / "mmlu"
    root.mkdir(parents=True)
    for subject in ("anatomy", "virology"):
        part = frame.filter(pl.col("subject") == subject).drop("subject")
        part.write_csv(root / f"mmlu_{subject}.csv")
    table = load_table(tmp_path / "routellm", "routellm", benchmark="mmlu")
    expected = frame.filter(pl.col("subject").is_in(["anatomy", "virology"]))
    assert table.n_prompts == expected.height
    assert table.column(STRONG).mean() == pytest.approx(expected[STRONG].mean())


def test_frontier_figure_from_document():
    doc = replay(load_table(ROUTELLM, "routellm", benchmark="gsm8k"))
    points = frontier_points(doc)
    assert set(points["family"]) >= {STRONG, WEAK, "oracle", "random", "cascade"}
    fig = frontier_figure(doc)
    assert isinstance(fig, go.Figure)
    names = {t.name for t in fig.data}
    assert {"oracle", "random", "frontier (hull)"} <= names
    assert isinstance(frontier_figure(points), go.Figure)


def test_benchmark_script_small_run():
    import importlib.util

    from .conftest import ROOT
    spec = importlib.util.spec_from_file_location("bench_replay", ROOT / "benchmarks" /
                                                  "replay.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    case = module.synthetic_case(3000, 5, seed=1)
    assert case["policies"] == 5 + 1 + 4 + 5 + 4 * 3
    assert case["checks"]["oracle_matches_table_oracle"]
    assert case["checks"]["perfect_cascade_equals_best_of_pair"]
    assert case["checks"]["random_apgr"] == pytest.approx(0.5, abs=0.06)


def test_exclude_model_and_figure_file(run_cli, tmp_path):
    from .conftest import ALPACA
    html = tmp_path / "frontier.html"
    code, out, err = run_cli("replay", ALPACA, "-f", "alpacaeval", "--exclude-model",
                             "NullModel", "--weak", "vicuna-13b", "--price",
                             "vicuna-13b=0.1/0.2", "--figure", html)
    assert code == 0, err
    assert "NullModel" not in out.split("cost:")[0].replace("--exclude-model NullModel", "")
    assert html.stat().st_size > 10_000


def test_frontier_figure_without_prices_says_why():
    table = load_table(ROUTELLM, "routellm", benchmark="gsm8k")
    from dataclasses import replace
    doc = replay(replace(table, cost_usd=None), ReplayOptions(judge_errors=(0.0,)))
    assert doc["models"][STRONG]["cost_usd"] is None and doc["oracle"]["cost_usd"] is None
    fig = frontier_figure(doc)
    assert "no priced policy" in fig.layout.annotations[0].text
