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

from tests.app.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_and_plotly_are_core_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"]}
    assert {"streamlit", "plotly", "kaleido"} <= names


def test_readme_first_command_opens_the_dashboard():
    first = re.search(r"```bash\n(.+?)\n", (ROOT / "README.md").read_text()).group(1)
    assert first == "pip install -e . && workbench app"


def test_workbench_app_prints_its_url_and_serves_the_default_scenario():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "app", "--no-open",
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={**os.environ})
    try:
        line = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}"
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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
