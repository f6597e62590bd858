"""``workbench export`` and ``workbench import-config``: a policy to a LiteLLM or Portkey
gateway config with a priced translation report, and a gateway config back to a policy.

The pricing of the approximations lives in `workbench.report.gateway_export` (the gateway
layer may not use the estimator), shared with the app's Policies page.
"""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json

TargetOption = typer.Option(..., "--to", help="Gateway: litellm or portkey.")


def served_models(endpoints_file: Path, scenario) -> dict:
    """Scenario model -> `Served` from an endpoints file (bounded read)."""
    from workbench.domain.loader import read_yaml_mapping
    from workbench.report.gateway_export import served_from_data

    return served_from_data(read_yaml_mapping(endpoints_file), scenario, str(endpoints_file))


def write(path: Path, text: str, option: str) -> None:
    """Write ``text``; an unwritable path exits 2 naming the option and the path."""
    from workbench.domain.errors import ScenarioError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot write ({exc.strerror or type(exc).__name__})",
                            path=option, value=str(path)) from None


def check_target(target: str, option: str) -> str:
    """``target`` lower-cased if it is a known gateway; else exit 2 naming the option."""
    from workbench.domain.errors import ScenarioError
    from workbench.gateway import TARGETS

    if target.lower() not in TARGETS:
        raise ScenarioError(f"unknown gateway (known: {', '.join(TARGETS)})", path=option,
                            value=target)
    return target.lower()


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import-config``."""

    @app.command("export")
    def export(file: Path = typer.Argument(..., help="Scenario YAML file."),
               policy: str = typer.Option(..., "--policy", help="Policy to export."),
               to: str = TargetOption,
               endpoints: Path = typer.Option(..., "--endpoints",
                                              help="YAML with an endpoints: list (as in a "
                                                   "probe config)."),
               out: Path = typer.Option(..., "--out", help="Config file to write."),
               as_json: bool = JsonOption) -> None:
        """Write a gateway config for a policy and a translation report beside it
        (OUT.translation.md): what each part became, what was approximated and its cost."""
        from workbench.domain.errors import ScenarioError
        from workbench.domain.loader import load_scenario
        from workbench.report.gateway_export import priced_export

        target = check_target(to, "--to")
        scenario = load_scenario(file)
        if policy not in scenario.policy_names:
            raise ScenarioError(f"no policy of that name (policies: "
                                f"{', '.join(scenario.policy_names)})", file=str(file),
                                path="policies", value=policy)
        served = served_models(endpoints, scenario)
        done = priced_export(scenario, policy, target, served, str(endpoints))
        report = out.with_name(out.name + ".translation.md")
        write(out, done.config_text, "--out")
        write(report, done.markdown, "--out")
        translation = done.translation
        if as_json:
            emit_json({"config_file": str(out), "report_file": str(report),
                       "config": translation.config,
                       "report": done.report_json()})
        else:
            typer.echo(f"wrote {out} and {report}: {len(translation.parts)} parts, "
                       f"{len(translation.lost)} approximated")

    @app.command("import-config")
    def import_config(path: Path = typer.Argument(..., help="Gateway config file."),
                      source: str = typer.Option(..., "--from", help="litellm or portkey."),
                      scenario_file: Path = typer.Option(..., "--scenario",
                                                         help="Scenario YAML file."),
                      name: str = typer.Option("today", "--name", help="Policy name."),
                      endpoints: Path | None = typer.Option(
                          None, "--endpoints", help="Endpoints file mapping served names."),
                      out: Path | None = typer.Option(None, "--out",
                                                      help="Write the policy YAML here."),
                      as_json: bool = JsonOption) -> None:
        """Read a LiteLLM config.yaml or a Portkey config JSON into a policy of the scenario;
        lists what it could not map and every key it ignored."""
        from workbench.domain.bounded_read import read_json, read_yaml
        from workbench.domain.edits import policy_yaml, with_policy
        from workbench.domain.errors import ScenarioError
        from workbench.domain.loader import load_scenario
        from workbench.gateway import import_litellm, import_portkey
        from workbench.gateway.served import by_served_name

        target = check_target(source, "--from")
        scenario = load_scenario(scenario_file)
        names = by_served_name(served_models(endpoints, scenario)) if endpoints else {}
        if target == "litellm":
            result = import_litellm(read_yaml(path), scenario, name, str(path), names)
        else:
            result = import_portkey(read_json(path), scenario, name, str(path), names)
        try:
            checked = with_policy(scenario, result.policy)
        except ScenarioError as exc:
            raise ScenarioError(f"the imported policy is invalid: {exc.reason}", file=str(path),
                                path=exc.path, value=exc.value) from None
        text = policy_yaml(checked, name)
        if out is not None:
            write(out, text, "--out")
        if as_json:
            emit_json({"file": str(path), "from": target, **result.to_json()})
            return
        typer.echo(text, nl=False)
        for title, lines in (("could not map", result.unmapped), ("ignored", result.ignored),
                             ("notes", result.notes)):
            for line in lines:
                typer.echo(f"{title}: {line}", err=True)
