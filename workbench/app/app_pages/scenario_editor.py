"""Edit scenario: add, edit and delete task types with their tier, latency class, team and
requirements; the score bar of each tier; where each data class may go. Every change is
validated by the scenario schema (an error names the field and value) and can be downloaded
as YAML."""

import streamlit as st

from workbench.app import state
from workbench.domain import edits

TIERS = ["premium", "standard", "basic"]
DATA_CLASSES = ["public", "internal", "confidential", "regulated"]
DEPLOYMENTS = ["api", "self_hosted"]

st.title("Edit scenario")
scenario = state.scenario()
key = state.scenario_key(scenario)
st.caption("Changes apply to the session's scenario (every page follows); download the YAML "
           "below to keep them. A workload given as shares is saved as tasks per day.")


def _rows(edited) -> list[dict]:
    return edited.to_dict("records") if hasattr(edited, "to_dict") else list(edited)


def _csv_list(text) -> list[str] | None:
    """``"eu, us"`` -> ``["eu", "us"]``; blank -> None (anywhere)."""
    items = [t.strip() for t in str(text or "").split(",") if t.strip()]
    return items or None


st.subheader("Task types and their requirements")
tasks = [{"name": t.name, "per_day": t.per_day, "tier": t.tier, "latency_class": t.latency_class,
          "client_facing": t.client_facing, "team": t.team,
          "data_class": t.requirements.data_class,
          "required_pass_rate": t.requirements.required_pass_rate,
          "deadline_s": t.requirements.deadline_s} for t in scenario.workload.task_types]
if scenario.workload.total_per_day:  # shares: shown as tasks per day
    for row, t in zip(tasks, scenario.workload.task_types):
        row["per_day"] = row["per_day"] or (t.share or 0.0) * scenario.workload.total_per_day
with st.form("edit_tasks"):
    edited = st.data_editor(
        tasks, num_rows="dynamic", hide_index=True, width="stretch", key=f"edit_tasks_{key}",
        column_config={
            "name": st.column_config.TextColumn("task type", required=True),
            "per_day": st.column_config.NumberColumn("tasks / day", min_value=0.0),
            "tier": st.column_config.SelectboxColumn("tier", options=TIERS, default="standard"),
            "latency_class": st.column_config.SelectboxColumn(
                "latency class", options=list(scenario.latency_classes), default="realtime"),
            "client_facing": st.column_config.CheckboxColumn("client-facing", default=False),
            "team": st.column_config.TextColumn("team", default="default"),
            "data_class": st.column_config.SelectboxColumn("data class", options=DATA_CLASSES,
                                                           default="internal"),
            "required_pass_rate": st.column_config.NumberColumn(
                "required pass rate", min_value=0.0, max_value=1.0, format="%.3f"),
            "deadline_s": st.column_config.NumberColumn("deadline s", min_value=0.0)})
    if st.form_submit_button("Apply task types") and state.apply(edits.with_task_types,
                                                                 _rows(edited)):
        st.session_state["edit_saved"] = "Task types applied."
        st.rerun()

left, right = st.columns(2)
with left:
    st.subheader("Score bar per tier")
    with st.form("edit_bars"):
        bars = {tier: st.number_input(f"{tier} bar", 0.0, 1.0, float(scenario.quality_bars[tier]),
                                      0.01, format="%.2f", key=f"edit_bar_{tier}_{key}")
                for tier in TIERS}
        if st.form_submit_button("Apply bars") and state.apply(edits.with_quality_bars, bars):
            st.session_state["edit_saved"] = "Score bars applied."
            st.rerun()
with right:
    st.subheader("Where each data class may go")
    classes = [{"data_class": name,
                "regions": ", ".join(rule.regions or []),
                "deployments": ", ".join(rule.deployments or [])}
               for name, rule in scenario.data_classes.items()]
    with st.form("edit_classes"):
        edited_classes = st.data_editor(
            classes, hide_index=True, width="stretch", disabled=["data_class"],
            column_order=("data_class", "regions", "deployments"),
            key=f"edit_classes_{key}",
            column_config={"data_class": st.column_config.TextColumn("data class"),
                           "regions": st.column_config.TextColumn(
                               "allowed regions (comma-separated; blank: any)"),
                           "deployments": st.column_config.TextColumn(
                               f"deployments ({' / '.join(DEPLOYMENTS)}; blank: any)")})
        if st.form_submit_button("Apply data classes") and state.apply(
                edits.with_data_classes,
                {r["data_class"]: {"regions": _csv_list(r["regions"]),
                                   "deployments": _csv_list(r["deployments"])}
                 for r in _rows(edited_classes)}):
            st.session_state["edit_saved"] = "Data classes applied."
            st.rerun()

if "edit_saved" in st.session_state:
    st.success(st.session_state.pop("edit_saved"))
st.download_button("Download the scenario (YAML)",
                   data=edits.to_yaml(edits.scenario_data(scenario)),
                   file_name=f"{scenario.name}.yaml", mime="application/yaml",
                   key="edit_download", icon=":material/download:")
