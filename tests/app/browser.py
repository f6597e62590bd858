"""Helpers for driving the app in Debian's Chromium with Playwright (shared by the browser
test and benchmarks/app.py): start Streamlit on 127.0.0.1, launch Chromium, open a page."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
PAGES = ("Overview", "Audit", "Edit scenario", "Requirements", "Policies", "Simulate & compare",
         "Budget", "Plan", "Reliability", "ROI", "Evaluation replay", "Live")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, timeout_s: float = 60.0):
    """Run ``workbench app``'s Streamlit command on a free port; yield the base URL."""
    from workbench.cli.dashboard import streamlit_command

    port = free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(streamlit_command(port), stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/_stcore/health", timeout=2.0).text.strip() == "ok":
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in time")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def launch(playwright):
    """Debian's Chromium, headless, without background traffic."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


def goto_page(page, name: str, timeout_ms: float = 30_000) -> None:
    """Click a page in the sidebar navigation and wait until its title is shown and the app
    is idle."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
    wait_idle(page, name, timeout_ms)


def wait_idle(page, title: str, timeout_ms: float = 30_000) -> None:
    """Wait for the page title ``title`` and for the app to stop running."""
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=timeout_ms)


def screenshot(page, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name.lower().replace(" & ", "_").replace(" ", "_") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def open_app(browser, url: str, name: str, height: int = 1000):
    """A new 1400-wide page on the app's page ``name``, idle."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url)
    wait_idle(page, "Overview", 60_000)
    goto_page(page, name)
    return page
