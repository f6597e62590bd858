"""Every bundled scenario's policies export to both gateways, and the translation report names
every part the target cannot express with a priced approximation."""

from __future__ import annotations

import pytest

from workbench.domain.edits import with_policy
from workbench.domain.loader import load_scenario
from workbench.estimator import estimate
from workbench.gateway import export_litellm, export_portkey
from workbench.report.gateway_export import price

from .conftest import SCENARIOS, served_all

EXPORTERS = {"litellm": export_litellm, "portkey": export_portkey}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_policy_exports_to_both_targets_with_a_report(path):
    scenario = load_scenario(path)
    served = served_all(scenario)
    for policy in scenario.policies:
        for target, export in EXPORTERS.items():
            t = export(scenario, policy.name, served)
            assert t.config and t.parts, (policy.name, target)
            pricing, together = price(scenario, t)
            md = t.to_markdown(pricing, together)
            assert f"`{policy.name}`" in md
            doc = t.to_json(pricing, together)
            lost = [p["part"] for p in doc["parts"] if not p["exact"]]
            # nothing silently lost: each inexpressible feature has its own line
            if policy.escalation is not None:
                assert "escalation ladder" in lost
            if policy.budget is not None:
                assert [f"budget.rules[{i}]" for i in range(len(policy.budget.rules))] == \
                    [p for p in lost if p.startswith("budget.rules")]
            if policy.failover.mode in ("hedged", "predictive"):
                assert f"failover.mode {policy.failover.mode}" in lost
            if policy.failover.breaker is not None and target == "portkey":
                assert "failover.breaker" in lost
            for row in doc["parts"]:
                if not row["exact"] and row["part"] not in ("failover.backoff_s",
                                                            "budget.monthly_usd"):
                    assert row["priced"] is not None, row


def test_the_budget_rules_and_their_shares_are_named():
    scenario = load_scenario("scenarios/agency_fullservice.yaml")
    policy = scenario.policy("stack_budget")
    t = export_litellm(scenario, "stack_budget", served_all(scenario))
    md = t.to_markdown(*price(scenario, t))
    for rule in policy.budget.rules:
        assert f"at {rule.at:.0%} of ${policy.budget.monthly_usd:,.0f}/month" in md


def test_an_approximation_is_priced_as_the_estimator_prices_that_policy():
    """The ladder's price: the approximated policy, added to the scenario and estimated by
    `workbench estimate`'s own path, minus the policy as written."""
    scenario = load_scenario("scenarios/tiered_escalation.yaml")
    t = export_portkey(scenario, "tiered_judged", served_all(scenario))
    pricing, together = price(scenario, t)
    index = [p.part for p in t.parts].index("escalation ladder")
    approx = {**t.parts[index].approximation, "name": "approx"}
    # the approximation by hand: first rung tier1, tier2 then tier3 on error only
    assert approx["routing"] == {"default": "tier1", "rules": []}
    assert approx["failover"]["mode"] == "sequential"
    assert approx["failover"]["chain"] == ["tier2", "tier3"]
    assert "escalation" not in approx
    est = estimate(with_policy(scenario, approx)).policies
    assert pricing[index].cost_usd_delta == pytest.approx(
        est["approx"].monthly_cost_usd - est["tiered_judged"].monthly_cost_usd)
    assert pricing[index].pass_rate_delta == pytest.approx(
        est["approx"].quality_pass_rate - est["tiered_judged"].quality_pass_rate)
    assert together.cost_usd_delta == pytest.approx(pricing[index].cost_usd_delta)


def test_more_retries_than_portkey_allows_is_priced_at_its_maximum():
    scenario = load_scenario("scenarios/multi_provider_failover.yaml")
    data = scenario.policy("failover").model_dump(mode="json", exclude_none=True)
    data = {**data, "name": "many", "failover": {**data["failover"], "retries": 8}}
    scenario = with_policy(scenario, data)
    t = export_portkey(scenario, "many", served_all(scenario))
    part = next(p for p in t.parts if p.part == "failover.retries")
    assert not part.exact and part.approximation["failover"]["retries"] == 5
    assert t.config["retry"]["attempts"] == 5 if "retry" in t.config else \
        t.config["targets"][0]["retry"]["attempts"] == 5


def test_a_judged_ladder_priced_by_hand():
    """support_desk: every ticket on gpt-4 costs $4,500/month, on claude-3.5-haiku $600. The
    ladder haiku (passes 80%) -> gpt-4 (passes 100%) pays haiku for every ticket and gpt-4 for
    the 20% escalated: 600 + 0.2 x 4,500 = $1,500, all passing. LiteLLM runs haiku with gpt-4
    on error only: $600 (the scenario's providers never fail), so -$900/month, and the pass
    rate falls from 100% to haiku's own."""
    scenario = with_policy(load_scenario("scenarios/support_desk.yaml"), {
        "name": "ladder", "escalation": {"ladder": [
            {"model": "claude-3.5-haiku", "pass_probability": 0.8},
            {"model": "gpt-4", "pass_probability": 1.0}]}})
    scenario = with_policy(scenario, {"name": "haiku", "routing": {"default":
                                                                   "claude-3.5-haiku"}})
    est = estimate(scenario).policies
    assert est["ladder"].monthly_cost_usd == pytest.approx(600 + 0.2 * 4500)
    assert est["ladder"].quality_pass_rate == pytest.approx(1.0)
    t = export_litellm(scenario, "ladder", served_all(scenario))
    pricing, together = price(scenario, t)
    (index, ladder), = pricing.items()
    assert t.parts[index].part == "escalation ladder"
    assert ladder.cost_usd_delta == pytest.approx(600 - 1500)
    assert ladder.pass_rate_delta == pytest.approx(est["haiku"].quality_pass_rate - 1.0)
    assert "-$900/month" in t.to_markdown(pricing, together)


def test_failover_mode_none_exports_one_attempt():
    """Mode none is a single attempt in the workbench (attempt_plan), whatever its chain and
    retries say: neither gateway gets fallbacks or retries."""
    scenario = with_policy(load_scenario("scenarios/support_desk.yaml"), {
        "name": "once", "routing": {"default": "gpt-4"},
        "failover": {"mode": "none", "chain": ["claude-opus"], "retries": 3}})
    served = served_all(scenario)
    settings = export_litellm(scenario, "once", served).config["router_settings"]
    assert settings["num_retries"] == 0 and "fallbacks" not in settings
    config = export_portkey(scenario, "once", served).config
    assert "strategy" not in config and "retry" not in config
    assert config["override_params"] == {"model": "gpt-4"}
