"""Budget rules: what is in force at a given month-to-date spend - of the policy's own budget
and of each team's (`BudgetStates`, `BudgetBook`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from workbench.domain.policy import Budget, Policy


@dataclass(frozen=True)
class BudgetState:
    """Rules in force: a model substitution map and whether non-critical tasks are blocked."""

    downgrade: dict[str, str] = field(default_factory=dict)
    block_noncritical: bool = False

    def substitute(self, model: str) -> str:
        """Model to call instead of ``model`` (follows chained maps, cycle-safe)."""
        seen = {model}
        while model in self.downgrade and self.downgrade[model] not in seen:
            model = self.downgrade[model]
            seen.add(model)
        return model

    def for_team(self, team: str) -> BudgetState:
        """The rules in force for a task of ``team``: these (no team budgets)."""
        return self


NO_RULES = BudgetState()


@dataclass(frozen=True)
class BudgetStates:
    """Rules in force for the policy's budget (``overall``) and each team's own budget."""

    overall: BudgetState = NO_RULES
    teams: dict[str, BudgetState] = field(default_factory=dict)

    def for_team(self, team: str) -> BudgetState:
        """The rules in force for a task of ``team``: its team's downgrade map first, then the
        policy's; blocked when either blocks."""
        own = self.teams.get(team, NO_RULES)
        if own == NO_RULES:
            return self.overall
        if self.overall == NO_RULES:
            return own
        return BudgetState({**self.overall.downgrade, **own.downgrade},
                           self.overall.block_noncritical or own.block_noncritical)


def budget_state(budget: Budget | None, month_spend_usd: float) -> BudgetState:
    """Rules whose threshold ``at`` x monthly budget has been reached by ``month_spend_usd``."""
    if budget is None:
        return NO_RULES
    downgrade: dict[str, str] = {}
    block = False
    for rule in budget.rules:
        if month_spend_usd >= rule.at * budget.monthly_usd:
            if rule.action == "downgrade":
                downgrade.update(rule.map)
            else:
                block = True
    return BudgetState(downgrade, block)


def thresholds_usd(budget: Budget | None) -> list[float]:
    """Spend levels in USD at which the state changes, ascending."""
    if budget is None:
        return []
    return [rule.at * budget.monthly_usd for rule in budget.rules]


@dataclass(frozen=True)
class RuleFiring:
    """One budget rule firing: the month (0-based) and the rule (its index, threshold share
    ``at`` and action), when it fired (s of simulated time), the month-to-date spend (USD)
    that crossed its threshold, and the team whose budget it is (None: the policy's)."""

    month: int
    rule: int
    at: float
    action: str
    time_s: float
    spend_usd: float
    team: str | None = None

    def as_dict(self) -> dict:
        """The firing as a plain dict (the records' ``budget_firings`` shape)."""
        return asdict(self)


class BudgetLedger:
    """Month-to-date spend of one policy and the rules it has fired: a rule fires when the
    spend reaches its share of the monthly budget and holds until the month (``month_s``
    seconds) resets. Both simulation paths keep their budget in one."""

    def __init__(self, budget: Budget | None, month_s: float, team: str | None = None) -> None:
        self.budget = budget
        self.team = team
        self.month_s = month_s
        self.levels = thresholds_usd(budget)
        self.month, self.spent, self.fired = 0, 0.0, 0

    def _roll(self, now_s: float) -> None:
        month = int(now_s // self.month_s)
        if month != self.month:
            self.month, self.spent, self.fired = month, 0.0, 0

    def state(self, now_s: float) -> BudgetState:
        """The rules in force at ``now_s``."""
        if self.budget is None:
            return NO_RULES
        self._roll(now_s)
        return budget_state(self.budget, self.spent)

    def next_level_usd(self) -> float | None:
        """Month-to-date spend at which the next rule fires (None: every rule has fired)."""
        return self.levels[self.fired] if self.fired < len(self.levels) else None

    def spend(self, usd: float, now_s: float) -> list[RuleFiring]:
        """Book ``usd`` at ``now_s``; the rules this spend makes fire."""
        if self.budget is None or not usd:
            return []
        self._roll(now_s)
        return self.reach(self.spent + usd, now_s)

    def reach(self, spent_usd: float, now_s: float) -> list[RuleFiring]:
        """Month-to-date spend is ``spent_usd`` at ``now_s`` (same month); the rules that
        fire."""
        self.spent = spent_usd
        out = []
        while self.fired < len(self.levels) and self.spent >= self.levels[self.fired]:
            rule = self.budget.rules[self.fired]
            out.append(RuleFiring(self.month, self.fired, rule.at, rule.action, now_s,
                                  self.spent, self.team))
            self.fired += 1
        return out


class BudgetBook:
    """The ledgers of one policy: its own budget's (key None) and each team's. A call's cost
    is booked on the policy's ledger and on its team's."""

    def __init__(self, policy: Policy, month_s: float) -> None:
        self.ledgers: dict[str | None, BudgetLedger] = {}
        if policy.budget is not None and policy.budget.rules:
            self.ledgers[None] = BudgetLedger(policy.budget, month_s)
        for team, budget in policy.team_budgets.items():
            if budget.rules:
                self.ledgers[team] = BudgetLedger(budget, month_s, team)

    @property
    def active(self) -> bool:
        """True when some budget has rules."""
        return bool(self.ledgers)

    def state(self, now_s: float) -> BudgetStates:
        """The rules in force at ``now_s``, per team."""
        overall = self.ledgers[None].state(now_s) if None in self.ledgers else NO_RULES
        return BudgetStates(overall, {team: ledger.state(now_s)
                                      for team, ledger in self.ledgers.items()
                                      if team is not None})

    def spend(self, usd: float, team: str, now_s: float) -> list[RuleFiring]:
        """Book ``usd`` of a task of ``team`` at ``now_s``; the rules this spend makes fire."""
        fired = []
        for key in (None, team):
            if key in self.ledgers:
                fired += self.ledgers[key].spend(usd, now_s)
        return fired

