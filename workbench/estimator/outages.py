"""Joint up / degraded / down states of the failure domains a call can touch, with the share of
time each combination holds - what the closed form integrates the call rules over.

- Parametric domains (MTBF / MTTR): independent alternating processes, so the long-run share of
  a combination is the product of each domain's state shares.
- Replayed domains (``incidents:``): the real history, so the shares come from the joint
  timeline of the replayed domains over the scenario's horizon (the same window the simulator
  replays, from each provider's ``incidents_from``) - the actual overlaps of the incidents,
  however correlated, never a product of per-domain shares.

A mix of both is the replayed joint share times the parametric product (the simulated
parametric outages are independent of the history).

The shares are those of the whole horizon: with budget rules, every budget segment of the
month sees the window's shares (exact when no rule fires, or when outages do not cluster in one
part of the month). ``simulate --days`` shorter than the horizon replays a shorter window than
the estimate integrates over.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

from workbench.domain.incidents import (
    JointInterval,
    joint_timeline,
    replayed_intervals,
    state_weights,
)
from workbench.domain.provider import Provider
from workbench.domain.scenario import Scenario

STATES = ("up", "degraded", "down")
DAY_S = 86_400.0


def horizon_s(scenario: Scenario) -> float:
    """The replayed window in seconds: the scenario's horizon (what ``simulate`` replays)."""
    return float(scenario.horizon.days) * DAY_S


def replay_timeline(scenario: Scenario, providers: list[Provider]) -> list[JointInterval]:
    """Joint timeline of the replayed failure domains of ``providers`` (one per domain) over
    the scenario's horizon: consecutive intervals, each with every domain's state."""
    return _joint(_replay_key(scenario, providers), horizon_s(scenario))


def _replay_key(scenario: Scenario, providers: list[Provider]) -> tuple:
    seen: dict[str, tuple] = {}
    for p in providers:
        if p.replays_incidents and p.domain not in seen:
            seen[p.domain] = (p.model_dump_json(),  # hashable, unlike the model's lists
                              str(scenario.resolve_path(str(p.incidents)).resolve()))
    return tuple(seen.items())


@functools.lru_cache(maxsize=64)
def _joint(key: tuple, window_s: float) -> list[JointInterval]:
    return joint_timeline({domain: replayed_intervals(Provider.model_validate_json(p), file,
                                                      window_s)
                           for domain, (p, file) in key}, window_s)


@functools.lru_cache(maxsize=64)
def _replay_weights(key: tuple, window_s: float) -> tuple[tuple[float, tuple], ...]:
    return tuple((w, tuple(states.items()))
                 for w, states in state_weights(_joint(key, window_s)))


def joint_states(scenario: Scenario, models: list[str]) -> Iterator[tuple[float, dict[str, str]]]:
    """(share of time, {failure domain: state}) for every state combination of the domains
    serving ``models`` that occurs with a positive share; the shares sum to 1."""
    providers: dict[str, Provider] = {}
    for m in models:
        provider = scenario.provider_of(m)
        providers.setdefault(provider.domain, provider)
    replayed = [p for p in providers.values() if p.replays_incidents]
    parametric = {d: p.state_shares() for d, p in providers.items() if not p.replays_incidents}
    history: tuple = ((1.0, ()),)
    if replayed:
        history = _replay_weights(_replay_key(scenario, replayed), horizon_s(scenario))
    names = list(parametric)
    for share, replay_states in history:
        for combo in itertools.product(STATES, repeat=len(names)):
            weight = share
            for name, state in zip(names, combo):
                weight *= parametric[name][state]
            if weight > 0.0:
                yield weight, {**dict(replay_states), **dict(zip(names, combo))}
