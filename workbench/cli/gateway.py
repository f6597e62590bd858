"""``workbench export`` and ``workbench import-config``: a policy to a LiteLLM or Portkey
gateway config with a priced translation report, and a gateway config back to a policy.

The pricing lives here (the gateway layer may not use the estimator): each approximation the
target needs is estimated against the policy as written, by the same closed form as
``workbench estimate``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from workbench.cli.output import JsonOption, emit_json

TargetOption = typer.Option(..., "--to", help="Gateway: litellm or portkey.")


def served_models(endpoints_file: Path, scenario) -> dict:
    """Scenario model -> `Served`, from an endpoints file shaped like the probe config's
    ``endpoints:`` list (read through the bounded reader, validated by the probe's model)."""
    from pydantic import TypeAdapter, ValidationError

    from workbench.domain.errors import ScenarioError
    from workbench.domain.loader import format_loc, read_yaml_mapping
    from workbench.gateway import Served
    from workbench.probe.config import Endpoint

    file = str(endpoints_file)
    data = read_yaml_mapping(endpoints_file)
    if "endpoints" not in data:
        raise ScenarioError("missing (a list of endpoints, as in a probe config)", file=file,
                            path="endpoints")
    extra = sorted(set(data) - {"endpoints", "scenario"})
    if extra:
        raise ScenarioError("unknown field (the file holds endpoints only)", file=file,
                            path=extra[0], value=data[extra[0]])
    try:
        endpoints = TypeAdapter(list[Endpoint]).validate_python(data["endpoints"])
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ScenarioError(first["msg"].removeprefix("Value error, "), file=file,
                            path="endpoints" + format_loc(first["loc"]),
                            value=first.get("input", ...)) from None
    known = {m.name for m in scenario.models}
    out: dict[str, Served] = {}
    for i, e in enumerate(endpoints):
        for model, name in e.models.items():
            if model not in known:
                raise ScenarioError(f"not a model of scenario {scenario.name!r} (models: "
                                    f"{', '.join(sorted(known))})", file=file,
                                    path=f"endpoints[{i}].models", value=model)
            if model in out:
                raise ScenarioError(f"model already served by endpoint {out[model].endpoint!r}",
                                    file=file, path=f"endpoints[{i}].models", value=model)
            out[model] = Served(model, e.name, e.api, e.base_url, e.api_key_env, name)
    return out


def price(scenario, translation) -> tuple[dict[int, Any], Any]:
    """Pricing of each inexact part's approximation and of all of them together."""
    from workbench.domain.policy import Policy
    from workbench.estimator.estimate import estimate_policy
    from workbench.gateway.translation import Pricing

    base = estimate_policy(scenario, scenario.policy(translation.policy))

    def delta(data: dict[str, Any]) -> Pricing:
        est = estimate_policy(scenario, Policy.model_validate(data))
        rate = (None if est.quality_pass_rate is None or base.quality_pass_rate is None
                else est.quality_pass_rate - base.quality_pass_rate)
        return Pricing(est.monthly_cost_usd - base.monthly_cost_usd, rate)

    parts = {i: delta(p.approximation) for i, p in enumerate(translation.parts)
             if not p.exact and p.approximation is not None}
    return parts, (delta(translation.effective) if translation.lost else None)


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
        from workbench.domain.edits import to_yaml
        from workbench.domain.errors import ScenarioError
        from workbench.domain.loader import load_scenario
        from workbench.gateway import export_litellm, export_portkey

        target = check_target(to, "--to")
        scenario = load_scenario(file)
        if policy not in scenario.policy_names:
            raise ScenarioError(f"no policy of that name (policies: "
                                f"{', '.join(scenario.policy_names)})", file=str(file),
                                path="policies", value=policy)
        served = served_models(endpoints, scenario)
        exporter = export_litellm if target == "litellm" else export_portkey
        translation = exporter(scenario, policy, served, str(endpoints))
        pricing, effective = price(scenario, translation)
        text = (to_yaml(translation.config) if target == "litellm"
                else json.dumps(translation.config, indent=2) + "\n")
        report = out.with_name(out.name + ".translation.md")
        write(out, text, "--out")
        write(report, translation.to_markdown(pricing, effective), "--out")
        if as_json:
            emit_json({"config_file": str(out), "report_file": str(report),
                       "config": translation.config,
                       "report": translation.to_json(pricing, effective)})
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
