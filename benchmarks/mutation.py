"""Mutation scores of the core rules: mutmut run once per module, each module against only the
tests that exercise it (``[tool.mutmut.modules]`` in pyproject.toml), in a scratch copy of the
repository so runs never touch the work tree. Run by hand, never in CI: one module takes
minutes on a free core.

    python benchmarks/mutation.py --json                              # every module
    python benchmarks/mutation.py --json --module policies/routing.py # one (repeatable)
    python benchmarks/mutation.py --json --small    # CI: parses a canned mutmut result only

Score = (killed + timeout) / (total - skipped), as mutmut's own badge computes it; a mutant no
test reaches ("no tests") counts as surviving. Each case lists its surviving mutants by name
(``mutmut show NAME`` in the scratch copy, kept with ``--keep``, prints the diff).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("workbench", "tests", "scenarios", "data")

CANNED_STATS = {"killed": 66, "survived": 3, "total": 70, "no_tests": 1, "skipped": 0,
                "suspicious": 0, "timeout": 0, "check_was_interrupted_by_user": 0,
                "segfault": 0}
CANNED_RESULTS = """\
    workbench.policies.routing.x__compare__mutmut_12: survived
    workbench.policies.routing.x__compare__mutmut_30: survived
    workbench.policies.routing.x_route__mutmut_7: survived
    workbench.policies.routing.x_matches__mutmut_2: no tests
"""


def modules_config(pyproject: Path = ROOT / "pyproject.toml") -> tuple[dict, dict[str, list]]:
    """The ``[tool.mutmut]`` table (without ``modules``) and its module -> tests map."""
    table = dict(tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["mutmut"])
    modules = table.pop("modules")
    return table, modules


def score(stats: dict) -> float | None:
    """(killed + timeout) / (total - skipped) in [0, 1]; None when nothing was tested."""
    tested = int(stats.get("total", 0)) - int(stats.get("skipped", 0))
    if tested <= 0:
        return None
    return (int(stats.get("killed", 0)) + int(stats.get("timeout", 0))) / tested


def parse_results(text: str) -> list[dict]:
    """Lines ``    <mutant name>: <status>`` of ``mutmut results`` (killed ones are not listed)
    -> [{"mutant": name, "status": status}]."""
    out = []
    for line in text.splitlines():
        match = re.fullmatch(r"\s*(\S+__mutmut_\d+): (.+?)\s*", line)
        if match:
            out.append({"mutant": match.group(1), "status": match.group(2)})
    return out


def case(module: str, stats: dict, results_text: str, seconds: float) -> dict:
    """One module's JSON case."""
    value = score(stats)
    return {"name": module, "seconds": round(seconds, 1), "mutants": stats.get("total", 0),
            "killed": stats.get("killed", 0), "survived": stats.get("survived", 0),
            "no_tests": stats.get("no_tests", 0), "timeout": stats.get("timeout", 0),
            "score": None if value is None else round(value, 4),
            "not_killed": parse_results(results_text)}


def _toml_section(table: dict) -> str:
    lines = ["[tool.mutmut]"]
    for key, value in table.items():
        lines.append(f"{key} = {json.dumps(value)}")  # JSON strings, bools, lists are TOML
    return "\n".join(lines) + "\n"


def _scratch_pyproject(module: str, tests: list[str], base: dict) -> str:
    """pyproject.toml text for one module: the project's own, with [tool.mutmut] narrowed."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.startswith("[tool.mutmut")
        if not skipping:
            kept.append(line)
    table = {**base, "only_mutate": [module], "pytest_add_cli_args_test_selection": tests}
    return "\n".join(kept) + "\n\n" + _toml_section(table)


def run_module(module: str, tests: list[str], base: dict, keep: bool,
               max_children: int) -> dict:
    """mutmut run + results + export-cicd-stats for one module in a scratch copy."""
    scratch = Path(tempfile.mkdtemp(prefix="workbench-mutation-"))
    try:
        for name in COPIED:
            shutil.copytree(ROOT / name, scratch / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
        (scratch / "pyproject.toml").write_text(_scratch_pyproject(module, tests, base),
                                                encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(scratch)}
        mutmut = [sys.executable, "-m", "mutmut"]
        started = time.perf_counter()
        print(f"mutmut: {module} against {' '.join(tests)} in {scratch}", file=sys.stderr)
        run = subprocess.run([*mutmut, "run", "--max-children", str(max_children)],
                             cwd=scratch, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
            raise SystemExit(f"mutmut run failed for {module} (exit {run.returncode})")
        subprocess.run([*mutmut, "export-cicd-stats"], cwd=scratch, env=env,
                       capture_output=True, text=True, check=True)
        stats = json.loads((scratch / "mutants" / "mutmut-cicd-stats.json").read_text())
        results = subprocess.run([*mutmut, "results"], cwd=scratch, env=env,
                                 capture_output=True, text=True, check=True).stdout
        result = case(module, stats, results, seconds)
        print(f"  {result['killed']}/{result['mutants']} killed, score {result['score']}, "
              f"{seconds:.0f} s", file=sys.stderr)
        return result
    finally:
        if keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _resolve(name: str, modules: dict) -> str:
    for module in modules:
        if module == name or module.endswith("/" + name.removeprefix("workbench/")):
            return module
    raise SystemExit(f"unknown module {name!r}; known: {', '.join(modules)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--module", action="append", default=[],
                        help="a module of [tool.mutmut.modules] (repeatable), e.g. "
                             "policies/routing.py; default: all")
    parser.add_argument("--small", action="store_true",
                        help="parse a canned mutmut result instead of running mutmut (CI)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--max-children", type=int, default=1,
                        help="parallel mutmut workers (default 1)")
    args = parser.parse_args()
    base, modules = modules_config()
    if args.small:
        cases = [case("workbench/policies/routing.py", CANNED_STATS, CANNED_RESULTS, 0.0)]
    else:
        chosen = [_resolve(m, modules) for m in args.module] or list(modules)
        cases = [run_module(m, modules[m], base, args.keep, args.max_children) for m in chosen]
    doc = {"tool": "mutmut", "score": "(killed + timeout) / (total - skipped)",
           "canned": args.small, "cases": cases}
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        for c in cases:
            shown = "-" if c["score"] is None else f"{c['score']:.1%}"
            print(f"{c['name']:40} {c['mutants']:4d} mutants  {shown:>6}  "
                  f"{len(c['not_killed'])} not killed  {c['seconds']:.0f} s")


if __name__ == "__main__":
    main()
