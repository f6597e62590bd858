"""Policy: declarative routing rules, an escalation ladder with a judge, a failover chain and
budget rules. Policies are data; `workbench.policies` turns them into decisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from workbench.domain.base import Frozen
from workbench.domain.requirements import Requirement
from workbench.domain.workload import Attribute, TaskType

Comparison = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"]


class RoutingRule(Frozen):
    """``when`` all conditions hold, send the task to ``model``, up the escalation ladder, or
    to one of the models of a weighted ``split`` (``{model: weight}``: each task draws its
    model with probability weight / sum of weights, as a gateway's weighted load balancing).

    A condition value is a scalar (equality), a list (membership) or a mapping of comparisons,
    e.g. ``{audience: {gt: 50000}, budget_per_day: {lt: 5}}``.
    """

    when: dict[str, Attribute | list[Attribute] | dict[Comparison, Attribute | list[Attribute]]]
    model: str | None = None
    escalate: bool = False
    split: dict[str, PositiveFloat] | None = Field(None, min_length=1)

    @field_validator("when")
    @classmethod
    def _comparable(cls, when: dict) -> dict:
        for key, condition in when.items():
            for op, target in (condition.items() if isinstance(condition, dict) else ()):
                if op in ("in", "not_in") and not isinstance(target, list):
                    raise ValueError(f"{key}: {op!r} needs a list of values")
                if op in ("gt", "gte", "lt", "lte") and isinstance(target, (list, str, bool)):
                    raise ValueError(f"{key}: {op!r} needs a number")
                if op in ("eq", "ne") and isinstance(target, list):
                    raise ValueError(f"{key}: {op!r} needs one value (in / not_in take a list)")
        return when

    @model_validator(mode="after")
    def _one_target(self) -> RoutingRule:
        if (self.model is not None) + self.escalate + (self.split is not None) != 1:
            raise ValueError("a rule names a model, a split or sets escalate: true "
                             "(exactly one)")
        return self

    def matches(self, task: TaskType) -> bool:
        """True when every condition holds for ``task``: a scalar is equality, a list is
        membership, a mapping holds every comparison (an order comparison with a name, a
        flag or a missing value never holds)."""
        return all(_holds(task.attribute(key), cond) for key, cond in self.when.items())


def _holds(value, condition) -> bool:
    if isinstance(condition, dict):
        return all(_compare(value, op, target) for op, target in condition.items())
    if isinstance(condition, list):
        return value in condition
    return value == condition


def _compare(value, op: str, target) -> bool:
    if op == "in":
        return value in target
    if op == "not_in":
        return value not in target
    if op == "eq":
        return value == target
    if op == "ne":
        return value != target
    if value is None or isinstance(value, (str, bool)) or isinstance(target, (str, bool)):
        return False
    return {"gt": value > target, "gte": value >= target, "lt": value < target,
            "lte": value <= target}[op]


class Routing(Frozen):
    """First matching rule wins; otherwise ``default`` (a model), the ladder if
    ``default_escalate``, or a weighted ``default_split`` (``{model: weight}``)."""

    default: str | None = None
    default_escalate: bool = False
    default_split: dict[str, PositiveFloat] | None = Field(None, min_length=1)
    rules: list[RoutingRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_default(self) -> Routing:
        if (self.default is not None) + self.default_escalate + (
                self.default_split is not None) != 1:
            raise ValueError("routing needs a default model, a default_split or "
                             "default_escalate: true (exactly one)")
        return self


class Rung(Frozen):
    """One rung of a ladder. ``pass_probability`` is P(output clears the bar | this rung is
    reached); without it the model's quality profile decides."""

    model: str
    pass_probability: float | None = Field(None, ge=0.0, le=1.0)


class Judge(Frozen):
    """Checks each non-final rung's output. Costs ``cost_usd`` per call (or a ``model`` call of
    the given tokens), takes ``latency_s``, accepts a failing output with ``false_accept`` and
    rejects a passing one with ``false_reject``."""

    cost_usd: NonNegativeFloat = 0.0
    model: str | None = None
    input_tokens: NonNegativeFloat = 0.0
    output_tokens: NonNegativeFloat = 0.0
    latency_s: NonNegativeFloat = 0.0
    false_accept: float = Field(0.0, ge=0.0, le=1.0)
    false_reject: float = Field(0.0, ge=0.0, le=1.0)


class Escalation(Frozen):
    """Try the cheapest rung first; escalate while the judge rejects. The last rung's output is
    delivered unjudged unless ``judge_last``."""

    ladder: list[Rung] = Field(min_length=1)
    judge: Judge = Judge()
    judge_last: bool = False


class CircuitBreaker(Frozen):
    """Opens after ``failures`` consecutive observed failures on a model; skips it for
    ``cooldown_s``, then lets one trial call through (half-open)."""

    failures: PositiveInt = 5
    cooldown_s: PositiveFloat = 60.0


class Predictive(Frozen):
    """Moves traffic off a model when its observed failures among its last ``window`` calls
    reach ``error_threshold`` x ``window``, for ``cooldown_s`` seconds; then the model is tried
    again with a fresh window (re-probed), as a gateway's cooldown does (LiteLLM:
    ``allowed_fails``, then ``cooldown_time``)."""

    window: PositiveInt = Field(20, le=10_000)
    error_threshold: float = Field(0.5, gt=0.0, le=1.0)
    cooldown_s: PositiveFloat = Field(60.0, le=86_400.0)


def fallbacks_text(fallbacks: Mapping[str, Iterable[str]]) -> str:
    """Per-model fallbacks as one line: ``a -> b, c; d -> a``."""
    return "; ".join(f"{m} -> {', '.join(b)}" for m, b in fallbacks.items())


class Failover(Frozen):
    """What happens when a call fails. ``sequential``: retry (with backoff) then move down the
    ``chain``; ``hedged``: send to the primary and the first backup at once (both paid, first
    success wins); ``predictive``: sequential plus moving off models with a high observed error
    rate. ``timeout_s`` bounds each attempt; a 429 is retried on the same model after its
    Retry-After up to ``rate_limit_retries`` times before counting as a failed attempt.
    ``fallbacks`` gives a primary model its own backups (LiteLLM's per-model-group
    fallbacks, or what ``workbench audit`` saw in the logs): they replace ``chain`` for calls
    whose primary is that model."""

    mode: Literal["none", "sequential", "hedged", "predictive"] = "sequential"
    chain: list[str] = Field(default_factory=list, max_length=8)
    fallbacks: dict[str, list[str]] = Field(default_factory=dict)
    retries: NonNegativeInt = Field(0, le=10)
    backoff_s: NonNegativeFloat = 1.0
    backoff_multiplier: PositiveFloat = 2.0
    timeout_s: PositiveFloat = 600.0  # the OpenAI and Anthropic SDKs default to 10 minutes
    rate_limit_retries: NonNegativeInt = 3
    breaker: CircuitBreaker | None = None
    predictive: Predictive = Predictive()

    @field_validator("fallbacks")
    @classmethod
    def _fallback_lists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for primary, backups in value.items():
            if not 1 <= len(backups) <= 8:
                raise ValueError(f"fallbacks.{primary}: give 1 to 8 backup models")
            if primary in backups:
                raise ValueError(f"fallbacks.{primary}: a model cannot be its own backup")
        return value

    def backups(self, primary: str) -> list[tuple[str, str]]:
        """(model, field path) of the backups tried after ``primary``, in order: its own
        ``fallbacks`` entry, else the ``chain`` (without the primary)."""
        if primary in self.fallbacks:
            return [(m, f"failover.fallbacks.{primary}[{k}]")
                    for k, m in enumerate(self.fallbacks[primary])]
        return [(m, f"failover.chain[{k}]") for k, m in enumerate(self.chain) if m != primary]


class BudgetRule(Frozen):
    """When month-to-date spend reaches ``at`` x the monthly budget: ``downgrade`` (route via
    ``map`` from model to cheaper model) or ``block_noncritical`` (refuse non-critical tasks),
    until the month resets."""

    at: float = Field(gt=0.0, le=1.0)
    action: Literal["downgrade", "block_noncritical"]
    map: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _map_for_downgrade(self) -> BudgetRule:
        if self.action == "downgrade" and not self.map:
            raise ValueError("a downgrade rule needs a non-empty map {from_model: to_model}")
        return self


class Budget(Frozen):
    """A monthly budget in USD and the rules that fire as spend approaches it."""

    monthly_usd: PositiveFloat
    rules: list[BudgetRule] = Field(default_factory=list)


class Policy(Frozen):
    """A candidate policy. Without ``routing`` every task goes up the ``escalation`` ladder.
    ``budget`` watches the month-to-date spend of every task and acts on all of them;
    ``team_budgets`` gives a team its own budget, watching that team's spend (its tasks' calls
    and judge calls) and acting on its tasks only. Where both act on a task, the team's
    downgrade map applies first, then the policy's; a block by either blocks.
    ``waives`` names hard requirements the policy knowingly breaks (e.g. today's policy sends
    data-sensitive work to an API model): accepted at load and shown with its results, never
    silent."""

    name: str = Field(min_length=1)
    description: str = ""
    routing: Routing | None = None
    escalation: Escalation | None = None
    failover: Failover = Failover(mode="none")
    budget: Budget | None = None
    team_budgets: dict[str, Budget] = Field(default_factory=dict)
    waives: list[Requirement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _routable(self) -> Policy:
        if self.routing is None and self.escalation is None:
            raise ValueError("a policy needs routing, an escalation ladder, or both")
        uses_ladder = self.routing is None or self.routing.default_escalate or any(
            r.escalate for r in self.routing.rules)
        if uses_ladder and self.escalation is None:
            raise ValueError("routing sends tasks up the ladder but the policy has no escalation")
        return self

    def model_names(self) -> list[tuple[str, str]]:
        """Every (field path, model name) this policy references."""
        refs: list[tuple[str, str]] = []
        if self.routing is not None:
            if self.routing.default is not None:
                refs.append(("routing.default", self.routing.default))
            refs += [("routing.default_split", m) for m in self.routing.default_split or {}]
            refs += [(f"routing.rules[{i}].model", r.model)
                     for i, r in enumerate(self.routing.rules) if r.model is not None]
            refs += [(f"routing.rules[{i}].split", m)
                     for i, r in enumerate(self.routing.rules) for m in r.split or {}]
        if self.escalation is not None:
            refs += [(f"escalation.ladder[{i}].model", r.model)
                     for i, r in enumerate(self.escalation.ladder)]
            if self.escalation.judge.model is not None:
                refs.append(("escalation.judge.model", self.escalation.judge.model))
        refs += [(f"failover.chain[{i}]", m) for i, m in enumerate(self.failover.chain)]
        for primary, backups in self.failover.fallbacks.items():
            refs.append(("failover.fallbacks", primary))
            refs += [(f"failover.fallbacks.{primary}[{i}]", m) for i, m in enumerate(backups)]
        for path, budget in self.budget_paths():
            for i, rule in enumerate(budget.rules):
                for src, dst in rule.map.items():
                    refs.append((f"{path}.rules[{i}].map", src))
                    refs.append((f"{path}.rules[{i}].map.{src}", dst))
        return refs

    def budget_paths(self) -> list[tuple[str, Budget]]:
        """Every budget of the policy with its field path: ``budget``, then
        ``team_budgets.<team>`` in file order."""
        own = [("budget", self.budget)] if self.budget is not None else []
        return own + [(f"team_budgets.{team}", b) for team, b in self.team_budgets.items()]

    @property
    def has_budget_rules(self) -> bool:
        """True when some budget of the policy (its own or a team's) has rules."""
        return any(b.rules for _, b in self.budget_paths())
