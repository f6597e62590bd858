"""The translation report: each part of a policy, how the target gateway expresses it, and
what it cannot express with the closest approximation (as policy data, so the layer above can
price it with the estimator). Nothing of the policy is dropped without a `Part` saying so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Part:
    """One part of the policy. ``exact`` False means the target cannot express it;
    ``approximation`` is then the whole policy (plain data) with only this part replaced by
    what the gateway will do instead (None when it changes no call: latency only, or a
    budget without rules)."""

    part: str
    expressed_as: str
    exact: bool = True
    lost: str = ""
    approximation: dict[str, Any] | None = None


@dataclass(frozen=True)
class Pricing:
    """Monthly cost (USD) and pass rate (0..1) of the approximated policy minus the policy's."""

    cost_usd_delta: float
    pass_rate_delta: float | None


@dataclass
class Translation:
    """An exported config (``config``: plain data), its ``parts`` and the policy the gateway
    will actually run (``effective``: every approximation applied, plain policy data)."""

    target: str
    policy: str
    config: dict[str, Any]
    parts: list[Part]
    effective: dict[str, Any]
    client_notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> list[Part]:
        """Parts the target cannot express exactly."""
        return [p for p in self.parts if not p.exact]

    def to_json(self, pricing: dict[int, Pricing] | None = None,
                effective: Pricing | None = None) -> dict[str, Any]:
        """The report as plain data; ``pricing`` keyed by the index of a part in ``parts``."""
        pricing = pricing or {}
        parts = []
        for i, p in enumerate(self.parts):
            row: dict[str, Any] = {"part": p.part, "expressed_as": p.expressed_as,
                                   "exact": p.exact}
            if not p.exact:
                row["lost"] = p.lost
                row["priced"] = _priced(pricing.get(i))
            parts.append(row)
        return {"target": self.target, "policy": self.policy, "parts": parts,
                "all_approximations": _priced(effective), "client": self.client_notes}

    def to_markdown(self, pricing: dict[int, Pricing] | None = None,
                    effective: Pricing | None = None) -> str:
        """The report as markdown: a table of parts, then what the client has to send."""
        pricing = pricing or {}
        lines = [f"# Translation of policy `{self.policy}` to {self.target}", "",
                 ("| part | expressed as | exact | lost / approximation | monthly cost | "
                  "pass rate |"), "|---|---|---|---|---|---|"]
        for i, p in enumerate(self.parts):
            cost, rate = _cells(pricing.get(i)) if not p.exact else ("", "")
            lines.append(f"| {_esc(p.part)} | {_esc(p.expressed_as)} | "
                         f"{'yes' if p.exact else 'no'} | {_esc(p.lost)} | {cost} | {rate} |")
        if self.lost:
            cost, rate = _cells(effective)
            lines += ["", (f"All approximations together: {cost}, {rate} pass rate "
                           "(closed-form estimate against the policy as written).")]
        else:
            lines += ["", "Every part is expressed exactly."]
        if self.client_notes:
            lines += ["", "## What the client sends", ""] + [f"- {n}" for n in self.client_notes]
        return "\n".join(lines) + "\n"


def _priced(p: Pricing | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"monthly_cost_usd_delta": round(p.cost_usd_delta, 2),
            "pass_rate_points_delta": (None if p.pass_rate_delta is None
                                       else round(100 * p.pass_rate_delta, 2))}


def _cells(p: Pricing | None) -> tuple[str, str]:
    if p is None:
        return "not priced (no change to what is called)", "-"
    sign = "+" if p.cost_usd_delta >= 0 else "-"
    cost = f"{sign}${abs(p.cost_usd_delta):,.0f}/month"
    if p.pass_rate_delta is None:
        return cost, "n/a"
    return cost, f"{100 * p.pass_rate_delta:+.1f} pts"


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
