"""Requirements and capabilities: what a task type needs and what a model offers.

A task type's ``requirements`` (all optional):
    required_pass_rate   share of its outputs that must clear the tier's score bar (kept apart
                         from the bar itself: the bar says what a good output is, this says how
                         many must be good)
    deadline_s           p95 latency it tolerates (default: its latency class's deadline)
    context_tokens       prompt + output tokens it must fit (default: p95 input + p95 output)
    data_class           public / internal / confidential / regulated; the scenario's
                         ``data_classes`` say which regions and deployments each class allows
    regions, deployments allowed regions (e.g. eu, us) and deployment kinds (api, self_hosted)
    modalities           what the input holds besides text (image, audio, ...)
    structured_output, tools
A model's ``capabilities``: ``regions`` it is served from, ``modalities``, ``languages`` (None:
not stated), ``structured_output`` and ``tools`` (None: not stated). Hard requirements
(context, data class, regions, deployments, language, modalities, structured output, tools)
decide eligibility: a policy that can send a task to a model violating one is invalid. An
unstated capability never satisfies a requirement that needs it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt

from workbench.domain.base import Frozen

DataClass = Literal["public", "internal", "confidential", "regulated"]
Deployment = Literal["api", "self_hosted"]


class DataClassRule(Frozen):
    """Where data of one class may go (None: anywhere)."""

    regions: list[str] | None = None
    deployments: list[Deployment] | None = None


DEFAULT_DATA_CLASSES: dict[str, DataClassRule] = {
    "public": DataClassRule(), "internal": DataClassRule(),
    "confidential": DataClassRule(), "regulated": DataClassRule(deployments=["self_hosted"]),
}


class Requirements(Frozen):
    """What one task type needs (see the module docstring)."""

    required_pass_rate: float | None = Field(None, ge=0.0, le=1.0)
    deadline_s: PositiveFloat | None = None
    context_tokens: PositiveInt | None = None
    data_class: DataClass = "internal"
    regions: list[str] | None = None
    deployments: list[Deployment] | None = None
    modalities: list[str] = Field(default_factory=list)
    structured_output: bool = False
    tools: bool = False


class Capabilities(Frozen):
    """What one model offers (None: not stated)."""

    regions: list[str] | None = None
    modalities: list[str] = Field(default_factory=lambda: ["text"])
    languages: list[str] | None = None
    structured_output: bool | None = None
    tools: bool | None = None
