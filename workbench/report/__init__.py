"""Leadership report: a self-contained HTML file (and a PDF where Chromium is present).

The package is callable (``workbench.report(...)`` is `run`).
"""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.domain.scenario import Scenario


def run(scenario: Scenario, out: str | Path | None = None, *, policy: str | None = None,
        simulation: Any = None, recommended: str | None = None,
        pptx: str | Path | None = None) -> str:
    """The leadership report of ``scenario`` as one self-contained HTML string, also written
    to ``out`` when given. Headline numbers come from ``simulation`` (what `workbench.simulate`
    returns; its records and outages add the time-series charts) when given, else from the
    closed-form estimate; ``policy`` is the one leadership is asked to adopt (default: the
    recommended one, else the best other). ``recommended`` is the planner's choice (the hook
    for `workbench.planner`; default: the guard rails of `workbench.report.verdict`);
    ``pptx`` also writes the slide deck there.

    >>> from workbench import load_scenario, report, simulate
    >>> s = load_scenario("scenarios/support_desk.yaml")  # doctest: +SKIP
    >>> html = report(s, "report.html", simulation=simulate(s, replications=2))  # doctest: +SKIP
    """
    from workbench.domain.errors import ScenarioError
    from workbench.estimator import estimate
    from workbench.report.html import build_pack, build_report

    if policy is not None and policy not in scenario.policy_names:
        raise ScenarioError(f"no policy of that name (policies: "
                            f"{', '.join(scenario.policy_names)})", path="policy", value=policy)
    estimate_doc = estimate(scenario).to_json()
    pack = build_pack(scenario, estimate_doc, chosen=policy,
                      simulation=None if simulation is None else simulation.to_json(),
                      recommended=recommended)
    html = build_report(scenario, estimate_doc, records=getattr(simulation, "records", None),
                        outages=getattr(simulation, "outages", None), pack=pack)
    if pptx is not None:
        from workbench.report.slides import write_deck

        write_deck(scenario, pack, pptx)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(html, encoding="utf-8")
    return html


class _CallablePackage(types.ModuleType):
    """This package, callable: ``report(...)`` is `run` (so ``from workbench import report``
    gives the entry point and the submodules alike)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)


__signature__ = inspect.signature(run)
sys.modules[__name__].__class__ = _CallablePackage
