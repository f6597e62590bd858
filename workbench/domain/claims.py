"""Claims judged by the fidelity that models them.

An article's claim names a metric of a policy. Cost, savings, quality and escalation figures
are closed-form expectations: the estimate judges them. A claim about reliability or latency
(``availability``, ``success_rate``, ``latency_*``) of a policy whose providers have outages
(MTBF / MTTR or replayed incidents) or limits (RPM, TPM, concurrency), or whose failover reacts
to observed failures (circuit breaker, predictive), needs the simulation: the estimate does not
model queueing, the delays failover adds against the deadline, nor timeouts shared by the
attempts of one task. Such a claim is judged on a simulation with its 95% interval when one is
given, and otherwise reported as "not modelled by the estimate" - never as holding.

With an interval, a claim holds when the whole interval satisfies it, fails when none of it
does, and is undecided when the interval straddles the claimed bound.

>>> judged = judge_claims(scenario, estimate_summaries, simulation_summaries)  # doctest: +SKIP
>>> judged[0]["status"], judged[0]["judged_by"], judged[0]["interval"]  # doctest: +SKIP
('holds', 'simulation', [0.99908, 0.99925])
"""

from __future__ import annotations

from workbench.domain.scenario import Claim, Scenario

ESTIMATE, SIMULATION = "estimate", "simulation"
RELIABILITY_METRICS = ("availability", "success_rate")
HOLDS, FAILS, UNDECIDED = "holds", "does not hold", "undecided within the 95% interval"
NOT_MODELLED = "not modelled by the estimate"
NOT_SIMULATED = "not modelled by this simulation (run without outages)"
NOT_COMPUTED = "not computed"


def _is_reliability(metric: str) -> bool:
    return metric in RELIABILITY_METRICS or metric.startswith("latency_")


def fidelity_needed(scenario: Scenario, claim: Claim) -> tuple[str, str]:
    """(fidelity, why): ``simulation`` for a reliability or latency claim on a policy that
    meets outages, limits or failure-reacting failover; ``estimate`` otherwise."""
    if not _is_reliability(claim.metric):
        return ESTIMATE, "closed-form expectation"
    policy = scenario.policy(claim.policy)
    providers = {scenario.model(m).provider for _, m in policy.model_names()}
    seen = [scenario.provider(p) for p in sorted(providers)]
    reasons = []
    if any(p.mtbf_days is not None or p.incidents is not None for p in seen):
        reasons.append("outages")
    if any(p.has_limits for p in seen):
        reasons.append("rate or concurrency limits")
    if policy.failover.breaker is not None or policy.failover.mode == "predictive":
        reasons.append("failover reacting to observed failures")
    if reasons:
        return SIMULATION, f"{claim.metric} under {' and '.join(reasons)}"
    return ESTIMATE, f"{claim.metric} without outages or limits"


def _accepted(claim: Claim) -> tuple[float, float]:
    """The values that bear the claim out, as one closed interval."""
    low, high = float("-inf"), float("inf")
    if claim.value is not None:
        low, high = claim.value - claim.tolerance, claim.value + claim.tolerance
    if claim.low is not None:
        low = max(low, claim.low)
    if claim.high is not None:
        high = min(high, claim.high)
    return low, high


def verdict(claim: Claim, computed: float | None,
            interval: list[float] | None = None) -> tuple[bool | None, str]:
    """(holds, status) of ``claim`` against a figure and, when given, its 95% interval."""
    if computed is None:
        return None, NOT_COMPUTED
    if interval is None:
        holds = claim.holds(computed)
        return holds, HOLDS if holds else FAILS
    lo, hi = _accepted(claim)
    if lo <= interval[0] and interval[1] <= hi:
        return True, HOLDS
    if interval[1] < lo or interval[0] > hi:
        return False, FAILS
    return None, UNDECIDED


def judge_claims(scenario: Scenario, estimate: dict[str, dict] | None,
                 simulation: dict[str, dict] | None = None,
                 simulated_outages: bool = True) -> list[dict]:
    """Each claim of the scenario judged by the fidelity that models it. ``estimate`` and
    ``simulation`` are per-policy summaries (``estimate --json`` / ``simulate --json``
    ``policies``); a simulation interval is read from ``<metric>_ci95`` when present. A
    simulation run without outages (``simulated_outages`` False) judges no claim that needs
    them ("not modelled by this simulation").

    Keys: text, source, policy, metric, claimed, claimed_range, fidelity (what the claim
    needs), why, judged_by (``estimate``, ``simulation`` or None), computed (the judging
    fidelity's figure), interval ([low, high] or None), estimate (the estimate's figure, for
    reference), holds (True / False / None) and status (holds, does not hold, undecided within
    the 95% interval, not modelled by the estimate or by this simulation, not computed)."""
    out = []
    for claim in scenario.claims:
        needed, why = fidelity_needed(scenario, claim)
        est = (estimate or {}).get(claim.policy, {}).get(claim.metric)
        sim_summary = (simulation or {}).get(claim.policy)
        judged_by, computed, interval = None, None, None
        blind = needed == SIMULATION and not simulated_outages and "outages" in why
        if blind:
            sim_summary = None
        if needed == SIMULATION and sim_summary is not None:
            judged_by, computed = SIMULATION, sim_summary.get(claim.metric)
            interval = sim_summary.get(f"{claim.metric}_ci95")
        elif needed == ESTIMATE and estimate is not None:
            judged_by, computed = ESTIMATE, est
        elif needed == ESTIMATE and sim_summary is not None:
            judged_by, computed = SIMULATION, sim_summary.get(claim.metric)
            interval = sim_summary.get(f"{claim.metric}_ci95")
        if judged_by is None:
            status = (NOT_SIMULATED if blind else NOT_MODELLED if estimate is not None
                      else NOT_COMPUTED)  # the last: a simulation of other policies only
            holds = None
        else:
            holds, status = verdict(claim, computed, interval)
        out.append({"text": claim.text, "source": claim.source, "policy": claim.policy,
                    "metric": claim.metric, "claimed": claim.value,
                    "claimed_range": [claim.low, claim.high]
                    if claim.low is not None or claim.high is not None else None,
                    "fidelity": needed, "why": why, "judged_by": judged_by,
                    "computed": computed, "interval": list(interval) if interval else None,
                    "estimate": est, "holds": holds, "status": status})
    return out
