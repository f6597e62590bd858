"""Reference checks of an output, per task type: exact text, regex, JSON schema, number within a
tolerance. A check says pass or fail; the probe records it as ``passed`` and a
``quality_score`` of 1.0 or 0.0."""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, field_validator

from workbench.domain.base import Frozen

_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


class ExactCheck(Frozen):
    """Pass when the output equals ``value`` (whitespace collapsed; case-insensitive unless
    ``case_sensitive``)."""

    kind: Literal["exact"]
    value: str
    case_sensitive: bool = False

    def passes(self, text: str) -> bool:
        """Whether ``text`` passes."""
        norm = (lambda s: " ".join(s.split())) if self.case_sensitive else \
            (lambda s: " ".join(s.split()).casefold())
        return norm(text) == norm(self.value)


class RegexCheck(Frozen):
    """Pass when ``pattern`` is found anywhere in the output."""

    kind: Literal["regex"]
    pattern: str
    ignore_case: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    def passes(self, text: str) -> bool:
        """Whether ``text`` passes."""
        return re.search(self.pattern, text, re.IGNORECASE if self.ignore_case else 0) is not None


class JsonSchemaCheck(Frozen):
    """Pass when the output (code fences stripped) is JSON valid under ``schema``."""

    kind: Literal["json_schema"]
    json_schema: dict[str, Any] = Field(alias="schema")

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        import jsonschema

        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"not a valid JSON schema: {exc.message}") from None
        return schema

    def passes(self, text: str) -> bool:
        """Whether ``text`` passes."""
        import jsonschema

        try:
            document = json.loads(_FENCE.sub("", text.strip()))
        except json.JSONDecodeError:
            return False
        validator = jsonschema.validators.validator_for(self.json_schema)(self.json_schema)
        return validator.is_valid(document)


class NumericCheck(Frozen):
    """Pass when the first number in the output is within ``tolerance`` (absolute) or
    ``rel_tolerance`` (relative to ``value``) of ``value``."""

    kind: Literal["numeric"]
    value: float
    tolerance: NonNegativeFloat = 0.0
    rel_tolerance: NonNegativeFloat = 0.0

    def passes(self, text: str) -> bool:
        """Whether ``text`` passes."""
        match = _NUMBER.search(text)
        if match is None:
            return False
        try:
            number = float(match.group().replace(",", ""))
        except ValueError:
            return False
        allowed = max(self.tolerance, self.rel_tolerance * abs(self.value))
        return math.isfinite(number) and abs(number - self.value) <= allowed + 1e-12


Check = Annotated[ExactCheck | RegexCheck | JsonSchemaCheck | NumericCheck,
                  Field(discriminator="kind")]
