"""Reading YAML into validated data: duplicate keys rejected, pydantic errors turned into one
ScenarioError naming the file, the field path and the bad value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from workbench.domain.errors import ScenarioError

if TYPE_CHECKING:
    from workbench.domain.scenario import Scenario

T = TypeVar("T", bound=BaseModel)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"unhashable mapping key {key!r}", key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Parse a YAML file whose top level must be a mapping."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"cannot read file ({type(exc).__name__}: {exc})", file=file) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except RecursionError:
        raise ScenarioError("YAML nested too deeply", file=file) from None
    if not isinstance(data, dict):
        raise ScenarioError("the top level must be a mapping of keys to values",
                            file=file, value=type(data).__name__ if data is not None else None)
    return data


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> ScenarioError:
    """A YAML error as a ScenarioError: line and column as the path, the line as the value."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    kind = "invalid YAML" if isinstance(exc, yaml.constructor.ConstructorError) else \
        "YAML syntax error"
    lines = text.splitlines()
    if mark is not None and 0 <= mark.line < len(lines):
        return ScenarioError(f"{kind}: {problem}", file=file, path=where,
                             value=lines[mark.line].strip())
    return ScenarioError(f"{kind}: {problem}", file=file, path=where)


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


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge overlays into, validate and cross-check one scenario file.

    >>> s = load_scenario("scenarios/support_desk.yaml")  # doctest: +SKIP
    """

    file = str(path)
    data = read_yaml_mapping(path)
    overlays = data.get("overlays", [])
    if not isinstance(overlays, list) or not all(isinstance(o, str) for o in overlays):
        raise ScenarioError("overlays is a list of file paths", file=file, path="overlays",
                            value=overlays)
    for index, rel in enumerate(overlays):
        overlay_path = Path(path).parent / rel
        try:
            overlay = read_yaml_mapping(overlay_path)
        except ScenarioError as exc:
            raise ScenarioError(f"overlay {overlay_path}: {exc.reason}", file=file,
                                path=f"overlays[{index}]", value=rel) from None
        data = apply_overlay(data, overlay, str(overlay_path))
    return scenario_from_data(data, file, Path(path))


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
