"""Provider: who serves models. Outage process, rate limits and concurrency.

An outage starts on average every ``mtbf_days`` (exponential) and lasts ``mttr_hours`` on average
(exponential). A share ``partial_share`` of outages are partial (degraded: each call fails with
``degraded_error_rate``); the rest are full (every call fails). Providers naming the same
``failure_domain`` share one outage timeline (correlated outages). With ``incidents`` (a CSV in
the format of data/outages/incidents.csv) both the simulator and the estimator replay real
incidents instead (the estimator integrates over the joint timeline of the replayed domains),
from ``incidents_from`` (ISO date; default the first incident) over the scenario's horizon:
the rows of ``incident_provider`` (default: the provider's name) listing one of
``incident_services`` (exact names; all services when empty), each impact level mapped to a
state by ``incident_impact`` (default: minor = degraded, major and critical = down, none and
maintenance ignored).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt

from workbench.domain.base import Frozen

IMPACT_LEVELS = ("none", "minor", "major", "critical", "maintenance")  # status-page codes 0-4
ImpactState = Literal["ignore", "degraded", "down"]


class IncidentImpact(Frozen):
    """State a replayed incident puts its provider in, per status-page impact level."""

    none: ImpactState = "ignore"
    minor: ImpactState = "degraded"
    major: ImpactState = "down"
    critical: ImpactState = "down"
    maintenance: ImpactState = "ignore"

    def as_dict(self) -> dict[str, str]:
        """Impact level name -> state (or ``ignore``)."""
        return {level: getattr(self, level) for level in IMPACT_LEVELS}


class Provider(Frozen):
    """Outage and limit parameters of one provider (``mtbf_days`` None: never fails)."""

    name: str = Field(min_length=1)
    mtbf_days: PositiveFloat | None = None
    mttr_hours: PositiveFloat = 1.0
    partial_share: float = Field(0.0, ge=0.0, le=1.0)
    degraded_error_rate: float = Field(0.5, ge=0.0, le=1.0)
    degraded_latency_factor: PositiveFloat = 1.0
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    down_failure: Literal["fast", "timeout"] = "fast"
    failure_domain: str | None = None
    incidents: str | None = None
    incident_provider: str | None = None
    incident_services: list[str] = Field(default_factory=list)
    incidents_from: str | None = None
    incident_impact: IncidentImpact = IncidentImpact()
    rpm: PositiveInt | None = None
    tpm: PositiveInt | None = None
    concurrency: PositiveInt | None = None
    retry_after_s: NonNegativeFloat = 1.0

    @property
    def domain(self) -> str:
        """Failure domain name (its own name unless shared)."""
        return self.failure_domain or self.name

    def outage_params(self) -> tuple:
        """Parameters that providers of one failure domain must share."""
        return (self.mtbf_days, self.mttr_hours, self.partial_share, self.incidents,
                self.incident_provider, tuple(self.incident_services), self.incidents_from,
                self.incident_impact)

    @property
    def replays_incidents(self) -> bool:
        """True when the outage timeline is a replay of real incidents (not MTBF / MTTR)."""
        return self.incidents is not None

    @property
    def unavailable_share(self) -> float:
        """Long-run share of time in an outage: MTTR / (MTBF + MTTR) (parametric providers;
        a replayed history's shares come from its timeline, see domain/incidents.py)."""
        if self.mtbf_days is None:
            return 0.0
        mttr_days = self.mttr_hours / 24.0
        return mttr_days / (self.mtbf_days + mttr_days)

    def state_shares(self) -> dict[str, float]:
        """Long-run share of time up, degraded and down."""
        u = self.unavailable_share
        return {"up": 1.0 - u, "degraded": u * self.partial_share,
                "down": u * (1.0 - self.partial_share)}

    def failure_probability(self, state: str) -> float:
        """P(one call fails) in ``state`` (up / degraded / down)."""
        return {"up": self.error_rate, "degraded": self.degraded_error_rate, "down": 1.0}[state]

    @property
    def has_limits(self) -> bool:
        """True when requests contend for a shared limit (rate or concurrency)."""
        return any(v is not None for v in (self.rpm, self.tpm, self.concurrency))
