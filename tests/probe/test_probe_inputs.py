"""Bad inputs of live mode exit 2 naming the file, the field path and the value (issue 14):
base URLs that cannot be sent to, a key an HTTP header cannot carry, missing scenario or
prompts files."""

from __future__ import annotations

import os

import pytest

from workbench.domain.errors import ScenarioError
from workbench.probe.config import load_probe

from .conftest import endpoint, write_config
from .test_probe_cli import workbench

BAD_URLS = ["http://", "http://local host/v1", "http://127.0.0.1:99999/v1",
            "http://127.0.0.1:0/v1", "ftp://127.0.0.1/v1", "127.0.0.1:8000",
            "http://127.0.0.1:8000/v1?x=1"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_base_url_is_checked_at_load(tmp_path, url):
    cfg = write_config(tmp_path, [endpoint(url, {"small": "s"})])
    with pytest.raises(ScenarioError) as err:
        load_probe(cfg)
    assert str(err.value).startswith(f"{cfg}: endpoints[0].base_url: ")
    assert str(err.value).endswith(f"(got {url!r})")


def test_bad_base_url_exits_2_before_anything_is_sent(tmp_path):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:99999/v1", {"small": "s"})])
    proc = workbench("probe", str(cfg), "--out", str(tmp_path / "run"),
                     env={**os.environ, "PROBE_KEY": "k"})
    assert proc.returncode == 2, proc.stderr
    assert str(cfg) in proc.stderr and "endpoints[0].base_url" in proc.stderr
    assert "'http://127.0.0.1:99999/v1'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()  # nothing sent, nothing spent


def test_non_ascii_key_exits_2_naming_the_variable(tmp_path):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})])
    secret = "sk-caf\u00e9-123"
    proc = workbench("probe", str(cfg), "--out", str(tmp_path / "run"),
                     env={**os.environ, "PROBE_KEY": secret})
    assert proc.returncode == 2 and "PROBE_KEY" in proc.stderr, proc.stderr
    assert secret not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("field", ["scenario", "prompts"])
def test_missing_scenario_or_prompts_file_names_config_and_field(tmp_path, field):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})],
                       **{field: "nowhere.yaml"})
    proc = workbench("probe", str(cfg), "--out", str(tmp_path / "run"),
                     env={**os.environ, "PROBE_KEY": "k"})
    assert proc.returncode == 2, proc.stderr
    assert f"{cfg}: {field}:" in proc.stderr and "'nowhere.yaml'" in proc.stderr
