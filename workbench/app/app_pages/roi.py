"""ROI: waterfall from the baseline's cost to the chosen policy's net, payback curve, and the
assumptions as an editable table."""

import polars as pl
import streamlit as st

from workbench.app import state, widgets
from workbench.domain import edits
from workbench.metrics.formats import label, months_value
from workbench.metrics.scenario_frames import finance_frame, models_frame, providers_frame
from workbench.report.analysis import BREAK_EVEN_HEADERS, break_even_rows
from workbench.viz.roi import payback_figure, waterfall_figure
from workbench.viz.sensitivity import tornado_figure
from workbench.viz.theme import months, usd

st.title("ROI")
scenario = state.scenario()
doc, source, runs = state.headline_doc()
chosen = state.chosen_policy()
baseline = doc["baseline"]
roi = doc["policies"][chosen].get("roi")
roi_ci = doc["policies"][chosen].get("roi_ci95") or {}
st.caption(f"{chosen} against {baseline}; numbers: {source}.")
if state.stale_simulation() is not None:
    st.warning("Closed-form estimates: the last simulation is out of date after an edit. Run "
               "Simulate & compare again for simulated figures with intervals.")

cols = st.columns(4)
cols[0].metric("Net benefit / month", usd(roi["net_monthly_usd"]) if roi else "-", border=True)
cols[1].metric("Payback, months", months_value(roi["payback_months"]) if roi else "-",
               border=True)
cols[2].metric("Net over 12 months", usd(roi["net_12_months_usd"]) if roi else "-", border=True)
cols[0].caption(widgets.source_note(runs, roi_ci.get("net_monthly_usd"), usd))
cols[1].caption(widgets.source_note(runs, roi_ci.get("payback_months"), months))
cols[2].caption(widgets.source_note(runs, None, usd) if not runs
                else "simulated mean")
cols[3].metric("Implementation", usd(scenario.finance.implementation_cost_usd),
               delta=f"{scenario.finance.implementation_weeks:g} weeks ramp",
               delta_color="off", delta_arrow="off",
               border=True)
left, right = st.columns(2)
with left:
    widgets.chart(waterfall_figure(doc["policies"][baseline]["monthly_cost_usd"], roi, chosen),
                  key="roi_waterfall")
with right:
    widgets.chart(payback_figure(roi, chosen), key="roi_payback")

st.subheader("Sensitivity: what would flip the decision")


@st.cache_data(show_spinner="Moving each assumption on the closed form...", max_entries=16)
def _sensitivity(key: str, _scenario, policy: str) -> dict:
    """`workbench.estimator.sensitivity` of ``policy``, cached by the scenario's key."""
    from workbench.estimator.sensitivity import sensitivity

    return sensitivity(_scenario, policy).as_dict()


sens_key = f"roi_sens_{state.scenario_key(scenario)}_{chosen}"
if chosen == baseline:
    st.info(f"{chosen} is the baseline: choose another policy to see what moves its ROI.")
elif st.button("Compute the sensitivity", key="roi_sens") or st.session_state.get(sens_key):
    st.session_state[sens_key] = True
    sens = _sensitivity(state.scenario_key(scenario), scenario, chosen)
    st.caption("Each assumption moved alone to a low and a high value (closed-form estimate); "
               "break-even: where the net benefit reaches zero, found by bisection.")
    # full width: at half width the bar labels ran into the assumption names
    widgets.chart(tornado_figure(sens, "net"), key="roi_tornado_net")
    widgets.chart(tornado_figure(sens, "payback"), key="roi_tornado_payback")
    widgets.dataframe([dict(zip(BREAK_EVEN_HEADERS, row, strict=True))
                       for row in break_even_rows(sens)])
else:
    st.caption("Moves rework minutes, hourly rate, volume, each vendor's prices, outage rates "
               "and judge error one at a time and finds the break-even value of each.")

st.subheader("Assumptions")
st.caption("Edit a value and apply: every figure on every page follows.")
with st.form("roi_assumptions"):
    fields = {label(f): f for f in finance_frame(scenario)["assumption"]}  # words -> field
    edited = st.data_editor(finance_frame(scenario).with_columns(
                                pl.col("assumption").map_elements(label, return_dtype=pl.String)),
                            disabled=["assumption", "unit", "meaning"],
                            hide_index=True, width="stretch",
                            key=f"roi_table_{state.scenario_key(scenario)}",
                            column_config={"value": st.column_config.NumberColumn(min_value=0.0)})
    if st.form_submit_button("Apply assumptions"):
        frame = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
        values = {fields[r["assumption"]]: float(r["value"]) for r in frame.to_dicts()}
        if state.apply(edits.with_finance, values):
            st.rerun()


def _set_finance(field: str, key: str) -> None:
    state.apply(edits.with_finance, {field: st.session_state[key]})


tag = state.scenario_key(scenario)
cols = st.columns(2)
cols[0].number_input("Hourly rate of rework USD", min_value=0.0,
                     value=float(scenario.finance.hourly_rate_usd), step=5.0,
                     key=f"roi_rate_{tag}", on_change=_set_finance,
                     args=("hourly_rate_usd", f"roi_rate_{tag}"))
cols[1].number_input("Implementation cost USD", min_value=0.0,
                     value=float(scenario.finance.implementation_cost_usd), step=1000.0, format="%.0f",
                     key=f"roi_impl_{tag}", on_change=_set_finance,
                     args=("implementation_cost_usd", f"roi_impl_{tag}"))
st.markdown("**Model and provider assumptions**")
st.caption("Quality bars: " + ", ".join(f"{k} {v:.2f}" for k, v in scenario.quality_bars.items()))
widgets.dataframe(models_frame(scenario))
widgets.dataframe(providers_frame(scenario))
