"""Audit from logs on the Audit page: upload gateway exports (and the provider's usage export),
see the fitted workload, the reconciliation with the bill and the spend the gateway never saw,
download the scenario or use it. Uploads are read from a private temporary folder that is
removed after the read; messages name the uploaded files, never that folder."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import streamlit as st

from workbench.app import state, uploads, widgets
from workbench.app.uploads import MIB, UploadKind
from workbench.domain.errors import WorkbenchError
from workbench.metrics.formats import pct, usd

LOG_UPLOAD = UploadKind("log export", ("csv", "jsonl", "json", "gz", "zip", "parquet"),
                        16 * MIB, 2_000_000, "rows")
LOG_FORMATS = {"LiteLLM SpendLogs": "litellm", "Langfuse observations": "langfuse",
               "Helicone requests": "helicone",
               "OpenAI usage on its own (totals per bucket)": "openai-usage",
               "Anthropic usage on its own (totals per bucket)": "anthropic-usage"}
USAGE_FORMATS = {"OpenAI usage": "openai-usage", "Anthropic usage": "anthropic-usage"}


def run_audit(files: list[Any], fmt: str, usage: Any | None, usage_format: str,
              task_from: str | None, task_map: Any | None = None) -> dict:
    """Audit the uploaded ``files`` (and ``usage``, renamed by ``task_map``): the ``--json``
    document, the scenario's YAML text and data, the overlay's; ``{"error": message}`` on bad
    input (uploaded names only)."""
    from workbench.audit import audit_logs
    from workbench.domain.edits import to_yaml

    with ExitStack() as stack:
        staged: list[tuple[str, Any]] = []

        def stage(upload: Any | None, kind: UploadKind) -> Any | None:
            """The upload's path in the private folder (None without an upload)."""
            if upload is None:
                return None
            path = stack.enter_context(uploads.staged(upload.name, upload, kind,
                                                      getattr(upload, "size", None)))
            staged.append((upload.name, path))
            return path

        logs = [stage(f, LOG_UPLOAD) for f in files]
        usage_path = stage(usage, LOG_UPLOAD)
        map_path = stage(task_map, uploads.SCENARIO_UPLOAD)
        try:
            audit = audit_logs(logs, fmt, usage=[usage_path] if usage_path else None,
                               usage_format=usage_format, task_from=task_from or None,
                               name="audited", task_map=map_path)
        except WorkbenchError as exc:
            message = str(exc)
            for name, path in staged:
                message = message.replace(str(path), name).replace(str(path.parent), "")
            return {"error": message}
    return {"doc": audit.to_json(), "scenario": audit.scenario,
            "yaml": to_yaml(audit.scenario), "overlay": to_yaml(audit.overlay())}


def render() -> None:
    """The upload form and, after a run, what the audit found."""
    st.caption("Gateway logs become a scenario: volumes, token samples, profiles, today's "
               "routing (weighted splits, retries and fallbacks included), reconciled with the "
               "observed spend; the "
               "provider's usage export adds the spend that bypassed the gateway. Only sizes "
               "are read, never prompt or response text.")
    with st.form("log_audit_form"):
        cols = st.columns([2, 1, 1])
        files = cols[0].file_uploader("Gateway log exports", type=list(LOG_UPLOAD.extensions),
                                      accept_multiple_files=True, key="log_files",
                                      max_upload_size=LOG_UPLOAD.max_upload_mb)
        fmt = cols[1].selectbox("Format", list(LOG_FORMATS), key="log_format")
        task_from = cols[2].text_input("Task type from", placeholder="tag:task (default)",
                                       key="log_task_from")
        cols = st.columns([2, 1, 1])
        usage = cols[0].file_uploader("Provider usage export (optional)",
                                      type=list(LOG_UPLOAD.extensions), key="log_usage",
                                      max_upload_size=LOG_UPLOAD.max_upload_mb)
        usage_format = cols[1].selectbox("Usage format", list(USAGE_FORMATS),
                                         key="log_usage_format")
        task_map = cols[2].file_uploader(
            "Task map (optional YAML)", type=list(uploads.SCENARIO_UPLOAD.extensions),
            key="log_task_map", max_upload_size=uploads.SCENARIO_UPLOAD.max_upload_mb,
            help="`tasks: {name in the logs: task type}` renames and merges task types.")
        st.caption(LOG_UPLOAD.limits_text())
        if st.form_submit_button("Audit the logs", type="primary") and files:
            with st.spinner("Reading and fitting the logs..."):
                st.session_state["log_audit"] = run_audit(
                    files, LOG_FORMATS[fmt], usage, USAGE_FORMATS[usage_format], task_from,
                    task_map)
    result = st.session_state.get("log_audit")
    if result is None:
        return
    if "error" in result:
        uploads.show_error(result["error"])
        return
    _show(result)


