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
"""
