"""Sections of the report: headline cards, the policy table, the charts and the assumptions."""

from __future__ import annotations

import polars as pl

from workbench.domain.edits import to_yaml
from workbench.domain.scenario import Scenario
from workbench.metrics import formats
from workbench.metrics.formats import (
    interval,
    label,
    metric_format,
    months,
    number,
    pct,
    pct_points,
    usd,
    usd_signed,
)
from workbench.metrics.scenario_frames import (
    FINANCE_FIELDS,
    models_frame,
    providers_frame,
    workload_frame,
)
from workbench.report.markup import esc, figure_span, frame_html, table_html

TABLE_KEYS = tuple((key, head, metric_format(key)) for key, head in (
    ("monthly_cost_usd", "cost / month"), ("cost_per_task_usd", "cost / task"),
    ("savings_vs_baseline", "savings"), ("quality_pass_rate", "pass rate"),
    ("success_rate", "success"), ("availability", "availability"), ("latency_p50_s", "p50"),
    ("latency_p95_s", "p95"), ("rework_hours", "rework h")))
SOURCE_ESTIMATE = "estimate"


def interval_text(summary: dict, key: str) -> str:
    """The 95% interval of ``key`` when the summary has one (``<key>_ci95``; ``roi.x`` looks
    in ``roi_ci95``), else ``""``."""
    if key.startswith("roi."):
        ci = (summary.get("roi_ci95") or {}).get(key[4:])
    else:
        ci = summary.get(f"{key}_ci95")
    return interval(ci[0], ci[1], metric_format(key)) if ci else ""


def _cell(policy: str, summary: dict, key: str, value, text: str) -> str:
    """A table cell: the figure, and its interval on a second, smaller line."""
    ci = interval_text(summary, key)
    return figure_span(policy, key, value, text) + (f'<div class="ci">{esc(ci)}</div>'
                                                    if ci else "")


def _card(label: str, value_html: str, delta: str = "") -> str:
    return (f'<div class="card"><div class="label">{esc(label)}</div>'
            f'<div class="value">{value_html}</div><div class="delta">{esc(delta)}</div></div>')


def headline_figures(doc: dict, chosen: str) -> str:
    """Six cards: cost now and with the chosen policy, savings, payback, availability and
    quality pass rate; each says where it comes from (the estimate, or the simulation with its
    95% interval)."""
    baseline = doc["baseline"]
    base, pick = doc["policies"][baseline], doc["policies"][chosen]
    simulated = "replications" in doc
    roi = pick.get("roi") or {}
    payback = roi.get("payback_months")
    rate, base_rate = pick.get("quality_pass_rate"), base.get("quality_pass_rate")

    def source(summary: dict, key: str) -> str:
        if not simulated:
            return SOURCE_ESTIMATE
        text = interval_text(summary, key)
        return f"simulated, 95% interval {text}" if text else "simulated"

    def value(policy: str, summary: dict, key: str, raw, text: str) -> str:
        return (figure_span(policy, key, raw, text)
                + f'<div class="source">{esc(source(summary, key))}</div>')

    cards = [
        _card("Monthly cost now", value(baseline, base, "monthly_cost_usd",
                                        base["monthly_cost_usd"], usd(base["monthly_cost_usd"])),
              f"baseline policy {baseline}"),
        _card(f"Monthly cost with {chosen}",
              value(chosen, pick, "monthly_cost_usd", pick["monthly_cost_usd"],
                    usd(pick["monthly_cost_usd"])),
              f"{usd_signed(pick['monthly_cost_usd'] - base['monthly_cost_usd'])} a month"),
        _card("Savings", value(chosen, pick, "savings_vs_baseline",
                               pick.get("savings_vs_baseline"),
                               pct(pick.get("savings_vs_baseline"))),
              "of the baseline's monthly model bill"),
        _card("Payback", value(chosen, pick, "roi.payback_months", payback, months(payback)),
              f"net {usd(roi.get('net_monthly_usd'))} a month after the ramp"
              if roi else "no ROI for the baseline"),
        _card("Availability", value(chosen, pick, "availability", pick["availability"],
                                    pct(pick["availability"], 2)),
              f"baseline {pct(base['availability'], 2)} "
              f"({pct_points(pick['availability'] - base['availability'], 2)})"),
        _card("Quality pass rate", value(chosen, pick, "quality_pass_rate", rate, pct(rate)),
              f"baseline {pct(base_rate)}"
              + (f" ({pct_points(rate - base_rate)})" if rate is not None and base_rate
                 is not None else "")),
    ]
    return '<div class="cards">' + "".join(cards) + "</div>"


