"""Pacing of an endpoint (issue 14): a 429 pauses every worker of the endpoint for its
Retry-After and halves the concurrency (growing back per ok); rpm and tpm are leaky buckets."""

from __future__ import annotations

import asyncio
import time

from workbench.probe.config import Endpoint, load_probe
from workbench.probe.pace import EndpointPace
from workbench.probe.runner import run_probe
from workbench.probe.store import RunStore

from .conftest import endpoint, write_config
from .test_probe_live import assert_one_final_per_task


def test_a_429_pauses_the_whole_endpoint(tmp_path, fake, keyed):
    llm, base_url = fake
    llm.arrivals.clear()
    llm.limited.clear()
    cfg = write_config(tmp_path, [endpoint(base_url, {
        "small": "s?fault=429&times=1&retry_after=0.5", "big": "b?ttft=0.1&tokens=2"},
        concurrency=4)], sample={"per_task_type": 4, "seed": 1})
    result = run_probe(load_probe(cfg), tmp_path / "run")
    assert result.not_sent == 0
    assert_one_final_per_task(RunStore(tmp_path / "run").load("records"), 16)
    first = min(llm.limited)
    # without the pause, the workers sending `big` would go on at once
    quiet = [t for t, _ in llm.arrivals if first + 0.05 < t < first + 0.45]
    assert quiet == [], [round(t - first, 3) for t in quiet]
    assert any(t >= first + 0.45 for t, _ in llm.arrivals)


def test_concurrency_halves_after_a_429_and_grows_back():
    pace = EndpointPace(Endpoint(name="x", base_url="http://127.0.0.1:9/v1",
                                 models={"a": "a"}, max_concurrency=8), max_pause_s=0.0)

    async def main() -> list[int]:
        seen = []
        for outcome in ("rate_limited", "rate_limited", "ok", "rate_limited",
                        "rate_limited", "rate_limited", "ok", "ok"):
            await pace.enter(10)
            pace.leave(outcome, 5.0)  # Retry-After 5 s, capped by max_pause_s = 0
            seen.append(pace.limit)
        return seen

    assert asyncio.run(main()) == [4, 2, 3, 1, 1, 1, 2, 3]
    assert pace.pauses == 5 and pace.in_flight == 0


def _burst_then_steady(pace: EndpointPace, burst: int, extra: int, tokens: int):
    """Seconds for ``burst`` enters, then for ``extra`` more (one event loop)."""
    async def timed(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            await pace.enter(tokens)
            pace.leave("ok", None)
        return time.perf_counter() - t0

    async def main() -> tuple[float, float]:
        return await timed(burst), await timed(extra)

    return asyncio.run(main())


def test_rpm_and_tpm_are_leaky_buckets():
    # 60 per minute: 60 at once, then one per second - the 61st and 62nd wait ~1 s and ~2 s
    rpm = EndpointPace(Endpoint(name="x", base_url="http://127.0.0.1:9/v1", models={"a": "a"},
                                rpm=60), max_pause_s=60)
    burst, steady = _burst_then_steady(rpm, 60, 2, 10)
    assert burst < 0.9 and steady >= 1.5
    # 600 tokens per minute, 10 per request: the same shape
    tpm = EndpointPace(Endpoint(name="x", base_url="http://127.0.0.1:9/v1", models={"a": "a"},
                                tpm=600), max_pause_s=60)
    burst, steady = _burst_then_steady(tpm, 60, 1, 10)
    assert burst < 0.9 and steady >= 0.7
