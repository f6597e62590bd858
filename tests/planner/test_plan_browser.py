"""The Plan page in a real browser (Debian's Chromium via Playwright): press the button, see
the recommendation, its simulated interval and the frontier chart; add it to the scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
from browser import CHROMIUM, launch, open_app, streamlit_server, wait_idle

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


def test_plan_page_in_chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with streamlit_server({"WORKBENCH_APP_DAYS": "1", "WORKBENCH_APP_REPLICATIONS": "1"}) as url, \
            playwright_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_app(browser, url, "Plan", height=1400)
            page.get_by_role("button", name="Find the cheapest policy").click()
            page.get_by_text("Cheapest monthly cost").first.wait_for(timeout=90_000)
            wait_idle(page, "Plan", 90_000)
            assert page.get_by_text("Simulated (95% interval)").count() >= 1
            assert page.locator(".js-plotly-plot").count() >= 2  # frontier and fan chart
            page.get_by_role("button", name="Add 'optimized' to the scenario").click()
            page.get_by_text("Set the floors and press the button").first.wait_for(
                timeout=90_000)  # the scenario changed: the search is for the old one
            wait_idle(page, "Plan", 90_000)
            sidebar = page.locator('[data-testid="stSidebar"]').first.inner_text()
            assert "3 policies" in sidebar  # support_desk's 2 and the one added
        finally:
            browser.close()
