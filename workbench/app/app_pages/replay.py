"""Evaluation replay: the quality-cost frontier of a replayed per-prompt evaluation table
(bundled RouteLLM and AlpacaEval data)."""

import streamlit as st

from workbench.app import state, widgets
from workbench.viz.theme import pct, usd

st.title("Evaluation replay")
tables = state.replay_tables()
if not tables:
    st.info("Evaluation replay is not available in this build (workbench.replay or the bundled "
            "tables in data/ are missing).")
    st.stop()
label = st.selectbox("Evaluation table", list(tables), key="replay_table")
judge_error = st.select_slider("Cascade judge error rate", [0.0, 0.05, 0.1, 0.2, 0.3], 0.1,
                               key="replay_judge_error")
doc = state.replay_doc(label, judge_error)
if "error" in doc:
    st.error(doc["error"])
    st.stop()
cascade = next((p for p in doc["policies"] if p["kind"] == "cascade"), None)
cols = st.columns(4)
strong, weak = doc["models"][doc["strong"]], doc["models"][doc["weak"]]
cols[0].metric(f"Strong: {doc['strong']}", pct(strong["quality"]),
               delta=f"{usd(strong['cost_usd'], 2)} for {doc['prompts_replayed']:,} prompts",
               delta_color="off", delta_arrow="off", border=True)
cols[1].metric(f"Weak: {doc['weak']}", pct(weak["quality"]),
               delta=f"{usd(weak['cost_usd'], 2)}", delta_color="off", delta_arrow="off",
               border=True)
cols[2].metric("Oracle", pct(doc["oracle"]["quality"]),
               delta=f"strong share {pct(doc['oracle']['strong_share'])}", delta_color="off",
               delta_arrow="off",
               border=True)
if cascade is not None:
    cols[3].metric(f"Cascade (judge error {judge_error:g})", pct(cascade["quality"]),
                   delta=f"{usd(cascade['cost_usd'], 2)}", delta_color="off",
                   delta_arrow="off", border=True)
st.caption(f"{doc['source']} - {doc['cost_method']}")
widgets.chart(state.replay_figure(doc), key="replay_frontier")
widgets.dataframe([{k: p.get(k) for k in ("name", "kind", "quality", "cost_usd", "strong_share")}
              for p in doc["policies"]], hide_index=True, width="stretch")
