"""The app in a real browser: Debian's Chromium via Playwright. Start the app, run the
simulation, see the KPI cards and a chart, go to ROI, download the report; screenshot every
page; no request leaves 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from browser import CHROMIUM, PAGES, goto_page, launch, screenshot, streamlit_server, wait_idle

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def test_app_in_chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    shots = OUTPUT / "screenshots"
    with streamlit_server({"WORKBENCH_APP_DAYS": "1", "WORKBENCH_APP_REPLICATIONS": "1"}) as url, \
            playwright_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                    accept_downloads=True)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            wait_idle(page, "Overview", 60_000)
            page.get_by_text("Monthly cost now").first.wait_for()
            page.locator(".js-plotly-plot").first.wait_for()

            goto_page(page, "Simulate & compare")
            page.get_by_text("Simulation size").click()  # runs are summaries-only by default:
            page.get_by_text("Keep every attempt").click()  # keep records for the charts
            wait_idle(page, "Simulate & compare")
            page.get_by_role("button", name="Run simulation").click()
            page.get_by_text("Attempts per run").first.wait_for(timeout=60_000)
            wait_idle(page, "Simulate & compare")
            assert page.get_by_text("Pass rate").count() >= 2
            page.locator(".js-plotly-plot").first.wait_for()
            assert page.locator(".js-plotly-plot").count() >= 3

            goto_page(page, "ROI")
            page.get_by_text("Net benefit / month").first.wait_for()
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Download report").click()
            report = OUTPUT / "report-from-app.html"
            OUTPUT.mkdir(exist_ok=True)
            info.value.save_as(report)
            text = report.read_text(encoding="utf-8")
            assert 'id="scenario-name">support_desk<' in text
            assert 'data-key="monthly_cost_usd"' in text
            assert "Simulated run" in text  # the run above is in the report

            page.set_viewport_size({"width": 1400, "height": 2200})
            for name in PAGES:
                goto_page(page, name)
                page.wait_for_timeout(400)  # let plotly draw
                screenshot(page, shots, name)
        finally:
            browser.close()
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https",
                                                                               "ws", "wss")}
    assert requests and hosts <= LOCAL_HOSTS, sorted(hosts - LOCAL_HOSTS)
    assert len(list(shots.glob("*.png"))) >= len(PAGES)
