"""Eligibility: whether a model may serve a task type at all, and why not - its context
window against the task's p95 prompt + output tokens, data-sensitive tasks only on
self-hosted models; a language other than English is noted (no per-model language data)."""

from __future__ import annotations

from workbench.domain.model import Model
from workbench.domain.workload import TaskType, TokenSize


def _p95_tokens(size: TokenSize) -> float:
    if size.fixed is not None:
        return float(size.fixed)
    if size.sample is not None:
        ordered = sorted(size.sample)
        return float(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))])
    return float(size.p95)  # type: ignore[arg-type]


def eligibility(model: Model, task: TaskType) -> tuple[bool, str]:
    """Whether ``model`` may serve ``task``, and why (context window, data sensitivity,
    language)."""
    need = _p95_tokens(task.input_tokens) + _p95_tokens(task.output_tokens)
    window = model.window_tokens()
    if window is not None and need > window:
        return False, f"context window {window:,} < {need:,.0f} tokens (p95 in + out)"
    if task.data_sensitive and model.deployment.kind != "self_hosted":
        return False, "data-sensitive task needs a self-hosted model"
    notes = ["window unknown" if window is None else f"fits {window:,}-token window"]
    if task.language != "en":
        notes.append(f"language {task.language}: no per-model language data, assumed served")
    return True, "; ".join(notes)
