"""workbench: replay an LLM workload through candidate routing policies and compare cost,
quality, reliability and ROI before changing anything.

The public API, for notebooks and scripts (each name is imported on first use, so
``import workbench`` stays light)::

    load_scenario(path) -> Scenario          read, validate and cross-check a scenario YAML
    estimate(scenario) -> ScenarioEstimate   closed-form expected values per policy
    simulate(scenario, replications=5, ...)  Monte Carlo simulation -> SimulationResult
    replay(source, format, ...) -> dict      replay a per-prompt evaluation table
    probe(config, out, ...) -> ProbeResult   live mode: send sampled tasks to real endpoints
    report(scenario, out, ...) -> str        the leadership report as self-contained HTML

Example::

    from workbench import estimate, load_scenario, simulate
    scenario = load_scenario("scenarios/support_desk.yaml")
    estimate(scenario).policies["routed"].monthly_cost_usd          # USD per month
    simulate(scenario, replications=3).summaries["routed"]["monthly_cost_usd_ci95"]

``replay``, ``probe`` and ``report`` are the packages of those names, callable: their
submodules stay importable (``workbench.replay.formats``). Errors derive from
`workbench.domain.errors.WorkbenchError`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["estimate", "load_scenario", "probe", "replay", "report", "simulate"]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562) and keep it as a module attribute."""
    if name == "load_scenario":
        from workbench.domain.loader import load_scenario as value
    elif name == "estimate":
        from workbench.estimator.estimate import estimate as value
    elif name == "simulate":
        from workbench.engine.simulation import simulate as value
    elif name == "replay":
        import workbench.replay as value
    elif name == "probe":
        import workbench.probe as value
    elif name == "report":
        import workbench.report as value
    else:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
