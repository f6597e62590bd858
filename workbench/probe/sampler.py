"""The jobs of a probe run: tasks sampled from the scenario's workload (deterministic from the
seed), each sent to every probed model (or to both arms of an A/B).

A job's ``task_id`` is ``sample * len(arms) + arm index``: stable across resumes as long as
the config is unchanged (the run store checks a fingerprint). Prompt tokens are estimated
before sending at 4 characters per token (``estimate_tokens``)."""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass

import numpy as np

from workbench.domain.scenario import Scenario
from workbench.domain.workload import TaskType
from workbench.policies.sampling import sample_tokens
from workbench.probe.checks import Check
from workbench.probe.config import ProbeSetup
from workbench.probe.prompts import render

CHARS_PER_TOKEN = 4.0
_WORDS = (
    "order", "account", "refund", "invoice", "delivery", "password", "login", "update",
    "customer", "ticket", "billing", "plan", "upgrade", "cancel", "shipment", "address",
    "payment", "card", "error", "message", "support", "request", "status", "issue", "reset",
    "device", "network", "report", "export", "settings", "profile", "subscription",
    "warranty", "return", "policy", "question", "answer", "detail", "summary",
)


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` estimated at 4 characters per token (rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class SampledTask:
    """The ``number``-th sampled task of a task type; ``input_tokens`` drawn from its
    TokenSize."""

    sample: int
    task: TaskType
    number: int
    input_tokens: int


@dataclass(frozen=True)
class Job:
    """One sampled task sent to one model under one label (``probe``, ``A`` or ``B``)."""

    task_id: int
    sample: int
    arm: str
    model: str
    task: TaskType
    prompt: str
    check: Check | None

    @property
    def prompt_tokens(self) -> int:
        """Estimated prompt tokens."""
        return estimate_tokens(self.prompt)


def sample_tasks(scenario: Scenario, per_task_type: int, seed: int,
                 task_types: list[str] | None = None) -> list[SampledTask]:
    """``per_task_type`` tasks of each task type, input sizes drawn from the scenario."""
    rng = np.random.default_rng(seed)
    out: list[SampledTask] = []
    for task in scenario.workload.task_types:
        if task_types is not None and task.name not in task_types:
            continue
        sizes = sample_tokens(task.input_tokens, rng, per_task_type)
        out += [SampledTask(len(out) + i, task, i, int(max(sizes[i], 1)))
                for i in range(per_task_type)]
    return out


def filler(n_chars: int, seed: int) -> str:
    """Deterministic filler text of about ``n_chars`` characters."""
    if n_chars <= 0:
        return ""
    words = random.Random(seed).choices(_WORDS, k=n_chars // 6 + 1)
    return " ".join(words)[:n_chars]


def build_jobs(setup: ProbeSetup, arms: list[tuple[str, str]]) -> list[Job]:
    """Every (sampled task, arm) pair; ``arms`` is a list of (label, scenario model id)."""
    sample = setup.config.sample
    jobs: list[Job] = []
    for s in sample_tasks(setup.scenario, sample.per_task_type, sample.seed, sample.task_types):
        spec = setup.prompts.spec(s.task.name)
        case = spec.case(s.number)
        for k, (label, model) in enumerate(arms):
            values = {"task_id": s.sample, "index": s.number, "task_type": s.task.name,
                      **case.vars, "context": ""}
            template = spec.template(model)
            bare = render(template, values)
            room = int(s.input_tokens * CHARS_PER_TOKEN) - len(bare)
            values["context"] = filler(room, sample.seed * 1_000_003 + s.sample)
            jobs.append(Job(s.sample * len(arms) + k, s.sample, label, model, s.task,
                            render(template, values), spec.check_for(s.number)))
    return jobs


def fingerprint(jobs: list[Job], extra: dict) -> str:
    """Hash of what a run sends and measures: jobs (id, arm, model, prompt, reference check)
    and the settings in ``extra``."""
    h = hashlib.sha256(json.dumps(extra, sort_keys=True).encode())
    for job in jobs:
        check = job.check.model_dump_json() if job.check is not None else ""
        h.update(f"{job.task_id}\0{job.arm}\0{job.model}\0{job.prompt}\0{check}\0".encode())
    return h.hexdigest()[:16]
