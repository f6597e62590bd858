"""Layers one way (DESIGN.md, "Layout"): every module under ``workbench/`` is parsed (imports at
any depth, inside functions and ``if TYPE_CHECKING`` blocks too, relative imports resolved,
``importlib.import_module("workbench...")`` with a literal name) and each import is checked
against the rule table below. A failure prints the module, the line and the import.

The table, lowest layer first; a layer may import itself and the layers listed for it:

- ``domain``: pure data (pydantic, stdlib) - no other layer; no numpy, simpy, polars, httpx,
  streamlit or plotly;
- ``policies``: the call rules and the sampling helpers - domain only; numpy but no simpy,
  polars, httpx, streamlit or plotly;
- ``evidence``: per-prompt evaluation tables, their loaders and the quality sources built on
  them (today `EVIDENCE_MODULES` inside ``workbench/replay/``, DESIGN's future ``evidence/``) -
  domain only; below engine and estimator, which draw quality from them;
- ``metrics``: typed summaries over records, the ones estimate, simulate and probe all emit -
  domain and policies only, so never the engine (or the estimator, which uses them). DESIGN
  lists metrics after the engine; it sits below here because the estimator and the engine
  build their summaries with it, and metrics itself reads records, never engine objects;
- ``estimator`` < ``engine``: the closed form, then the SimPy world (the engine may reuse the
  estimator's closed-form pieces, never the other way round);
- ``probe`` and the replay analysis (``replay``): above the estimator, never the engine;
  ``audit`` and ``planner`` (DESIGN, not yet in the tree) may also use the engine;
  ``gateway`` (config export/import) only domain and policies;
- ``viz``: figures from frames - domain, policies and metrics only (no replay analysis, engine,
  app or cli);
- ``report`` < ``app`` < ``cli``; ``workbench/__init__`` (the public API) may import anything
  below the app.

Third-party packages: streamlit only in app, simpy only in engine, httpx only in probe, plotly
only in viz, report and app.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"

EVIDENCE_MODULES = frozenset(f"workbench.replay.{name}" for name in (
    "table", "source", "formats", "frames", "cost", "routellm", "routerbench", "alpacaeval",
    "synthetic", "mt_bench"))

_BELOW_PROBE = {"domain", "policies", "evidence", "metrics", "estimator"}
_BELOW_REPORT = _BELOW_PROBE | {"engine", "probe", "replay", "audit", "planner", "gateway",
                                "viz"}

ALLOWED: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "domain": set(),
    "policies": {"domain"},
    "evidence": {"domain"},
    "metrics": {"domain", "policies"},
    "estimator": {"domain", "policies", "evidence", "metrics"},
    "engine": {"domain", "policies", "evidence", "metrics", "estimator"},
    "probe": _BELOW_PROBE,
    "replay": _BELOW_PROBE,
    "gateway": {"domain", "policies"},
    "audit": _BELOW_PROBE | {"engine"},
    "planner": _BELOW_PROBE | {"engine"},
    "viz": {"domain", "policies", "metrics"},
    "report": _BELOW_REPORT,
    "api": _BELOW_REPORT | {"report"},
    "app": _BELOW_REPORT | {"report"},
    "cli": _BELOW_REPORT | {"report", "app"},
}.items()}

FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "domain": frozenset({"numpy", "simpy", "polars", "httpx", "streamlit", "plotly"}),
    "policies": frozenset({"simpy", "polars", "httpx", "streamlit", "plotly"}),
}
THIRD_PARTY_ONLY_IN: dict[str, frozenset[str]] = {
    "streamlit": frozenset({"app"}),
    "simpy": frozenset({"engine"}),
    "httpx": frozenset({"probe"}),
    "plotly": frozenset({"viz", "report", "app"}),
}


@dataclass(frozen=True)
class Import:
    """One imported module name at a line of a source file."""

    line: int
    name: str


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``workbench/engine/batch.py`` -> ``workbench.engine.batch`` (a package -> its name)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    """The layer of a workbench module; None for a package missing from the table."""
    parts = module.split(".")
    if len(parts) == 1:
        return "api"
    if module in EVIDENCE_MODULES or parts[1] == "evidence":
        return "evidence"
    return parts[1] if parts[1] in ALLOWED else None


def imports_of(source: str, module: str, is_package: bool, root: Path = PACKAGE) -> list[Import]:
    """Every module ``source`` imports, at any depth; ``from a import b`` names ``a.b`` when
    ``b`` is a submodule of ``a`` under ``root``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                anchor = here[: len(here) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                folder = root.parent.joinpath(*sub.split("."))
                is_module = folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()
                out.append(Import(node.lineno, sub if is_module else base))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name)
                       and node.func.id in ("import_module", "__import__")))):
            out.append(Import(node.lineno, node.args[0].value))
    return out


