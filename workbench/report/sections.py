"""Sections of the report: headline cards, the policy table, the charts and the assumptions."""

from __future__ import annotations

import polars as pl

from workbench.domain.edits import to_yaml
from workbench.domain.scenario import Scenario
from workbench.metrics.scenario_frames import (
    FINANCE_FIELDS,
    models_frame,
    providers_frame,
    workload_frame,
)
from workbench.report.markup import esc, figure_span, frame_html, table_html
from workbench.viz.theme import months, pct, usd

TABLE_KEYS = (("monthly_cost_usd", "cost / month", lambda v: usd(v, 2)),
              ("cost_per_task_usd", "cost / task", lambda v: usd(v, 4)),
              ("savings_vs_baseline", "savings", lambda v: pct(v, 2)),
              ("quality_pass_rate", "pass rate", lambda v: pct(v, 2)),
              ("success_rate", "success", lambda v: pct(v, 3)),
              ("availability", "availability", lambda v: pct(v, 3)),
              ("latency_p50_s", "p50", lambda v: "-" if v is None else f"{v:.2f} s"),
              ("latency_p95_s", "p95", lambda v: "-" if v is None else f"{v:.2f} s"),
              ("rework_hours", "rework h", lambda v: "-" if v is None else f"{v:,.1f}"))


def _card(label: str, value_html: str, delta: str = "") -> str:
    return (f'<div class="card"><div class="label">{esc(label)}</div>'
            f'<div class="value">{value_html}</div><div class="delta">{esc(delta)}</div></div>')


def headline_figures(doc: dict, chosen: str) -> str:
    """Six cards: cost now and with the chosen policy, savings, payback, availability and
    quality pass rate."""
    baseline = doc["baseline"]
    base, pick = doc["policies"][baseline], doc["policies"][chosen]
    roi = pick.get("roi") or {}
    payback = roi.get("payback_months")
    rate, base_rate = pick.get("quality_pass_rate"), base.get("quality_pass_rate")
    cards = [
        _card("Monthly cost now", figure_span(baseline, "monthly_cost_usd",
                                              base["monthly_cost_usd"],
                                              usd(base["monthly_cost_usd"], 2)),
              f"baseline policy {baseline}"),
        _card(f"Monthly cost with {chosen}",
              figure_span(chosen, "monthly_cost_usd", pick["monthly_cost_usd"],
                          usd(pick["monthly_cost_usd"], 2)),
              f"{usd(pick['monthly_cost_usd'] - base['monthly_cost_usd'], 2)} a month"),
        _card("Savings", figure_span(chosen, "savings_vs_baseline",
                                     pick.get("savings_vs_baseline"),
                                     pct(pick.get("savings_vs_baseline"), 2)),
              "of the baseline's monthly cost"),
        _card("Payback", figure_span(chosen, "roi.payback_months", payback, months(payback)),
              f"net {usd(roi.get('net_monthly_usd'), 2)} a month after the ramp"
              if roi else "no ROI for the baseline"),
        _card("Availability", figure_span(chosen, "availability", pick["availability"],
                                          pct(pick["availability"], 3)),
              f"baseline {pct(base['availability'], 3)}"),
        _card("Quality pass rate", figure_span(chosen, "quality_pass_rate", rate, pct(rate, 2)),
              f"baseline {pct(base_rate, 2)}"),
    ]
    return '<div class="cards">' + "".join(cards) + "</div>"


def policy_table_rows(doc: dict) -> str:
    """Every policy with the CLI contract's keys, net benefit and payback."""
    rows = []
    for name, s in doc["policies"].items():
        row = [esc(name + (" (baseline)" if name == doc["baseline"] else ""))]
        for key, _, fmt in TABLE_KEYS:
            text = fmt(s.get(key))
            if key == "monthly_cost_usd" and s.get("monthly_cost_usd_ci95"):
                low, high = s["monthly_cost_usd_ci95"]
                text += f" [{usd(low)}, {usd(high)}]"
            row.append(figure_span(name, key, s.get(key), text))
        roi = s.get("roi") or {}
        row.append(figure_span(name, "roi.net_monthly_usd", roi.get("net_monthly_usd"),
                               usd(roi.get("net_monthly_usd"), 2) if roi else "-"))
        row.append(figure_span(name, "roi.payback_months", roi.get("payback_months"),
                               months(roi.get("payback_months")) if roi else "-"))
        rows.append(row)
    headers = ["policy"] + [h for _, h, _ in TABLE_KEYS] + ["net / month", "payback"]
    return table_html(headers, rows)


def _figure_html(fig) -> str:
    return ('<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False,
                                                config={"displayModeBar": False,
                                                        "responsive": True}) + "</div>")


