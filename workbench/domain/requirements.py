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

from typing import TYPE_CHECKING, Literal

from pydantic import Field, PositiveFloat, PositiveInt

from workbench.domain.base import Frozen

if TYPE_CHECKING:
    from workbench.domain.model import Model
    from workbench.domain.workload import TaskType

DataClass = Literal["public", "internal", "confidential", "regulated"]
Requirement = Literal["context", "deployment", "region", "language", "modality",
                      "structured output", "tools"]
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


def context_need(task: TaskType) -> float:
    """Tokens a call of ``task`` must fit: stated, else p95 input + p95 output."""
    need = task.requirements.context_tokens
    return float(need) if need is not None else (task.input_tokens.p95_tokens
                                                 + task.output_tokens.p95_tokens)


def _allowed(task: TaskType, rules: dict[str, DataClassRule]) -> tuple[list[str] | None,
                                                                       list[str] | None]:
    """Regions and deployments the task's data may go to (None: any): its data class's rule,
    narrowed by the task's own lists and by ``data_sensitive`` (self-hosted only)."""
    req = task.requirements
    rule = rules.get(req.data_class, DataClassRule())
    regions = _narrow(rule.regions, req.regions)
    deployments = _narrow(rule.deployments, req.deployments)
    if task.data_sensitive:
        deployments = _narrow(deployments, ["self_hosted"])
    return regions, deployments


def _narrow(first: list[str] | None, second: list[str] | None) -> list[str] | None:
    if first is None:
        return None if second is None else list(second)
    return list(first) if second is None else [x for x in first if x in second]


def hard_violations(model: Model, task: TaskType,
                    rules: dict[str, DataClassRule] | None = None) -> list[str]:
    """The hard requirements of ``task`` that ``model`` violates, each as one phrase starting
    with the requirement's name (``Requirement``); empty when the model may serve the task.
    ``rules`` are the scenario's data-class rules."""
    req, caps = task.requirements, model.capabilities
    out = []
    window, need = model.window_tokens(), context_need(task)
    if window is not None and need > window:
        out.append(f"context: needs {need:,.0f} tokens, window {window:,}")
    regions, deployments = _allowed(task, rules or DEFAULT_DATA_CLASSES)
    if deployments is not None and model.deployment.kind not in deployments:
        sensitive = "data-sensitive, " if task.data_sensitive else ""
        kind = "an API" if model.deployment.kind == "api" else "a self-hosted"
        out.append(f"deployment: {req.data_class} data ({sensitive}allowed "
                   f"{', '.join(deployments) or 'none'}) may not go to {kind} model")
    if regions is not None:
        if caps.regions is None:
            out.append(f"region: needs {', '.join(regions) or 'none'}; the model's regions are "
                       "not stated (capabilities.regions)")
        elif not set(caps.regions) <= set(regions):
            out.append(f"region: allowed {', '.join(regions) or 'none'}, the model serves from "
                       f"{', '.join(caps.regions)}")
    if caps.languages is not None and task.language not in caps.languages:
        out.append(f"language: {task.language} not among {', '.join(caps.languages)}")
    missing = [m for m in req.modalities if m not in caps.modalities]
    if missing:
        out.append(f"modality: needs {', '.join(missing)}")
    for need_it, has_it, name in ((req.structured_output, caps.structured_output,
                                   "structured output"), (req.tools, caps.tools, "tools")):
        if need_it and has_it is not True:
            out.append(f"{name}: needed, {'not stated' if has_it is None else 'not offered'}")
    return out
