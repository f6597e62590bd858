"""``workbench requirements``: the task type x model matrix with every reason - hard
requirements, expected pass rate against the required one, p95 latency against the deadline,
cost per task with hosting - and what each policy knowingly waives."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json


def _print(frame, waivers: dict[str, list[str]]) -> None:
    from rich.table import Table

    from workbench.cli.tables import print_tables
    from workbench.metrics.formats import usd_per_task

    table = Table(title="Requirements: task types x models")
    for column in ("task type", "model", "eligible", "pass rate", "required", "p95 s",
                   "deadline s", "$/task"):
        table.add_column(column, justify="left" if column in ("task type", "model")
                         else "right", no_wrap=True)
    table.add_column("why", min_width=40)
    for r in frame.iter_rows(named=True):
        required = "-" if r["required_pass_rate"] is None else f"{r['required_pass_rate']:.1%}"
        mark = "yes" if r["meets_all"] else ("no" if not r["eligible"] else "eligible")
        table.add_row(r["task_type"], r["model"], mark, f"{r['pass_rate']:.1%}", required,
                      f"{r['latency_p95_s']:.1f}", f"{r['deadline_s']:,.0f}",
                      usd_per_task(r['cost_per_task_usd']), r["why"])
    print_tables([table])
    for policy, items in waivers.items():
        for item in items:
            typer.echo(f"policy {policy} waives: {item}")


def register(app: typer.Typer) -> None:
    """Add ``workbench requirements``."""

    @app.command()
    def requirements(file: Path = typer.Argument(..., help="Scenario YAML file."),
                     as_json: bool = JsonOption) -> None:
        """Which model may serve which task type and why: hard requirements, required pass
        rate, deadline, cost per task (self-hosted hours included)."""
        from workbench.domain.loader import load_scenario
        from workbench.domain.reachability import waived
        from workbench.estimator.requirements import requirements_frame

        scenario = load_scenario(file)
        frame = requirements_frame(scenario)
        waivers = {p.name: waived(scenario, p) for p in scenario.policies if p.waives}
        if as_json:
            emit_json({"scenario": scenario.name, "matrix": frame.to_dicts(),
                       "waived": waivers})
        else:
            _print(frame, waivers)
