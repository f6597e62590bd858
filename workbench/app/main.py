"""Streamlit entry point: ``workbench app`` runs ``streamlit run`` on this file.

The sidebar holds what every page shares (scenario, chosen policy, simulation size, report);
each page under ``app_pages/`` is one step of the job, left to right.
"""

from __future__ import annotations

import streamlit as st

from workbench.app import state, widgets

st.set_page_config(page_title="workbench", page_icon=":bar_chart:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/audit.py", title="Audit", icon=":material/table_view:"),
    st.Page("app_pages/scenario_editor.py", title="Edit scenario", icon=":material/edit_note:"),
    st.Page("app_pages/requirements.py", title="Requirements", icon=":material/checklist:"),
    st.Page("app_pages/policies.py", title="Policies", icon=":material/alt_route:"),
    st.Page("app_pages/simulate.py", title="Simulate & compare", icon=":material/play_circle:"),
    st.Page("app_pages/budget.py", title="Budget", icon=":material/savings:"),
    st.Page("app_pages/plan.py", title="Plan", icon=":material/target:"),
    st.Page("app_pages/reliability.py", title="Reliability", icon=":material/health_and_safety:"),
    st.Page("app_pages/roi.py", title="ROI", icon=":material/trending_up:"),
    st.Page("app_pages/replay.py", title="Evaluation replay", icon=":material/replay:"),
    st.Page("app_pages/live.py", title="Live", icon=":material/sensors:"),
]

navigation = st.navigation(PAGES)
state.init()
scenario = state.scenario()

with st.sidebar:
    st.markdown(f"**Scenario:** `{scenario.name}`  \nseed {scenario.seed}, "
                f"{len(scenario.policies)} policies")
    st.selectbox("Chosen policy", scenario.policy_names, key="chosen",
                 help="The policy leadership is asked to adopt; compared with the baseline "
                      f"({scenario.baseline}).")
    with st.expander("Simulation size"):
        st.number_input("Simulated days", min_value=1.0, max_value=365.0,
                        value=min(state.QUICK_DAYS, float(scenario.horizon.days)), step=1.0,
                        key="sim_days", help="Fewer days run faster; costs stay per month.")
        st.number_input("Replications", min_value=1, max_value=20,
                        value=state.QUICK_REPLICATIONS, step=1, key="sim_replications")
        st.checkbox("Keep every attempt", value=False, key="sim_records",
                    help="Records for cost over time, task flows, latency CDFs and the "
                         "simulated budget path; memory grows with the run. Off: summaries "
                         "only, in memory bounded by a block of simulated time.")
    st.download_button("Download report", data=state.report_builder(),
                       file_name=widgets.download_name(scenario.name, "-report.html"), mime="text/html",
                       icon=":material/download:", key="report_download",
                       help="Self-contained HTML for leadership: opens offline.",
                       on_click="ignore")

navigation.run()
