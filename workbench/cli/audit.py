"""``workbench audit``: gateway logs (and the provider's usage export) -> a scenario that
reconciles to the bill."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json


def _print_audit(audit, out: Path | None) -> None:
    from rich.table import Table

    from workbench.cli.tables import print_tables
    from workbench.metrics.formats import usd

    doc = audit.to_json()
    obs = doc["observed"]
    tasks = Table(title=f"Fitted workload - {obs['requests']:,} calls over {obs['days']:g} days")
    for column in ("task type", "team", "per day", "input p50/p95", "output p50/p95", "models"):
        tasks.add_column(column, justify="left" if column in ("task type", "team", "models")
                         else "right")
    for name, t in doc["task_types"].items():
        tasks.add_row(name, t["team"], f"{t['per_day']:,.1f}",
                      f"{t['input_tokens_p50']:,.0f} / {t['input_tokens_p95']:,.0f}",
                      f"{t['output_tokens_p50']:,.0f} / {t['output_tokens_p95']:,.0f}",
                      ", ".join(f"{m} {s:.0%}" for m, s in t["models"].items()))
    recon = Table(title="Reconciliation (USD per month)")
    recon.add_column("item")
    recon.add_column("USD/month", justify="right")
    recon.add_row("observed spend", usd(obs['monthly_cost_usd'], 2))
    recon.add_row("estimate of 'today' on the fitted scenario",
                  f"{usd(doc['estimated_monthly_cost_usd'], 2)} ({doc['residual_share']:+.2%})")
    for item in doc["residual"]:
        recon.add_row(item["reason"], usd(item["monthly_usd"], 2))
    for team, t in doc["teams"].items():
        recon.add_row(f"team {team}", usd(t['monthly_cost_usd'], 2))
    if doc["untracked"] is not None:
        u = doc["untracked"]
        recon.add_row(f"untracked: {u['requests']:,} calls the gateway never saw (period)",
                      usd(u['cost_usd'], 2))
    print_tables([tasks, recon])
    for note in doc["notes"] + [f"skipped {n} row(s): {why}"
                                for why, n in doc["skipped_rows"].items()]:
        typer.echo(f"note: {note}")
    if out is not None:
        typer.echo(f"scenario written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``workbench audit``."""

    @app.command()
    def audit(
        logs: list[Path] = typer.Argument(..., help="Gateway log exports (CSV, JSONL, JSON, "
                                                    "Parquet; .gz accepted)."),
        fmt: str = typer.Option("litellm", "--format", "-f", help="Log format: litellm, langfuse, helicone, table (with --mapping), or a usage export on its own: openai-usage, anthropic-usage (totals per bucket: mean token sizes, no latency)."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the fitted scenario YAML."),
        usage: list[Path] = typer.Option(None, "--usage", help="The provider's usage export "
                                         "(repeatable): finds spend the gateway never saw."),
        usage_format: str = typer.Option("openai-usage", "--usage-format",
                                         help="openai-usage or anthropic-usage."),
        task_from: str = typer.Option(None, "--task-from",
                                      help="tag:<prefix>, <column>.<key> or a column (default "
                                           "per format: litellm tag:task, langfuse name, "
                                           "helicone request_properties.Helicone-Property-Task; "
                                           "usage exports: a grouping column such as project_id, "
                                           "else one task type per model)."),
        team_from: str = typer.Option(None, "--team-from",
                                      help="tag:<prefix>, <column>.<key> or a column."),
        skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows",
                                           help="Skip and count bad rows instead of stopping."),
        name: str = typer.Option("audited", "--name", help="Name of the scenario."),
        scores: list[Path] = typer.Option(None, "--scores", help="Per-request scores "
                                          "(request id + pass or score): measured quality."),
        mapping: Path = typer.Option(None, "--mapping", help="With --format table: a YAML "
                                     "file naming which column holds what."),
        overlay: Path = typer.Option(None, "--overlay", help="Also write the measured "
                                     "latency, error rates (and scored quality) as a "
                                     "calibration overlay any scenario can include."),
        task_map: Path = typer.Option(None, "--task-map", help="A YAML file `tasks: {name in "
                                      "the logs: task type}` that renames and merges task "
                                      "types."),
        as_json: bool = JsonOption,
    ) -> None:
        """Turn gateway logs into a scenario: volumes, token sizes, profiles, today's routing,
        and a reconciliation of its estimate with the observed spend."""
        from workbench.audit import audit_logs

        result = audit_logs(logs, fmt, task_from=task_from, team_from=team_from,
                            usage=usage or None, usage_format=usage_format,
                            skip_bad_rows=skip_bad_rows, name=name, mapping=mapping,
                            scores=scores or None, task_map=task_map)
        if out is not None:
            result.write_scenario(out)
        if overlay is not None:
            result.write_overlay(overlay)
        if as_json:
            emit_json(result.to_json())
        else:
            _print_audit(result, out)
            if overlay is not None:
                typer.echo(f"calibration overlay written to {overlay}")
