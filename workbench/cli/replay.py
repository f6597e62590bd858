"""``workbench replay``: replay a per-prompt evaluation table through routers and cascades."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_JUDGE_ERRORS = [0.0, 0.05, 0.1, 0.2, 0.3]


def register(app: typer.Typer) -> None:
    """Add the ``replay`` command to the workbench CLI."""

    @app.command()
    def replay(
        path: Annotated[Path, typer.Argument(
            help="Evaluation table: a file or a directory (routellm: the evals root or one "
                 "benchmark's folder; routerbench: every .csv/.parquet/.pkl in it, e.g. "
                 "train/test splits, read as one table; alpacaeval: its "
                 "preferences_long.csv).")],
        fmt: Annotated[str, typer.Option("--format", "-f",
                                         help="routellm | routerbench | alpacaeval")],
        benchmark: Annotated[str | None, typer.Option(
            help="routellm: mmlu | gsm8k | mt_bench")] = None,
        strong: Annotated[str | None, typer.Option(
            help="Strong model (default: best quality; the best priced one when two are priced).")] = None,
        weak: Annotated[str | None, typer.Option(
            help="Weak model (default: cheapest other one).")] = None,
        per_turn: Annotated[bool, typer.Option(
            "--per-turn", help="MT-Bench: route each turn on its own (default: route a "
                               "question and keep its model for both turns, as RouteLLM "
                               "does).")] = False,
        seed: Annotated[int, typer.Option(
            help="Seed of threshold routers' tie-breaks, group_gain's folds and the cascade "
                 "judge's errors (the random router is exact).")] = 0,
        price: Annotated[list[str] | None, typer.Option(
            help="MODEL=provider:ref or MODEL=IN/OUT (USD per million tokens); "
                 "repeatable.")] = None,
        output_tokens: Annotated[float, typer.Option(
            help="Assumed output tokens per call when the table has no response text "
                 "(MMLU).")] = 1.0,
        judge_error: Annotated[list[float] | None, typer.Option(
            help="Cascade judge error rate (false accept = false reject); repeatable "
                 "[default: 0, 0.05, 0.1, 0.2, 0.3].")] = None,
        judge_cost_usd: Annotated[float, typer.Option(
            help="USD per judge call in a cascade.")] = 0.0,
        pass_bar: Annotated[float, typer.Option(
            help="Quality (0-1) a cascade's judge counts as a pass.")] = 0.5,
        router: Annotated[list[str] | None, typer.Option(
            help="Threshold router score (prompt_chars, group_gain or a table column); "
                 "default: all.")] = None,
        ladder: Annotated[list[str] | None, typer.Option(
            help="Cascade models, cheapest first; default: weak then strong.")] = None,
        share_step: Annotated[float, typer.Option(
            help="Spacing of reported curve points.")] = 0.05,
        scenario: Annotated[Path | None, typer.Option(
            help="Scenario YAML whose policies to replay on the table.")] = None,
        map_: Annotated[list[str] | None, typer.Option(
            "--map", help="SCENARIO_MODEL=TABLE_MODEL; repeatable.")] = None,
        exclude_model: Annotated[list[str] | None, typer.Option(
            help="Leave a model out (e.g. AlpacaEval's adversarial NullModel); "
                 "repeatable.")] = None,
        figure: Annotated[Path | None, typer.Option(
            help="Write the frontier figure (HTML).")] = None,
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print one JSON document on stdout.")] = False,
    ) -> None:
        """Replay real per-prompt evaluation results: every model, the oracle, random and
        threshold routers at every strong-call share, cascades and a scenario's policies, as
        quality-vs-cost curves with APGR, CPT(50%/80%), AIQ and the share for 95% quality."""
        from workbench.domain.errors import ReplayError
        from workbench.replay.cost import parse_price_options
        from workbench.replay.formats import load_table
        from workbench.replay.replay import ReplayOptions
        from workbench.replay.replay import replay as run_replay

        judge_error = DEFAULT_JUDGE_ERRORS if judge_error is None else judge_error
        price, router, ladder = price or [], router or [], ladder or []
        map_, exclude_model = map_ or [], exclude_model or []

        if not 0.0 < share_step <= 1.0:
            raise ReplayError(f"--share-step must be in (0, 1] (got {share_step})")
        for e in judge_error:
            if not 0.0 <= e <= 1.0:
                raise ReplayError(f"--judge-error must be in [0, 1] (got {e})")
        if judge_cost_usd < 0:
            raise ReplayError(f"--judge-cost-usd must be >= 0 (got {judge_cost_usd})")
        table = load_table(path, fmt, benchmark=benchmark,
                           price_overrides=parse_price_options(price),
                           output_tokens=output_tokens, per_turn=per_turn)
        if exclude_model:
            table = table.without_models(exclude_model)
        extra = []
        skipped: list[dict] = []
        if scenario is not None:
            from workbench.replay.scenario_policies import scenario_outcomes
            extra, skipped = scenario_outcomes(scenario, table, map_, pass_bar=pass_bar)
        elif map_:
            raise ReplayError("--map needs --scenario")
        options = ReplayOptions(strong=strong, weak=weak, seed=seed, share_step=share_step,
                                judge_errors=tuple(judge_error), judge_cost_usd=judge_cost_usd,
                                pass_bar=pass_bar, routers=tuple(router) or None,
                                ladder=tuple(ladder) or None, extra_outcomes=extra)
        document = run_replay(table, options)
        if scenario is not None:
            document["scenario"] = {"file": str(scenario), "skipped": skipped}
        if figure is not None:
            from workbench.viz.frontier import frontier_figure
            frontier_figure(document).write_html(str(figure), include_plotlyjs=True)
        if as_json:
            from workbench.cli.output import emit_json
            emit_json(document)
            return
        from workbench.cli.replay_tables import print_report
        print_report(document)
