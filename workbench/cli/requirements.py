"""``workbench requirements``: the task type x model matrix with every reason - hard
requirements, expected pass rate against the required one, p95 latency against the deadline,
cost per task with hosting - and what each policy knowingly waives."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json


def _print(frame, waivers: dict[str, list[str]]) -> None:
    """The matrix as a table whose numbers never shrink or fold (names and reasons fold)."""
    from workbench.cli.tables import compact_table, print_tables
    from workbench.metrics.formats import usd_per_task

    rows = []
    for r in frame.iter_rows(named=True):
        required = "-" if r["required_pass_rate"] is None else f"{r['required_pass_rate']:.1%}"
        mark = "yes" if r["meets_all"] else ("no" if not r["eligible"] else "eligible")
        rows.append((r["task_type"], r["model"], mark, f"{r['pass_rate']:.1%}", required,
                     f"{r['latency_p95_s']:.1f}", f"{r['deadline_s']:,.0f}",
                     usd_per_task(r['cost_per_task_usd']), r["why"]))
    table = compact_table("Requirements: task types x models")
    headers = ("task type", "model", "eligible", "pass rate", "required", "p95 s",
               "deadline s", "$/task", "why")
    for index, header in enumerate(headers):
        if header in ("task type", "model", "why"):  # wrap at words, fold longer words
            table.add_column(header, justify="left", overflow="fold",
                             ratio={"task type": 2, "model": 3, "why": 4}[header], min_width=8)
            continue
        width = max(len(cell) for cell in [header, *(row[index] for row in rows)])
        table.add_column(header, justify="right", no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
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
