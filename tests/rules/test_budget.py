"""Budget rules: which rules are in force at a month-to-date spend (at, below and above each
threshold), chained and cyclic substitution maps, and thresholds in USD."""

from __future__ import annotations

import pytest

from workbench.domain.policy import Budget
from workbench.domain.references import downgrade_cycle
from workbench.policies.budget import NO_RULES, BudgetState, budget_state, thresholds_usd

# monthly $200: downgrade a -> b at 0.5 x 200 = $100, b -> c at 0.75 x 200 = $150,
# block non-critical at 0.9 x 200 = $180
BUDGET = Budget(monthly_usd=200.0, rules=[
    {"at": 0.5, "action": "downgrade", "map": {"a": "b"}},
    {"at": 0.75, "action": "downgrade", "map": {"b": "c", "x": "y"}},
    {"at": 0.9, "action": "block_noncritical"},
])


@pytest.mark.parametrize(("spend", "downgrade", "blocked", "a_becomes"), [
    (0.0, {}, False, "a"),
    (99.999, {}, False, "a"),
    (100.0, {"a": "b"}, False, "b"),                         # at the threshold: fires
    (100.001, {"a": "b"}, False, "b"),
    (149.999, {"a": "b"}, False, "b"),
    (150.0, {"a": "b", "b": "c", "x": "y"}, False, "c"),     # chained: a -> b -> c
    (179.999, {"a": "b", "b": "c", "x": "y"}, False, "c"),
    (180.0, {"a": "b", "b": "c", "x": "y"}, True, "c"),
    (10_000.0, {"a": "b", "b": "c", "x": "y"}, True, "c"),
])
def test_rules_in_force_at_below_and_above_each_threshold(spend, downgrade, blocked, a_becomes):
    state = budget_state(BUDGET, spend)
    assert state.downgrade == downgrade
    assert state.block_noncritical is blocked
    assert state.substitute("a") == a_becomes
    assert state.substitute("z") == "z"


def test_thresholds_in_usd():
    assert thresholds_usd(BUDGET) == [100.0, 150.0, 180.0]
    assert thresholds_usd(None) == []


def test_no_budget_means_no_rules():
    assert budget_state(None, 1e9) is NO_RULES
    assert NO_RULES.downgrade == {} and not NO_RULES.block_noncritical
    assert NO_RULES.substitute("a") == "a"


def test_a_later_rule_overrides_an_earlier_mapping():
    budget = Budget(monthly_usd=100.0, rules=[
        {"at": 0.5, "action": "downgrade", "map": {"a": "b"}},
        {"at": 0.8, "action": "downgrade", "map": {"a": "c"}}])
    assert budget_state(budget, 79.0).substitute("a") == "b"
    assert budget_state(budget, 80.0).substitute("a") == "c"


def test_block_alone_downgrades_nothing():
    budget = Budget(monthly_usd=10.0, rules=[{"at": 0.2, "action": "block_noncritical"}])
    assert budget_state(budget, 1.999).block_noncritical is False
    state = budget_state(budget, 2.0)
    assert state.block_noncritical is True and state.downgrade == {}


@pytest.mark.parametrize(("mapping", "start", "expected"), [
    ({"a": "b", "b": "c", "c": "d"}, "a", "d"),
    ({"a": "b", "b": "c", "c": "b"}, "a", "c"),   # a cycle stops before revisiting a model
    ({"a": "b", "b": "a"}, "a", "b"),
    ({"a": "a"}, "a", "a"),
    ({"a": "b"}, "b", "b"),
])
def test_substitute_follows_chains_and_stops_on_a_cycle(mapping, start, expected):
    """Validation refuses cyclic maps (tests/broken/budget_downgrade_cycle.yaml); the state
    still terminates on one."""
    assert BudgetState(mapping).substitute(start) == expected


@pytest.mark.parametrize(("mapping", "cycle"), [
    ({"a": "b", "b": "c", "c": "b"}, ["b", "c", "b"]),
    ({"a": "b", "b": "a"}, ["a", "b", "a"]),
    ({"a": "a"}, ["a", "a"]),
    ({"a": "b", "b": "c"}, None),
    ({}, None),
])
def test_validation_finds_the_cycle(mapping, cycle):
    assert downgrade_cycle(mapping) == cycle
