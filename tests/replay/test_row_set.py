"""One row set per replay: single models, the oracle and every curve use the rows every model
has a score for; the rows left out are counted by reason (outside check: ARC-C single models on
1,470 rows, oracle and curves on 1,456, under a header saying 1,484, ``excluded`` empty)."""

from __future__ import annotations

import pytest

# RouterBench's wide layout; model A has no score on r5, model B none on r6 (empty cells)
ROUTERBENCH_CSV = """\
sample_id,prompt,eval_name,A,A|model_response,A|total_cost,B,B|model_response,B|total_cost,oracle_model_to_route_to
arc.r1,q1,arc-challenge,1.0,x,0.10,0.0,y,0.01,A
arc.r2,q2,arc-challenge,1.0,x,0.10,1.0,y,0.01,B
arc.r3,q3,arc-challenge,0.0,x,0.10,0.0,y,0.01,B
arc.r4,q4,arc-challenge,1.0,x,0.10,0.0,y,0.01,A
arc.r5,q5,arc-challenge,,,0.10,1.0,y,0.01,B
arc.r6,q6,arc-challenge,1.0,x,0.10,,,0.01,A
"""


@pytest.fixture
def bench_csv(tmp_path):
    file = tmp_path / "routerbench_arc.csv"
    file.write_text(ROUTERBENCH_CSV)
    return file


def test_every_figure_on_the_complete_rows(run_json, bench_csv):
    doc = run_json("replay", bench_csv, "-f", "routerbench", "--judge-error", "0")
    assert doc["prompts"] == doc["prompts_replayed"] == 4 and doc["prompts_read"] == 6
    assert doc["excluded"] == {"missing_score": 2}
    a, b = doc["models"]["A"], doc["models"]["B"]
    # rows r1-r4: A right on 3 of 4, B on 1 of 4 (not 4/5 and 2/5 on their own rows)
    assert a["quality"] == pytest.approx(0.75) and b["quality"] == pytest.approx(0.25)
    assert a["prompts"] == b["prompts"] == 4
    assert a["cost_usd"] == pytest.approx(0.40) and b["cost_usd"] == pytest.approx(0.04)
    # own rows, kept apart: A on r1-r5 minus r5 = 5 rows, 4 right
    assert a["own_rows"] == {"prompts": 5, "quality": pytest.approx(0.8),
                             "accuracy": pytest.approx(0.8), "cost_usd": pytest.approx(0.5)}
    # oracle: r1 A, r2 B (cheaper), r3 nobody right -> B, r4 A
    assert doc["oracle"]["quality"] == pytest.approx(0.75)
    assert doc["oracle"]["cost_usd"] == pytest.approx(0.22)
    for curve in ("random", "optimal"):
        points = doc["curves"][curve]["points"]
        assert points[0]["quality"] == pytest.approx(b["quality"])
        assert points[-1]["quality"] == pytest.approx(a["quality"])
        assert points[-1]["cost_usd"] == pytest.approx(a["cost_usd"])
    assert any("A 1, B 1" in note for note in doc["notes"])


def test_header_counts_the_rows_used_and_excluded(run_cli, bench_csv):
    code, out, err = run_cli("replay", bench_csv, "-f", "routerbench")
    assert code == 0, err
    assert "4 prompts of 6 read (2 excluded: missing_score 2)" in out


def test_a_priced_model_without_a_cost_on_a_row_leaves_that_row(run_json, tmp_path):
    # r2 has both scores but no A|total_cost: every cost figure would be unknown (or the row
    # counted in quality and not in cost); it leaves every figure instead
    file = tmp_path / "rb.csv"
    file.write_text(ROUTERBENCH_CSV.replace("arc.r2,q2,arc-challenge,1.0,x,0.10",
                                            "arc.r2,q2,arc-challenge,1.0,x,"))
    doc = run_json("replay", file, "-f", "routerbench", "--judge-error", "0")
    assert doc["excluded"] == {"missing_score": 2, "missing_cost": 1}
    assert doc["prompts"] == 3 and doc["prompts_read"] == 6
    # rows r1, r3, r4: A right on 2 of 3 for 0.30 USD, B on 0 for 0.03
    assert doc["models"]["A"]["quality"] == pytest.approx(2 / 3)
    assert doc["models"]["A"]["cost_usd"] == pytest.approx(0.30)
    assert doc["models"]["B"]["cost_usd"] == pytest.approx(0.03)
    assert doc["oracle"]["cost_usd"] == pytest.approx(0.10 + 0.01 + 0.10)
    assert any("rows without a cost, per model: A 1" in note for note in doc["notes"])


def test_an_unpriced_model_keeps_its_rows(run_json, tmp_path):
    # no cost columns and a price for A only: B's costs are unknown, not holes
    file = tmp_path / "rb.csv"
    lines = ROUTERBENCH_CSV.splitlines()
    keep = [0, 1, 2, 3, 4, 6, 7, 9]  # drop the two |total_cost columns
    file.write_text("\n".join(",".join(line.split(",")[k] for k in keep) for line in lines))
    doc = run_json("replay", file, "-f", "routerbench", "--price", "A=1/2")
    assert doc["excluded"] == {"missing_score": 2} and doc["prompts"] == 4
    assert doc["models"]["B"]["cost_usd"] is None and doc["models"]["A"]["cost_usd"] > 0
