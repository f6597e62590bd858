"""Policies: edit routing rules, the escalation ladder, the failover chain and budget rules;
YAML preview, the draft's expected numbers, save and download."""

import polars as pl
import streamlit as st

from workbench.app import state
from workbench.app.policy_form import LADDER, budget_rows, draft_policy, ladder_rows, routing_rows
from workbench.domain import edits
from workbench.domain.errors import WorkbenchError
from workbench.metrics.formats import label, metric_text
from workbench.viz.theme import pct, usd

st.title("Policies")
scenario = state.scenario()
models = [m.name for m in scenario.models]
names = scenario.policy_names
chosen = state.chosen_policy()
name = st.selectbox("Policy to edit", names, index=names.index(chosen), key="pol_edit")
policy = scenario.policy(name)
tag = f"{name}_{state.scenario_key(scenario)}"


def _frame(value) -> pl.DataFrame:
    return value if isinstance(value, pl.DataFrame) else pl.from_pandas(value)


splits = policy.routing is not None and (policy.routing.default_split
                                         or any(r.split for r in policy.routing.rules))
if splits or policy.failover.fallbacks:
    what = ("spreads traffic with a weighted split" if splits
            else "gives models their own fallbacks")
    st.info(f"{name} {what}, which this form does not edit: change it in the scenario's "
            "YAML (its figures are on every other page).")
    st.code(edits.policy_yaml(scenario, name), language="yaml")
    st.stop()
routing_tab, ladder_tab, failover_tab, budget_tab = st.tabs(
    ["Routing rules", "Escalation ladder", "Failover chain", "Budget rules"])
with routing_tab:
    routing = policy.routing
    default_options = models + [LADDER]
    default = (routing.default if routing and routing.default else LADDER)
    default_model = st.selectbox("Default model (when no rule matches)", default_options,
                                 index=default_options.index(default), key=f"pol_default_{tag}")
    rules = _frame(st.data_editor(
        routing_rows(policy), num_rows="dynamic", hide_index=True, width="stretch",
        key=f"pol_rules_{tag}",
        column_config={"when": st.column_config.TextColumn(
                           "when (e.g. task_type: simple, or tier: [basic, standard])",
                           required=True, width="large"),
                       "model": st.column_config.SelectboxColumn("model", options=default_options,
                                                                 required=True)}))
with ladder_tab:
    st.caption("Cheapest rung first; a judge checks each non-final rung's output.")
    ladder = _frame(st.data_editor(
        ladder_rows(policy), num_rows="dynamic", hide_index=True, width="stretch",
        key=f"pol_ladder_{tag}",
        column_config={"model": st.column_config.SelectboxColumn("model", options=models,
                                                                 required=True),
                       "pass_probability": st.column_config.NumberColumn(
                           "stated pass probability (blank: quality profile)", min_value=0.0,
                           max_value=1.0)}))
    judge = policy.escalation.judge if policy.escalation else None
    cols = st.columns(4)
    judge_cost = cols[0].number_input("Judge USD per call", min_value=0.0, format="%.4f",
                                      value=judge.cost_usd if judge else 0.0,
                                      key=f"pol_judge_cost_{tag}")
    judge_latency = cols[1].number_input("Judge latency s", min_value=0.0,
                                         value=judge.latency_s if judge else 0.0,
                                         key=f"pol_judge_lat_{tag}")
    false_accept = cols[2].number_input("False accept", min_value=0.0, max_value=1.0,
                                        value=judge.false_accept if judge else 0.0,
                                        key=f"pol_fa_{tag}")
    false_reject = cols[3].number_input("False reject", min_value=0.0, max_value=1.0,
                                        value=judge.false_reject if judge else 0.0,
                                        key=f"pol_fr_{tag}")
with failover_tab:
    fo = policy.failover
    modes = ["none", "sequential", "hedged", "predictive"]
    cols = st.columns(4)
    mode = cols[0].selectbox("Mode", modes, index=modes.index(fo.mode), key=f"pol_mode_{tag}")
    retries = cols[1].number_input("Retries per model", min_value=0, max_value=10,
                                   value=fo.retries, key=f"pol_retries_{tag}")
    timeout = cols[2].number_input("Timeout s", min_value=0.1, value=float(fo.timeout_s),
                                   key=f"pol_timeout_{tag}")
    backoff = cols[3].number_input("Backoff s", min_value=0.0, value=float(fo.backoff_s),
                                   key=f"pol_backoff_{tag}")
    chain = st.multiselect("Failover chain (in order)", models, default=fo.chain,
                           key=f"pol_chain_{tag}")
    breaker = st.toggle("Circuit breaker", value=fo.breaker is not None, key=f"pol_breaker_{tag}")
    failures, cooldown = 5, 60.0
    if breaker:
        cols = st.columns(2)
        failures = cols[0].number_input("Opens after failures", min_value=1,
                                        value=fo.breaker.failures if fo.breaker else 5,
                                        key=f"pol_bfail_{tag}")
        cooldown = cols[1].number_input("Cooldown s", min_value=1.0,
                                        value=float(fo.breaker.cooldown_s if fo.breaker else 60.0),
                                        key=f"pol_bcool_{tag}")
