"""``workbench export`` and ``workbench import-config`` as a user runs them: files written,
one JSON document with --json, and exit 2 naming file, field and value on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from workbench.domain.loader import load_scenario

from .conftest import FIXTURES, served_all, write_endpoints

SUPPORT = "scenarios/support_desk.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], check=False,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "160"})


def endpoints(tmp_path, path=SUPPORT, drop: str | None = None):
    served = served_all(load_scenario(path))
    served.pop(drop, None)
    return str(write_endpoints(tmp_path, served))


def test_export_writes_config_and_report_and_json(tmp_path):
    out = tmp_path / "config.yaml"
    proc = run("export", SUPPORT, "--policy", "routed", "--to", "litellm", "--endpoints",
               endpoints(tmp_path), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["config_file"] == str(out)
    assert yaml.safe_load(out.read_text()) == doc["config"]
    report = (tmp_path / "config.yaml.translation.md").read_text()
    assert "Every part is expressed exactly." in report
    assert [p["part"] for p in doc["report"]["parts"]][:2] == ["routing (4 rules)",
                                                               "routing default"]
    assert "os.environ/GATEWAY_TEST_KEY" in out.read_text()


def test_export_of_a_lossy_policy_prices_it(tmp_path):
    path = "scenarios/agency_fullservice.yaml"
    out = tmp_path / "p.json"
    proc = run("export", path, "--policy", "stack_budget", "--to", "portkey", "--endpoints",
               endpoints(tmp_path, path), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    lost = [p for p in doc["report"]["parts"] if not p["exact"]]
    assert [p["part"] for p in lost] == ["budget.monthly_usd", "budget.rules[0]",
                                         "budget.rules[1]"]
    assert lost[0]["priced"] is None  # a budget alone changes no call
    assert all(p["priced"] is not None for p in lost[1:])
    assert "/month" in (tmp_path / "p.json.translation.md").read_text()


def test_unknown_target_exits_2(tmp_path):
    proc = run("export", SUPPORT, "--policy", "routed", "--to", "kong", "--endpoints",
               endpoints(tmp_path), "--out", str(tmp_path / "c"))
    assert proc.returncode == 2
    assert "--to: unknown gateway (known: litellm, portkey) (got 'kong')" in proc.stderr


def test_unknown_policy_exits_2_naming_the_scenario(tmp_path):
    proc = run("export", SUPPORT, "--policy", "nope", "--to", "litellm", "--endpoints",
               endpoints(tmp_path), "--out", str(tmp_path / "c"))
    assert proc.returncode == 2
    assert f"{SUPPORT}: policies: no policy of that name" in proc.stderr
    assert "(got 'nope')" in proc.stderr


def test_endpoints_missing_a_model_exits_2(tmp_path):
    file = endpoints(tmp_path, drop="claude-opus")
    proc = run("export", SUPPORT, "--policy", "routed", "--to", "portkey", "--endpoints", file,
               "--out", str(tmp_path / "c"))
    assert proc.returncode == 2
    assert file in proc.stderr and "routing.rules[3].model" in proc.stderr
    assert "(got 'claude-opus')" in proc.stderr
    assert not (tmp_path / "c").exists()


def test_endpoints_file_with_a_bad_url_exits_2(tmp_path):
    file = tmp_path / "e.yaml"
    file.write_text("endpoints:\n  - {name: x, base_url: ftp://h, models: {gpt-4: g}}\n")
    proc = run("export", SUPPORT, "--policy", "baseline", "--to", "litellm", "--endpoints",
               str(file), "--out", str(tmp_path / "c"))
    assert proc.returncode == 2
    assert f"{file}: endpoints[0].base_url" in proc.stderr and "ftp://h" in proc.stderr


def test_import_invalid_yaml_exits_2_naming_the_file(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("model_list: [\n  - model_name: a\n")
    proc = run("import-config", str(bad), "--from", "litellm", "--scenario", SUPPORT)
    assert proc.returncode == 2 and str(bad) in proc.stderr


def test_import_invalid_json_exits_2_naming_the_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text('{"strategy": {"mode": "fallback",}')
    proc = run("import-config", str(bad), "--from", "portkey", "--scenario", SUPPORT)
    assert proc.returncode == 2 and str(bad) in proc.stderr


def test_import_wrong_type_exits_2_naming_field_and_value(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4}\n"
                   "router_settings: {num_retries: many}\n")
    proc = run("import-config", str(bad), "--from", "litellm", "--scenario", SUPPORT)
    assert proc.returncode == 2
    assert f"{bad}: router_settings.num_retries" in proc.stderr and "'many'" in proc.stderr


def test_import_unknown_strategy_mode_exits_2(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"strategy": {"mode": "roundrobin"},
                               "targets": [{"provider": "openai",
                                            "override_params": {"model": "gpt-4"}}]}))
    proc = run("import-config", str(bad), "--from", "portkey", "--scenario", SUPPORT)
    assert proc.returncode == 2
    assert f"{bad}: strategy.mode" in proc.stderr and "roundrobin" in proc.stderr


def test_import_lists_unknown_keys_as_ignored_and_writes_the_policy(tmp_path):
    out = tmp_path / "today.yaml"
    proc = run("import-config", str(FIXTURES / "litellm_configs.yaml"), "--from", "litellm",
               "--scenario", str(FIXTURES / "docs_scenario.yaml"), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert any(i.startswith("router_settings.redis_host") for i in doc["ignored"])
    assert yaml.safe_load(out.read_text())["routing"] == {"default": "zephyr-beta"}


def test_import_maps_served_names_through_endpoints(tmp_path):
    scenario = load_scenario(SUPPORT)
    served = served_all(scenario, names={m.name: f"srv-{m.name}" for m in scenario.models})
    file = write_endpoints(tmp_path, served)
    config = tmp_path / "c.yaml"
    config.write_text("model_list:\n  - model_name: main\n"
                      "    litellm_params: {model: openai/srv-gpt-4o-mini}\n")
    proc = run("import-config", str(config), "--from", "litellm", "--scenario", SUPPORT,
               "--endpoints", str(file), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["policy"]["routing"]["default"] == "gpt-4o-mini"


def test_an_unwritable_out_exits_2(tmp_path):
    proc = run("export", SUPPORT, "--policy", "routed", "--to", "litellm", "--endpoints",
               endpoints(tmp_path), "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--out: cannot write" in proc.stderr


def test_a_team_budget_is_named_and_priced_as_lost(tmp_path):
    path = "scenarios/agency_fullservice.yaml"
    out = tmp_path / "c.yaml"
    proc = run("export", path, "--policy", "stack_team_budget", "--to", "litellm",
               "--endpoints", endpoints(tmp_path, path), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    lost = [p for p in json.loads(proc.stdout)["report"]["parts"] if not p["exact"]]
    assert [p["part"] for p in lost] == ["team_budgets.creative"]
    assert "team creative's $50/month budget" in lost[0]["lost"]
    assert lost[0]["priced"] is not None


def test_a_weighted_split_is_named_and_priced_as_lost():
    from tests.engine.test_split_routing import split_scenario
    from workbench.gateway.litellm_export import export_litellm
    from workbench.gateway.served import Served

    served = {m: Served(m, "local", "openai", "http://127.0.0.1:9/v1", None, m)
              for m in ("a", "b")}
    translation = export_litellm(split_scenario(), "split", served)
    lost = [p for p in translation.parts if not p.exact]
    assert [p.part for p in lost] == ["routing.default_split"]
    assert "the weighted split a 7, b 3" in lost[0].lost
    assert translation.config["model_list"][0]["model_info"]["workbench_model"] == "a"


def test_per_model_fallbacks_are_exact_in_portkey_and_folded_in_litellm():
    """LiteLLM's export has one model group per policy, so per-model fallbacks become one
    chain (named and priced); Portkey gives each route its own fallback targets."""
    from tests.engine.test_model_fallbacks import fallback_scenario
    from workbench.gateway.litellm_export import export_litellm
    from workbench.gateway.portkey_export import export_portkey
    from workbench.gateway.served import Served

    served = {m: Served(m, "local", "openai", "http://127.0.0.1:9/v1", None, m)
              for m in ("a", "b", "c")}
    litellm = export_litellm(fallback_scenario(), "fallbacks", served)
    lost = {p.part: p for p in litellm.parts if not p.exact}
    assert list(lost) == ["routing.default_split", "failover.fallbacks"]
    assert "per-model fallbacks (a -> c; b -> a)" in lost["failover.fallbacks"].lost
    assert lost["failover.fallbacks"].approximation is not None
    assert litellm.config["router_settings"]["fallbacks"] == [{"fallbacks": ["c", "a"]}]
    assert "failover.chain" not in {p.part for p in litellm.parts}

    portkey = export_portkey(fallback_scenario(), "fallbacks", served)
    assert [p.part for p in portkey.parts if not p.exact] == ["routing.default_split"]
    assert [t["override_params"]["model"] for t in portkey.config["targets"]] == ["a", "c"]
