"""The leadership report: one self-contained HTML file (plotly.js inlined once, no external
request) that opens with the verdict (recommendation, one paragraph, top risks), then the
headline numbers, the charts, the sensitivity and chargeback sections and every assumption,
with the scenario's name and seed.

Every number that comes from a summary is written as
``<span class="figure" data-policy=".." data-key=".." data-value="..">`` so that a reader (and a
test) can check it against ``workbench estimate --json`` / ``workbench simulate --json``.

    >>> html = build_report(scenario, estimate(scenario).to_json())  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from workbench.domain.claims import judge_claims
from workbench.domain.scenario import Scenario
from workbench.report.analysis import chargeback_section, sensitivity_section
from workbench.report.figures import FigureSet
from workbench.report.markup import esc
from workbench.report.sections import (
    assumption_sections,
    chart_sections,
    headline_figures,
    policy_table_rows,
)
from workbench.report.verdict import recommend, verdict_html
from workbench.viz.theme import plural

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;
background:#f9fafb}
main{max-width:1180px;margin:0 auto;padding:28px 32px 60px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:1px solid
#e5e7eb;padding-bottom:6px}h3{font-size:16px;margin:22px 0 8px}
.meta{color:#4b5563;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin-top:18px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:14px 16px}
.card .label{font-size:13px;color:#4b5563}
.card .value{font-size:26px;font-weight:600;margin-top:4px}
.card .delta{font-size:13px;color:#4b5563;margin-top:2px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e5e7eb;padding:6px 8px;text-align:left}
th.n,td.n{text-align:right}th{background:#f3f4f6}.table{overflow-x:auto}
pre{background:#fff;border:1px solid #e5e7eb;padding:10px;font-size:12px;overflow-x:auto}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:10px;margin:12px 0;padding:6px}
.note{font-size:13px;color:#4b5563}
td .ci{font-size:11px;color:#6b7280;white-space:nowrap}td .figure{white-space:nowrap}
.card .source{font-size:12px;color:#6b7280;margin-top:2px}
.verdict{background:#fff;border:1px solid #e5e7eb;border-left:6px solid #2563eb;
border-radius:10px;padding:6px 20px 10px;margin-top:18px}
.verdict h2{border:none;margin:12px 0 6px;font-size:22px}
.verdict .summary{font-size:16px;line-height:1.5}.verdict .basis{color:#4b5563;font-size:13px}
.risks li{margin:4px 0;font-size:14px}
h2,h3{break-after:avoid}
@media print{.chart{break-inside:avoid}.next-page{break-before:page}body{background:#fff}main{padding:0}
.table{overflow:visible}table{font-size:9px}th,td{padding:3px 4px}.cards{gap:6px}}
"""


def build_pack(scenario: Scenario, estimate_doc: dict, chosen: str | None = None,
               simulation: dict | None = None, recommended: str | None = None) -> dict:
    """What the HTML report and the slides share: the summaries doc, the judged claims, the
    recommendation, the policy the figures are about and its sensitivity (plain data)."""
    from workbench.estimator.sensitivity import sensitivity

    doc = simulation or estimate_doc
    claims = judge_claims(scenario, estimate_doc.get("policies"),
                          simulation["policies"] if simulation else None)
    rec = recommend(doc, claims, planned=recommended,
                    chosen=chosen if chosen in doc["policies"] else None)
    focus = rec.candidate
    sens = None if focus == doc["baseline"] else sensitivity(scenario, focus).as_dict()
    if simulation:
        method = (f"Monte Carlo simulation: {plural(simulation['replications'], 'replication')}"
                  f" of {plural(simulation.get('days', scenario.horizon.days), 'day')}, seed "
                  f"{simulation['seed']}")
    else:
        method = "closed-form expected values (workbench estimate)"
    return {"doc": doc, "claims": claims, "recommendation": rec, "chosen": focus,
            "sensitivity": sens, "method": method}


def build_report(scenario: Scenario, estimate_doc: dict, chosen: str | None = None,
                 simulation: dict | None = None, records: pl.DataFrame | None = None,
                 outages: pl.DataFrame | None = None, recommended: str | None = None,
                 pack: dict | None = None) -> str:
    """The report as one HTML string. Headline numbers come from ``simulation`` (a
    ``simulate --json`` document) when given, else from ``estimate_doc``; ``recommended`` is
    the planner's choice when there is one (see `workbench.report.verdict`)."""
    pack = pack or build_pack(scenario, estimate_doc, chosen, simulation, recommended)
    doc, chosen, rec = pack["doc"], pack["chosen"], pack["recommendation"]
    baseline = doc["baseline"]
    figures = FigureSet()
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<h1>{esc(scenario.name)}: what the routing change is worth</h1>",
        f'<p class="meta">{esc(scenario.description)}</p>',
        (f'<p class="meta">Scenario <b id="scenario-name">{esc(scenario.name)}</b>, seed '
         f'<b id="scenario-seed">{scenario.seed}</b>; numbers: <span id="method">'
         f'{esc(pack["method"])}</span>; baseline policy <b>{esc(baseline)}</b>, chosen policy '
         f'<b id="chosen">{esc(chosen)}</b>; generated {generated}.</p>'),
        verdict_html(doc, rec, pack["claims"], pack["sensitivity"]),
        "<h2>Headline</h2>", headline_figures(doc, chosen),
        '<h2 class="next-page">All policies</h2>', policy_table_rows(doc),
    ]
    charts = chart_sections(scenario, doc, chosen, records, outages, figures.html)
    cut = charts.index("<h2>Reliability</h2>") if "<h2>Reliability</h2>" in charts else len(charts)
    extra = []
    if pack["sensitivity"] is not None:
        extra += sensitivity_section(pack["sensitivity"], figures.html)
    if chosen != baseline:
        extra += chargeback_section(doc["policies"], baseline, chosen, figures.html)
    parts += charts[:cut] + extra + charts[cut:]
    parts += assumption_sections(scenario, doc, simulation, pack["claims"])
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(scenario.name)} - workbench report</title>"
            f"<style>{STYLE}</style><script>{figures.script()}</script></head>"
            f"<body><main>\n{body}\n</main></body></html>\n")