with budget_tab:
    has_budget = st.toggle("Monthly budget", value=policy.budget is not None,
                           key=f"pol_has_budget_{tag}")
    monthly, budget = None, pl.DataFrame()
    if has_budget:
        monthly = st.number_input("Monthly budget USD", min_value=1.0, step=100.0, format="%.0f",
                                  value=float(policy.budget.monthly_usd if policy.budget else
                                              state.estimate_doc()["policies"][name]
                                              ["monthly_cost_usd"]),
                                  key=f"pol_monthly_{tag}")
        st.caption("Map: `from_model -> to_model, ...` for downgrade rules.")
        budget = _frame(st.data_editor(
            budget_rows(policy), num_rows="dynamic", hide_index=True, width="stretch",
            key=f"pol_budget_{tag}",
            column_config={"at": st.column_config.NumberColumn("at share of budget",
                                                               min_value=0.01, max_value=1.0),
                           "action": st.column_config.SelectboxColumn(
                               "action", options=["downgrade", "block_noncritical"],
                               format_func=label),
                           "map": st.column_config.TextColumn("downgrade map")}))

save_as = st.text_input("Save as policy name", value=name, key=f"pol_save_as_{tag}")
try:
    draft = draft_policy(
        policy, save_as, default_model, rules, ladder,
        {"cost_usd": judge_cost, "latency_s": judge_latency, "false_accept": false_accept,
         "false_reject": false_reject},
        {"mode": mode, "chain": chain, "retries": int(retries), "timeout_s": timeout,
         "backoff_s": backoff, "breaker": {"failures": int(failures), "cooldown_s": cooldown}
         if breaker else None},
        monthly, budget)
    trial = edits.with_policy(scenario, draft)
except WorkbenchError as exc:
    st.error(f"This draft is not valid yet: {exc}")
    st.stop()

figures = state.estimate_doc(trial)["policies"][save_as]
cols = st.columns(4)
cols[0].metric("Draft: cost / month", usd(figures["monthly_cost_usd"]), border=True)
cols[1].metric("Draft: pass rate", pct(figures["quality_pass_rate"]), border=True)
cols[2].metric("Draft: availability", metric_text("availability", figures["availability"]),
               border=True)
cols[3].metric("Draft: savings", pct(figures["savings_vs_baseline"]), border=True)


confirmed = True
if save_as != name and save_as in names:
    if save_as == scenario.baseline:
        st.warning(f"{save_as!r} is the baseline: every saving and payback is measured against "
                   "it. Saving this draft over it makes the comparison meaningless (savings 0%, "
                   "payback never). Pick another name, or confirm below.")
    else:
        st.warning(f"A policy named {save_as!r} exists: saving replaces it with this draft.")
    confirmed = st.checkbox(f"Yes, replace {save_as!r}", value=False,
                            key=f"pol_replace_{tag}_{save_as}")


def _save() -> None:
    if not confirmed:
        return
    if state.apply(edits.with_policy, draft):
        st.session_state["pol_saved"] = save_as


st.button("Save policy to the scenario", key="pol_save", type="primary", on_click=_save,
          disabled=not confirmed)
if "pol_saved" in st.session_state:
    st.success(f"Saved policy {st.session_state.pop('pol_saved')!r}.")
yaml_text = edits.policy_yaml(trial, save_as)
st.download_button("Download policy YAML", yaml_text, file_name=f"{save_as}.yaml",
                   mime="application/x-yaml", key="pol_download", on_click="ignore")
st.code(yaml_text, language="yaml")

st.subheader("Export to gateway")
if st.toggle("Export this draft as a LiteLLM or Portkey config", key="pol_gw_show"):
    from workbench.domain.bounded_read import parse_yaml
    from workbench.report.gateway_export import priced_export, served_from_data

    target = st.radio("Gateway", ["litellm", "portkey"], horizontal=True, key="pol_gw_target")
    default_endpoints = edits.to_yaml({"endpoints": [{
        "name": "local", "base_url": "http://127.0.0.1:8000/v1", "api_key_env": "GATEWAY_KEY",
        "models": {m: m for m in models}}]})
    endpoints_text = st.text_area(
        "Endpoints (as in a probe config: base URL, key variable NAME, served model names)",
        value=default_endpoints, height=180, key=f"pol_gw_endpoints_{state.scenario_key(scenario)}")
    try:
        served = served_from_data(parse_yaml(endpoints_text, "endpoints"), trial, "endpoints")
        exported = priced_export(trial, save_as, target, served)
    except WorkbenchError as exc:
        st.error(str(exc))
    else:
        suffix = "yaml" if target == "litellm" else "json"
        cols = st.columns(2)
        cols[0].download_button(f"Download {target} config", exported.config_text,
                                file_name=f"{save_as}.{target}.{suffix}", key="pol_gw_config",
                                on_click="ignore")
        cols[1].download_button("Download translation report", exported.markdown,
                                file_name=f"{save_as}.{target}.translation.md",
                                mime="text/markdown", key="pol_gw_report", on_click="ignore")
        st.markdown(exported.markdown)
        st.code(exported.config_text, language=suffix)
