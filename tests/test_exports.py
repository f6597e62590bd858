"""What leaves the product with a stranger's text in it: CSV cells that a spreadsheet would run
as formulas are neutralised (numbers stay numbers), chart labels are escaped, the report
escapes everything."""

from __future__ import annotations

import csv
import io
import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest

from tests.hostile.corpus import hostile_scenario
from workbench.domain import load_scenario
from workbench.metrics.csv_export import (
    FORMULA_STARTS,
    csv_bytes,
    neutralise_cell,
    spreadsheet_safe,
    write_csv,
)
from workbench.viz.theme import escape_label


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-", "'-"),
    # plain numbers as text are not formulas; ordinary text is untouched
    ("-2", "-2"), ("+1.5e3", "+1.5e3"), ("-.5", "-.5"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise_cell(cell, written):
    assert neutralise_cell(cell) == written


def test_numeric_columns_stay_numbers():
    frame = pl.DataFrame({"name": ["=x", "-y", "ok"], "usd": [-1.5, 0.0, 2.25],
                          "n": [-3, 0, 7], "flag": [True, False, None]})
    back = pl.read_csv(io.BytesIO(csv_bytes(frame)))
    assert back.schema == {"name": pl.String, "usd": pl.Float64, "n": pl.Int64,
                           "flag": pl.Boolean}
    assert back["usd"].to_list() == [-1.5, 0.0, 2.25]
    assert back["n"].to_list() == [-3, 0, 7]
    assert back["name"].to_list() == ["'=x", "'-y", "ok"]


def test_categorical_and_nested_columns_and_headers():
    frame = pl.DataFrame({"=head": pl.Series(["@a", "b"], dtype=pl.Categorical),
                          "l": [[1, 2], [3]]})
    safe = spreadsheet_safe(frame)
    assert safe.columns == ["'=head", "l"]
    assert safe.rows() == [("'@a", "[1, 2]"), ("b", "[3]")]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(hostile_scenario(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_run(hostile):
    from workbench.engine.simulation import simulate

    return simulate(load_scenario(hostile), replications=1, days=0.2)


def test_records_of_a_hostile_scenario_export_without_formulas(hostile_run, tmp_path):
    """Every text cell of the exported records (task types, models, providers, policies named
    as formulas) starts with a quote or a harmless character; numbers are still numbers."""
    out = tmp_path / "r.csv"
    write_csv(hostile_run.records, out)
    rows = _cells(out.read_bytes())
    assert len(rows) == hostile_run.records.height + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or re.match(r"^-?[\d.]+(e-?\d+)?$", cell)
    header = rows[0]
    models = {row[header.index("model")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://example.invalid","click")' in models
    back = pl.read_csv(out, infer_schema_length=None)
    assert back["cost_usd"].dtype == pl.Float64
    assert back["cost_usd"].sum() == pytest.approx(hostile_run.records["cost_usd"].sum())


def test_simulate_records_csv_through_the_cli(hostile, tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    out = tmp_path / "records.csv"
    result = CliRunner().invoke(app, ["simulate", str(hostile), "--days", "0.1", "-r", "1",
                                      "--records", str(out), "--json"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "\n=" not in text and ",=" not in text and ",@" not in text and ",+" not in text
    assert "'=cmd|' /C calc'!A0" in text


def _strings(node):
    """Every string inside a figure's JSON."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _strings(value)


MARKUP = re.compile(r"<(script|img|i|b|/script|/i|/b)\b", re.IGNORECASE)


def test_escape_label():
    assert escape_label("<b>a</b> & c") == "&lt;b&gt;a&lt;/b&gt; &amp; c"
    assert escape_label(3) == "3"


def test_every_figure_escapes_user_text(hostile, hostile_run):
    """Each figure the app and the report draw, from a scenario whose every name is HTML: no
    tag from the names survives anywhere in the figure (names, axes, hover, titles)."""
    from workbench.estimator import estimate
    from workbench.metrics import series
    from workbench.metrics.scenario_frames import workload_frame
    from workbench.viz import compare, cost, latency, reliability, roi, sankey, workload

    scenario = load_scenario(hostile)
    doc = estimate(scenario).to_json()
    sim = hostile_run.to_json()
    records = hostile_run.records
    policies = list(doc["policies"])
    chosen = policies[1]
    frame = workload_frame(scenario)
    costs = series.cost_over_time(records, by="model")
    figures = [
        workload.volume_figure(frame), workload.tokens_figure(frame),
        compare.policy_frontier_figure(sim["policies"], doc["baseline"]),
        cost.breakdown_figure(doc["policies"], "model"),
        cost.breakdown_figure(doc["policies"], "task_type"),
        cost.cost_over_time_figure(costs), cost.cost_over_time_figure(costs, chosen),
        latency.latency_cdf_figure(series.latency_cdf(records)),
        sankey.flow_sankey_figure(series.task_flows(records, chosen), chosen),
        reliability.availability_figure(sim["policies"]),
        reliability.event_counts_figure(sim["policies"]),
        reliability.outage_timeline_figure(
            series.outage_spans(hostile_run.outages), [p.name for p in scenario.providers],
            0.2),
        roi.waterfall_figure(doc["policies"][doc["baseline"]]["monthly_cost_usd"],
                             doc["policies"][chosen].get("roi"), chosen),
        roi.payback_figure(doc["policies"][chosen].get("roi"), chosen),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        found = [s for s in _strings(fig.to_plotly_json()) if MARKUP.search(s)]
        assert not found, (fig.layout.title.text, found[:3])
    shown = json.dumps(figures[2].to_plotly_json()["data"][1]["name"])
    assert "&lt;script&gt;" in shown or "&lt;img" in shown


def test_report_escapes_every_name(hostile, tmp_path):
    """The leadership report of the hostile scenario: no tag from a name or description
    outside the plotly data (which plotly writes with \\u003c escapes)."""
    from workbench.estimator import estimate
    from workbench.report.html import build_report

    scenario = load_scenario(hostile)
    text = build_report(scenario, estimate(scenario).to_json(), chosen=scenario.policies[1].name)
    assert "<script>alert" not in text and "<img src=x" not in text and "<i>cat" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
