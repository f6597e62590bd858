"""The parts of a policy neither gateway can express (judge ladders, budget rules, hedged and
predictive failover) and, per target, the breaker: each as a `Part` with its approximation."""

from __future__ import annotations

from workbench.domain.policy import Policy, fallbacks_text
from workbench.gateway import approximation as approx
from workbench.gateway.translation import Part


def ladder_part(policy: Policy, data: approx.PolicyData, target: str) -> list[Part]:
    """The escalation ladder: run as its first rung with fallbacks on error only."""
    esc = policy.escalation
    if esc is None:
        return []
    rungs = " -> ".join(r.model for r in esc.ladder)
    backups = approx.ladder_fallbacks(data)
    how = (f"first rung {esc.ladder[0].model}"
           + (f", fallbacks on error {', '.join(backups)}" if backups else ""))
    judged = "judge-checked " if len(esc.ladder) > 1 else ""
    return [Part("escalation ladder", how, exact=False,
                 lost=f"the {judged}ladder {rungs} becomes a fallback on error only: {target} "
                      "has no judge, so a poor answer is never escalated",
                 approximation=approx.ladder_as_fallback(data))]


def budget_parts(policy: Policy, data: approx.PolicyData, target: str,
                 cap_note: str) -> list[Part]:
    """The monthly budget and each rule (downgrade map, block_noncritical at a share), and
    each team's budget."""
    parts = [Part(f"team_budgets.{team}", "not expressed", exact=False,
                  lost=f"team {team}'s ${b.monthly_usd:,.0f}/month budget and its "
                       f"{len(b.rules)} rule(s): {target} cannot act on a share of a team's "
                       "monthly budget; they never fire",
                  approximation=approx.without_team_budget(data, team))
             for team, b in policy.team_budgets.items()]
    budget = policy.budget
    if budget is None:
        return parts
    parts += [Part("budget.monthly_usd", cap_note, exact=False,
                  lost=f"the ${budget.monthly_usd:,.0f}/month budget is not enforced by "
                       f"{target}; on its own it changes no call (its rules follow)")]
    for i, rule in enumerate(budget.rules):
        what = (f"downgrade {', '.join(f'{a}->{b}' for a, b in rule.map.items())}"
                if rule.action == "downgrade" else "block non-critical tasks")
        parts.append(Part(
            f"budget.rules[{i}]", "not expressed", exact=False,
            lost=f"{what} at {rule.at:.0%} of ${budget.monthly_usd:,.0f}/month: {target} "
                 "cannot act on a share of a monthly budget; the rule never fires",
            approximation=approx.without_budget_rule(data, i)))
    return parts


def failover_mode_part(policy: Policy, data: approx.PolicyData, target: str) -> list[Part]:
    """Hedged and predictive failover: run as sequential failover down the same chain."""
    mode = policy.failover.mode
    if mode not in ("hedged", "predictive"):
        return []
    why = ("no hedged requests (primary and backup at once)" if mode == "hedged" else
           "no move of traffic off a model on its observed error rate")
    return [Part(f"failover.mode {mode}", "sequential fallbacks down the chain", exact=False,
                 lost=f"{target} has {why}", approximation=approx.as_sequential(data))]


def breaker_part(policy: Policy, data: approx.PolicyData, target: str) -> list[Part]:
    """A circuit breaker on a target that has none."""
    if policy.failover.breaker is None:
        return []
    b = policy.failover.breaker
    return [Part("failover.breaker", "not expressed", exact=False,
                 lost=f"breaker ({b.failures} failures, {b.cooldown_s:g} s cooldown): {target} "
                      "has no circuit breaker in its config; a failing model stays first",
                 approximation=approx.without_breaker(data))]


def split_parts(policy: Policy, data: approx.PolicyData, target: str) -> list[Part]:
    """Weighted splits: exported as their heaviest model, the loss named and priced."""
    routing = policy.routing
    if routing is None:
        return []
    splits = ([("routing.default_split", routing.default_split)] if routing.default_split
              else []) + [(f"routing.rules[{i}].split", r.split)
                          for i, r in enumerate(routing.rules) if r.split]
    return [Part(path, f"the heaviest model, {max(split, key=split.get)}", exact=False,
                 lost=f"the weighted split {', '.join(f'{m} {w:g}' for m, w in split.items())}"
                      f" is not expressed in this {target} export; all its traffic goes to "
                      "the heaviest model", approximation=approx.heaviest_of_splits(data))
            for path, split in splits]



def fallback_parts(policy: Policy, data: approx.PolicyData, target: str) -> list[Part]:
    """Per-model fallbacks: folded into one chain for every route, the loss named and
    priced."""
    fallbacks = policy.failover.fallbacks if policy.failover.mode != "none" else {}
    if not fallbacks:
        return []
    chain = approx.fallback_chain(policy.failover.model_dump())
    shown = fallbacks_text(fallbacks)
    return [Part("failover.fallbacks", f"one chain for every route: {', '.join(chain)}",
                 exact=False, lost=f"per-model fallbacks ({shown}) are not expressed in this "
                 f"{target} export; every route falls back along the same chain",
                 approximation=approx.without_fallbacks(data))]