def chart_sections(scenario: Scenario, doc: dict, chosen: str, records: pl.DataFrame | None,
                   outages: pl.DataFrame | None) -> list[str]:
    """Cost, frontier and ROI charts; with records also cost over time, the task flow,
    latency CDFs, the budget burn-down and the outage timeline."""
    from workbench.estimator.budget_effects import expected_spend
    from workbench.metrics import series
    from workbench.viz.budget import burn_down_figure
    from workbench.viz.compare import policy_frontier_figure
    from workbench.viz.cost import breakdown_figure, cost_over_time_figure
    from workbench.viz.latency import latency_cdf_figure
    from workbench.viz.reliability import availability_figure, outage_timeline_figure
    from workbench.viz.roi import payback_figure, waterfall_figure
    from workbench.viz.sankey import flow_sankey_figure

    summaries = doc["policies"]
    baseline = doc["baseline"]
    roi = summaries[chosen].get("roi")
    out = ["<h2>Cost and quality</h2>", _figure_html(breakdown_figure(summaries, "model")),
           _figure_html(policy_frontier_figure(summaries, baseline)),
           "<h2>Return on investment</h2>",
           _figure_html(waterfall_figure(summaries[baseline]["monthly_cost_usd"], roi, chosen)),
           _figure_html(payback_figure(roi, chosen)),
           "<h2>Reliability</h2>", _figure_html(availability_figure(summaries))]
    if outages is not None and not outages.is_empty():
        spans = series.outage_spans(outages)
        days = float(doc.get("days", scenario.horizon.days))
        out.append(_figure_html(outage_timeline_figure(spans, [p.name for p in scenario.providers],
                                                       days)))
    spec = scenario.policy(chosen)
    if spec.budget is not None:
        out += ["<h2>Budget</h2>", _figure_html(burn_down_figure(
            expected_spend(scenario, chosen), chosen, spec.budget.monthly_usd,
            [{"at": r.at, "action": r.action} for r in spec.budget.rules],
            summaries[chosen].get("budget_firings") or []))]
    if records is not None and not records.is_empty():
        deadlines = {n: c.deadline_s for n, c in scenario.latency_classes.items()}
        out += ["<h2>Simulated run</h2>",
                _figure_html(cost_over_time_figure(series.cost_over_time(records), chosen)),
                _figure_html(flow_sankey_figure(series.task_flows(records, chosen), chosen)),
                _figure_html(latency_cdf_figure(series.latency_cdf(records), deadlines))]
    return out


def assumption_sections(scenario: Scenario, doc: dict, simulation: dict | None,
                        claims: list[dict] | None = None) -> list[str]:
    """Every assumption: finance, quality bars, workload, models, providers, policies, the
    run's method, seed and size, and the claims judged by the fidelity that models each
    (``claims`` from `workbench.domain.claims.judge_claims`; default: ``doc``'s claims)."""
    finance = [[esc(k), esc(f"{getattr(scenario.finance, k):,.2f}"), esc(unit), esc(meaning)]
               for k, (unit, meaning) in FINANCE_FIELDS.items()]
    bars = [[esc(k), esc(f"{v:.2f}")] for k, v in scenario.quality_bars.items()]
    run = [["method", esc(doc.get("method", ""))], ["seed", esc(doc.get("seed", scenario.seed))],
           ["days per month", esc(f"{scenario.days_per_month:g}")]]
    if simulation:
        run += [["replications", esc(simulation["replications"])],
                ["simulated days", esc(f"{simulation.get('days', scenario.horizon.days):g}")]]
    policies = [p.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                | {"name": p.name} for p in scenario.policies]
    claims = (doc.get("claims") or []) if claims is None else claims
    out = ["<h2>Assumptions</h2>",
           ('<p class="note">Every figure above follows from these inputs; change one in the '
           "workbench and the report follows.</p>"),
           "<h3>Run</h3>", table_html(["setting", "value"], run, set()),
           "<h3>Finance (ROI)</h3>", table_html(["assumption", "value", "unit", "meaning"],
                                                finance, {1}),
           "<h3>Quality bars by tier</h3>", table_html(["tier", "bar"], bars),
           "<h3>Workload</h3>", frame_html(workload_frame(scenario).drop(
               "input_tokens", "output_tokens", "category", "language")),
           "<h3>Models</h3>", frame_html(models_frame(scenario)),
           "<h3>Providers</h3>", frame_html(providers_frame(scenario)),
           "<h3>Policies</h3>", f"<pre>{esc(to_yaml(policies))}</pre>"]
    if claims:
        rows = [[esc(c["text"]), esc(c["policy"]), esc(c["metric"]),
                 esc(c["claimed"] if c["claimed"] is not None else c.get("claimed_range")),
                 esc(c["computed"]), esc(_judged_by(c)),
                 esc({True: "yes", False: "NO"}.get(c["holds"], c.get("status") or "-"))]
                for c in claims]
        out += ["<h3>Claims checked against the numbers</h3>",
                ('<p class="note">Each claim is judged by the fidelity that models it: '
                 "reliability and latency under outages or limits on a simulation, with its "
                 "95% interval.</p>"),
                table_html(["claim", "policy", "metric", "claimed", "computed", "judged by",
                            "holds"], rows, set())]
    return out


def _judged_by(c: dict) -> str:
    """``simulation [low, high]``, ``estimate``, or ``-`` when nothing could judge the claim."""
    by = c.get("judged_by")
    interval = c.get("interval")
    if by is None:
        return "-"
    return f"{by} [{interval[0]:.6g}, {interval[1]:.6g}]" if interval else by
