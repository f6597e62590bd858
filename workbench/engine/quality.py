"""Quality of outputs: the score of a task's output on a model.

Parametric: Normal(mean, sd) clipped to [0, 1] from the model's profile for the task's
category, drawn independently per attempt. Empirical (the scenario's ``quality_source``): each
task carries one prompt drawn from an evaluation table, and a model scores what it scored on
that prompt - so retries and escalations of a hard prompt stay hard. A task passes when its
score, minus any cascade penalty, clears the bar of its tier."""

from __future__ import annotations

import numpy as np

from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType


class QualityModel:
    """Scores per attempt; ``prompts`` holds each task's prompt when a table is the source."""

    def __init__(self, scenario: Scenario, prompts: np.ndarray | None = None) -> None:
        self.scenario = scenario
        self.spec = scenario.quality_source
        self.source = None
        if self.spec is not None:
            from workbench.replay.source import scenario_source

            self.source = scenario_source(scenario)
        self.prompts = prompts

    def empirical(self, model: str, task: TaskType) -> bool:
        """True when the evaluation table decides this model's quality on this task type."""
        return self.spec is not None and self.prompts is not None and \
            self.spec.applies(task.name, model)

    def draw(self, model: str, task: TaskType, idx: np.ndarray, rng: np.random.Generator,
             penalty: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(scores, passed) of outputs of ``model`` for the tasks ``idx`` of type ``task``."""
        if self.empirical(model, task):
            raw = self.source.scores(model, self.prompts[idx])  # type: ignore[union-attr]
        else:
            profile = self.scenario.model(model).quality.for_category(task.category_name)
            n = int(np.size(idx))
            raw = np.full(n, profile.mean) if profile.sd == 0.0 else \
                profile.mean + profile.sd * rng.standard_normal(n)
        scores = np.clip(raw - penalty, 0.0, 1.0)
        return scores, scores >= self.scenario.bar(task)

    def score_one(self, model: str, task: TaskType, i: int, normal: float) -> float:
        """Unclipped score of one output (``normal`` is a N(0, 1) draw, unused for tables)."""
        if self.empirical(model, task):
            return float(self.source.scores(model, self.prompts[i:i + 1])[0])  # type: ignore
        profile = self.scenario.model(model).quality.for_category(task.category_name)
        return profile.mean + profile.sd * normal

    @staticmethod
    def draw_given(p: float, n: int, rng: np.random.Generator,
                   penalty: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(no scores, passed) with a stated pass probability, scaled by (1 - penalty)."""
        passed = rng.random(n) < p * (1.0 - np.asarray(penalty))
        return np.full(n, np.nan), passed
