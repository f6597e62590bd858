"""Session state and caching of the app - the only module that uses ``st.cache_*``.

The session holds the current (possibly edited) scenario, the chosen policy and the last
simulation. Estimates and simulations are cached by a hash of the scenario's data, so moving
between pages re-uses them.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import streamlit as st

from workbench.domain.errors import WorkbenchError
from workbench.domain.loader import load_scenario
from workbench.domain.scenario import Scenario
from workbench.viz.theme import plural

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = REPO_ROOT / "scenarios"
DEFAULT_SCENARIO = "support_desk.yaml"
QUICK_DAYS = float(os.environ.get("WORKBENCH_APP_DAYS", "7"))
QUICK_REPLICATIONS = int(os.environ.get("WORKBENCH_APP_REPLICATIONS", "2"))
SIMULATIONS_KEPT = 2  # runs kept per session


def bundled_scenarios() -> list[str]:
    """File names of the bundled scenarios, the default first."""
    names = sorted(p.name for p in SCENARIO_DIR.glob("*.yaml"))
    if DEFAULT_SCENARIO in names:
        names.remove(DEFAULT_SCENARIO)
        names.insert(0, DEFAULT_SCENARIO)
    return names


def scenario_key(scenario: Scenario) -> str:
    """Hash of the scenario's data: the cache key of everything derived from it."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False)
def _load_bundled(name: str, mtime: float) -> Scenario:
    return load_scenario(SCENARIO_DIR / name)


def load_bundled(name: str) -> Scenario:
    """A bundled scenario by file name (cached until the file changes)."""
    path = SCENARIO_DIR / name
    return _load_bundled(name, path.stat().st_mtime)


def load_upload(name: str, data: bytes) -> Scenario:
    """Validate an uploaded YAML scenario within the upload limits (errors name the uploaded
    file; see `workbench.app.uploads`)."""
    import io

    from workbench.app.uploads import load_scenario_upload

    upload = io.BytesIO(data)
    upload.name = name  # type: ignore[attr-defined]
    upload.size = len(data)  # type: ignore[attr-defined]
    return load_scenario_upload(upload)


def init() -> None:
    """Load the default scenario on the first run of a session."""
    if "scenario" not in st.session_state:
        set_scenario(load_bundled(bundled_scenarios()[0]), bundled_scenarios()[0])


def set_scenario(scenario: Scenario, label: str | None = None) -> None:
    """Make ``scenario`` current; keep the chosen policy when it still exists."""
    st.session_state["scenario"] = scenario
    if label is not None:
        st.session_state["scenario_label"] = label
    chosen = st.session_state.get("chosen")
    if chosen not in scenario.policy_names:
        others = [p for p in scenario.policy_names if p != scenario.baseline]
        st.session_state["chosen"] = (others or scenario.policy_names)[0]


def scenario() -> Scenario:
    """The current scenario."""
    init()
    return st.session_state["scenario"]


def chosen_policy() -> str:
    """The policy leadership is asked to adopt."""
    init()
    return st.session_state["chosen"]


@st.cache_data(show_spinner=False, max_entries=64)
def _estimate(key: str, _scenario: Scenario) -> dict:
    from workbench.estimator import estimate

    return estimate(_scenario).to_json()


def estimate_doc(s: Scenario | None = None) -> dict:
    """``workbench estimate --json`` of a scenario (the current one by default)."""
    s = s or scenario()
    return _estimate(scenario_key(s), s)


@st.cache_data(show_spinner=False, max_entries=64)
def _what_if(key: str, policy: str, _scenario: Scenario) -> tuple:
    from workbench.estimator.budget_effects import expected_spend, rule_impacts

    return expected_spend(_scenario, policy), rule_impacts(_scenario, policy)


def budget_what_if(s: Scenario, policy: str) -> tuple:
    """(expected month-to-date spend, rule impacts) of a policy, cached by scenario."""
    return _what_if(scenario_key(s), policy, s)


def simulator():
    """`workbench.engine.simulate`, or None when this build has no simulator."""
    try:
        from workbench.engine.simulation import simulate
    except ImportError:
        return None
    return simulate


