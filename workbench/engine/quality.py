"""Quality sources: the score of a task's output on a model. Parametric: Normal(mean, sd)
clipped to [0, 1] from the model's profile for the task's category; a task passes when its score
clears the bar of its tier (minus a cascade penalty when an upstream step fell below its bar)."""

from __future__ import annotations

import numpy as np

from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType


class ParametricQuality:
    """Scores drawn independently per attempt from per-(model, category) profiles."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def draw(self, model: str, task: TaskType, n: int, rng: np.random.Generator,
             penalty: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(scores, passed) of ``n`` outputs of ``model`` on tasks of type ``task``."""
        profile = self.scenario.model(model).quality.for_category(task.category_name)
        if profile.sd == 0.0:
            raw = np.full(n, profile.mean)
        else:
            raw = profile.mean + profile.sd * rng.standard_normal(n)
        scores = np.clip(raw - penalty, 0.0, 1.0)
        return scores, scores >= self.scenario.bar(task)

    @staticmethod
    def draw_given(p: float, n: int, rng: np.random.Generator,
                   penalty: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(no scores, passed) with a stated pass probability, scaled by (1 - penalty)."""
        passed = rng.random(n) < p * (1.0 - np.asarray(penalty))
        return np.full(n, np.nan), passed
