"""Evaluation replay: the quality-cost frontier of a replayed per-prompt evaluation table
(bundled RouteLLM and AlpacaEval data)."""

import re

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
models = state.replay_models(label)
if "error" in models:
    st.error(models["error"])
    st.stop()
ADVERSARIAL = ("NullModel",)  # AlpacaEval's constant output that games the judge
unpriced = sum(not m["price"] for m in models.values())
with st.expander(f"Prices of the {len(models)} models ({unpriced} without a price)",
                 expanded=unpriced > 0):
    st.caption("A price is `provider:model` from the price catalogue (genai-prices) or "
               "`IN/OUT` USD per million input / output tokens. Catalogue matches of the "
               "leaderboard's names are filled in and shown as such; a model left blank has "
               "no cost and stays off the frontier.")
    edited = st.data_editor(
        [{"model": name, "quality": m["quality"], "price": m["price"], "source": m["source"]}
         for name, m in sorted(models.items(), key=lambda kv: -kv[1]["quality"])],
        disabled=["model", "quality", "source"], hide_index=True, width="stretch",
        key=f"replay_prices_{label}",
        column_config={"quality": st.column_config.NumberColumn("quality", format="%.3f"),
                       "price": st.column_config.TextColumn("price (provider:model or IN/OUT)")})
    rows = edited.to_dict("records") if hasattr(edited, "to_dict") else list(edited)
prices = {r["model"]: r["price"].strip() for r in rows if (r.get("price") or "").strip()}
exclude = st.multiselect("Leave out", list(models), key=f"replay_exclude_{label}",
                         default=[m for m in ADVERSARIAL if m in models],
                         help="NullModel is AlpacaEval's adversarial entry: a constant output "
                              "that games the judge, not a model anyone can deploy.")
priced = [r["model"] for r in rows
          if r["model"] in prices or models[r["model"]]["source"] == "in the table"]
choices = [m for m in priced if m not in exclude]  # best quality first
cols = st.columns(2)
strong = cols[0].selectbox("Strong model", choices, index=0 if choices else None,
                           key=f"replay_strong_{label}",
                           placeholder="price at least two models")
weak = cols[1].selectbox("Weak model", [m for m in choices if m != strong], index=None,
                         key=f"replay_weak_{label}", placeholder="the cheapest other (automatic)")
doc = state.replay_doc(label, judge_error, tuple(sorted(prices.items())), tuple(exclude),
                       strong, weak)
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
source = doc["source"].replace(f"{state.REPO_ROOT}/", "")
method = re.sub(r"; pass --price .*$", "; price them in the table above",
                doc["cost_method"]).replace("or --price", "or the price table above")
st.caption(f"{source} - {method}")
widgets.chart(state.replay_figure(doc), key="replay_frontier")
widgets.dataframe([{k: p.get(k) for k in ("name", "kind", "quality", "cost_usd", "strong_share")}
              for p in doc["policies"]], hide_index=True, width="stretch")
