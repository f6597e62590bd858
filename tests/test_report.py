"""The leadership report: self-contained HTML whose numbers are the CLI's numbers, that opens
with no network, and a PDF where Chromium is present."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

from workbench.cli import app

SCENARIO = str(Path(__file__).resolve().parents[1] / "scenarios" / "support_desk.yaml")
FIGURE = re.compile(r'<span class="figure" data-policy="([^"]*)" data-key="([^"]*)" '
                    r'data-value="([^"]*)">')
CHROMIUM = Path("/usr/bin/chromium")


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def figures(text: str) -> list[tuple[str, str, object]]:
    return [(html.unescape(p), html.unescape(k), json.loads(html.unescape(v)))
            for p, k, v in FIGURE.findall(text)]


def lookup(summary: dict, key: str):
    value = summary
    for part in key.split("."):
        value = value[part] if value is not None else None
    return value


def assert_same_numbers(text: str, doc: dict, rel: float = 0.0) -> int:
    """Every number of the report equals the CLI's (within ``rel`` for a simulation, whose
    sums may differ in the last bit between runs)."""
    found = figures(text)
    assert found
    for policy, key, value in found:
        expected = lookup(doc["policies"][policy], key)
        if rel and isinstance(value, float):
            assert value == pytest.approx(expected, rel=rel), (policy, key)
        else:
            assert value == expected, (policy, key)
    return len(found)


@pytest.fixture(scope="module")
def estimate_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    run("report", SCENARIO, "--out", str(out))
    return out


def test_report_numbers_are_the_estimate_numbers(estimate_report):
    text = estimate_report.read_text(encoding="utf-8")
    doc = json.loads(run("estimate", SCENARIO, "--json"))
    # every policy's table row plus the six headline cards
    assert assert_same_numbers(text, doc) >= 6 + 11 * len(doc["policies"])
    assert 'id="scenario-name">support_desk<' in text
    assert 'id="scenario-seed">7<' in text
    assert "hourly_rate_usd" in text and "implementation_weeks" in text  # assumptions
    assert text.count("Plotly.newPlot") >= 5


def test_report_is_self_contained(estimate_report):
    text = estimate_report.read_text(encoding="utf-8")
    markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.DOTALL)
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', markup)
    assert "<script src" not in text and "<link" not in markup
    # the library is inlined once, the partial bundle: the report stays under 1.5 MB
    assert len(re.findall(r"\* plotly\.js( \(finance - minified\))? v\d", text)) == 1
    assert len(text.encode("utf-8")) < 1_500_000


def test_report_from_a_simulation_matches_simulate_json(tmp_path):
    out = tmp_path / "sim.html"
    args = ("--replications", "2", "--days", "1")
    meta = json.loads(run("report", SCENARIO, "--out", str(out), "--simulate", *args, "--json"))
    assert meta["method"].startswith("simulation") and meta["seed"] == 7
    doc = json.loads(run("simulate", SCENARIO, "--json", *args))
    text = out.read_text(encoding="utf-8")
    assert_same_numbers(text, doc, rel=1e-12)
    assert "Simulated run" in text


def test_report_rejects_an_unknown_policy(tmp_path):
    result = CliRunner().invoke(app, ["report", SCENARIO, "--out", str(tmp_path / "r.html"),
                                      "--policy", "nope"])
    assert result.exit_code != 0
    assert "nope" in str(result.exception) or "nope" in result.output


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
def test_report_opens_offline_in_chromium(estimate_report):
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(estimate_report.as_uri())
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=20_000)
            assert page.locator(".js-plotly-plot").count() >= 5
            cost = page.locator('.figure[data-key="monthly_cost_usd"]').first.inner_text()
            assert cost == "$4,500"
        finally:
            browser.close()
    assert {urlparse(u).scheme for u in requests} <= {"file", "data", "blob"}


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
def test_report_pdf(tmp_path):
    out = tmp_path / "report.html"
    meta = json.loads(run("report", SCENARIO, "--out", str(out), "--pdf", "--json"))
    pdf = Path(meta["pdf"])
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
