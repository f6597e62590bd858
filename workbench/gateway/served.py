"""Where each scenario model is served: base URL, API flavour, key variable name and served
model name. Built by the CLI from the probe config's ``endpoints`` entries; never from the
scenario, and never holding a key (only the variable's name)."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.errors import ScenarioError
from workbench.domain.policy import Policy


@dataclass(frozen=True)
class Served:
    """One scenario model on one endpoint. ``api`` is ``openai`` (any OpenAI-compatible API) or
    ``anthropic``; ``api_key_env`` is the NAME of the variable holding the key (or None)."""

    model: str
    endpoint: str
    api: str
    base_url: str
    api_key_env: str | None
    served_name: str


def check_served(policy: Policy, served: dict[str, Served], file: str) -> None:
    """Every model the policy calls has an endpoint in ``served``; else ScenarioError naming
    the endpoints file, the policy field and the model."""
    for path, model in policy.model_names():
        if path == "escalation.judge.model":
            continue  # the judge is not exported (no gateway runs it)
        if model not in served:
            raise ScenarioError(
                f"no endpoint serves model {model!r}, used by policy {policy.name!r} at {path} "
                f"(served: {', '.join(sorted(served)) or 'none'})",
                file=file, path="endpoints[*].models", value=model)


def by_served_name(served: dict[str, Served]) -> dict[str, str]:
    """Served model name (also ``base_url|served name``) -> scenario model."""
    out: dict[str, str] = {}
    for s in served.values():
        out[s.served_name] = s.model
        out[f"{s.base_url.rstrip('/')}|{s.served_name}"] = s.model
    return out
