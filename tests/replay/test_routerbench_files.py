"""RouterBench files as they come: a directory of train/test splits read as one table, and a
saved row index (pandas' ``Unnamed: 0``, an empty header, parquet's ``__index_level_0__``)
ignored instead of taken for a router score (outside check: a curve named ``threshold:``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.replay.formats import load_table
from workbench.replay.replay import ReplayOptions, replay
from workbench.replay.synthetic import synthetic_routerbench

from .conftest import ROUTELLM, STRONG


@pytest.fixture(scope="module")
def frame():
    return synthetic_routerbench(60, n_models=3, seed=5)


def test_directory_of_splits_is_one_table(run_json, frame, tmp_path):
    split = tmp_path / "routerbench"
    (split / "data").mkdir(parents=True)
    frame[:40].write_parquet(split / "data" / "train-00000-of-00001.parquet")
    frame[40:].write_parquet(split / "data" / "test-00000-of-00001.parquet")
    whole = tmp_path / "whole.parquet"
    frame.write_parquet(whole)
    doc = run_json("replay", split, "-f", "routerbench")
    single = run_json("replay", whole, "-f", "routerbench")
    assert doc["prompts"] == 60 and doc["source"] == f"{split} (2 files)"
    for key in ("quality", "cost_usd", "calls"):
        assert doc["oracle"][key] == pytest.approx(single["oracle"][key], rel=1e-12)
    for model, summary in single["models"].items():
        assert doc["models"][model]["quality"] == pytest.approx(summary["quality"], rel=1e-12)
        assert doc["models"][model]["cost_usd"] == pytest.approx(summary["cost_usd"], rel=1e-12)
    note = next(n for n in doc["notes"] if n.startswith("read 2 files"))
    assert "train-00000-of-00001.parquet (40)" in note and "test-00000-of-00001.parquet (20)" \
        in note


def test_directory_errors(run_cli, frame, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli("replay", empty, "-f", "routerbench")
    assert code == 2 and "no table files" in err and "Traceback" not in err
    overlap = tmp_path / "overlap"
    overlap.mkdir()
    frame[:40].write_csv(overlap / "train.csv")
    frame[30:].write_csv(overlap / "test.csv")
    code, _, err = run_cli("replay", overlap, "-f", "routerbench")
    assert code == 2 and "'s30'" in err and "test.csv row 1" in err and "train.csv row 31" \
        in err
    bad = tmp_path / "bad"
    bad.mkdir()
    frame[:40].write_csv(bad / "train.csv")
    frame[40:].with_columns(frame[40:]["model-01"] * 3).write_csv(bad / "test.csv")
    code, _, err = run_cli("replay", bad, "-f", "routerbench")
    first = int(np.argmax(frame[40:]["model-01"].to_numpy() > 0)) + 1
    assert code == 2 and f"'model-01', test.csv row {first}: score outside" in err
    other = tmp_path / "other"
    other.mkdir()
    frame.write_csv(other / "a.csv")
    frame.drop("prompt").write_csv(other / "b.csv")
    code, _, err = run_cli("replay", other, "-f", "routerbench")
    assert code == 2 and "b.csv" in err and "'prompt'" in err


@pytest.mark.parametrize("how", ["csv_index", "pickle_unnamed", "parquet_index"])
def test_index_column_is_not_a_router(frame, tmp_path, how):
    pdf = frame.to_pandas()
    pdf.index = pd.Index(list(range(100, 100 + len(pdf))))  # not a RangeIndex: kept as data
    if how == "csv_index":
        file = tmp_path / "rb.csv"
        pdf.to_csv(file)  # header starts with an empty name
    elif how == "pickle_unnamed":
        csv = tmp_path / "saved.csv"
        pdf.to_csv(csv)
        file = tmp_path / "rb.pkl"
        pd.read_csv(csv).to_pickle(file)  # the index came back as 'Unnamed: 0'
    else:
        file = tmp_path / "rb.parquet"
        pdf.to_parquet(file)
    table = load_table(file, "routerbench")
    assert table.models == ["model-00", "model-01", "model-02"]
    assert table.extra_scores == {}
    doc = replay(table, ReplayOptions(judge_errors=()))
    assert sorted(doc["curves"]) == ["cascade", "optimal", "random", "threshold:group_gain",
                                     "threshold:prompt_chars"]
    assert any(n.startswith("ignored index column") for n in doc["notes"])


def test_index_column_without_cost_columns_is_not_a_model(frame, tmp_path):
    file = tmp_path / "rb.csv"
    frame.select("sample_id", "eval_name", "model-00", "model-01").to_pandas().to_csv(file)
    assert load_table(file, "routerbench").models == ["model-00", "model-01"]


def test_routellm_csv_saved_with_index(tmp_path):
    gsm = pd.read_csv(ROUTELLM / "gsm8k" / "gsm8k_responses.csv")
    file = tmp_path / "gsm8k_responses.csv"
    gsm.to_csv(file)
    table = load_table(file, "routellm")
    assert STRONG in table.models and len(table.models) == 2
