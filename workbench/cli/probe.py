"""``workbench probe`` (live pilot, blind A/B) and ``workbench calibrate`` (records -> overlay)."""

from __future__ import annotations

from pathlib import Path

import typer


def parse_ab(text: str) -> tuple[str, str]:
    """``current=MODEL,candidate=MODEL`` -> (current, candidate)."""
    from workbench.domain.errors import ProbeError

    parts = dict(p.split("=", 1) for p in text.split(",") if "=" in p)
    if set(parts) != {"current", "candidate"} or not all(parts.values()):
        raise ProbeError(f"--ab: expected current=MODEL,candidate=MODEL (got {text!r})")
    return parts["current"].strip(), parts["candidate"].strip()


def _print_probe(result) -> None:
    from rich.console import Console
    from rich.table import Table

    from workbench.cli.tables import PLAIN
    from workbench.metrics.formats import usd, usd_signed

    console = Console(width=max(120, Console().width), **PLAIN)
    table = Table(title=f"Probe run {result.run_id} - {result.jobs} tasks, "
                        f"{usd(result.spent_usd, 4)} of {usd(result.cap_usd, 2)} cap",
                  title_justify="left")
    for header in ("model", "tasks", "attempts", "success", "pass rate", "cost", "cost/task",
                   "ttft p50", "p50", "p95", "outcomes"):
        table.add_column(header, justify="left" if header in ("model", "outcomes") else "right")

    def f(v, fmt):
        return "-" if v is None else fmt.format(v)

    for name, s in result.summary["by_model"].items():
        table.add_row(name, str(s["tasks"]), str(s["attempts"]),
                      f(s["success_rate"], "{:.1%}"), f(s["quality_pass_rate"], "{:.1%}"),
                      usd(s["cost_usd"], 4), usd(s["cost_per_task_usd"], 5),
                      f(s["ttft_p50_s"], "{:.3f} s"), f(s["latency_p50_s"], "{:.3f} s"),
                      f(s["latency_p95_s"], "{:.3f} s"),
                      ", ".join(f"{k} {v}" for k, v in s["outcomes"].items()))
    console.print(table)
    if result.ab:
        a = result.ab
        ci = a["candidate_win_rate_ci95"]
        console.print(
            f"Blind A/B: candidate {a['candidate']['model']} vs current {a['current']['model']}"
            f" - {a['verdicts']} verdicts, candidate wins {a['candidate_wins']}, loses "
            f"{a['current_wins']}, ties {a['ties']}; win rate "
            f"{f(a['candidate_win_rate'], '{:.1%}')}"
            + (f" (95% CI {ci[0]:.1%} - {ci[1]:.1%})" if ci else "")
            + f"; cost/task delta {usd_signed(a['cost_per_task_delta_usd'], 5)}, "
              f"p50 latency delta {f(a['latency_p50_delta_s'], '{:+.3f} s')}")
        left_out = {"blocked by the spend guard": a["blocked_pairs"],
                    "judge call blocked by the spend guard": a["judge_blocked"],
                    "undecided (retried on rerun)": a["undecided"]}
        if any(left_out.values()):
            console.print("Left out of the win rate: " + ", ".join(
                f"{n} {what}" for what, n in left_out.items() if n))
    for message in result.warnings:
        console.print(f"warning: {message}")