def simulator_available() -> bool:
    """True when the simulator can be imported."""
    return simulator() is not None


def simulation_store() -> OrderedDict:
    """This session's simulations by (scenario key, days, replications, records), newest
    last, at most ``SIMULATIONS_KEPT``: a run belongs to the session that asked for it (no
    cross-session store) and an older one is freed when a new one arrives."""
    return st.session_state.setdefault("sim_store", OrderedDict())


def _simulate(key: str, days: float, replications: int, scenario_: Scenario,
              progress: Any = None, records: bool = False) -> dict:
    """A stored run; summaries only (the streaming path, memory bounded by a block of
    simulated time) unless ``records`` asks for every attempt."""
    from workbench.engine.simulation import local_workers

    store = simulation_store()
    days = min(days, float(scenario_.horizon.days))
    wanted = (key, days, replications, records)
    if wanted not in store:
        while len(store) >= SIMULATIONS_KEPT:
            store.popitem(last=False)
        result = simulator()(scenario_, replications=replications, days=days, progress=progress,
                             keep_records=records,
                             workers=local_workers(scenario_, replications, days, records))
        store[wanted] = {
            "doc": result.to_json(), "records": result.records if records else None,
            "outages": result.outages, "days": days, "replications": replications}
    store.move_to_end(wanted)
    return store[wanted]


def sim_size() -> tuple[float, int]:
    """Simulated days and replications chosen in the sidebar."""
    init()
    return (float(st.session_state.get("sim_days", QUICK_DAYS)),
            int(st.session_state.get("sim_replications", QUICK_REPLICATIONS)))


def run_simulation(s: Scenario | None = None, progress: Any = None) -> dict:
    """Simulate (cached by scenario and size) and remember the run for the current scenario."""
    s = s or scenario()
    days, reps = sim_size()
    run = _simulate(scenario_key(s), days, reps, s, progress,
                    bool(st.session_state.get("sim_records", False)))
    if s is scenario():
        st.session_state["sim"] = {"key": scenario_key(s), **run}
    return run


def last_simulation() -> dict | None:
    """The last simulation of the current scenario at the current size, if any."""
    run = st.session_state.get("sim")
    days, reps = sim_size()
    if (run is None or run["key"] != scenario_key(scenario())
            or run["replications"] != reps or run["days"] != min(days, scenario().horizon.days)):
        return None
    return run


def stale_simulation() -> dict | None:
    """The session's last run when it no longer matches the scenario or the size (an edit
    since): its figures are not shown, and the pages say so."""
    run = st.session_state.get("sim")
    return run if run is not None and last_simulation() is None else None


def headline_doc() -> tuple[dict, str, int]:
    """Summaries for headline numbers: the last simulation if there is one, else the
    estimate; a label saying which (and why, when a simulation went out of date); and the
    simulation's replications (0: the estimate)."""
    run = last_simulation()
    if run is not None:
        return run["doc"], (f"simulated: {plural(run['replications'], 'replication')} of "
                            f"{plural(run['days'], 'day')}, seed {run['doc'].get('seed')}, "
                            "with 95% intervals"), run["replications"]
    if stale_simulation() is not None:
        return estimate_doc(), ("closed-form estimate - the last simulation is out of date "
                                "after an edit of the scenario or of the simulation size; run "
                                "Simulate & compare again for simulated figures"), 0
    return estimate_doc(), "closed-form estimate (run Simulate & compare for Monte Carlo)", 0


def report_builder():
    """A zero-argument callable building the leadership report of the current state; values
    are bound now because the download runs it outside this script run."""
    from functools import partial

    from workbench.report.html import build_report

    run = last_simulation()
    s = scenario()
    return partial(build_report, s, estimate_doc(s), chosen=chosen_policy(),
                   simulation=run["doc"] if run else None,
                   records=run["records"] if run else None,
                   outages=run["outages"] if run else None)


def apply(change, *args) -> bool:
    """Run an edit ``change(scenario, *args) -> Scenario`` and make its result current;
    a `WorkbenchError` is shown and the scenario kept."""
    try:
        set_scenario(change(scenario(), *args))
    except WorkbenchError as exc:
        st.error(str(exc))
        return False
    return True


