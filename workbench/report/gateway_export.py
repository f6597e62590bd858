"""A gateway export with its translation report priced: the endpoints a user gives (the probe
config's ``endpoints:`` shape) turned into served models, the policy translated for LiteLLM or
Portkey, and each approximation the target needs estimated against the policy as written (the
closed form of ``workbench estimate``). The CLI's ``workbench export`` and the app's Policies
page both call `priced_export`; the gateway layer itself may not use the estimator.

    >>> doc = priced_export(scenario, "routed", "litellm", served)  # doctest: +SKIP
    >>> doc.markdown.splitlines()[0]  # doctest: +SKIP
    '# Translation of policy `routed` to litellm'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from workbench.domain.edits import to_yaml
from workbench.domain.errors import ScenarioError
from workbench.domain.loader import format_loc
from workbench.domain.policy import Policy
from workbench.domain.scenario import Scenario
from workbench.estimator.estimate import estimate_policy
from workbench.gateway import Served, Translation, export_litellm, export_portkey
from workbench.gateway.translation import Pricing
from workbench.probe.config import Endpoint


def served_from_data(data: Any, scenario: Scenario, file: str) -> dict[str, Served]:
    """Scenario model -> `Served` from ``{endpoints: [...]}`` (validated by the probe's
    `Endpoint`); ScenarioError names the file, the field and the value."""
    if not isinstance(data, dict) or "endpoints" not in data:
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


def price(scenario: Scenario, translation: Translation) -> tuple[dict[int, Pricing],
                                                                 Pricing | None]:
    """Each inexact part's approximation (by index in ``parts``) and all of them together,
    priced as monthly cost (USD) and pass rate against the policy as written."""
    base = estimate_policy(scenario, scenario.policy(translation.policy))

    def delta(data: dict[str, Any]) -> Pricing:
        est = estimate_policy(scenario, Policy.model_validate(data))
        rate = (None if est.quality_pass_rate is None or base.quality_pass_rate is None
                else est.quality_pass_rate - base.quality_pass_rate)
        return Pricing(est.monthly_cost_usd - base.monthly_cost_usd, rate)

    parts = {i: delta(p.approximation) for i, p in enumerate(translation.parts)
             if not p.exact and p.approximation is not None}
    return parts, (delta(translation.effective) if translation.lost else None)


@dataclass
class PricedExport:
    """A translation, its pricing, the config as file text and the report as markdown."""

    translation: Translation
    pricing: dict[int, Pricing]
    effective: Pricing | None
    config_text: str
    markdown: str

    def report_json(self) -> dict[str, Any]:
        """The translation report as plain data."""
        return self.translation.to_json(self.pricing, self.effective)


def priced_export(scenario: Scenario, policy: str, target: str, served: dict[str, Served],
                  endpoints_file: str = "endpoints") -> PricedExport:
    """Export ``policy`` to ``target`` (``litellm``: YAML text, ``portkey``: JSON text)."""
    exporter = export_litellm if target == "litellm" else export_portkey
    translation = exporter(scenario, policy, served, endpoints_file)
    pricing, effective = price(scenario, translation)
    text = (to_yaml(translation.config) if target == "litellm"
            else json.dumps(translation.config, indent=2) + "\n")
    return PricedExport(translation, pricing, effective, text,
                        translation.to_markdown(pricing, effective))
