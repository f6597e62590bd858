"""Audit: load or upload a scenario; the workload mix as an editable table; volume and tokens
by task type."""

import polars as pl
import streamlit as st

from workbench.app import log_audit, state, uploads, widgets
from workbench.app.uploads import SCENARIO_UPLOAD
from workbench.domain import edits
from workbench.domain.errors import WorkbenchError
from workbench.metrics.scenario_frames import workload_frame
from workbench.viz.theme import usd
from workbench.viz.workload import tokens_figure, volume_figure

st.title("Audit")


def _pick_bundled() -> None:
    name = st.session_state["audit_scenario"]
    if name is not None:
        state.set_scenario(state.load_bundled(name), name)


def _upload() -> None:
    upload = st.session_state["audit_upload"]
    if upload is None:
        return
    try:
        state.set_scenario(uploads.load_scenario_upload(upload), upload.name)
        st.session_state.pop("upload_error", None)
        st.session_state["audit_scenario"] = None  # no bundled one is loaded: any can be picked
    except WorkbenchError as exc:
        st.session_state["upload_error"] = str(exc)


with st.expander("Audit from logs: upload gateway exports", icon=":material/upload_file:",
                 expanded="log_audit" in st.session_state):
    log_audit.render()

left, right = st.columns(2)
with left:
    names = state.bundled_scenarios()
    label = st.session_state.get("scenario_label", names[0])
    bundled = label in names
    st.selectbox("Bundled scenario", names, index=names.index(label) if bundled else None,
                 placeholder=f"uploaded: {label} - pick one to load it instead",
                 key="audit_scenario", on_change=_pick_bundled)
    st.caption(f"Loaded: **{label}**" + ("" if bundled else " (uploaded)"))
with right:
    st.file_uploader("Or upload a scenario (YAML)", type=list(SCENARIO_UPLOAD.extensions),
                     key="audit_upload", on_change=_upload,
                     max_upload_size=SCENARIO_UPLOAD.max_upload_mb,
                     help="Files it names (overlays, incidents, tables) are not read.")
    st.caption(SCENARIO_UPLOAD.limits_text())
    if "upload_error" in st.session_state:
        uploads.show_error(st.session_state["upload_error"])

scenario = state.scenario()
workload = workload_frame(scenario)
doc = state.estimate_doc()
chosen = state.chosen_policy()
total = float(workload["per_day"].sum())
cols = st.columns(4)
cols[0].metric("Tasks per day", f"{total:,.0f}", border=True)
cols[1].metric("Tokens per day", f"{workload['tokens_per_day'].sum():,.0f}", border=True)
cols[2].metric("Tasks per month", f"{doc['policies'][chosen]['tasks_per_month']:,.0f}", border=True)
cols[3].metric(f"Monthly cost ({chosen})", usd(doc["policies"][chosen]["monthly_cost_usd"]),
               border=True)


def _scale(key: str) -> None:
    factor = st.session_state[key] / total if total else 1.0
    state.apply(edits.with_volumes, {r["task_type"]: r["per_day"] * factor
                                     for r in workload.iter_rows(named=True)})


total_key = f"audit_total_{state.scenario_key(scenario)}"
st.number_input("Total tasks per day (scales every task type)", min_value=1.0, value=total, format="%.0f",
                step=float(max(1, round(total / 10))), key=total_key, on_change=_scale,
                args=(total_key,))

st.subheader("Workload mix")
with st.form("workload_form"):
    edited = st.data_editor(
        workload.select("task_type", "per_day", "input_tokens_median", "output_tokens_median",
                        "tier", "latency_class", "client_facing", "data_sensitive", "team"),
        disabled=["task_type", "tier", "latency_class", "client_facing", "data_sensitive", "team"],
        hide_index=True, width="stretch", key=f"workload_{state.scenario_key(scenario)}",
        column_config={"per_day": st.column_config.NumberColumn("tasks / day", min_value=0.0),
                       "input_tokens_median": st.column_config.NumberColumn("input tokens (median)",
                                                                            min_value=1.0),
                       "output_tokens_median": st.column_config.NumberColumn(
                           "output tokens (median)", min_value=1.0)})
    if st.form_submit_button("Apply workload changes"):
        rows = pl.DataFrame(edited).to_dicts() if not isinstance(edited, pl.DataFrame) \
            else edited.to_dicts()
        if state.apply(edits.with_volumes, {r["task_type"]: r["per_day"] for r in rows},
                       {r["task_type"]: r["input_tokens_median"] for r in rows},
                       {r["task_type"]: r["output_tokens_median"] for r in rows}):
            st.rerun()

widgets.csv_download("Download the workload mix (CSV)", workload,
                     widgets.download_name(scenario.name, "-workload.csv"), key="audit_csv")

left, right = st.columns(2)
with left:
    widgets.chart(volume_figure(workload), key="audit_volume")
with right:
    widgets.chart(tokens_figure(workload), key="audit_tokens")
