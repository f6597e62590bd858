"""Base class of every scenario value object: frozen, strict about unknown keys."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

MAX_MAGNITUDE = 1e12  # larger numbers in a scenario are typos, and would overflow the estimates


def _too_large(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return abs(value) > MAX_MAGNITUDE
    if isinstance(value, (list, tuple)):
        return any(_too_large(v) for v in value)
    if isinstance(value, dict):
        return any(_too_large(v) for v in value.values())
    return False


class Frozen(BaseModel):
    """Immutable, validated scenario data; unknown keys are errors (typos never pass silently),
    and so are infinite or NaN numbers and numbers above 1e12 in size."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _not_huge(cls, value: Any) -> Any:
        if _too_large(value):
            raise ValueError(f"numbers must be at most {MAX_MAGNITUDE:g} in size")
        return value
