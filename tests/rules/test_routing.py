"""``route()``: every comparison operator at, below and above its boundary, scalar and list
conditions, rule order, defaults and the ladder."""

from __future__ import annotations

import pytest

from workbench.domain.policy import Policy
from workbench.domain.workload import TaskType
from workbench.policies.routing import LADDER, Route, matches, route


def _task(**attributes) -> TaskType:
    return TaskType(name="t", per_day=1, tier="premium", client_facing=True,
                    attributes=attributes)


def _policy(*rules: dict, default: str = "base") -> Policy:
    return Policy(name="p", routing={"default": default, "rules": list(rules)},
                  escalation={"ladder": [{"model": "base"}]})


# (operator, target, attribute value, matches?) - numbers at, below and above the target 10
NUMERIC = [
    ("gt", 10, 9, False), ("gt", 10, 10, False), ("gt", 10, 11, True),
    ("gte", 10, 9, False), ("gte", 10, 10, True), ("gte", 10, 11, True),
    ("lt", 10, 9, True), ("lt", 10, 10, False), ("lt", 10, 11, False),
    ("lte", 10, 9, True), ("lte", 10, 10, True), ("lte", 10, 11, False),
    ("eq", 10, 9, False), ("eq", 10, 10, True), ("eq", 10, 11, False),
    ("ne", 10, 9, True), ("ne", 10, 10, False), ("ne", 10, 11, True),
    ("gt", 0.5, 0.5000001, True), ("lte", 0.5, 0.5000001, False),
]
MEMBERSHIP = [
    ("in", ["a", "b"], "a", True), ("in", ["a", "b"], "c", False),
    ("not_in", ["a", "b"], "a", False), ("not_in", ["a", "b"], "c", True),
    ("in", [1, 2], 2, True), ("not_in", [1, 2], 3, True),
    ("eq", "a", "a", True), ("eq", "a", "b", False),
    ("ne", "a", "a", False), ("ne", "a", "b", True),
]


@pytest.mark.parametrize(("op", "target", "value", "expected"), NUMERIC + MEMBERSHIP)
def test_operator_table(op, target, value, expected):
    """The rule sends the task to ``special`` exactly when ``value <op> target`` holds."""
    policy = _policy({"when": {"x": {op: target}}, "model": "special"})
    got = route(policy, _task(x=value))
    assert got == (Route("special", 0) if expected else Route("base", None))


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("value", ["10", True, None])
def test_order_comparisons_never_hold_for_text_booleans_or_missing(op, value):
    """``"10" >= 10``, ``True >= 10`` or a missing attribute: never a match (no TypeError)."""
    task = _task() if value is None else _task(x=value)
    assert route(_policy({"when": {"x": {op: 10}}, "model": "special"}), task).model == "base"


def test_ne_and_not_in_hold_for_a_missing_attribute():
    """A missing attribute (None) differs from every value: ne and not_in match, eq and in not."""
    task = _task()
    assert route(_policy({"when": {"x": {"ne": 3}}, "model": "s"}), task).model == "s"
    assert route(_policy({"when": {"x": {"not_in": [3]}}, "model": "s"}), task).model == "s"
    assert route(_policy({"when": {"x": {"eq": 3}}, "model": "s"}), task).model == "base"
    assert route(_policy({"when": {"x": {"in": [3]}}, "model": "s"}), task).model == "base"


@pytest.mark.parametrize(("condition", "value", "expected"), [
    ("premium", "premium", True), ("basic", "premium", False),           # scalar: equality
    (["basic", "premium"], "premium", True), (["basic"], "premium", False),  # list: membership
])
def test_scalar_and_list_conditions_on_a_builtin_field(condition, value, expected):
    task = TaskType(name="t", per_day=1, tier=value)
    got = route(_policy({"when": {"tier": condition}, "model": "s"}), task)
    assert got.model == ("s" if expected else "base")


def test_every_condition_of_a_rule_must_hold():
    """audience > 50000 AND budget < 5: both, one, or neither."""
    rule = {"when": {"audience": {"gt": 50000}, "budget": {"lt": 5}}, "model": "s"}
    policy = _policy(rule)
    assert route(policy, _task(audience=50001, budget=4)).model == "s"
    assert route(policy, _task(audience=50001, budget=5)).model == "base"
    assert route(policy, _task(audience=50000, budget=4)).model == "base"
    range_rule = {"when": {"x": {"gte": 2, "lt": 4}}, "model": "s"}  # 2 <= x < 4
    got = [route(_policy(range_rule), _task(x=v)).model for v in (1, 2, 3, 4)]
    assert got == ["base", "s", "s", "base"]


def test_first_matching_rule_wins_and_reports_its_index():
    policy = _policy({"when": {"x": {"gt": 100}}, "model": "first"},
                     {"when": {"x": {"gt": 10}}, "model": "second"},
                     {"when": {"x": {"gt": 0}}, "escalate": True},
                     default="base")
    assert route(policy, _task(x=101)) == Route("first", 0)
    assert route(policy, _task(x=11)) == Route("second", 1)
    assert route(policy, _task(x=1)) == Route(LADDER, 2)
    assert route(policy, _task(x=1)).escalates
    assert route(policy, _task(x=0)) == Route("base", None)
    assert not route(policy, _task(x=0)).escalates


def test_defaults_and_no_routing():
    ladder = {"ladder": [{"model": "m"}]}
    assert route(Policy(name="p", escalation=ladder), _task()) == Route(LADDER, None)
    up = Policy(name="p", routing={"default_escalate": True}, escalation=ladder)
    assert route(up, _task()) == Route(LADDER, None)


def test_matches_on_builtin_fields_and_task_type_name():
    task = TaskType(name="summary", per_day=1, category="docs", client_facing=True)
    assert matches(Policy(name="p", routing={"default": "b", "rules": [
        {"when": {"task_type": "summary", "category": "docs", "client_facing": True},
         "model": "s"}]}).routing.rules[0], task)