def policy_table_rows(doc: dict) -> str:
    """Every policy with the CLI contract's keys, net benefit and payback."""
    rows = []
    for name, s in doc["policies"].items():
        row = [esc(name + (" (baseline)" if name == doc["baseline"] else ""))]
        for key, _, fmt in TABLE_KEYS:
            row.append(_cell(name, s, key, s.get(key), fmt(s.get(key))))
        roi = s.get("roi") or {}
        row.append(_cell(name, s, "roi.net_monthly_usd", roi.get("net_monthly_usd"),
                         usd(roi.get("net_monthly_usd")) if roi else "-"))
        row.append(_cell(name, s, "roi.payback_months", roi.get("payback_months"),
                         months(roi.get("payback_months")) if roi else "-"))
        rows.append(row)
    headers = ["policy"] + [h for _, h, _ in TABLE_KEYS] + ["net / month", "payback"]
    return table_html(headers, rows)


def _figure_html(fig) -> str:
    return ('<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False,
                                                config={"displayModeBar": False,
                                                        "responsive": True}) + "</div>")


def chart_sections(scenario: Scenario, doc: dict, chosen: str, records: pl.DataFrame | None,
                   outages: pl.DataFrame | None, figure_html=None) -> list[str]:
    """Cost, frontier and ROI charts; with records also cost over time, the task flow,
    latency CDFs, the budget burn-down and the outage timeline (``figure_html``: how a figure
    becomes HTML, default an interactive plotly block)."""
    figure_html = figure_html or _figure_html
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
    out = ["<h2>Cost and quality</h2>", figure_html(breakdown_figure(summaries, "model")),
           figure_html(policy_frontier_figure(summaries, baseline)),
           "<h2>Return on investment</h2>",
           figure_html(waterfall_figure(summaries[baseline]["monthly_cost_usd"], roi, chosen)),
           figure_html(payback_figure(roi, chosen)),
           "<h2>Reliability</h2>", figure_html(availability_figure(summaries))]
    if outages is not None and not outages.is_empty():
        spans = series.outage_spans(outages)
        days = float(doc.get("days", scenario.horizon.days))
        out.append(figure_html(outage_timeline_figure(spans, [p.name for p in scenario.providers],
                                                       days)))
    spec = scenario.policy(chosen)
    if spec.budget is not None:
        out += ["<h2>Budget</h2>", figure_html(burn_down_figure(
            expected_spend(scenario, chosen), chosen, spec.budget.monthly_usd,
            [{"at": r.at, "action": r.action} for r in spec.budget.rules],
            summaries[chosen].get("budget_firings") or []))]
    if records is not None and not records.is_empty():
        deadlines = {n: c.deadline_s for n, c in scenario.latency_classes.items()}
        out += ["<h2>Simulated run</h2>",
                figure_html(cost_over_time_figure(series.cost_over_time(records), chosen)),
                figure_html(flow_sankey_figure(series.task_flows(records, chosen), chosen)),
                figure_html(latency_cdf_figure(series.latency_cdf(records), deadlines))]
    return out


def assumption_sections(scenario: Scenario, doc: dict, simulation: dict | None,
                        claims: list[dict] | None = None) -> list[str]:
    """Every assumption: finance, quality bars, workload, models, providers, policies, the
    run's method, seed and size, and the claims judged by the fidelity that models each
    (``claims`` from `workbench.domain.claims.judge_claims`; default: ``doc``'s claims)."""
    finance = [[esc(label(k)), esc(number(getattr(scenario.finance, k))), esc(unit), esc(meaning),
                f"<code>finance.{esc(k)}</code>"]
               for k, (unit, meaning) in FINANCE_FIELDS.items()]
    bars = [[esc(k), esc(number(v))] for k, v in scenario.quality_bars.items()]
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
           "<h3>Finance (ROI)</h3>", table_html(
               ["assumption", "value", "unit", "meaning", "field in the scenario"], finance, {1}),
           "<h3>Quality bars by tier</h3>", table_html(["tier", "bar"], bars),
           "<h3>Workload</h3>", frame_html(workload_frame(scenario).drop(
               "input_tokens", "output_tokens", "category", "language")),
           "<h3>Models</h3>", frame_html(models_frame(scenario)),
           "<h3>Providers</h3>", frame_html(providers_frame(scenario)),
           "<h3>Policies</h3>", f"<pre>{esc(to_yaml(policies))}</pre>"]
    if claims:
        rows = [[esc(c["text"]), esc(c["policy"]), esc(label(c["metric"])), esc(claimed_text(c)),
                 esc(metric_format(c["metric"])(c["computed"])), esc(_judged_by(c)),
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
    if not interval:
        return by
    return f"{by} {formats.interval(interval[0], interval[1], metric_format(c['metric']))}"


def claimed_text(c: dict) -> str:
    """What a claim states, in its metric's unit: a value, a range, ``>= low`` or ``<= high``
    (never a raw ``[0.9224, None]``)."""
    fmt = metric_format(c["metric"])
    if c.get("claimed") is not None:
        return fmt(c["claimed"])
    low, high = c.get("claimed_range") or (None, None)
    if low is not None and high is not None:
        return f"{fmt(low)} to {fmt(high)}"
    if low is None and high is None:
        return "-"
    return f">= {fmt(low)}" if low is not None else f"<= {fmt(high)}"
