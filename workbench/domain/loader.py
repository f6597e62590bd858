"""Reading YAML into validated data: files read within limits (`bounded_read`: size, alias
expansion, depth), duplicate keys rejected, pydantic errors turned into one ScenarioError
naming the file, the field path and the bad value."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from workbench.domain.bounded_read import DEFAULT_LIMITS, ReadLimits, read_yaml
from workbench.domain.errors import ScenarioError

if TYPE_CHECKING:
    from workbench.domain.scenario import Scenario

T = TypeVar("T", bound=BaseModel)


def read_yaml_mapping(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Parse a YAML file (bounded: `workbench.domain.bounded_read`) whose top level must be a
    mapping."""
    file = str(path)
    data = read_yaml(path, limits)
    if not isinstance(data, dict):
        raise ScenarioError("the top level must be a mapping of keys to values",
                            file=file, value=type(data).__name__ if data is not None else None)
    _refuse_control_characters(data, file)
    return data


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _refuse_control_characters(data: dict[str, Any], file: str) -> None:
    """Text with control characters (an escape sequence in a name would drive the terminal
    that prints it) is refused; tab and newline are fine."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and _CONTROL.search(key):
                    raise ScenarioError("control character in a key", file=file, path=where,
                                        value=key)
            stack.extend((f"{where}.{k}" if where else str(k), v)
                         for k, v in reversed(node.items()))  # popped in document order
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and (found := _CONTROL.search(node)):
            raise ScenarioError(f"control character U+{ord(found.group()):04X} in text",
                                file=file, path=where, value=node)


def format_loc(loc: tuple) -> str:
    """``('policies', 1, 'routing')`` -> ``policies[1].routing``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union", "union[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def validate_as(cls: type[T], data: Any, file: str | None) -> T:
    """Validate ``data`` as ``cls``; the first problem becomes a ScenarioError."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        raise ScenarioError(message, file=file, path=format_loc(first["loc"]),
                            value=first.get("input", ...)) from None
    except RecursionError:
        raise ScenarioError("data nested too deeply", file=file) from None


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge mappings; anything else in ``over`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


def apply_overlay(data: dict[str, Any], overlay: dict[str, Any], file: str) -> dict[str, Any]:
    """Merge an overlay ``{models: {name: {...}}, providers: {name: {...}}}`` into scenario
    data (as written by ``workbench calibrate``)."""
    merged = dict(data)
    for section, patches in overlay.items():
        if section not in ("models", "providers") or not isinstance(patches, dict):
            raise ScenarioError("an overlay holds only 'models' and 'providers' mappings",
                                file=file, path=str(section), value=patches)
        items = merged.get(section)
        if not isinstance(items, list):
            raise ScenarioError(f"the scenario has no {section} list to overlay", file=file,
                                path=section)
        names = [item.get("name") if isinstance(item, dict) else None for item in items]
        items = list(items)
        for name, patch in patches.items():
            if name not in names:
                raise ScenarioError(f"no such entry in the scenario's {section}", file=file,
                                    path=f"{section}.{name}", value=name)
            index = names.index(name)
            items[index] = _merge(items[index], patch)
        merged[section] = items
    return merged


def load_scenario(path: str | Path, *, limits: ReadLimits = DEFAULT_LIMITS,
                  file_references: bool = True) -> Scenario:
    """Read, merge overlays into, validate and cross-check one scenario file (and its overlays)
    within ``limits``. With ``file_references=False`` (an uploaded file) a scenario naming other
    files (overlays, incidents, a quality source table) is refused before any is opened.

    >>> s = load_scenario("scenarios/support_desk.yaml")  # doctest: +SKIP
    """

    file = str(path)
    data = read_yaml_mapping(path, limits)
    named = [] if file_references else _file_references(data)
    if named:
        where, value = named[0]
        raise ScenarioError("an uploaded scenario cannot name other files (run it from the "
                            "command line instead)", file=file, path=where, value=value)
    overlays = data.get("overlays", [])
    if not isinstance(overlays, list) or not all(isinstance(o, str) for o in overlays):
        raise ScenarioError("overlays is a list of file paths", file=file, path="overlays",
                            value=overlays)
    for index, rel in enumerate(overlays):
        overlay_path = Path(path).parent / rel
        try:
            overlay = read_yaml_mapping(overlay_path, limits)
        except ScenarioError as exc:
            raise ScenarioError(f"overlay {overlay_path}: {exc.reason}", file=file,
                                path=f"overlays[{index}]", value=rel) from None
        data = apply_overlay(data, overlay, str(overlay_path))
    return scenario_from_data(data, file, Path(path))


def _file_references(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field path, value) of every file a scenario's raw data names."""
    found: list[tuple[str, Any]] = []
    if data.get("overlays"):
        found.append(("overlays", data["overlays"]))
    source = data.get("quality_source")
    if isinstance(source, dict) and source.get("table") is not None:
        found.append(("quality_source.table", source["table"]))
    providers = data.get("providers")
    for i, provider in enumerate(providers if isinstance(providers, list) else []):
        if isinstance(provider, dict) and provider.get("incidents") is not None:
            found.append((f"providers[{i}].incidents", provider["incidents"]))
    return found


def scenario_from_data(data: Any, file: str | None, source: Path | None) -> Scenario:
    """Validate and cross-check scenario data; ``source`` is the file relative paths in it
    resolve against, ``file`` the name errors carry."""
    from workbench.domain.references import check_references
    from workbench.domain.scenario import Scenario

    scenario = validate_as(Scenario, data, file)
    scenario._source = source
    try:
        check_references(scenario)
    except ScenarioError as exc:
        raise (exc.in_file(file) if file else exc) from None
    return scenario
