"""Live: probe runs (records.jsonl under a run folder) - what was measured against what the
simulator assumed for the same models."""

from pathlib import Path

import streamlit as st

from workbench.app import state, uploads, widgets
from workbench.domain.errors import WorkbenchError
from workbench.metrics import series
from workbench.metrics.formats import usd
from workbench.viz.calibration import measured_vs_simulated_figure

st.title("Live")
runs = state.probe_runs()
if runs is None:
    st.info("Live probing is not available in this build (workbench.probe is missing).")
    st.stop()
folder = st.text_input("Probe run folder", value=str(runs[0]) if runs else "runs/",
                       key="live_folder",
                       help="A folder written by `workbench probe` (holds records.jsonl).")
try:
    measured = state.probe_records(folder)
except WorkbenchError as exc:  # a damaged or foreign run folder
    uploads.show_error(str(exc))
    st.stop()
if measured is None:
    st.info(f"No probe records in {folder!r}. Run `workbench probe` (it needs API keys in "
            "environment variables), then point this page at its run folder.")
    st.stop()
run = state.last_simulation()
if run is None or run["records"] is None:
    st.info("Run Simulate & compare (with *Keep every attempt* ticked) to put simulated "
            "figures beside the measured ones.")
    simulated = measured.clear()
else:
    simulated = run["records"]
table = series.measured_vs_simulated(measured, simulated)
cols = st.columns(3)
cols[0].metric("Measured attempts", f"{measured.height:,}", border=True)
cols[1].metric("Models probed", f"{measured['model'].n_unique()}", border=True)
cols[2].metric("Probe spend", usd(measured['cost_usd'].sum(), 4), border=True)
widgets.dataframe(series.per_model_calls(measured), hide_index=True, width="stretch")
widgets.chart(measured_vs_simulated_figure(table), key="live_compare")
st.caption(f"Run folder: {Path(folder).resolve()}")
