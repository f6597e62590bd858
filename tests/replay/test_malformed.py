"""Malformed evaluation files: exit 2 through the CLI, a message naming the file, the
column or line and the bad value, never a traceback."""

from __future__ import annotations

import json

import pytest

from .conftest import STRONG, WEAK

HEADER = f"prompt,{WEAK},{STRONG}\n"


def _assert_user_error(result, *needles):
    code, out, err = result
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_non_bool_value_names_file_column_row_value(run_cli, tmp_path):
    mmlu = tmp_path / "mmlu"
    mmlu.mkdir()
    (mmlu / "mmlu_anatomy.csv").write_text(HEADER + "q1,True,False\nq2,maybe,True\n")
    _assert_user_error(run_cli("replay", mmlu, "-f", "routellm"),
                       "mmlu_anatomy.csv", repr(WEAK), "row 2", "'maybe'")


def test_missing_column(run_cli, tmp_path):
    file = tmp_path / "gsm8k_responses.csv"
    file.write_text(f"question,{WEAK},{STRONG}\nq,True,False\n")
    _assert_user_error(run_cli("replay", file, "-f", "routellm"), str(file), "'prompt'")


def test_empty_file(run_cli, tmp_path):
    file = tmp_path / "judgements.jsonl"
    file.write_text("")
    _assert_user_error(run_cli("replay", file, "-f", "routellm"), str(file), "empty")
    csv = tmp_path / "table.csv"
    csv.write_text("")
    _assert_user_error(run_cli("replay", csv, "-f", "routerbench"), str(csv), "empty")


def test_bad_json_line(run_cli, tmp_path):
    file = tmp_path / "judgements.jsonl"
    good = {"question_id": 1, "model": STRONG, "turn": 1, "score": 9}
    file.write_text(json.dumps(good) + "\n{not json\n")
    _assert_user_error(run_cli("replay", file, "-f", "routellm"), str(file), "line 2",
                       "{not json")


@pytest.mark.parametrize("score", [11, "high", True])
def test_bad_judge_score(run_cli, tmp_path, score):
    file = tmp_path / "judgements.jsonl"
    file.write_text(json.dumps({"question_id": 1, "model": STRONG, "turn": 1,
                                "score": score}) + "\n")
    _assert_user_error(run_cli("replay", file, "-f", "routellm"), "line 1", repr(score))


def test_failed_judgements_are_excluded_and_counted(run_json, tmp_path):
    file = tmp_path / "judgements.jsonl"
    rows = [{"question_id": q, "model": m, "turn": 1, "score": s}
            for q, m, s in [(1, STRONG, 9), (1, WEAK, 7), (2, STRONG, -1), (2, WEAK, 5)]]
    file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = run_json("replay", file, "-f", "routellm")
    # question 2 leaves every figure (the weak model's 5 too): one row set
    assert doc["excluded"] == {"failed_judgements": 1}
    assert doc["models"][STRONG]["mean_judge_score"] == 9.0
    assert doc["models"][WEAK]["mean_judge_score"] == 7.0
    assert doc["prompts"] == doc["prompts_replayed"] == 1 and doc["prompts_read"] == 2


def test_preference_out_of_range(run_cli, tmp_path):
    file = tmp_path / "prefs.csv"
    file.write_text("prompt_idx,model,preference_1to2\n0,a,1.5\n1,a,2.7\n")
    _assert_user_error(run_cli("replay", file, "-f", "alpacaeval"), str(file),
                       "preference_1to2", "row 2", "2.7")


def test_routerbench_score_outside_unit_interval(run_cli, tmp_path):
    file = tmp_path / "rb.csv"
    file.write_text("sample_id,eval_name,m1,m1|total_cost,m2,m2|total_cost\n"
                    "a,x,1,0.1,0,0.01\nb,x,3,0.1,1,0.01\n")
    _assert_user_error(run_cli("replay", file, "-f", "routerbench"), str(file), "'m1'",
                       "row 2", "3.0")


def test_unknown_format_model_and_price(run_cli, tmp_path):
    from .conftest import ROUTELLM
    _assert_user_error(run_cli("replay", ROUTELLM / "gsm8k", "-f", "lmsys"), "lmsys")
    _assert_user_error(run_cli("replay", ROUTELLM / "gsm8k", "-f", "routellm", "--strong",
                               "gpt-5"), "gpt-5", STRONG)
    _assert_user_error(run_cli("replay", ROUTELLM / "gsm8k", "-f", "routellm", "--price",
                               f"{WEAK}=nowhere:nothing"), "nowhere:nothing")
    _assert_user_error(run_cli("replay", tmp_path / "absent.csv", "-f", "routerbench"),
                       "absent.csv")
    _assert_user_error(run_cli("replay", ROUTELLM, "-f", "routellm"), "--benchmark")