def _show(result: dict) -> None:
    doc = result["doc"]
    observed = doc["observed"]
    cols = st.columns(4)
    cols[0].metric("Observed calls", f"{observed['requests']:,.0f}", border=True,
                   help=f"Over {observed['days']:g} days.")
    cols[1].metric("Observed spend / month", usd(observed["monthly_cost_usd"], 2), border=True)
    cols[2].metric("Estimate of 'today'", usd(doc["estimated_monthly_cost_usd"], 2),
                   delta=f"{doc['residual_share']:+.2%} vs observed", delta_color="off",
                   border=True)
    untracked = doc.get("untracked")
    cols[3].metric("Untracked spend (period)",
                   usd(untracked["cost_usd"], 2) if untracked else "-", border=True,
                   help="Provider usage the gateway never logged (needs the usage export).")
    st.markdown("**Fitted workload**")
    widgets.dataframe([{"task type": name, "team": t["team"], "tasks / day": f"{t['per_day']:,.1f}",
                        "input p50 / p95": f"{t['input_tokens_p50']:,.0f} / "
                                           f"{t['input_tokens_p95']:,.0f}",
                        "output p50 / p95": f"{t['output_tokens_p50']:,.0f} / "
                                            f"{t['output_tokens_p95']:,.0f}",
                        "models": ", ".join(f"{m} {pct(s)}" for m, s in t["models"].items())}
                       for name, t in doc["task_types"].items()])
    st.markdown("**Reconciliation: what explains the residual**")
    widgets.dataframe([{"item": r["reason"], "calls": r["requests"],
                        "USD / month": usd(r["monthly_usd"], 2)} for r in doc["residual"]]
                      or [{"item": "nothing: the estimate explains the observed spend",
                           "calls": 0, "USD / month": usd(0.0, 2)}])
    if untracked and untracked["rows"]:
        st.markdown("**Spend the gateway did not see, by model and day**")
        widgets.dataframe([{"day": r["day"], "model": r["model_key"], "calls": r["requests"],
                            "USD": usd(r["cost_usd"], 2)} for r in untracked["rows"]])
    for note in doc["notes"]:
        st.caption(uploads.plain(note))
    cols = st.columns(3)
    cols[0].download_button("Download the scenario (YAML)", result["yaml"],
                            file_name="audited.yaml", mime="application/yaml",
                            key="log_download", icon=":material/download:")
    cols[1].download_button("Download the measured overlay (YAML)", result["overlay"],
                            file_name="measured.yaml", mime="application/yaml",
                            key="log_overlay", icon=":material/download:",
                            help="Latency, error rates and scored quality in calibrate's "
                                 "overlay format: `overlays: [measured.yaml]` in any scenario "
                                 "naming the same models.")
    cols[2].button("Use this scenario", key="log_use", on_click=_use, args=(result,))
    if "log_used" in st.session_state:
        message = st.session_state.pop("log_used")
        (st.success if message.startswith("The audited") else uploads.show_error)(message)


def _use(result: dict) -> None:
    """Make the audited scenario the session's (a callback: runs before the widgets)."""
    from workbench.domain.loader import scenario_from_data

    try:
        state.set_scenario(scenario_from_data(result["scenario"], "audited.yaml", None),
                           "audited.yaml (from logs)")
        st.session_state["audit_scenario"] = None
        st.session_state["log_used"] = ("The audited scenario is now the session's scenario "
                                        "on every page.")
    except WorkbenchError as exc:
        st.session_state["log_used"] = str(exc)
