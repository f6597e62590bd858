"""Base class of every scenario value object: frozen, strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, validated scenario data; unknown keys are errors (typos never pass silently),
    and so are infinite or NaN numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              allow_inf_nan=False)
