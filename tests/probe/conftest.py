"""Fixtures of the probe tests: a fake LLM server on 127.0.0.1 and config files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .fake_servers import FakeLLM, ServerThread

HERE = Path(__file__).parent
SCENARIO = HERE / "scenario_probe.yaml"
KEY = "sk-test-DO-NOT-LEAK-7f3a9c2e51"


@pytest.fixture(scope="module")
def fake_server():
    """A FakeLLM (key ``KEY``) served on a free port for a module: (app, base_url)."""
    llm = FakeLLM(key=KEY)
    with ServerThread(llm.app) as server:
        yield llm, server.base_url


@pytest.fixture
def fake(fake_server):
    """The module's fake server with its per-prompt fault counters reset."""
    llm = fake_server[0]
    llm.attempts.clear()
    llm.billed.clear()
    llm.revoke_after, llm.authorised = None, 0
    return fake_server


@pytest.fixture
def keyed(monkeypatch):
    """Set PROBE_KEY to the test key."""
    monkeypatch.setenv("PROBE_KEY", KEY)
    return KEY


def write_config(folder: Path, endpoints: list[dict], **top) -> Path:
    """A probe config in ``folder`` using the test scenario; returns its path."""
    data = {"scenario": str(SCENARIO), "endpoints": endpoints,
            "sample": {"per_task_type": 4, "seed": 1}, "max_tokens": 32,
            "spend_cap_usd": 5.0, "stream": True,
            "retry": {"max_attempts": 3, "backoff_s": 0.01, "max_backoff_s": 0.05}}
    data.update(top)
    path = folder / "probe.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def endpoint(base_url: str, models: dict[str, str], *, name: str = "local",
             api: str = "openai", concurrency: int = 8, **extra) -> dict:
    """One endpoint mapping of a probe config."""
    return {"name": name, "api": api, "base_url": base_url, "api_key_env": "PROBE_KEY",
            "models": models, "max_concurrency": concurrency,
            "timeout": {"connect_s": 2, "read_s": 2, "total_s": 3}, **extra}
