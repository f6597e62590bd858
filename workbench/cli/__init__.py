"""The ``workbench`` command.

Exit codes: 0 ok, 2 bad input (the message names file, field path and value), 1 internal
error. ``--json`` prints exactly one JSON document on stdout; progress goes to stderr.

One module per command group, registered below by plain imports; heavy imports stay inside
the command bodies so that ``workbench --help`` is instant.
"""

from __future__ import annotations

import os
import sys

import typer

from workbench.cli import (
    audit,
    dashboard,
    gateway,
    planner,
    probe,
    replay,
    report,
    requirements,
    scenario,
    simulate,
)
from workbench.cli.output import JsonOption, emit_json
from workbench.domain.errors import WorkbenchError

__all__ = ["JsonOption", "app", "emit_json", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Replay an LLM workload through candidate routing policies: cost, "
                       "quality, reliability and ROI side by side.")

for _group in (scenario, simulate, planner, replay, probe, report, audit, requirements,
               gateway, dashboard):
    _group.register(app)


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