def _print_calibration(cal, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from workbench.cli.tables import PLAIN

    console = Console(width=max(120, Console().width), **PLAIN)
    table = Table(title=f"Calibration of run {cal.run_id}: measured vs simulated "
                        "(before -> after the overlay)", title_justify="left")
    for header in ("model", "ok", "figure", "measured", "simulated before", "simulated after"):
        table.add_column(header, justify="left" if header in ("model", "figure") else "right")

    def s(v):
        return "-" if v is None else f"{v:.3f}"

    for name, m in cal.models.items():
        before, after = m["simulated_before"] or {}, m["simulated_after"] or {}
        for i, key in enumerate(("ttft_p50_s", "ttft_p95_s", "latency_p50_s",
                                 "latency_p95_s")):
            table.add_row(name if i == 0 else "", str(m["ok_attempts"]) if i == 0 else "",
                          key.removesuffix("_s").replace("_", " ") + " (s)",
                          s(m["measured"][key]), s(before.get(key)), s(after.get(key)))
        for category, q in (m.get("quality") or {}).items():
            table.add_row("", "", f"pass rate {category}", f"{q['measured_pass_rate']:.1%}",
                          "", f"mean {q['mean']:.3f} sd {q['sd']:.3f}")
    console.print(table)
    for name, p in cal.providers.items():
        console.print(f"provider {name}: error rate {p['error_rate']:.2%} measured over "
                      f"{p['attempts']} attempts (scenario had {p['error_rate_before']:.2%}); "
                      f"rate-limited {p['rate_limited_share']:.2%}")
    for note in cal.notes:
        console.print(f"note: {note}")
    console.print(f"overlay written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``probe`` and ``calibrate`` to the workbench CLI."""

    @app.command()
    def probe(
        config: Path = typer.Argument(..., help="Probe config YAML."),
        out: Path = typer.Option(..., "--out", help="Run folder (its name is the run id)."),
        resume: bool = typer.Option(True, "--resume/--no-resume",
                                    help="Continue a run found in --out (default)."),
        new_run: bool = typer.Option(False, "--new-run", help="Move a run found in --out "
                                     "aside (OUT-1, ...) and start a new one there."),
        ab: str | None = typer.Option(None, "--ab", help="Blind A/B: current=MODEL,"
                                      "candidate=MODEL (scenario model ids)."),
        export_parquet: bool = typer.Option(False, "--export-parquet",
                                            help="Also write records.parquet."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
    ) -> None:
        """Send sampled tasks to real endpoints; record cost, latency, tokens and failures.

        Example: workbench probe scenarios/probe/local.yaml --out runs/pilot
        """
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from workbench.cli.output import emit_json
        from workbench.domain.errors import ProbeError
        from workbench.probe.config import load_probe
        from workbench.probe.runner import ProbeInterrupted, run_probe

        setup = load_probe(config)
        arms = parse_ab(ab) if ab else None
        progress = Progress(TextColumn("probe"), BarColumn(), MofNCompleteColumn(),
                            console=Console(stderr=True), transient=True)
        try:
            with progress:
                bar = progress.add_task("probe", total=None)
                result = run_probe(setup, out, resume=resume, ab=arms, new_run=new_run,
                                   on_progress=lambda done, total: progress.update(
                                       bar, completed=done, total=total))
        except ProbeInterrupted as stop:
            typer.echo(f"error: {stop}", err=True)
            raise typer.Exit(stop.exit_code) from None
        if result.archived is not None:
            typer.echo(f"previous run moved to {result.archived}", err=True)
        document = result.to_json()
        if export_parquet:
            from workbench.probe.store import RunStore

            document["parquet"] = str(RunStore(out).export_parquet())
        if as_json:
            emit_json(document)
        else:
            _print_probe(result)
        if result.stopped or result.failed:
            raise ProbeError("; ".join([*result.stopped.values(), *result.failed.values()])
                             + f"; {result.not_sent} tasks without a final record (rerun to "
                               "resume)")

    @app.command()
    def calibrate(
        run: Path = typer.Argument(..., help="Probe run folder."),
        out: Path | None = typer.Option(None, "--out", help="Overlay YAML to write "
                                        "(default RUN/calibration.yaml)."),
        scenario: Path | None = typer.Option(None, "--scenario", help="Scenario (default: "
                                             "the one the run probed)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
    ) -> None:
        """Fit a catalog overlay (latency, error rates, pass rates) from a probe run.

        Example: workbench calibrate runs/pilot --out data/overlays/pilot.yaml
        """
        from workbench.cli.output import emit_json
        from workbench.probe.calibrate import calibrate as fit
        from workbench.probe.calibrate import write_overlay

        cal = fit(run, scenario)
        path = write_overlay(cal, out or run / "calibration.yaml")
        if as_json:
            emit_json({**cal.to_json(), "overlay_file": str(path)})
        else:
            _print_calibration(cal, path)
