"""What an import of a gateway config gives: policy data for the scenario, plus everything it
could not map (deployments of unknown models, routes on unknown tags) and every key it ignored,
each with its field path. Also the shared helpers: typed field access and model matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.domain.errors import ScenarioError
from workbench.domain.scenario import Scenario


@dataclass
class ImportResult:
    """``policy``: plain policy data (validate it with ``workbench.domain.edits.with_policy``);
    ``unmapped``, ``ignored`` and ``notes``: ``"field.path: why"`` lines."""

    policy: dict[str, Any]
    unmapped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"policy": self.policy, "unmapped": self.unmapped, "ignored": self.ignored,
                "notes": self.notes}


class Reader:
    """Typed access to a config's plain data; bad types raise ScenarioError naming the file,
    the field path and the value. Unknown keys are collected in ``result.ignored``."""

    def __init__(self, file: str, result: ImportResult) -> None:
        self.file = file
        self.result = result

    def fail(self, message: str, path: str, value: Any) -> ScenarioError:
        """An error naming this file."""
        return ScenarioError(message, file=self.file, path=path, value=value)

    def mapping(self, value: Any, path: str, known: set[str]) -> dict[str, Any]:
        """``value`` as a mapping; keys outside ``known`` go to the ignored list."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail("expected a mapping", path, value)
        for key in value:
            if key not in known:
                self.result.ignored.append(f"{path + '.' if path else ''}{key}: not a key the "
                                           "importer maps (ignored)")
        return value

    def seq(self, value: Any, path: str) -> list[Any]:
        """``value`` as a list (None -> empty)."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("expected a list", path, value)
        return value

    def number(self, value: Any, path: str, minimum: float = 0.0) -> float:
        """A number at least ``minimum`` (bools refused)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.fail(f"expected a number >= {minimum:g}", path, value)
        return float(value)

    def text(self, value: Any, path: str) -> str:
        """A non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.fail("expected a non-empty string", path, value)
        return value


class ModelMatcher:
    """Deployment -> scenario model: a served name from the endpoints file, else a scenario
    model of the same name (also after a ``provider/`` prefix is removed)."""

    def __init__(self, scenario: Scenario, served_names: dict[str, str]) -> None:
        self.known = {m.name for m in scenario.models}
        self.served = served_names

    def match(self, *names: str | None) -> str | None:
        """The first of ``names`` (most specific first) that maps to a scenario model."""
        for name in names:
            if not name:
                continue
            for candidate in (name, name.split("/", 1)[-1]):
                if candidate in self.served:
                    return self.served[candidate]
                if candidate in self.known:
                    return candidate
        return None


def coerce(value: Any, sample: Any) -> Any:
    """A metadata string back to the type of a scenario attribute value ``sample``
    (``"true"`` -> True when the attribute is a flag or unset on every task type)."""
    if isinstance(value, list):
        return [coerce(v, sample) for v in value]
    if not isinstance(value, str) or isinstance(sample, str):
        return value
    if sample is None or isinstance(sample, bool):  # unset flags (critical, ...) are bools
        return {"true": True, "false": False}.get(value.lower(), value)
    try:
        return float(value)
    except ValueError:
        return value


def failover_data(chain: list[str], retries: int, timeout_s: float | None,
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Failover data: sequential when there is a chain or a retry, else none."""
    out: dict[str, Any] = {"mode": "sequential" if chain or retries else "none"}
    if chain:
        out["chain"] = chain
    out["retries"] = retries
    if timeout_s is not None:
        out["timeout_s"] = timeout_s
    out.update(extra or {})
    return out
