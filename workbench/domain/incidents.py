"""Replayed incident history: status-page incidents read from a CSV, mapped to provider states,
merged into one timeline per failure domain, and the joint timeline of several domains.

Pure stdlib, shared by the simulator (which looks states up per request) and the estimator
(which integrates the call rules over the joint timeline). Times are seconds from the replay's
origin (``incidents_from``); states are ``"up"``, ``"degraded"`` and ``"down"``.

The CSV follows data/outages/incidents.csv: ``provider, services`` (``;``-separated),
``impact_level`` (0 none, 1 minor, 2 major, 3 critical, 4 maintenance), ``start_utc``,
``end_utc``. A provider's ``incident_impact`` maps each impact to a state (or ``ignore``), and
``incident_services`` keeps the incidents listing one of the named services - names compared
exactly, so ``API`` never matches ``api.anthropic.com``.
"""

from __future__ import annotations

import csv
import functools
import heapq
import io
import itertools
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.domain.bounded_read import read_text
from workbench.domain.errors import ScenarioError
from workbench.domain.provider import IMPACT_LEVELS, Provider

STATES = ("up", "degraded", "down")
RANK = {state: rank for rank, state in enumerate(STATES)}  # worse state, higher rank


@dataclass(frozen=True)
class Incident:
    """One row of an incidents file: provider (lower case), services, impact name, UTC times."""

    provider: str
    services: tuple[str, ...]
    impact: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class JointInterval:
    """[start_s, end_s) during which every failure domain keeps one state."""

    start_s: float
    end_s: float
    states: tuple[tuple[str, str], ...]  # (domain, state), in the order the domains were given

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


