"""CLI commands of the simulator: simulate, compare, sweep."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.executors import dask_executor
from workbench.domain.errors import ScenarioError


def _progress_bar(label: str):
    """A rich progress bar on stderr in simulated days and tasks per second; returns (context
    manager, callback for `workbench.engine.simulation.simulate`)."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(label), BarColumn(),
                        TextColumn("{task.completed:,.1f}/{task.total:,.1f} simulated days"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    handle: dict = {"id": None, "t0": time.perf_counter()}

    def update(done: float, total: float, tasks: int = 0) -> None:
        if handle["id"] is None:
            handle["id"] = progress.add_task(label, total=total, rate="")
        seconds = max(time.perf_counter() - handle["t0"], 1e-9)
        progress.update(handle["id"], completed=done,
                        rate=f"{tasks:,} tasks, {tasks / seconds:,.0f} tasks/s")

    return progress, update


def _run(file: Path, replications: int, seed: int | None, days: float | None,
         policy: list[str] | None, outages: bool, path: str, *, dask: str | None = None,
         workers: int = 0, chunk_days: float = 1.0, max_memory: str | None = None,
         records: Path | None = None):
    import os

    from workbench.domain.loader import load_scenario
    from workbench.engine.footprint import Footprint, default_workers, parse_size
    from workbench.engine.simulation import plan_chunks, simulate

    if replications < 1:
        raise ScenarioError("must be at least 1", path="--replications", value=replications)
    if days is not None and days <= 0:
        raise ScenarioError("must be positive", path="--days", value=days)
    if chunk_days <= 0:
        raise ScenarioError("must be positive", path="--chunk-days", value=chunk_days)
    if workers < 0:
        raise ScenarioError("must be 0 (automatic) or more", path="--workers", value=workers)
    limit = parse_size(max_memory) if max_memory is not None else None
    scenario = load_scenario(file)
    for name in policy or []:
        if name not in scenario.policy_names:
            raise ScenarioError(f"no policy of that name (policies: "
                                f"{', '.join(scenario.policy_names)})", file=str(file),
                                path="--policy", value=name)
    names = list(policy or scenario.policy_names)
    if scenario.baseline not in names:
        names = [scenario.baseline] + names
    span = float(scenario.horizon.days if days is None else days)
    run_seed = scenario.seed if seed is None else seed
    chunks = plan_chunks(scenario, range(replications), run_seed, span, names, outages, path,
                         chunk_days)
    batch = len(chunks[0].batch) if chunks and chunks[0].batch else 0
    size = Footprint.of(scenario, span, replications, batch, len(names) - batch, 1, False)
    if not workers:
        workers = 1 if dask else default_workers(size, len(names), len(chunks),
                                                 os.cpu_count() or 1)
    size = Footprint.of(scenario, span, replications, batch, len(names) - batch,
                        1 if dask else workers, False)
    size.check(limit)
    bar, update = _progress_bar("simulating")
    with dask_executor(dask) as executor, bar:
        result = simulate(scenario, replications=replications, seed=seed, policies=policy,
                          outages=outages, days=days, path=path, progress=update,
                          keep_records=False, workers=workers, executor=executor,
                          chunk_days=chunk_days, records_path=records)
    return scenario, result


def _events_table(summaries: dict[str, dict]):
    from rich.table import Table

    table = Table(title="Events per month (mean over replications)", title_justify="left")
    table.add_column("policy", overflow="fold")
    for header in ("p99 s", "tries/task", "escalated", "failover", "retry", "hedge", "429",
                   "blocked"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("rules fired", overflow="fold")
    for name, s in summaries.items():
        p99 = s.get("latency_p99_s")
        fired = sorted({f"{f['action']}@{f['at']:.0%}" for f in s["budget_firings"]})
        table.add_row(name, "-" if p99 is None else f"{p99:.2f}",
                      f"{s['attempts_per_task']:.3f}", f"{s['escalations']:,.0f}",
                      f"{s['failovers']:,.0f}", f"{s['retries']:,.0f}", f"{s['hedges']:,.0f}",
                      f"{s['rate_limited']:,.0f}", f"{s['blocked']:,.0f}",
                      ", ".join(fired) or "-")
    return table


def _write_grid(path: Path, doc: dict) -> None:
    """The sweep's rows as JSON (the --json document) or as a spreadsheet-safe CSV with one
    column per swept parameter and the 95% interval as two columns."""
    import json

    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n",
                        encoding="utf-8")
        return
    import polars as pl

    from workbench.metrics.csv_export import write_csv

    flat = []
    for r in doc["rows"]:
        low, high = r.get("monthly_cost_usd_ci95") or (None, None)
        flat.append({**{k: str(v) for k, v in r["params"].items()},
                     **{k: v for k, v in r.items() if k not in ("params",
                                                                "monthly_cost_usd_ci95")},
                     "monthly_cost_usd_ci95_low": low, "monthly_cost_usd_ci95_high": high})
    write_csv(pl.DataFrame(flat), path)


def register(app: typer.Typer) -> None:
    """Add simulate, compare and sweep to the CLI."""

    @app.command()
    def simulate(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        replications: int = typer.Option(5, "--replications", "-r", help="Monte Carlo runs."),
        seed: int = typer.Option(None, help="Seed (default: the scenario's)."),
        days: float = typer.Option(None, help="Days to simulate (default: the horizon)."),
        policy: list[str] = typer.Option(None, "--policy", "-p",
                                         help="Policies to run (default: all)."),
        outages: bool = typer.Option(True, "--outages/--no-outages",
                                     help="Simulate provider outages."),
        path: str = typer.Option("auto", help="auto | batch | contention."),
        records: Path = typer.Option(None, help="Stream every attempt to this Parquet file (.csv: a spreadsheet-safe CSV)."),
        dask: str = typer.Option(None, help="Dask scheduler address to run chunks on."),
        workers: int = typer.Option(0, help="Local worker processes (0: all CPUs for big "
                                            "runs, in-process for small ones)."),
        chunk_days: float = typer.Option(1.0, "--chunk-days",
                                         help="Simulated days per unit of work (rounded up "
                                              "to whole blocks; results do not depend on it)."),
        max_memory: str = typer.Option(None, "--max-memory",
                                       help="Refuse a run estimated above this (e.g. 2GiB)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Replay the workload through each policy in a simulated provider world."""
        from workbench.cli.output import emit_json
        from workbench.cli.tables import policy_table, print_tables

        if path not in ("auto", "batch", "contention"):
            raise ScenarioError("must be auto, batch or contention", path="--path", value=path)
        csv_out = records is not None and records.suffix.lower() == ".csv"
        streamed = records.with_name(records.name + ".parquet") if csv_out else records
        scenario, result = _run(file, replications, seed, days, policy, outages, path,
                                dask=dask, workers=workers, chunk_days=chunk_days,
                                max_memory=max_memory, records=streamed)
        if csv_out:
            import polars as pl

            from workbench.metrics.csv_export import write_csv

            write_csv(pl.read_parquet(streamed), records)
            streamed.unlink()
        from workbench.domain.claims import judge_claims

        claims = judge_claims(scenario, None, result.summaries, outages)
        if as_json:
            emit_json({**result.to_json(), "claims": claims})
            return
        from workbench.cli.tables import claims_table

        title = (f"{scenario.name} - simulated per month: {result.replications} replications x "
                 f"{result.days:g} days, seed {result.seed} (95% interval under the cost)")
        print_tables([policy_table(title, result.summaries, result.baseline),
                      _events_table(result.summaries), claims_table(claims)])

    @app.command()
    def compare(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        replications: int = typer.Option(5, "--replications", "-r"),
        seed: int = typer.Option(None),
        days: float = typer.Option(None),
        outages: bool = typer.Option(True, "--outages/--no-outages"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Policies side by side: closed-form estimate next to the simulation."""
        from workbench.cli.output import emit_json
        from workbench.cli.tables import comparison_table, print_tables
        from workbench.estimator import estimate as run_estimate

        scenario, result = _run(file, replications, seed, days, None, outages, "auto")
        from workbench.domain.claims import judge_claims

        est = run_estimate(scenario).to_json()["policies"]
        doc = {"scenario": scenario.name, "baseline": scenario.baseline, "seed": result.seed,
               "replications": result.replications, "days": result.days,
               "policies": {n: {"estimate": est[n], "simulate": result.summaries[n]}
                            for n in result.summaries},
               "claims": judge_claims(scenario, est, result.summaries, outages)}
        if as_json:
            emit_json(doc)
            return
        from workbench.cli.tables import claims_table

        print_tables([comparison_table(f"{scenario.name} - estimate vs simulation",
                                       doc["policies"], scenario.baseline),
                      claims_table(doc["claims"])])

    @app.command()
    def sweep(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        param: list[str] = typer.Option(..., "--param",
                                        help="PATH=V1,V2,... e.g. providers[openai].mtbf_days=2,5"),
        replications: int = typer.Option(3, "--replications", "-r"),
        seeds: str = typer.Option(None, help="Comma-separated seeds (default: the scenario's)."),
        days: float = typer.Option(None),
        dask: str = typer.Option(None, help="Dask scheduler address to run on."),
        policy: list[str] = typer.Option(None, "--policy", "-p",
                                         help="Policies to report (default: all)."),
        out: Path = typer.Option(None, "--out", help="Write the grid as .csv or .json."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Simulate a grid of parameter values (x seeds) on a process pool or Dask."""
        from workbench.cli.output import emit_json
        from workbench.cli.tables import print_tables, sweep_table
        from workbench.engine.sweep import parse_grid
        from workbench.engine.sweep import sweep as run_sweep

        grid = parse_grid(param)
        seed_list = None
        if seeds:
            try:
                seed_list = [int(s) for s in seeds.split(",")]
            except ValueError:
                raise ScenarioError("seeds are integers", path="--seeds", value=seeds) from None
        if out is not None and out.suffix.lower() not in (".csv", ".json"):
            raise ScenarioError("write .csv or .json", path="--out", value=str(out))
        with dask_executor(dask) as executor:
            rows = run_sweep(str(file), grid, replications, seed_list, days, executor,
                             policies=policy or None)
        doc = {"scenario": str(file), "grid": grid, "rows": rows}
        if out is not None:
            _write_grid(out, doc)
        if as_json:
            emit_json(doc)
            return
        print_tables([sweep_table(rows)])
