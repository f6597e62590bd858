"""PDF of the report: headless Chromium prints the HTML file (charts rendered by plotly.js)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from workbench.domain.errors import WorkbenchError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
                  "--virtual-time-budget=15000")


def find_chromium() -> str | None:
    """Path of a Chromium (or Chrome) executable, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, chromium: str | None = None,
                timeout_s: float = 120.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise WorkbenchError("no Chromium found for --pdf (apt-get install chromium); the HTML "
                             "report was written")
    pdf_path = Path(pdf_path).resolve()
    cmd = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={pdf_path}",
           Path(html_path).resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise WorkbenchError(f"Chromium did not print the PDF within {timeout_s:g} s") from None
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise WorkbenchError(f"Chromium did not write {pdf_path} (exit {done.returncode}: "
                             f"{done.stderr.strip()[-300:]})")
    return pdf_path