def parse_utc(text: str, file: str | None = None, path: str = "") -> datetime:
    """An ISO date-time (UTC when no offset is given)."""
    try:
        moment = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ScenarioError("not an ISO date-time", file=file, path=path, value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


INCIDENT_COLUMNS = frozenset({"provider", "impact_level", "start_utc", "end_utc"})


def read_incidents(path: str | Path) -> tuple[Incident, ...]:
    """Every row of an incidents CSV (cached per file and modification time)."""
    file = str(path)
    try:
        stamp = os.stat(file).st_mtime_ns
    except OSError as exc:
        raise ScenarioError(f"cannot read incidents ({exc.strerror})", file=file) from None
    return _read(file, stamp)


@functools.lru_cache(maxsize=16)
def _read(file: str, _stamp: int) -> tuple[Incident, ...]:
    reader = csv.DictReader(io.StringIO(read_text(file), newline=""))  # bounded, UTF-8
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ScenarioError(f"not CSV ({exc})", file=file, path=f"line {reader.line_num}") \
            from None
    missing = sorted(INCIDENT_COLUMNS - set(reader.fieldnames or ()))
    if missing:
        raise ScenarioError(f"needs columns {', '.join(sorted(INCIDENT_COLUMNS))} (missing "
                            f"{', '.join(missing)})", file=file, path="line 1")
    out = []
    for line, row in enumerate(rows, start=2):
        try:
            provider, level = row["provider"].strip().lower(), int(row["impact_level"])
            impact = IMPACT_LEVELS[level]
        except (KeyError, ValueError, AttributeError, IndexError, TypeError):
            raise ScenarioError("needs columns provider and impact_level (0 to 4)", file=file,
                                path=f"line {line}", value=row) from None
        services = tuple(s.strip() for s in (row.get("services") or "").split(";") if s.strip())
        out.append(Incident(provider, services, impact,
                            parse_utc(row.get("start_utc", ""), file, f"line {line}.start_utc"),
                            parse_utc(row.get("end_utc", ""), file, f"line {line}.end_utc")))
    return tuple(out)


def provider_incidents(p: Provider, incidents: tuple[Incident, ...]) -> list[Incident]:
    """Incidents of ``p``'s ``incident_provider`` (its name by default) listing one of its
    ``incident_services`` exactly (any service when none is named)."""
    wanted = (p.incident_provider or p.name).lower()
    services = set(p.incident_services)
    return [i for i in incidents
            if i.provider == wanted and (not services or services.intersection(i.services))]


def known_services(p: Provider, incidents: tuple[Incident, ...]) -> list[str]:
    """Services named by the incidents of ``p``'s incident provider, most frequent first."""
    wanted = (p.incident_provider or p.name).lower()
    counts = Counter(s for i in incidents if i.provider == wanted for s in i.services)
    return [s for s, _ in counts.most_common()]


def merge_worst(rows: list[tuple[float, float, str]],
                horizon_s: float) -> list[tuple[float, float, str]]:
    """Outage intervals clipped to [0, horizon_s), overlaps resolved to the worst state at
    every instant, adjacent intervals of one state joined; sorted, non-overlapping."""
    rows = [(max(0.0, s), min(horizon_s, e), st) for s, e, st in rows
            if e > s and s < horizon_s and e > 0.0 and st != "up"]
    if not rows:
        return []
    events = sorted({t for s, e, _ in rows for t in (s, e)})
    by_start = sorted(rows)
    active: list[tuple[int, float]] = []  # heap of (-rank, end): the worst open state on top
    out: list[tuple[float, float, str]] = []
    k = 0
    for a, b in itertools.pairwise(events):
        while k < len(by_start) and by_start[k][0] <= a:
            heapq.heappush(active, (-RANK[by_start[k][2]], by_start[k][1]))
            k += 1
        while active and active[0][1] <= a:  # drop ended intervals at the top
            heapq.heappop(active)
        if not active:
            continue
        rank = -active[0][0]
        state = STATES[rank]
        if out and out[-1][2] == state and out[-1][1] == a:
            out[-1] = (out[-1][0], b, state)
        else:
            out.append((a, b, state))
    return out


def replayed_intervals(p: Provider, file: str | Path,
                       horizon_s: float) -> list[tuple[float, float, str]]:
    """The replayed timeline of ``p`` over [0, horizon_s): (start_s, end_s, state) outage
    intervals, seconds from ``incidents_from`` (default: its first incident)."""
    picked = []
    impact = p.incident_impact.as_dict()
    for incident in provider_incidents(p, read_incidents(file)):
        state = impact[incident.impact]
        if state != "ignore":
            picked.append((incident.start, incident.end, state))
    if not picked:
        return []
    origin = (parse_utc(p.incidents_from, str(file), "incidents_from") if p.incidents_from
              else min(s for s, _, _ in picked))
    return merge_worst([((s - origin).total_seconds(), (e - origin).total_seconds(), st)
                        for s, e, st in picked], horizon_s)


def joint_timeline(timelines: dict[str, list[tuple[float, float, str]]],
                   horizon_s: float) -> list[JointInterval]:
    """The joint timeline of several failure domains over [0, horizon_s): consecutive
    intervals covering the whole span (all-up stretches included), each with the state of
    every domain; a new interval starts wherever any domain changes state."""
    names = list(timelines)
    cuts = {0.0, horizon_s}
    for rows in timelines.values():
        cuts.update(t for s, e, _ in rows for t in (s, e) if 0.0 < t < horizon_s)
    edges = sorted(cuts)
    cursor = dict.fromkeys(names, 0)
    out: list[JointInterval] = []
    for a, b in itertools.pairwise(edges):
        states = []
        for name in names:
            rows, k = timelines[name], cursor[name]
            while k < len(rows) and rows[k][1] <= a:
                k += 1
            cursor[name] = k
            inside = k < len(rows) and rows[k][0] <= a < rows[k][1]
            states.append((name, rows[k][2] if inside else "up"))
        if out and out[-1].states == tuple(states) and out[-1].end_s == a:
            out[-1] = JointInterval(out[-1].start_s, b, out[-1].states)
        else:
            out.append(JointInterval(a, b, tuple(states)))
    return out


def state_weights(intervals: list[JointInterval]) -> list[tuple[float, dict[str, str]]]:
    """Time share of each joint state combination: the time-weighted sum over the intervals,
    grouped by combination (the same sum, fewer terms)."""
    total = sum(i.duration_s for i in intervals)
    if total <= 0.0:
        return []
    acc: dict[tuple[tuple[str, str], ...], float] = {}
    for i in intervals:
        acc[i.states] = acc.get(i.states, 0.0) + i.duration_s
    return [(span / total, dict(states)) for states, span in acc.items()]
