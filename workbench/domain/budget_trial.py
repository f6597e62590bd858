"""A trial budget for a policy that has none: downgrade each model it uses to the cheapest
model of the next lower tier at one threshold, block non-critical tasks at a second."""

from __future__ import annotations

from workbench.domain.scenario import Scenario

TIERS = ("budget", "standard", "premium")


def downgrade_map(scenario: Scenario, policy: str) -> dict[str, str]:
    """Each model the policy names -> the cheapest model of a lower tier (when there is one)."""
    used = {m for _, m in scenario.policy(policy).model_names()}
    cost = lambda m: m.call_cost_usd(1000, 250)
    out = {}
    for name in sorted(used):
        tier = scenario.model(name).tier
        if tier not in TIERS:
            continue
        lower = [m for m in scenario.models if m.tier in TIERS[:TIERS.index(tier)]]
        if lower:
            out[name] = min(lower, key=cost).name
    return out


def trial_budget(scenario: Scenario, policy: str, monthly_usd: float, at_downgrade: float,
                 at_block: float) -> dict:
    """Policy data: ``policy`` plus the trial budget, named ``<policy>_budgeted``."""
    data = scenario.policy(policy).model_dump(mode="json", exclude_none=True)
    rules = []
    mapping = downgrade_map(scenario, policy)
    if mapping:
        rules.append({"at": at_downgrade, "action": "downgrade", "map": mapping})
    if not rules or at_block > at_downgrade:
        rules.append({"at": at_block, "action": "block_noncritical"})
    data.update({"name": f"{policy}_budgeted", "budget": {"monthly_usd": monthly_usd,
                                                          "rules": rules}})
    return data
