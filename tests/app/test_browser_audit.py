"""Audit from logs in a real browser (issue 10): upload the bundled LiteLLM month and the
OpenAI usage export on the Audit page, audit, see the reconciliation and the untracked spend,
use the scenario; a screenshot is kept in test-output/screenshots/audit_from_logs.png."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from browser import CHROMIUM, launch, open_app, screenshot, streamlit_server, wait_idle

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "audit"


def upload(page, label: str, path: Path) -> None:
    """Put ``path`` into the file uploader labelled ``label``."""
    uploader = page.locator('[data-testid="stFileUploader"]', has_text=label)
    uploader.locator('input[type="file"]').set_input_files(str(path))
    instructions = uploader.locator('[data-testid="stFileUploaderDropzoneInstructions"]')
    instructions.wait_for(state="hidden")  # replaced by the chip of the uploaded file


def test_audit_from_logs_in_chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with streamlit_server() as url, playwright_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_app(browser, url, "Audit")
            page.get_by_text("Audit from logs: upload gateway exports").click()
            upload(page, "Gateway log exports", DATA / "litellm_spendlogs_march.csv.gz")
            upload(page, "Provider usage export", DATA / "openai_usage_march.json")
            page.get_by_role("button", name="Audit the logs").click()
            page.get_by_text("Untracked spend (period)").first.wait_for(timeout=120_000)
            wait_idle(page, "Audit", 120_000)
            assert page.get_by_text("$2.42").count() >= 1
            assert page.get_by_text("Reconciliation: what explains the residual").count() == 1
            page.set_viewport_size({"width": 1400, "height": 2000})
            screenshot(page, ROOT / "test-output" / "screenshots", "audit from logs")
            page.get_by_role("button", name="Use this scenario").click()
            page.get_by_text("The audited scenario is now").first.wait_for(timeout=30_000)
        finally:
            browser.close()
