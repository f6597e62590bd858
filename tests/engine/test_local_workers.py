"""How many local processes the app starts for a run: one for a quick look, every CPU for a
month of heavy traffic."""

from workbench.domain import load_scenario
from workbench.domain.edits import with_changes
from workbench.engine.simulation import local_workers


def test_quick_runs_stay_in_process_and_big_ones_use_every_cpu():
    scenario = load_scenario("scenarios/support_desk.yaml")
    assert local_workers(scenario, 1, 1.0, cpus=2) == 1

    def heavy(data):
        data["workload"]["total_per_day"] = 60_000

    assert local_workers(with_changes(scenario, heavy), 4, 30.0, cpus=2) == 2
