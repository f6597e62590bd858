"""Live mode: send sampled tasks of a scenario's workload to real endpoints and record what
each call cost, how long it took and how it failed - as the simulator's ``CallRecord``.

    config     the probe YAML (endpoints, sample, prompts, spend cap)   -> ProbeConfig
    prompts    prompt templates and reference checks per task type      -> PromptSet
    sampler    the deterministic list of jobs (sampled task x model)    -> Job
    spend      the spend guard: reservations that never cross the cap   -> SpendGuard
    ledger     the write-ahead journal of reservations (survives kills)  -> SpendLedger
    api        request bodies and response / SSE parsing per API family
    attempt    one HTTP attempt, timed and classified into an outcome
    session    guarded, journaled attempts of each job, retries, records -> ProbeSession
    runner     the run: resume, workers per endpoint, signals           -> run_probe
    store      the run folder: JSONL records, outputs, resume, Parquet  -> RunStore
    ab         blind A/B verdicts (judge or reference checks), win rate
    calibrate  records -> catalog overlay (latency, error rate, quality)

Keys are read from the environment variables a config names, at request time; they never
appear in records, reports, errors or ``--json`` output.

The package is callable (``workbench.probe(...)`` is `run`), as ``workbench probe`` is.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.probe.runner import ProbeResult


def run(config: str | Path, out: str | Path, *, resume: bool = True,
        ab: tuple[str, str] | None = None,
        on_progress: Callable[[int, int], None] | None = None) -> ProbeResult:
    """Run (or resume) the probe described by the YAML ``config`` into the run folder ``out``:
    sampled tasks sent to the configured endpoints under the spend cap, one record per
    attempt; ``ab`` = (current model, candidate model) runs a blind A/B instead. Works inside
    a running event loop too (a notebook): the run then gets a thread of its own.

    >>> from workbench import probe
    >>> result = probe("scenarios/probe/local.yaml", "runs/pilot")  # doctest: +SKIP
    >>> result.spent_usd, result.summary  # doctest: +SKIP
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from workbench.probe.config import load_probe
    from workbench.probe.runner import run_probe

    setup = load_probe(config)
    call = lambda: run_probe(setup, out, resume=resume, ab=ab, on_progress=on_progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


class _CallablePackage(types.ModuleType):
    """This package, callable: ``probe(...)`` is `run` (so ``from workbench import probe``
    gives the entry point and the submodules alike)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)


__signature__ = inspect.signature(run)
sys.modules[__name__].__class__ = _CallablePackage
