"""The probe config: which scenario, which endpoints serve which of its models, how many tasks
to sample, prompts, token limit, spend cap, retries and timeouts.

    scenario: support_desk.yaml          # relative to this file
    endpoints:
      - name: local
        api: openai                      # openai (any OpenAI-compatible) | anthropic
                                         # | azure-openai (models: id -> deployment name)
        base_url: http://127.0.0.1:8000/v1
        api_key_env: LOCAL_KEY           # the variable's NAME; the key is read at request time
        models: {gpt-4o-mini: served-model-name}   # scenario model id -> served name
        max_concurrency: 8               # halves after a 429, grows back per ok
        rpm: 500                         # optional: requests / tokens per minute
        tpm: 200000
        headers: {X-Title: pilot}        # optional extra request headers (not secret)
        header_env: {X-Gateway-Key: GW_KEY}   # optional: header -> variable holding a secret
    sample: {per_task_type: 5, seed: 1}
    prompts: prompts_support.yaml
    max_tokens: 256
    spend_cap_usd: 1.00
    stream: true

Only the environment variable's name is stored, so no config object can show a key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
)

from workbench.domain.base import Frozen
from workbench.domain.errors import ProbeError, ScenarioError
from workbench.domain.loader import load_scenario, read_yaml_mapping, validate_as
from workbench.domain.scenario import Scenario

if TYPE_CHECKING:
    from workbench.probe.prompts import PromptSet


class Timeouts(Frozen):
    """Seconds to connect, to wait between two reads, and for a whole attempt."""

    connect_s: PositiveFloat = 5.0
    read_s: PositiveFloat = 60.0
    total_s: PositiveFloat = 120.0


class Retry(Frozen):
    """Up to ``max_attempts`` attempts per task; the wait before attempt k+1 is
    ``backoff_s * 2**(k-1)`` with jitter, capped at ``max_backoff_s``, and never shorter than
    the server's Retry-After (itself capped at ``max_retry_after_s``)."""

    max_attempts: PositiveInt = 3
    backoff_s: NonNegativeFloat = 0.5
    max_backoff_s: NonNegativeFloat = 20.0
    max_retry_after_s: NonNegativeFloat = 60.0


class Endpoint(Frozen):
    """One API endpoint. ``models`` maps scenario model ids to the names the endpoint serves."""

    name: str = Field(min_length=1)
    api: Literal["openai", "anthropic", "azure-openai"] = "openai"
    base_url: str = Field(min_length=1)
    api_key_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    models: dict[str, str] = Field(min_length=1)
    max_concurrency: PositiveInt = 8
    rpm: PositiveInt | None = None  # requests per minute (client-side pacing)
    tpm: PositiveInt | None = None  # tokens per minute: worst-case prompt + max_tokens
    timeout: Timeouts = Timeouts()
    anthropic_version: str = "2023-06-01"
    api_version: str = Field("2024-10-21", pattern=r"^[0-9A-Za-z.-]+$")  # azure-openai
    headers: dict[str, str] = Field(default_factory=dict)
    header_env: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers", "header_env")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"not a header a probe may set: {name!r}")
            if not (text.isascii() and text.isprintable()) or text != text.strip():
                raise ValueError(f"header {name!r}: the value must be printable ASCII")
        return value

    @field_validator("header_env")
    @classmethod
    def _check_header_env(cls, value: dict[str, str]) -> dict[str, str]:
        for name, variable in value.items():
            if not _VARIABLE.fullmatch(variable):
                raise ValueError(f"header {name!r}: not an environment variable name: "
                                 f"{variable!r}")
        return value

    def extra_headers(self) -> dict[str, str]:
        """``headers`` plus the ``header_env`` values read from the environment now."""
        out = dict(self.headers)
        for name, variable in self.header_env.items():
            value = os.environ.get(variable)
            if not value:
                raise ProbeError(f"endpoint {self.name!r}: environment variable {variable} "
                                 f"(header_env.{name}) is not set")
            if not (value.isascii() and value.isprintable()) or value != value.strip():
                raise ProbeError(f"endpoint {self.name!r}: environment variable {variable} "
                                 f"(header_env.{name}) holds whitespace, a control or a "
                                 "non-ASCII character; check its value")
            out[name] = value
        return out

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        check_base_url(value)
        return value

    def api_key(self) -> str | None:
        """The key, read from ``api_key_env`` now (None when the endpoint needs no key)."""
        if self.api_key_env is None:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ProbeError(f"endpoint {self.name!r}: environment variable "
                             f"{self.api_key_env} is not set (api_key_env)")
        if value != value.strip() or any(c in value for c in "\r\n\t "):
            raise ProbeError(f"endpoint {self.name!r}: environment variable "
                             f"{self.api_key_env} holds whitespace; check its value")
        if not value.isascii() or not value.isprintable():
            raise ProbeError(f"endpoint {self.name!r}: environment variable "
                             f"{self.api_key_env} holds a non-ASCII or control character "
                             "(an HTTP header cannot carry it); check its value")
        return value

    def served(self, model: str) -> str:
        """The served name of scenario model ``model``."""
        return self.models[model]


_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "authorization",
                               "x-api-key", "api-key", "transfer-encoding", "connection"})


