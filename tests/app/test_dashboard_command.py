"""The README's first command: ``workbench app`` serves the dashboard on 127.0.0.1 and prints
its address; Streamlit and plotly are core dependencies (no extra needed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.app.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_and_plotly_are_core_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"]}
    assert {"streamlit", "plotly", "kaleido"} <= names


def test_readme_first_command_opens_the_dashboard():
    first = re.search(r"```bash\n(.+?)\n", (ROOT / "README.md").read_text()).group(1)
    assert first == "pip install -e . && workbench app"


@pytest.mark.parametrize("flags", [[], ["--no-open"]], ids=["as in the README", "no-open"])
def test_workbench_app_prints_its_url_and_serves_the_default_scenario(tmp_path, flags):
    """On a fresh machine (a HOME without Streamlit's credentials) the README's command must
    not stop at Streamlit's first-run email prompt; it opens the browser (here a script that
    records the address) once the app answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "app", *flags,
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, "HOME": str(tmp_path), "BROWSER": str(browser)})
    try:
        line = proc.stdout.readline()
        assert url in line and "support_desk.yaml" in line
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text.strip() == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError("the dashboard did not come up within 60 s")
        assert httpx.get(url, timeout=5).status_code == 200
        if flags:
            assert not opened.exists()
        else:
            deadline = time.monotonic() + 10
            while not opened.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert opened.read_text().strip() == url
        proc.terminate()  # stopping the command stops the app it started
        assert proc.wait(timeout=20) is not None
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{url}/_stcore/health", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
