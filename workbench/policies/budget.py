"""Budget rules: what is in force at a given month-to-date spend."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.domain.policy import Budget


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


NO_RULES = BudgetState()


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