REPLAY_TABLES = {"RouteLLM GSM8K": ("routellm", "gsm8k", "data/routellm"),
                 "RouteLLM MT-Bench": ("routellm", "mt_bench", "data/routellm"),
                 "RouteLLM MMLU": ("routellm", "mmlu", "data/routellm"),
                 "AlpacaEval 2": ("alpacaeval", None, "data/alpaca_eval2")}


def replay_tables() -> dict[str, tuple]:
    """Bundled evaluation tables the replay page offers (empty when replay is absent)."""
    try:
        import workbench.replay.formats  # noqa: F401
    except ImportError:
        return {}
    return {label: spec for label, spec in REPLAY_TABLES.items()
            if (REPO_ROOT / spec[2]).exists()}


@st.cache_data(show_spinner="Reading the evaluation table...", max_entries=8)
def replay_models(label: str) -> dict:
    """Models of a bundled table: ``{model: {"quality", "price"}}`` with the price spec the
    table already has (``default``), a catalogue suggestion (``catalogue``) or none; errors
    as ``{"error": message}``."""
    import numpy as np

    from workbench.replay.cost import DEFAULT_PRICE_REFS, suggest_price_refs
    from workbench.replay.formats import load_table

    fmt, benchmark, folder = REPLAY_TABLES[label]
    try:
        table = load_table(REPO_ROOT / folder, fmt, benchmark=benchmark)
    except WorkbenchError as exc:
        return {"error": str(exc)}
    quality = np.nanmean(table.scores, axis=0)
    priced = table.priced()
    suggested = suggest_price_refs([m for m, p in zip(table.models, priced) if not p])
    out = {}
    for model, q, has_price in zip(table.models, quality.tolist(), priced.tolist()):
        spec = DEFAULT_PRICE_REFS.get(model) if has_price else suggested.get(model)
        source = ("in the table" if has_price and spec is None else "default" if has_price
                  else "catalogue match" if spec else "unpriced")
        out[model] = {"quality": q, "price": spec or "", "source": source}
    return out


@st.cache_data(show_spinner="Replaying the evaluation table...", max_entries=16)
def replay_doc(label: str, judge_error: float, prices: tuple = (), exclude: tuple = (),
               strong: str | None = None, weak: str | None = None) -> dict:
    """``workbench replay --json`` of a bundled table with ``prices`` as ``--price`` pairs,
    ``exclude`` as ``--exclude-model``, and ``--strong`` / ``--weak`` (errors as
    ``{"error": message}``)."""
    from workbench.replay.formats import load_table
    from workbench.replay.replay import ReplayOptions, replay

    fmt, benchmark, folder = REPLAY_TABLES[label]
    try:
        table = load_table(REPO_ROOT / folder, fmt, benchmark=benchmark,
                           price_overrides=dict(prices) or None)
        if exclude:
            table = table.without_models(list(exclude))
        return replay(table, ReplayOptions(judge_errors=(judge_error,), strong=strong,
                                           weak=weak))
    except WorkbenchError as exc:
        return {"error": str(exc)}


def replay_figure(doc: dict):
    """The replay frontier figure (`workbench.viz.frontier`)."""
    from workbench.viz.frontier import frontier_figure

    return frontier_figure(doc)


def probe_runs() -> list[Path] | None:
    """Probe run folders under ``runs/`` (newest first); None when the probe is absent."""
    try:
        import workbench.probe.store  # noqa: F401
    except ImportError:
        return None
    base = Path("runs")
    if not base.is_dir():
        return []
    folders = [p.parent for p in base.glob("**/records.jsonl")]
    return sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)


def probe_records(folder: str):
    """Records of a probe run folder as a records frame, or None when it has none."""
    import polars as pl

    from workbench.metrics.series import polars_schema
    from workbench.probe.store import check_records, read_jsonl

    path = Path(folder) / "records.jsonl"
    if not path.is_file():
        return None
    rows, _ = read_jsonl(path)
    check_records(rows, path)
    if not rows:
        return None
    schema = polars_schema()
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)
