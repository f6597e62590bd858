"""SimulationResult: the records of a run, its outage timelines, budget firings and summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class SimulationResult:
    """Output of `workbench.engine.simulate`.

    ``records``: one row per attempt (RECORD_SCHEMA), every policy and replication (empty when
    the run was made with ``keep_records=False``); ``outages``: replication, provider, state,
    start_s, end_s; ``firings``: budget rule firings per policy; ``summaries``: per policy, the
    CLI contract's keys with means over replications and 95% intervals.
    """

    scenario: str
    baseline: str
    seed: int
    replications: int
    days: float
    paths: dict[str, str]
    records: pl.DataFrame
    outages: pl.DataFrame
    firings: dict[str, list[dict]]
    summaries: dict[str, dict]
    notes: list[str] = field(default_factory=list)
    cpu_s: float = 0.0  # CPU seconds the chunks took, over all workers (not in the JSON)

    def to_json(self) -> dict:
        """The ``workbench simulate --json`` document."""
        return {"scenario": self.scenario, "method": "simulation (Monte Carlo)",
                "baseline": self.baseline, "seed": self.seed,
                "replications": self.replications, "days": self.days, "paths": self.paths,
                "notes": self.notes, "policies": self.summaries}
