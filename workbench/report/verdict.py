"""Page one of the decision pack: the recommended policy, one paragraph a CFO reads in a minute
(savings, payback, quality and availability change - with 95% intervals when a simulation
stands behind them, labelled "estimate" otherwise) and the top risks.

The recommendation. When the planner has chosen a policy, pass it as ``planned`` (the hook:
`workbench.report.run(..., recommended=...)` and ``build_report(..., recommended=...)``); the
verdict then states it and still checks it against the guard rails below. Otherwise the
recommendation is the policy with the highest net monthly benefit among those that

- pay back at all (net monthly benefit > 0),
- keep the quality pass rate within `QUALITY_TOLERANCE` of the baseline's,
- keep availability within `AVAILABILITY_TOLERANCE` of the baseline's,
- hold every one-sided bound the scenario's claims put on them (only ``low``: "at least",
  only ``high``: "at most"; a claimed value or range is checked in the claims table, not here);

and when none does, it is to keep the baseline, with the reason each candidate failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.metrics.formats import interval, months, pct, pct_points, usd
from workbench.report.markup import esc

QUALITY_TOLERANCE = 0.01  # fraction: a pass rate may fall by at most 1 point
AVAILABILITY_TOLERANCE = 0.001  # fraction: availability may fall by at most 0.1 point
PAYBACK_HORIZON_MONTHS = 12.0  # a payback beyond this is named as a risk


@dataclass(frozen=True)
class Recommendation:
    """``policy``: what to do (the baseline means "keep it"); ``candidate``: the policy the
    paragraph is about (the recommendation, else the best net benefit among the others);
    ``failures``: per policy, the guard rails it breaks; ``source``: planner or guard rails."""

    policy: str
    candidate: str
    baseline: str
    source: str
    failures: dict[str, list[str]] = field(default_factory=dict)

    @property
    def keeps_baseline(self) -> bool:
        """True when the advice is not to change."""
        return self.policy == self.baseline


def guard_rail_failures(name: str, doc: dict, claims: list[dict]) -> list[str]:
    """Why ``name`` cannot be recommended (empty: it can)."""
    base = doc["policies"][doc["baseline"]]
    s = doc["policies"][name]
    out = []
    roi = s.get("roi") or {}
    if not roi or roi.get("net_monthly_usd", 0.0) <= 0:
        out.append(f"never pays back (net {usd(roi.get('net_monthly_usd'))} a month)")
    rate, base_rate = s.get("quality_pass_rate"), base.get("quality_pass_rate")
    if rate is not None and base_rate is not None and rate < base_rate - QUALITY_TOLERANCE:
        out.append(f"pass rate {pct(rate)} against {pct(base_rate)} today")
    if s["availability"] < base["availability"] - AVAILABILITY_TOLERANCE:
        out.append(f"availability {pct(s['availability'], 2)} against "
                   f"{pct(base['availability'], 2)} today")
    for c in claims:
        if c["policy"] == name and _one_sided(c) and c.get("holds") is False:
            out.append(f"misses the scenario's bound \"{c['text']}\"")
    return out


def _one_sided(claim: dict) -> bool:
    """A claim that is a bound ("at least" / "at most"), not a value or a range: doing better
    than a claimed range (saving 82% where 40-60% was claimed) is no reason to reject."""
    low, high = claim.get("claimed_range") or (None, None)
    return claim.get("claimed") is None and (low is None) != (high is None)


def recommend(doc: dict, claims: list[dict], planned: str | None = None,
              chosen: str | None = None) -> Recommendation:
    """The recommendation for the summaries ``doc`` (estimate or simulate JSON) under
    ``claims`` (judged); ``chosen`` (the user's --policy) only changes what the paragraph is
    about."""
    baseline = doc["baseline"]
    others = [p for p in doc["policies"] if p != baseline]
    failures = {p: guard_rail_failures(p, doc, claims) for p in others}
    net = lambda p: ((doc["policies"][p].get("roi") or {}).get("net_monthly_usd") or 0.0)
    if planned is not None:
        policy, source = planned, "the planner"
    else:
        fit = [p for p in others if not failures[p]]
        policy = max(fit, key=net) if fit else baseline
        source = "the guard rails"
    candidate = chosen or (policy if policy != baseline else
                           (max(others, key=net) if others else baseline))
    return Recommendation(policy, candidate, baseline, source, failures)


def _with_interval(text: str, ci: list | None, fmt, simulated: bool) -> str:
    if ci and (ci[0] is not None or ci[1] is not None):
        return f"{text} (95% interval {interval(ci[0], ci[1], fmt)})"
    return text


def _negated(ci: list | None) -> list | None:
    """The interval of -x from the interval of x."""
    return None if not ci else [-ci[1], -ci[0]]


def verdict_paragraph(doc: dict, rec: Recommendation) -> str:
    """Savings, payback, quality and availability change of the candidate, in one paragraph of
    plain text (intervals from a simulation, else each figure labelled "estimate")."""
    simulated = "replications" in doc
    base, pick = doc["policies"][rec.baseline], doc["policies"][rec.candidate]
    if rec.candidate == rec.baseline:
        return f"Only the baseline policy {rec.baseline} is defined: there is nothing to compare."
    roi = pick.get("roi") or {}
    roi_ci = pick.get("roi_ci95") or {}
    cost = _with_interval(usd(pick["monthly_cost_usd"]), pick.get("monthly_cost_usd_ci95"), usd,
                          simulated)
    savings = _with_interval(pct(pick.get("savings_vs_baseline")),
                             pick.get("savings_vs_baseline_ci95"), pct, simulated)
    net = _with_interval(usd(roi.get("net_monthly_usd")), roi_ci.get("net_monthly_usd"), usd,
                         simulated)
    payback = _with_interval(months(roi.get("payback_months")), roi_ci.get("payback_months"),
                             months, simulated)
    rate, base_rate = pick.get("quality_pass_rate"), base.get("quality_pass_rate")
    quality = _with_interval(pct(rate), pick.get("quality_pass_rate_ci95"), pct, simulated)
    avail = _with_interval(pct(pick["availability"], 2), pick.get("availability_ci95"),
                           lambda v: pct(v, 2), simulated)
    change = (rate - base_rate) if rate is not None and base_rate is not None else None
    lead = ("Simulated (means with 95% intervals where the runs give one): " if simulated
            else "Estimate (closed-form expected values, no interval): ")
    saved = pick.get("savings_vs_baseline")
    if saved is None or saved >= 0:
        change_text = f"a saving of {savings}"
    else:
        more = _with_interval(pct(-saved), _negated(pick.get("savings_vs_baseline_ci95")), pct,
                              simulated)
        change_text = f"{more} more than today"
    parts = [(f"{lead}{rec.candidate} brings the monthly model bill from "
              f"{usd(base['monthly_cost_usd'])} to {cost}, {change_text}.")]
    rework, token = roi.get("rework_saved_usd"), roi.get("token_savings_usd") or 0.0
    if rework is not None and rework < 0:
        share = f"{pct(-rework / token, 0)} of" if token > 0 else "more than"
        parts.append(f"More answers fall below their quality bar (pass rate {quality} against "
                     f"{pct(base_rate)} today, {pct_points(change)}), and the human rework "
                     f"they need costs {usd(-rework)} a month, {share} the token savings.")
    else:
        parts.append(f"The quality pass rate is {quality} against {pct(base_rate)} today "
                     f"({pct_points(change)}).")
    downtime = roi.get("downtime_avoided_usd") or 0.0
    if downtime > 0:
        parts.append(f"Fewer tasks miss their deadline: the downtime avoided is worth "
                     f"{usd(downtime)} a month at the scenario's cost of downtime.")
    elif downtime < 0:
        parts.append(f"More tasks miss their deadline, which costs {usd(-downtime)} a month "
                     "at the scenario's cost of downtime.")
    parts.append(f"Net of rework, downtime and overhead the change is worth {net} a month, so "
                 f"the {usd(roi.get('implementation_cost_usd'))} implementation pays back in "
                 f"{payback}.")
    parts.append(f"Availability is {avail} against {pct(base['availability'], 2)} today "
                 f"({pct_points(pick['availability'] - base['availability'], 2)}).")
    return " ".join(parts)


def top_risks(doc: dict, rec: Recommendation, claims: list[dict],
              sensitivity: dict | None = None, limit: int = 4) -> list[str]:
    """What could make the decision wrong, most important first: assumptions whose break-even
    lies inside their tested range, a long payback, an interval that includes a loss, claims
    that fail, guard rails the candidate breaks."""
    out: list[str] = []
    pick = doc["policies"].get(rec.candidate, {})
    roi = pick.get("roi") or {}
    net_ci = (pick.get("roi_ci95") or {}).get("net_monthly_usd")
    if net_ci and net_ci[0] is not None and net_ci[0] < 0 < (roi.get("net_monthly_usd") or 0):
        out.append(f"The net benefit's 95% interval {interval(net_ci[0], net_ci[1], usd)} "
                   "includes a loss: run more replications before committing.")
    for row in (sensitivity or {}).get("rows", []):
        value = row.get("break_even")
        lo, hi = sorted((row["low"], row["high"]))
        if value is not None and lo <= value <= hi:
            out.append(f"{row['label']} at {_value(value, row['unit'])} instead of "
                       f"{_value(row['base'], row['unit'])}: {rec.candidate} stops paying "
                       "(net benefit zero).")
    payback = roi.get("payback_months")
    if roi and (payback is None or payback > PAYBACK_HORIZON_MONTHS):
        out.append(f"Payback {months(payback)} is beyond {PAYBACK_HORIZON_MONTHS:g} months: "
                   "the decision rests on assumptions holding for years.")
    for reason in rec.failures.get(rec.candidate, []):
        out.append(f"{rec.candidate} {reason}.")
    for c in claims:
        if c["policy"] == rec.candidate and c.get("holds") is False and c.get("claimed") is not None:
            out.append(f"The claim \"{c['text']}\" does not hold on these numbers.")
    out = [r[:1].upper() + r[1:] for r in out[:limit]]
    return out or ["No assumption in the tested ranges flips the decision."]


def _value(value: float, unit: str) -> str:
    if unit == "x today":
        return "today's level" if value == 1.0 else f"{value:.2f}x today's"
    if unit.startswith("USD"):
        return usd(value, 2) + unit[3:]
    return f"{value:.1f} {unit}"


def verdict_html(doc: dict, rec: Recommendation, claims: list[dict],
                 sensitivity: dict | None = None) -> str:
    """The verdict block: recommendation, paragraph, top risks."""
    if rec.keeps_baseline:
        head = f"Recommendation: keep {rec.baseline} for now"
        why = "; ".join(f"{p}: {', '.join(r)}" for p, r in rec.failures.items() if r)
        basis = f"No candidate passes {rec.source} ({why})." if why else ""
    else:
        head = f"Recommendation: adopt {rec.policy}"
        basis = (f"Chosen by {rec.source}: the highest net benefit among the policies that pay "
                 "back, keep quality and availability and hold the scenario's bounds."
                 if rec.source == "the guard rails" else f"Chosen by {rec.source}.")
        if rec.failures.get(rec.policy):
            basis += " Guard rails it breaks: " + "; ".join(rec.failures[rec.policy]) + "."
    risks = "".join(f"<li>{esc(r)}</li>" for r in top_risks(doc, rec, claims, sensitivity))
    return (f'<section class="verdict" id="verdict"><h2 id="recommendation">{esc(head)}</h2>'
            f'<p class="basis">{esc(basis)}</p>'
            f'<p class="summary" id="verdict-text">{esc(verdict_paragraph(doc, rec))}</p>'
            f'<h3>Top risks</h3><ul class="risks">{risks}</ul></section>')

