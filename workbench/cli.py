"""The ``workbench`` command.

Exit codes: 0 ok, 2 bad input (the message names file, field path and value), 1 internal
error. ``--json`` prints exactly one JSON document on stdout; progress goes to stderr.

Subcommands live next to what they run: each subsystem package may hold a ``commands`` module
with ``register(app)``; heavy imports stay inside the command bodies so that ``workbench
--help`` is instant.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

from workbench.domain.errors import WorkbenchError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Replay an LLM workload through candidate routing policies: cost, "
                       "quality, reliability and ROI side by side.")

SUBSYSTEMS = ("engine", "replay", "probe", "report", "app")

JsonOption = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")


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
        typer.echo(f"{file}: valid - scenario {scenario.name!r}, {len(scenario.models)} models, "
                   f"{len(scenario.workload.task_types)} task types, policies "
                   f"{', '.join(scenario.policy_names)}")


@app.command()
def estimate(file: Path = typer.Argument(..., help="Scenario YAML file."),
             as_json: bool = JsonOption) -> None:
    """Closed-form expected monthly cost, savings, quality, rework and ROI per policy."""
    from workbench.domain.loader import load_scenario
    from workbench.estimator import estimate as run_estimate

    result = run_estimate(load_scenario(file))
    document = result.to_json()
    if as_json:
        emit_json(document)
        return
    from workbench.tables import claims_table, policy_table, print_tables

    print_tables([policy_table(f"{result.scenario} - expected per month (closed form)",
                               document["policies"], document["baseline"]),
                  claims_table(document["claims"])])


def _register_subsystems() -> None:
    for name in SUBSYSTEMS:
        try:
            module = importlib.import_module(f"workbench.{name}.commands")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"workbench.{name}", f"workbench.{name}.commands"):
                raise
            continue
        module.register(app)


_register_subsystems()


def main() -> None:
    """Entry point: map WorkbenchError to exit 2 and anything else to exit 1."""
    try:
        app()
    except WorkbenchError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} "
                   "(set WORKBENCH_DEBUG=1 for a traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
