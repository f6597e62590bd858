"""Every Portkey config exported from a bundled scenario validates against Portkey's config
schema (data/portkey/config.schema.json, rendered from the gateway's own zod schema; see
data/portkey/SOURCE.md), and the schema refuses what the gateway refuses."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from workbench.domain.loader import load_scenario
from workbench.gateway import export_portkey

from .conftest import ROOT, SCENARIOS, served_all

SCHEMA = json.loads((ROOT / "data" / "portkey" / "config.schema.json").read_text("utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def errors(config) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(config)]


def test_the_schema_itself_is_valid():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_exported_config_validates(path):
    scenario = load_scenario(path)
    for policy in scenario.policies:
        for key_env in ("GATEWAY_TEST_KEY", None):
            config = export_portkey(scenario, policy.name,
                                    served_all(scenario, key_env=key_env)).config
            assert errors(config) == [], (policy.name, errors(config))


@pytest.mark.parametrize("bad", [
    {"strategy": {"mode": "round_robin"}, "targets": [{"provider": "openai", "api_key": "k"}]},
    {"provider": "openai"},  # neither api_key nor strategy/targets/retry/timeout
    {"retry": {"on_status_codes": [429]}},  # retry.attempts is required
    {"provider": "not-a-provider", "api_key": "k"},
    {"strategy": {"mode": "conditional", "conditions": [{"query": {}}]},
     "targets": [{"provider": "openai", "api_key": "k"}]},  # condition without then
])
def test_the_schema_refuses_what_the_gateway_refuses(bad):
    assert errors(bad)


def test_a_documented_conditional_config_validates():
    """The conditional-routing example of Portkey's documentation, rebuilt."""
    config = json.loads((ROOT / "tests" / "gateway" / "fixtures" /
                         "portkey_conditional.json").read_text("utf-8"))
    assert errors(config) == []
