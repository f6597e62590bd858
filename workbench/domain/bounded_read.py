"""Bounded reading of files from strangers: every YAML and JSON document the product reads
passes through here, so a hostile file costs at most a few megabytes and a fraction of a second.

Limits (`ReadLimits`, defaults below):

- ``max_bytes``: the file is read up to this many bytes and refused beyond (also for pipes and
  devices, whose size is unknown);
- ``max_alias_nodes``: YAML nodes added by aliases (``*name``) if they were expanded; counted
  while the document is composed, so an "alias bomb" (nine levels of anchors, each referencing
  the one above nine times: 9**9 nodes from 1 KB) is refused after a few hundred events without
  ever building the expanded object;
- ``max_depth``: nesting levels of mappings and sequences ("YAML nested too deeply");
- ``max_nodes``: YAML nodes written in the file (aliases not counted).

Text must be UTF-8 (a BOM is accepted); UTF-16, Latin-1 and binary data are refused with a
message saying so. Every refusal is a `ScenarioError` naming the file (the CLI exits 2).

>>> parse_yaml("a: &x [1, 2]\\nb: *x\\n", "s.yaml")
{'a': [1, 2], 'b': [1, 2]}
"""

from __future__ import annotations

import codecs
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.domain.errors import ScenarioError

MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """How much one file may cost: bytes on disk, YAML nodes (written, and added by aliases)
    and nesting levels."""

    max_bytes: int = 8 * MIB
    max_nodes: int = 1_000_000
    max_alias_nodes: int = 100_000
    max_depth: int = 100


DEFAULT_LIMITS = ReadLimits()


def describe_size(n_bytes: int) -> str:
    """``1536`` -> ``'1.5 KB'`` (powers of 1024)."""
    for unit, size in (("GB", 1 << 30), ("MB", MIB), ("KB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}".replace(".0 ", " ")
    return f"{n_bytes} bytes"


def read_bytes(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a file, refused (ScenarioError) beyond ``limits.max_bytes``; never reads
    more than that plus one byte, whatever the file is (a pipe, /dev/zero)."""
    file = str(path)
    cap = limits.max_bytes
    too_big = f"file over the {describe_size(cap)} limit"
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > cap:
                raise ScenarioError(f"{too_big} ({describe_size(info.st_size)})", file=file)
            data = handle.read(cap + 1)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except IsADirectoryError:
        raise ScenarioError("a folder, not a file", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file ({exc.strerror or type(exc).__name__})",
                            file=file) from None
    if len(data) > cap:
        raise ScenarioError(too_big, file=file)
    return data


def decode_text(data: bytes, file: str | None, complete: bool = True) -> str:
    """UTF-8 text (an initial BOM dropped); UTF-16/32, other encodings and binary data are
    refused with a message that says which. ``complete=False``: ``data`` is the start of a
    file, and a character cut at its end is not an error."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ScenarioError("UTF-32 text; save the file as UTF-8", file=file)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ScenarioError("UTF-16 text; save the file as UTF-8", file=file)
    if b"\x00" in data[:8192]:
        raise ScenarioError("binary data (NUL bytes), not UTF-8 text", file=file)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=complete)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                            f"{exc.start}); save the file as UTF-8", file=file,
                            path=f"line {line}") from None


def check_text_start(path: str | Path, n_bytes: int = 64 * 1024) -> None:
    """Refuse (as `decode_text` does) a file whose first ``n_bytes`` are not UTF-8 text: for
    large tables a faster reader parses, after this cheap look at their start."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(n_bytes)
    except OSError as exc:
        raise ScenarioError(f"cannot read file ({exc.strerror or type(exc).__name__})",
                            file=str(path)) from None
    decode_text(head, str(path), complete=len(head) < n_bytes)


def read_text(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """A bounded UTF-8 text file (see `read_bytes` and `decode_text`)."""
    return decode_text(read_bytes(path, limits), str(path))


class _BoundedComposer:
    """Mix-in for a PyYAML loader: counts nodes, alias expansion and depth while composing."""

    limits: ReadLimits = DEFAULT_LIMITS

    def _start_counting(self) -> None:
        self._sizes: dict[int, int] = {}  # id(node) -> nodes if expanded (node held by anchors)
        self._written = 0
        self._expanded = 0
        self._alias_nodes = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not hasattr(self, "_sizes"):
            self._start_counting()
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            event = self.peek_event()  # type: ignore[attr-defined]
            target = self.anchors.get(event.anchor)  # type: ignore[attr-defined]
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise yaml.composer.ComposerError(
                        None, None, f"alias *{event.anchor} refers to a node that contains it",
                        event.start_mark)
                self._alias_nodes += size
                self._expanded += size
                if self._alias_nodes > self.limits.max_alias_nodes:
                    raise _Refused(f"YAML aliases expand beyond "
                                   f"{self.limits.max_alias_nodes:,} nodes")
            return super().compose_node(parent, index)  # type: ignore[misc]
        self._written += 1
        if self._written > self.limits.max_nodes:
            raise _Refused(f"YAML has more than {self.limits.max_nodes:,} nodes")
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise _Refused("YAML nested too deeply")
        start = self._expanded
        self._expanded += 1
        try:
            node = super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._expanded - start
        return node


class _Refused(Exception):
    """A limit of `ReadLimits` was crossed (turned into a ScenarioError by `parse_yaml`)."""


class _StrictLoader(_BoundedComposer, yaml.SafeLoader):
    """SafeLoader that counts what it composes (`_BoundedComposer`) and rejects duplicate
    mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # ``<<: *base``: merged keys may be overridden (SafeConstructor merges)
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


def parse_yaml(text: str, file: str | None, limits: ReadLimits = DEFAULT_LIMITS) -> Any:
    """One YAML document (safe tags only), within ``limits``; ScenarioError otherwise."""
    loader = _StrictLoader(text)
    loader.limits = limits
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise ScenarioError(str(exc), file=file) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except RecursionError:
        raise ScenarioError("YAML nested too deeply", file=file) from None
    finally:
        loader.dispose()


def _yaml_error(exc: yaml.YAMLError, text: str, file: str | None) -> ScenarioError:
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


def read_yaml(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> Any:
    """Read and parse one bounded YAML file."""
    return parse_yaml(read_text(path, limits), str(path), limits)


def parse_json(text: str | bytes, file: str | None, where: str = "") -> Any:
    """One JSON document; syntax errors and nesting beyond Python's recursion limit become a
    ScenarioError naming ``file`` and ``where`` (say ``line 12`` of a JSONL file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not JSON ({exc.msg} at column {exc.colno})", file=file,
                            path=where) from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text; save the file as UTF-8", file=file,
                            path=where) from None
    except RecursionError:
        raise ScenarioError("JSON nested too deeply", file=file, path=where) from None


def read_json(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> Any:
    """Read and parse one bounded JSON file."""
    return parse_json(read_text(path, limits), str(path))
