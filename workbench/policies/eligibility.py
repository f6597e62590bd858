"""Eligibility: whether a model may serve a task type at all, and why - the task's hard
requirements (`workbench.domain.requirements.hard_violations`: context window, data class,
regions, deployments, language, modalities, structured output, tools) against the model's
capabilities, with notes where a capability is unknown and assumed."""

from __future__ import annotations

from workbench.domain.model import Model
from workbench.domain.requirements import DataClassRule, context_need, hard_violations
from workbench.domain.workload import TaskType


def eligibility(model: Model, task: TaskType,
                data_classes: dict[str, DataClassRule] | None = None) -> tuple[bool, str]:
    """Whether ``model`` may serve ``task``, and why (every violation, or what was checked)."""
    broken = hard_violations(model, task, data_classes)
    if broken:
        return False, "; ".join(broken)
    window = model.window_tokens()
    notes = ["window unknown" if window is None
             else f"fits {window:,}-token window ({context_need(task):,.0f} needed)"]
    if task.language != "en" and model.capabilities.languages is None:
        notes.append(f"language {task.language}: the model's languages are not stated, assumed "
                     "served")
    return True, "; ".join(notes)
