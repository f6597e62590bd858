"""``workbench validate`` and ``workbench estimate``: a scenario checked, and its closed form."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``estimate``."""

    @app.command()
    def validate(file: Path = typer.Argument(..., help="Scenario YAML file."),
                 as_json: bool = JsonOption) -> None:
        """Check a scenario file: schema, references, prices. Exit 2 names the first problem."""
        from workbench.domain.loader import load_scenario

        scenario = load_scenario(file)
        if as_json:
            emit_json({"file": str(file), "valid": True, "scenario": scenario.name,
                       "policies": scenario.policy_names,
                       "models": [m.name for m in scenario.models]})
        else:
            typer.echo(f"{file}: valid - scenario {scenario.name!r}, {len(scenario.models)} "
                       f"models, {len(scenario.workload.task_types)} task types, policies "
                       f"{', '.join(scenario.policy_names)}")

    @app.command()
    def estimate(file: Path = typer.Argument(..., help="Scenario YAML file."),
                 as_json: bool = JsonOption) -> None:
        """Closed-form expected monthly cost, savings, quality, rework and ROI per policy."""
        from workbench.domain.loader import load_scenario
        from workbench.domain.reachability import waived
        from workbench.estimator import estimate as run_estimate

        scenario = load_scenario(file)
        result = run_estimate(scenario)
        document = result.to_json()
        waivers = {p.name: waived(scenario, p) for p in scenario.policies if p.waives}
        if waivers:
            document["waived"] = waivers
        if as_json:
            emit_json(document)
            return
        from workbench.cli.tables import claims_table, policy_table, print_tables

        print_tables([policy_table(f"{result.scenario} - expected per month (closed form)",
                                   document["policies"], document["baseline"]),
                      claims_table(document["claims"])])
        for policy, items in waivers.items():
            typer.echo(f"note: policy {policy} knowingly waives {len(items)} requirement(s): "
                       + "; ".join(items))
