"""``workbench.probe(config, out)``: the public entry point runs a probe like the CLI, also
from inside a running event loop (as in a notebook, where ``asyncio.run`` would refuse)."""

from __future__ import annotations

import asyncio

from workbench.probe.store import RunStore

from .conftest import endpoint, write_config


def test_probe_entry_point_runs_inside_an_event_loop(tmp_path, fake, keyed):
    from workbench import probe

    _, base_url = fake
    cfg = write_config(tmp_path, [endpoint(base_url, {"small": "m?ttft=0.01&tokens=5"})],
                       sample={"per_task_type": 2, "seed": 1})

    async def in_a_loop():
        return probe(cfg, tmp_path / "run")

    result = asyncio.run(in_a_loop())
    records = RunStore(tmp_path / "run").load("records")
    assert result.jobs == 4 and result.sent_now == 4 and result.not_sent == 0
    assert [r["outcome"] for r in records] == ["ok"] * 4
    again = probe(cfg, tmp_path / "run")  # resumes: nothing left to send
    assert again.done_before == 4 and again.sent_now == 0
