"""Blind A/B: the same tasks to both models, the judge sees outputs in a seeded shuffled
order, verdicts resume, and reference checks decide when there is no judge."""

from __future__ import annotations

import json

import pytest
import yaml

from workbench.domain.errors import ProbeError
from workbench.probe.ab import ab_report, first_shown
from workbench.probe.config import load_probe
from workbench.probe.runner import run_probe
from workbench.probe.store import RunStore

from .conftest import endpoint, write_config
from .test_probe_cli import workbench


def ab_config(tmp_path, base_url, judge: bool):
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(yaml.safe_dump({"task_types": {
        "math": {"prompt": "What is 12*7? ($task_id)", "check": {"kind": "numeric",
                                                                "value": 84}}}}))
    models = {"big": "cur?ttft=0.01&text=It is 84.", "small": "cand?ttft=0.01&text=Maybe 85.",
              "referee": "judge?text=1"}  # this judge always prefers what it sees first
    extra = {"judge": {"endpoint": "local", "model": "referee"}} if judge else {}
    return write_config(tmp_path, [endpoint(base_url, models)], prompts=str(prompts),
                        sample={"per_task_type": 10, "seed": 3}, **extra)


def test_judge_sees_a_shuffled_order_and_verdicts_resume(tmp_path, fake, keyed):
    llm, base_url = fake
    setup = load_probe(ab_config(tmp_path, base_url, judge=True))
    result = run_probe(setup, tmp_path / "run", ab=("big", "small"))
    store = RunStore(tmp_path / "run")
    rows = store.load("records")
    judgments = store.load("judgments")
    assert {r["policy"] for r in rows} == {"A", "B"} and len(rows) == 40
    assert sorted(j["sample"] for j in judgments) == list(range(20))
    firsts = [j["first"] for j in judgments]
    assert firsts == [first_shown(3, j["sample"]) for j in judgments]
    assert 0 < firsts.count("B") < 20  # both orders were shown
    ab = result.ab
    assert ab["candidate_wins"] == firsts.count("B") and ab["first_shown_win_share"] == 1.0
    assert ab["verdicts"] == 20 and ab["ties"] == 0
    assert ab["candidate_win_rate"] == pytest.approx(firsts.count("B") / 20)
    low, high = ab["candidate_win_rate_ci95"]
    assert low < ab["candidate_win_rate"] < high
    assert ab["judge_cost_usd"] > 0
    assert result.spent_usd == pytest.approx(sum(r["cost_usd"] for r in rows)
                                             + ab["judge_cost_usd"])
    assert ab["current"]["quality_pass_rate"] == 1.0
    assert ab["candidate"]["quality_pass_rate"] == 0.0  # only math tasks have a check
    assert ab["cost_per_task_delta_usd"] < 0  # small is cheaper than big
    before = llm.requests
    again = run_probe(setup, tmp_path / "run", ab=("big", "small"))
    assert llm.requests == before and again.ab == ab


def test_without_a_judge_reference_checks_decide(tmp_path, fake, keyed):
    _, base_url = fake
    setup = load_probe(ab_config(tmp_path, base_url, judge=False))
    result = run_probe(setup, tmp_path / "run", ab=("big", "small"))
    ab = result.ab
    # math: current passes (84), candidate fails (85); faq: no check, both delivered: tie
    assert (ab["current_wins"], ab["candidate_wins"], ab["ties"]) == (10, 0, 10)
    assert ab["candidate_win_rate"] == pytest.approx(0.25)
    assert ab["judge_cost_usd"] == 0


def test_ab_models_must_be_served(tmp_path, fake, keyed):
    _, base_url = fake
    setup = load_probe(ab_config(tmp_path, base_url, judge=False))
    with pytest.raises(ProbeError, match="candidate=nosuch"):
        run_probe(setup, tmp_path / "run", ab=("big", "nosuch"))


