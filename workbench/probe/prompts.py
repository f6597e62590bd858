"""Prompt templates per task type, with optional per-model variants and reference checks.

    task_types:
      simple:
        prompt: "Customer ticket #$task_id: $question\\n$context\\nReply in one sentence."
        variants: {claude-3.5-haiku: "..."}       # per scenario model id
        check: {kind: regex, pattern: "refund"}   # default check of the task type
        cases:                                    # task i uses cases[i % len(cases)]
          - {vars: {question: "How do I get a refund?"}}
          - {vars: {question: "What is 12*7?"}, check: {kind: numeric, value: 84}}

Templates use ``$name`` placeholders (``string.Template``; braces stay literal, so JSON in a
prompt needs no escaping): ``$task_id``, ``$index``, ``$task_type``, ``$context`` (filler text
sized to the task's sampled input tokens at 4 characters per token) and a case's ``vars``.
A task type without a prompt gets ``DEFAULT_TEMPLATE``.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from pydantic import Field, PrivateAttr, field_validator

from workbench.domain.base import Frozen
from workbench.domain.errors import ScenarioError
from workbench.domain.loader import read_yaml_mapping, validate_as
from workbench.probe.checks import Check

DEFAULT_TEMPLATE = ("Request $task_id ($task_type). Read the context and reply in two "
                    "sentences.\n$context")
BUILTIN_VARS = frozenset({"task_id", "index", "task_type", "context"})


def _template(text: str) -> str:
    template = Template(text)
    if not template.is_valid():
        raise ValueError("invalid $placeholder (write $$ for a literal dollar sign)")
    return text


class Case(Frozen):
    """Values for a template's placeholders, and the check of this case (else the task
    type's)."""

    vars: dict[str, str | int | float] = Field(default_factory=dict)
    check: Check | None = None


class PromptSpec(Frozen):
    """Prompt of one task type."""

    prompt: str = DEFAULT_TEMPLATE
    variants: dict[str, str] = Field(default_factory=dict)
    check: Check | None = None
    cases: list[Case] = Field(default_factory=list)

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, text: str) -> str:
        return _template(text)

    @field_validator("variants")
    @classmethod
    def _variants(cls, variants: dict[str, str]) -> dict[str, str]:
        return {model: _template(text) for model, text in variants.items()}

    def template(self, model: str) -> str:
        """The template used for scenario model ``model``."""
        return self.variants.get(model, self.prompt)

    def case(self, index: int) -> Case:
        """The case of the ``index``-th sampled task (an empty case when none are given)."""
        return self.cases[index % len(self.cases)] if self.cases else Case()

    def check_for(self, index: int) -> Check | None:
        """The reference check of the ``index``-th sampled task, if any."""
        case = self.case(index)
        return case.check if case.check is not None else self.check


class PromptSet(Frozen):
    """Prompts of every task type (task types not listed get the default prompt)."""

    task_types: dict[str, PromptSpec] = Field(default_factory=dict)
    _file: str | None = PrivateAttr(default=None)

    def spec(self, task_type: str) -> PromptSpec:
        """Prompt of ``task_type``."""
        return self.task_types.get(task_type, PromptSpec())

    def check(self, task_names: list[str], model_names: set[str]) -> None:
        """Every task type and model named exists; every placeholder has a value."""
        for name, spec in self.task_types.items():
            where = f"task_types.{name}"
            if name not in task_names:
                raise ScenarioError(f"not a task type of the scenario ({', '.join(task_names)})",
                                    file=self._file, path=where, value=name)
            for model in spec.variants:
                if model not in model_names:
                    raise ScenarioError("not a model of the scenario", file=self._file,
                                        path=f"{where}.variants", value=model)
            for i, case in enumerate(spec.cases or [Case()]):
                known = BUILTIN_VARS | set(case.vars)
                for text in [spec.prompt, *spec.variants.values()]:
                    missing = set(Template(text).get_identifiers()) - known
                    if missing:
                        raise ScenarioError("placeholder without a value (give it in "
                                            "cases[].vars)", file=self._file,
                                            path=f"{where}.cases[{i}]",
                                            value=min(missing))


def load_prompts(path: str | Path) -> PromptSet:
    """Read a prompts YAML file."""
    prompts = validate_as(PromptSet, read_yaml_mapping(path), str(path))
    prompts._file = str(path)
    return prompts


def render(template: str, values: dict[str, str | int | float]) -> str:
    """Fill a template's placeholders."""
    return Template(template).substitute({k: str(v) for k, v in values.items()})
