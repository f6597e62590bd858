"""Replay of per-prompt evaluation tables: "had we routed these real prompts this way, what
would quality and cost have been?"

    formats.load_table(path, "routellm" | "routerbench" | "alpacaeval") -> table.EvalTable
    replay.replay(table, ReplayOptions(...)) -> the ``workbench replay --json`` document
    source.EmpiricalQuality.from_table(table) -> a quality source for the simulator

Loaders (`routellm`, `routerbench`, `alpacaeval`) turn a file into an `EvalTable` (prompts x
models scores in [0, 1], optional USD cost per call, optional prompt groups); `policies` turns a
table into per-prompt decisions (single model, oracle, strong/weak routers, cascades);
`metrics` scores them (APGR, CPT, AIQ); `scenario_policies` replays a scenario's rules;
`workbench.viz.frontier` draws the cost-quality frontier.

The JSON document has ``models.<name>.{quality, cost_usd, cost_per_prompt_usd, prompts}``,
``oracle.{quality, cost_usd, strong_share, calls.<name>}`` (share of prompts per model),
``policies`` (cascades, scenario policies), ``curves.<family>.points`` (lists of
``{strong_share, quality, cost_usd, pgr}``) with ``apgr``, ``cpt_50``, ``cpt_80``,
``share_for_95pct_strong`` and ``aiq``, and ``cost_method`` saying where costs came from.
Imports here stay light: submodules import polars and numpy.

The package is callable (``workbench.replay(...)`` is `run`): load a table and replay it in one
step, as ``workbench replay`` does.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run(source: str | Path, format: str, *, benchmark: str | None = None,
        prices: dict[str, str] | None = None, output_tokens: float = 1.0,
        exclude_models: Sequence[str] = (), **options: Any) -> dict:
    """Replay the evaluation table at ``source`` (a file or folder in ``format``: routellm |
    routerbench | alpacaeval) through every model, the oracle, random and threshold routers
    and cascades; return the ``workbench replay --json`` document (quality 0-1, costs in USD).

    ``prices`` maps a table model to ``provider:ref`` or ``IN/OUT`` USD per million tokens;
    ``output_tokens`` is the assumed output per call when the table has no response text;
    ``options`` are `workbench.replay.replay.ReplayOptions` fields (``strong``, ``weak``,
    ``seed``, ``judge_errors``, ``pass_bar``, ...).

    >>> from workbench import replay
    >>> doc = replay("data/routellm", "routellm", benchmark="gsm8k")  # doctest: +SKIP
    >>> doc["oracle"]["quality"], doc["curves"]["random"]["apgr"]  # doctest: +SKIP
    """
    from workbench.replay.formats import load_table
    from workbench.replay.replay import ReplayOptions, replay

    table = load_table(Path(source), format, benchmark=benchmark, price_overrides=prices,
                       output_tokens=output_tokens)
    if exclude_models:
        table = table.without_models(list(exclude_models))
    return replay(table, ReplayOptions(**options))


class _CallablePackage(types.ModuleType):
    """This package, callable: ``replay(...)`` is `run` (so ``from workbench import replay``
    gives the entry point and the submodules alike)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)


__signature__ = inspect.signature(run)
sys.modules[__name__].__class__ = _CallablePackage
