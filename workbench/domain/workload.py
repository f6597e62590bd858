"""Workload: task types (the lines of an audit) and workflows of steps, with volumes."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from workbench.domain.base import Frozen
from workbench.domain.requirements import Requirements

Z95 = 1.6448536269514722
MAX_SPREAD = 1000.0  # p95 / median above this is a typo, not a distribution
Tier = Literal["premium", "standard", "basic"]


class TokenSize(Frozen):
    """Tokens per call: ``fixed``, lognormal from ``median`` and ``p95``, or an empirical
    ``sample`` drawn with replacement. A bare number in YAML means fixed."""

    fixed: NonNegativeFloat | None = None
    median: PositiveFloat | None = None
    p95: PositiveFloat | None = None
    sample: list[NonNegativeFloat] | None = Field(None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data):
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"fixed": data}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> TokenSize:
        forms = [self.fixed is not None, self.median is not None or self.p95 is not None,
                 self.sample is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of fixed, median+p95 (lognormal), sample")
        if forms[1]:
            if self.median is None or self.p95 is None:
                raise ValueError("a lognormal size needs both median and p95")
            if self.p95 < self.median:
                raise ValueError("p95 must be >= median")
            if self.p95 > MAX_SPREAD * self.median:
                raise ValueError(f"p95 must be at most {MAX_SPREAD:g} x median")
        return self

    @property
    def sigma(self) -> float:
        """Log-space standard deviation of the lognormal form."""
        return math.log(self.p95 / self.median) / Z95  # type: ignore[operator]

    @property
    def mean(self) -> float:
        """Expected tokens per call."""
        if self.fixed is not None:
            return float(self.fixed)
        if self.sample is not None:
            return sum(self.sample) / len(self.sample)
        return float(self.median) * math.exp(self.sigma ** 2 / 2.0)  # type: ignore[arg-type]

    def _by_rank(self, q: float, lognormal: float | None) -> float:
        """The q-quantile: fixed, a sample's value at rank floor(q n), or the lognormal's."""
        if self.fixed is not None:
            return float(self.fixed)
        if self.sample is not None:
            ordered = sorted(self.sample)
            return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])
        return float(lognormal)  # type: ignore[arg-type]

    @property
    def p95_tokens(self) -> float:
        """95th percentile tokens per call (a sample's by rank)."""
        return self._by_rank(0.95, self.p95)

    @property
    def typical(self) -> float:
        """Median tokens per call (used for latency)."""
        return self._by_rank(0.5, self.median)


Attribute = str | float | bool


class TaskType(Frozen):
    """One line of a workflow audit. Volume is ``per_day`` or a ``share`` of
    ``workload.total_per_day``; task types used only as workflow steps may omit both."""

    name: str = Field(min_length=1)
    category: str | None = None
    per_day: PositiveFloat | None = None
    share: float | None = Field(None, gt=0.0, le=1.0)
    input_tokens: TokenSize = TokenSize(fixed=500)
    output_tokens: TokenSize = TokenSize(fixed=250)
    cached_input_share: float = Field(0.0, ge=0.0, le=1.0)
    tier: Tier = "standard"
    latency_class: str = "realtime"
    client_facing: bool = False
    critical: bool | None = None
    data_sensitive: bool = False
    language: str = "en"
    team: str = "default"
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    requirements: Requirements = Requirements()

    @model_validator(mode="after")
    def _one_volume(self) -> TaskType:
        if self.per_day is not None and self.share is not None:
            raise ValueError("give per_day or share, not both")
        return self

    @property
    def category_name(self) -> str:
        """Category (defaults to the task type's name)."""
        return self.category or self.name

    @property
    def is_critical(self) -> bool:
        """Critical tasks are never blocked by budget rules (default: client-facing ones)."""
        return self.client_facing if self.critical is None else self.critical

    def attribute(self, key: str) -> Attribute | None:
        """Value of a built-in field or a custom attribute, for routing conditions."""
        if key in BUILTIN_ATTRIBUTES:
            return self.category_name if key == "category" else getattr(self, key)
        if key == "task_type":
            return self.name
        return self.attributes.get(key)


BUILTIN_ATTRIBUTES = ("category", "tier", "latency_class", "client_facing", "data_sensitive",
                      "language", "team", "critical")


class WorkflowStep(Frozen):
    """One step: a task type, run after the steps it names in ``after``."""

    name: str = Field(min_length=1)
    task_type: str
    after: list[str] = Field(default_factory=list)


class Workflow(Frozen):
    """A DAG of steps run ``per_day`` times a day. A step whose upstream output fell below its
    bar loses ``cascade_penalty`` of quality score (cascading errors)."""

    name: str = Field(min_length=1)
    per_day: PositiveFloat
    steps: list[WorkflowStep] = Field(min_length=1)
    cascade_penalty: float = Field(0.0, ge=0.0, le=1.0)

    def order(self) -> list[WorkflowStep]:
        """Steps in a topological order (validated acyclic at load)."""
        done: set[str] = set()
        ordered: list[WorkflowStep] = []
        pending = list(self.steps)
        while pending:
            ready = [s for s in pending if set(s.after) <= done]
            if not ready:
                raise ValueError("cycle")
            for step in ready:
                ordered.append(step)
                done.add(step.name)
                pending.remove(step)
        return ordered


class Workload(Frozen):
    """The mix: task types and workflows, daily volume, growth and arrival profiles."""

    total_per_day: PositiveFloat | None = None
    growth_monthly: float = Field(0.0, ge=-0.99)
    hour_profile: list[NonNegativeFloat] | None = Field(None, min_length=24, max_length=24)
    weekday_profile: list[NonNegativeFloat] | None = Field(None, min_length=7, max_length=7)
    task_types: list[TaskType] = Field(min_length=1)
    workflows: list[Workflow] = Field(default_factory=list)

    def standalone_per_day(self, task: TaskType) -> float:
        """Standalone tasks of this type per day (excluding workflow steps)."""
        if task.per_day is not None:
            return float(task.per_day)
        if task.share is not None and self.total_per_day is not None:
            return float(task.share) * float(self.total_per_day)
        return 0.0

    def task_type(self, name: str) -> TaskType:
        """Task type by name."""
        for task in self.task_types:
            if task.name == name:
                return task
        raise KeyError(name)