def test_a_final_record_without_its_output_does_not_break_reruns(tmp_path, fake, keyed):
    """A run killed between a final record and its outputs.jsonl line (the order before the
    fix): the pair is marked undecided, reported, and the rerun exits normally."""
    _, base_url = fake
    setup = load_probe(ab_config(tmp_path, base_url, judge=True))
    out = tmp_path / "run"
    run_probe(setup, out, ab=("big", "small"))
    (out / "judgments.jsonl").unlink()
    outputs = (out / "outputs.jsonl").read_text().splitlines()
    lost = json.loads(outputs[0])["task_id"]
    (out / "outputs.jsonl").write_text("\n".join(outputs[1:]) + "\n")
    again = run_probe(setup, out, ab=("big", "small"))
    sample = lost // 2
    assert again.ab["undecided_samples"] == [sample] and again.ab["verdicts"] == 19
    last = {j["sample"]: j for j in RunStore(out).load("judgments")}
    assert last[sample]["winner"] is None and last[sample]["source"] == "output_missing"


def test_undecided_verdicts_are_shown_and_retried_on_rerun(tmp_path, fake, keyed):
    _, base_url = fake
    cfg = ab_config(tmp_path, base_url, judge=True)
    data = yaml.safe_load(cfg.read_text())
    data["endpoints"][0]["models"]["referee"] = "judge?text=1&fault=500&times=3"
    cfg.write_text(yaml.safe_dump(data))
    setup = load_probe(cfg)
    out = tmp_path / "run"
    proc = workbench("probe", str(cfg), "--out", str(out), "--ab", "current=big,candidate=small")
    assert proc.returncode == 0, proc.stderr
    assert "20 undecided (retried on rerun)" in " ".join(proc.stdout.split())
    first = ab_report(RunStore(out).load("records"), RunStore(out).load("judgments"))
    assert first["undecided"] == 20 and first["verdicts"] == 0
    assert first["candidate_win_rate"] is None
    again = run_probe(setup, out, ab=("big", "small"))  # the judge answers now
    assert again.ab["undecided"] == 0 and again.ab["verdicts"] == 20
    assert again.ab["judge_cost_usd"] > first["judge_cost_usd"] == 0


def test_pairs_the_spend_guard_blocked_are_not_ties(tmp_path, fake, keyed):
    _, base_url = fake
    cfg = ab_config(tmp_path, base_url, judge=False)
    data = yaml.safe_load(cfg.read_text())
    data["spend_cap_usd"] = 0.01  # room for some pairs only
    cfg.write_text(yaml.safe_dump(data))
    result = run_probe(load_probe(cfg), tmp_path / "run", ab=("big", "small"))
    store = RunStore(tmp_path / "run")
    finals = {r["task_id"]: r for r in store.load("records") if r["final"]}
    blocked = {s for s in range(20)
               if "blocked" in (finals[2 * s]["outcome"], finals[2 * s + 1]["outcome"])}
    assert 0 < len(blocked) < 20
    kept = [s for s in range(20) if s not in blocked]
    math_kept = sum(finals[2 * s]["task_type"] == "math" for s in kept)
    ab = result.ab
    assert ab["blocked_pairs"] == len(blocked) and ab["verdicts"] == len(kept)
    # math: current passes, candidate fails; faq: both deliver, no check: tie
    assert ab["current_wins"] == math_kept and ab["ties"] == len(kept) - math_kept
    assert ab["candidate_win_rate"] == pytest.approx(0.5 * (len(kept) - math_kept) / len(kept))
    for j in store.load("judgments"):
        assert (j["winner"] is None) is (j["sample"] in blocked)


def test_both_orders_cancel_a_position_biased_judge(tmp_path, fake, keyed):
    llm, base_url = fake
    cfg = ab_config(tmp_path, base_url, judge=True)
    data = yaml.safe_load(cfg.read_text())
    data["judge"]["both_orders"] = True
    cfg.write_text(yaml.safe_dump(data))
    before = llm.requests
    ab = run_probe(load_probe(cfg), tmp_path / "run", ab=("big", "small")).ab
    assert llm.requests - before == 40 + 2 * 20  # both arms, then the judge twice per pair
    # this judge always prefers what it sees first: the two orders never agree -> all ties
    assert ab["order_agreement"] == 0.0 and ab["ties"] == 20 and ab["verdicts"] == 20
    assert ab["candidate_win_rate"] == 0.5
    for j in RunStore(tmp_path / "run").load("judgments"):
        other = "B" if j["first"] == "A" else "A"
        assert j["winners_by_order"] == [j["first"], other] and j["winner"] == "tie"
