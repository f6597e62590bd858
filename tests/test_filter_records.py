"""`filter_records`: teams, task types and simulated days (1 = the first 24 h)."""

import polars as pl

from workbench.metrics.series import filter_records


def test_filters_by_team_task_type_and_day():
    records = pl.DataFrame({"team": ["a", "a", "b", "b"], "task_type": ["x", "y", "x", "x"],
                            "start_s": [10.0, 90_000.0, 86_399.9, 200_000.0]})
    assert filter_records(records).height == 4
    assert filter_records(records, teams=["b"])["start_s"].to_list() == [86_399.9, 200_000.0]
    assert filter_records(records, task_types=["x"], days=(1, 1))["start_s"].to_list() == \
        [10.0, 86_399.9]
    assert filter_records(records, ["a"], ["y"], (2, 2))["start_s"].to_list() == [90_000.0]
    assert filter_records(records, [], [], (3, 3))["start_s"].to_list() == [200_000.0]
