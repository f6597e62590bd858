"""``workbench report``: the leadership report of a scenario as self-contained HTML (and PDF)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``workbench report``."""

    @app.command()
    def report(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
        simulate: bool = typer.Option(False, "--simulate/--estimate",
                                      help="Headline numbers from a Monte Carlo simulation "
                                           "(default: the closed-form estimate)."),
        replications: int = typer.Option(5, "--replications", "-r",
                                         help="With --simulate: Monte Carlo runs."),
        days: float = typer.Option(None, help="With --simulate: days to simulate."),
        seed: int = typer.Option(None, help="With --simulate: seed (default: the scenario's)."),
        policy: str = typer.Option(None, "--policy", "-p",
                                   help="The chosen policy (default: the first non-baseline)."),
        pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF (needs Chromium)."),
        pptx: bool = typer.Option(False, "--pptx",
                                  help="Also write a slide deck (python-pptx; charts as images "
                                       "need kaleido and Chromium)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Write a decision pack a manager can send: the verdict on page one, headline numbers
        with their source, charts, sensitivity, chargeback and every assumption."""
        from workbench.cli.output import emit_json
        from workbench.domain.errors import ScenarioError, WorkbenchError
        from workbench.domain.loader import load_scenario
        from workbench.estimator import estimate
        from workbench.report.html import build_pack, build_report

        scenario = load_scenario(file)
        if policy is not None and policy not in scenario.policy_names:
            raise ScenarioError(f"no policy of that name (policies: "
                                f"{', '.join(scenario.policy_names)})", file=str(file),
                                path="--policy", value=policy)
        estimate_doc = estimate(scenario).to_json()
        simulation = records = outages = None
        if simulate:
            from workbench.engine.simulation import simulate as run_simulation

            if replications < 1:
                raise ScenarioError("must be at least 1", path="--replications",
                                    value=replications)
            result = run_simulation(scenario, replications=replications, seed=seed, days=days)
            simulation, records, outages = result.to_json(), result.records, result.outages
        pack = build_pack(scenario, estimate_doc, chosen=policy, simulation=simulation)
        html = build_report(scenario, estimate_doc, records=records, outages=outages, pack=pack)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
        pdf_path, pdf_note = None, None
        if pdf:
            from workbench.report.pdf import html_to_pdf

            try:
                pdf_path = html_to_pdf(out, out.with_suffix(".pdf"))
            except WorkbenchError as exc:
                pdf_note = str(exc)
                typer.echo(f"warning: {exc}", err=True)
        pptx_path, pptx_note = None, None
        if pptx:
            from workbench.report.slides import write_deck

            try:
                pptx_path = write_deck(scenario, pack, out.with_suffix(".pptx"))
            except WorkbenchError as exc:
                pptx_note = str(exc)
                typer.echo(f"warning: {exc}", err=True)
        doc = simulation or estimate_doc
        rec = pack["recommendation"]
        if as_json:
            emit_json({"scenario": scenario.name, "seed": doc.get("seed", scenario.seed),
                       "method": doc["method"], "out": str(out),
                       "pdf": None if pdf_path is None else str(pdf_path), "pdf_note": pdf_note,
                       "pptx": None if pptx_path is None else str(pptx_path),
                       "pptx_note": pptx_note, "recommended": rec.policy,
                       "chosen": pack["chosen"], "bytes": out.stat().st_size})
            return
        written = [str(p) for p in (out, pdf_path, pptx_path) if p is not None]
        typer.echo(f"wrote {', '.join(written)} ({out.stat().st_size / 1e6:.2f} MB HTML); "
                   f"recommendation: {'keep ' if rec.keeps_baseline else 'adopt '}{rec.policy}")
