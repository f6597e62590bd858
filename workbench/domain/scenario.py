"""Scenario: one YAML file holding workload, models, providers, candidate policies, finance,
horizon and seed. Parsed once into frozen, validated data (see `load_scenario`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PrivateAttr,
    field_validator,
)

from workbench.domain.base import Frozen
from workbench.domain.finance import Finance
from workbench.domain.model import Model
from workbench.domain.policy import Policy
from workbench.domain.provider import Provider
from workbench.domain.requirements import DEFAULT_DATA_CLASSES, DataClass, DataClassRule
from workbench.domain.workload import TaskType, Workload


class LatencyClass(Frozen):
    """A task must complete within ``deadline_s`` to count as available. Batch classes may
    wait for a daily window starting at ``window_start_h`` lasting ``window_hours``."""

    deadline_s: PositiveFloat
    window_start_h: float | None = Field(None, ge=0.0, lt=24.0)
    window_hours: PositiveFloat = 24.0


class Claim(Frozen):
    """A figure an article claims: ``metric`` of ``policy`` equals ``value`` (within
    ``tolerance``) or lies within [``low``, ``high``]. Judged by the fidelity that models it
    (workbench.domain.claims): the estimate, or a simulation with its 95% interval."""

    text: str
    source: str = ""
    policy: str
    metric: str
    value: float | None = None
    tolerance: NonNegativeFloat = 0.005
    low: float | None = None
    high: float | None = None

    def holds(self, computed: float | None) -> bool | None:
        """Whether ``computed`` bears the claim out (None when nothing was computed)."""
        if computed is None:
            return None
        if self.value is not None and abs(computed - self.value) > self.tolerance:
            return False
        if self.low is not None and computed < self.low:
            return False
        return not (self.high is not None and computed > self.high)


class QualitySource(Frozen):
    """A per-prompt evaluation table as the quality source: each task draws one prompt, and a
    model's output on it scores what the model scored on that prompt in the table (hard prompts
    are hard for every model). ``models`` maps scenario models to table columns; only the task
    types listed in ``task_types`` use it (all when empty)."""

    table: str
    format: Literal["routellm", "routerbench", "alpacaeval"]
    benchmark: str | None = None
    models: dict[str, str] = Field(min_length=1)
    task_types: list[str] = Field(default_factory=list)

    def applies(self, task_type: str, model: str) -> bool:
        """True when the table decides the quality of ``model`` on ``task_type``."""
        return model in self.models and (not self.task_types or task_type in self.task_types)


class Horizon(Frozen):
    """Simulated span in days (at most ten years); cost is reported per month of
    ``days_per_month`` days (1 to 31)."""

    days: PositiveFloat = Field(30.0, le=3660.0)
    days_per_month: float = Field(30.0, ge=1.0, le=31.0)
    start_weekday: NonNegativeInt = Field(0, le=6)


DEFAULT_BARS = {"premium": 0.95, "standard": 0.90, "basic": 0.80}
DEFAULT_CLASSES = {"realtime": LatencyClass(deadline_s=30.0),
                   "batch": LatencyClass(deadline_s=86_400.0)}


class Scenario(Frozen):
    """Everything one comparison needs. ``baseline`` names the policy savings are measured
    against."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: NonNegativeInt = 0
    horizon: Horizon = Horizon()
    baseline: str
    quality_bars: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_BARS))
    latency_classes: dict[str, LatencyClass] = Field(default_factory=lambda: dict(DEFAULT_CLASSES))
    data_classes: dict[DataClass, DataClassRule] = Field(
        default_factory=lambda: dict(DEFAULT_DATA_CLASSES))
    providers: list[Provider] = Field(min_length=1)
    models: list[Model] = Field(min_length=1)
    workload: Workload
    policies: list[Policy] = Field(min_length=1)
    finance: Finance = Finance()
    quality_source: QualitySource | None = None
    claims: list[Claim] = Field(default_factory=list)
    overlays: list[str] = Field(default_factory=list)
    _indexes: dict = PrivateAttr(default_factory=dict)
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("quality_bars")
    @classmethod
    def _bars(cls, bars: dict[str, float]) -> dict[str, float]:
        merged = {**DEFAULT_BARS, **bars}
        for tier, bar in merged.items():
            if tier not in DEFAULT_BARS:
                raise ValueError(f"unknown tier {tier!r}; tiers are premium, standard, basic")
            if not 0.0 <= bar <= 1.0:
                raise ValueError(f"bar of {tier} must be within [0, 1]")
        return merged

    @field_validator("data_classes")
    @classmethod
    def _data_classes(cls, rules: dict[str, DataClassRule]) -> dict[str, DataClassRule]:
        return {**DEFAULT_DATA_CLASSES, **rules}

    @field_validator("latency_classes")
    @classmethod
    def _classes(cls, classes: dict[str, LatencyClass]) -> dict[str, LatencyClass]:
        return {**DEFAULT_CLASSES, **classes}

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from (relative paths inside resolve against it)."""
        return self._source

    def resolve_path(self, rel: str) -> Path:
        """A path named in the scenario, relative to the scenario file's folder."""
        base = self._source.parent if self._source is not None else Path(".")
        return base / rel

    def model(self, name: str) -> Model:
        """Model by name."""
        return self._index("models")[name]

    def provider(self, name: str) -> Provider:
        """Provider by name."""
        return self._index("providers")[name]

    def policy(self, name: str) -> Policy:
        """Policy by name."""
        return self._index("policies")[name]

    def provider_of(self, model: str) -> Provider:
        """The provider serving ``model``."""
        return self.provider(self.model(model).provider)

    def bar(self, task: TaskType) -> float:
        """Quality bar of a task's tier."""
        return self.quality_bars[task.tier]

    @property
    def policy_names(self) -> list[str]:
        """Policy names in file order."""
        return [p.name for p in self.policies]

    @property
    def days_per_month(self) -> float:
        """Days in a billing month."""
        return float(self.horizon.days_per_month)

    def _index(self, field: str) -> dict:
        cache = self._indexes
        if field not in cache:
            cache[field] = {item.name: item for item in getattr(self, field)}
        return cache[field]