def violations(root: Path = PACKAGE) -> list[str]:
    """``file:line: <module> (<layer>) imports <name> - <why>`` for every forbidden import."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        layer = layer_of(module)
        where = f"{path.relative_to(root.parent)}"
        if layer is None:
            found.append(f"{where}:1: package {module.split('.')[1]!r} is not in the layer "
                         "table of tests/test_layers.py (place it there)")
            continue
        for imp in imports_of(path.read_text(encoding="utf-8"), module,
                              path.name == "__init__.py", root):
            top = imp.name.split(".")[0]
            why = None
            if top == "workbench":
                target = layer_of(imp.name)
                if target is None:
                    why = "an unknown workbench package"
                elif target != layer and target not in ALLOWED[layer]:
                    why = f"{layer} may import only {', '.join(sorted(ALLOWED[layer])) or 'itself'}"
            elif top in FORBIDDEN_THIRD_PARTY.get(layer, ()):
                why = f"{layer} must not import {top}"
            elif top in THIRD_PARTY_ONLY_IN and layer not in THIRD_PARTY_ONLY_IN[top]:
                why = f"{top} is for {', '.join(sorted(THIRD_PARTY_ONLY_IN[top]))} only"
            if why:
                found.append(f"{where}:{imp.line}: {module} ({layer}) imports {imp.name} - {why}")
    return found


def test_no_forbidden_import_in_workbench():
    """Every import of every module under workbench/ respects the layer table."""
    found = violations()
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_the_checker_sees_imports_in_functions_relative_and_by_name(tmp_path):
    """A planted upward import is caught wherever it hides: in a function body, as a relative
    import, as ``from package import module`` and through importlib with a literal name."""
    root = tmp_path / "workbench"
    for package in ("probe", "engine", "domain", "viz", "replay", "report", "app", "policies"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "engine" / "tasks.py").write_text("")
    (root / "replay" / "source.py").write_text("")
    (root / "replay" / "metrics.py").write_text("")
    (root / "probe" / "sampler.py").write_text(
        "def draw():\n    from workbench.engine.tasks import sample_tokens\n")
    (root / "probe" / "calibrate.py").write_text("from ..engine import tasks\n")
    (root / "domain" / "model.py").write_text("import numpy as np\nfrom . import base\n")
    (root / "viz" / "frontier.py").write_text(
        "from workbench.replay import metrics\nfrom workbench.replay import source\n")
    (root / "report" / "html.py").write_text(
        "import importlib\nimportlib.import_module('workbench.app.whatif')\n")
    (root / "policies" / "sampling.py").write_text("import numpy\nimport polars\n")
    (root / "app" / "page.py").write_text("import streamlit\nfrom workbench.report import html\n")
    found = violations(root)
    lines = {f.split(" imports ")[0].split(": ")[0]: f for f in found}
    assert set(lines) == {"workbench/probe/sampler.py:2", "workbench/probe/calibrate.py:1",
                          "workbench/domain/model.py:1", "workbench/viz/frontier.py:1",
                          "workbench/viz/frontier.py:2", "workbench/report/html.py:2",
                          "workbench/policies/sampling.py:2"}, found
    assert "imports workbench.engine.tasks" in lines["workbench/probe/calibrate.py:1"]
    assert "imports workbench.replay.metrics" in lines["workbench/viz/frontier.py:1"]
    assert lines["workbench/domain/model.py:1"].endswith("domain must not import numpy")


def test_every_layer_in_the_table_names_known_layers():
    """The table is closed: every allowed layer is itself a layer."""
    for layer, allowed in ALLOWED.items():
        assert allowed <= set(ALLOWED), (layer, allowed - set(ALLOWED))