def check_base_url(url: str) -> None:
    """Raise ValueError unless ``url`` is ``http(s)://HOST[:PORT][/path]`` with a host
    without spaces and a port in 1-65535 (what a request can actually be sent to)."""
    if any(c.isspace() for c in url):
        raise ValueError("a URL holds no spaces")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("expected an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number in 1-65535") from None
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("the port must be a number in 1-65535")
    if parts.query or parts.fragment:
        raise ValueError("a base URL has no query or fragment")


class Sample(Frozen):
    """``per_task_type`` tasks of each task type (or of ``task_types`` only), drawn from
    ``seed``."""

    per_task_type: PositiveInt = 5
    seed: NonNegativeInt = 0
    task_types: list[str] | None = None


class Judge(Frozen):
    """An LLM judge for blind A/B: ``model`` is a scenario model id (or its served name) on
    ``endpoint``. ``prompt`` may use {task}, {first} and {second}; the judge answers 1 or 2.
    ``both_orders`` asks it twice per pair, once in each order (cancels position bias;
    doubles the judge's cost)."""

    endpoint: str
    model: str
    prompt: str | None = None
    max_tokens: PositiveInt = 8
    both_orders: bool = False


class ProbeConfig(Frozen):
    """A validated probe config (paths relative to the config file's folder)."""

    scenario: str
    endpoints: list[Endpoint] = Field(min_length=1)
    sample: Sample = Sample()
    prompts: str | None = None
    max_tokens: PositiveInt = 256
    temperature: float | None = Field(0.0, ge=0.0, le=2.0)
    spend_cap_usd: PositiveFloat
    stream: bool = True
    retry: Retry = Retry()
    judge: Judge | None = None

    def endpoint(self, name: str) -> Endpoint:
        """Endpoint by name."""
        return next(e for e in self.endpoints if e.name == name)

    def endpoint_of(self, model: str) -> Endpoint:
        """The primary endpoint of scenario model ``model``: the first serving it."""
        return next(e for e in self.endpoints if model in e.models)

    def endpoints_of(self, model: str) -> list[Endpoint]:
        """Every endpoint serving ``model``, primary first: an attempt that could not connect
        (``unreachable``) is retried on the next one."""
        return [e for e in self.endpoints if model in e.models]

    @property
    def models(self) -> list[str]:
        """Scenario model ids probed, in config order (each once)."""
        return list(dict.fromkeys(m for e in self.endpoints for m in e.models))


@dataclass(frozen=True)
class ProbeSetup:
    """A config with its scenario and prompts loaded, checked against each other."""

    config: ProbeConfig
    scenario: Scenario
    prompts: PromptSet
    file: str
    judge_model: str | None  # scenario model id of the judge


def load_probe(path: str | Path) -> ProbeSetup:
    """Read a probe config, its scenario and its prompts; ScenarioError names file, field,
    value."""
    from workbench.probe.prompts import PromptSet, load_prompts

    file = str(path)
    config = validate_as(ProbeConfig, read_yaml_mapping(path), file)
    base = Path(path).parent
    for field in ("scenario", "prompts"):
        name = getattr(config, field)
        if name is not None and not (base / name).is_file():
            raise ScenarioError(f"no such file (looked for {base / name})", file=file,
                                path=field, value=name)
    scenario = load_scenario(base / config.scenario)
    prompts = load_prompts(base / config.prompts) if config.prompts else PromptSet()
    judge_model = _check(config, scenario, prompts, file)
    return ProbeSetup(config, scenario, prompts, file, judge_model)


def _check(config: ProbeConfig, scenario: Scenario, prompts, file: str) -> str | None:
    names = [e.name for e in config.endpoints]
    known = {m.name for m in scenario.models}
    for i, endpoint in enumerate(config.endpoints):
        if names.count(endpoint.name) > 1:
            raise ScenarioError("duplicate endpoint name", file=file,
                                path=f"endpoints[{i}].name", value=endpoint.name)
        for model in endpoint.models:
            if model not in known:
                raise ScenarioError(f"not a model of scenario {scenario.name!r} "
                                    f"(models: {', '.join(sorted(known))})", file=file,
                                    path=f"endpoints[{i}].models", value=model)
    task_names = [t.name for t in scenario.workload.task_types]
    for name in config.sample.task_types or []:
        if name not in task_names:
            raise ScenarioError(f"not a task type of the scenario ({', '.join(task_names)})",
                                file=file, path="sample.task_types", value=name)
    prompts.check(task_names, known)
    return _judge_model(config, file)


def _judge_model(config: ProbeConfig, file: str) -> str | None:
    judge = config.judge
    if judge is None:
        return None
    if judge.endpoint not in [e.name for e in config.endpoints]:
        raise ScenarioError("no endpoint of that name", file=file, path="judge.endpoint",
                            value=judge.endpoint)
    models = config.endpoint(judge.endpoint).models
    if judge.model in models:
        return judge.model
    for scenario_id, served in models.items():
        if served == judge.model:
            return scenario_id
    raise ScenarioError(f"the judge's endpoint does not serve it (models: "
                        f"{', '.join(models)})", file=file, path="judge.model",
                        value=judge.model)
