"""Retries and fallbacks found in the logs (issue 10: ``today`` reproduces "the fallbacks
seen in the logs"): a failed call followed in its trace by another call is one request, and
the models it fell back to become ``today``'s ``failover.fallbacks``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from tests.audit.logs_fixture import FALLBACKS
from tests.audit.test_audit import month  # noqa: F401 - the module's month fixture
from workbench.audit.attempts import FOLLOW_UP_WINDOW_S, failover_seen, mark_follow_ups

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def calls(*rows: tuple) -> pl.DataFrame:
    """(trace, seconds after T0, model, ok) rows of one task type, each lasting 1 s."""
    return pl.DataFrame({
        "request_id": [f"r{i}" for i in range(len(rows))],
        "trace_id": [r[0] for r in rows],
        "start": [T0 + timedelta(seconds=r[1]) for r in rows],
        "end": [T0 + timedelta(seconds=r[1] + 1) for r in rows],
        "model": [r[2] for r in rows], "ok": [r[3] for r in rows],
        "task_type": ["t"] * len(rows)})


def test_a_failed_call_then_another_model_in_its_trace_is_a_fallback():
    marked = mark_follow_ups(calls(("x", 0, "a", False), ("x", 2, "b", True),
                                   ("y", 5, "a", True)))
    assert marked["follow_up"].to_list() == [False, True, False]
    assert marked["primary"].to_list() == ["a", "a", "a"]
    seen = failover_seen(marked)
    assert (seen.failed_first_calls, seen.followed, seen.fallback_calls) == (1, 1, 1)
    assert seen.policy() == {"mode": "sequential", "retries": 0, "fallbacks": {"a": ["b"]}}


def test_a_conversation_sharing_a_session_is_not_a_fallback():
    """The next turn after a success, or long after a failure, is new work."""
    marked = mark_follow_ups(calls(("s", 0, "a", True), ("s", 10, "b", True),
                                   ("s", 20, "a", False),
                                   ("s", 21 + FOLLOW_UP_WINDOW_S + 1, "b", True)))
    assert not marked["follow_up"].any()
    assert failover_seen(marked).policy() is None


def test_calls_without_a_trace_are_each_a_request():
    marked = mark_follow_ups(calls((None, 0, "a", False), (None, 1, "b", True)))
    assert not marked["follow_up"].any()


def test_retries_then_a_chain_of_fallbacks_keep_their_order():
    """a fails twice (a retry), then b fails, then c: retries 1, fallbacks a -> [b, c]."""
    rows = []
    for k in range(10):
        base = 100 * k
        rows += [(f"t{k}", base, "a", False), (f"t{k}", base + 2, "a", False),
                 (f"t{k}", base + 4, "b", False), (f"t{k}", base + 6, "c", True)]
    seen = failover_seen(mark_follow_ups(calls(*rows)))
    assert (seen.retry_calls, seen.fallback_calls) == (10, 20)
    assert seen.policy() == {"mode": "sequential", "retries": 1, "fallbacks": {"a": ["b", "c"]}}


def test_rare_follow_ups_fit_no_failover():
    """Two of three failures end the request: a fallback now and then is not the policy."""
    marked = mark_follow_ups(calls(("x", 0, "a", False), ("x", 2, "b", True),
                                   ("y", 10, "a", False), ("z", 20, "a", False)))
    seen = failover_seen(marked)
    assert seen.followed_share == pytest.approx(1 / 3)
    assert seen.policy() is None
    assert "no failover fitted (fallbacks seen: a -> b)" in seen.note()


def test_the_months_fallbacks_become_todays_failover(month):  # noqa: F811
    _, logs, audit = month
    today = next(p for p in audit.scenario["policies"] if p["name"] == "today")
    used = {m for t in audit.fitted.tasks for m in t.model_shares}
    assert today["failover"] == {"mode": "sequential", "retries": 0,
                                 "fallbacks": {m: [FALLBACKS[m]] for m in sorted(used)}}
    fallback_rows = logs.filter(pl.col("session_id").is_duplicated()
                                & ~pl.col("session_id").is_first_distinct())
    doc = audit.to_json()["fallbacks"]
    assert doc["fallback_calls"] == fallback_rows.height > 0
    assert doc["followed_share"] == 1.0


def test_a_request_counts_once_however_many_calls_it_made(month):  # noqa: F811
    _, logs, audit = month
    firsts = logs.filter(pl.col("session_id").is_first_distinct()
                         & (pl.col("cache_hit") == "False"))
    counted = sum(t.requests for t in audit.fitted.tasks)
    assert counted == firsts.height
    assert audit.to_json()["observed"]["requests"] == logs.height  # every call is observed


def test_a_trace_score_counts_for_the_call_that_served_it(month, tmp_path):  # noqa: F811
    """A Langfuse scores export (score ``id``, ``traceId``, no ``observationId``) on traces
    that fell back: each score belongs to the fallback model's call, never the failed one."""
    from workbench.audit import audit_logs

    folder, logs, _ = month
    fell_back = logs.filter(pl.col("session_id").is_duplicated()
                            & (pl.col("status") == "success"))
    scores = fell_back.select(pl.format("score-{}", pl.int_range(pl.len())).alias("id"),
                              pl.col("session_id").alias("traceId"),
                              pl.lit(None, pl.Utf8).alias("observationId"),
                              pl.lit("helpfulness").alias("name"), pl.lit(0.99).alias("value"))
    scores.write_csv(tmp_path / "langfuse_scores.csv")
    audit = audit_logs([folder / "spendlogs.csv"], scores=[tmp_path / "langfuse_scores.csv"])
    note = next(n for n in audit.to_json()["notes"] if n.startswith("quality measured"))
    assert note.startswith(f"quality measured from {fell_back.height:,} scored requests")
    served = set(zip(fell_back["model_group"], fell_back["model"], strict=True))
    measured = {(task, m["name"]) for m in audit.scenario["models"]
                for task in m.get("quality", {}).get("by_category", {})}
    assert measured == served


def test_fallback_calls_are_no_residual_and_the_baseline_delivers_what_the_logs_did(
        month):  # noqa: F811
    """The failover explains the fallback calls (they were residual items before), and the
    logs' deadline is the SDK timeout: today's availability is its success rate."""
    from workbench.domain.loader import scenario_from_data
    from workbench.estimator import estimate

    _, _, audit = month
    assert not any("went to models" in r["reason"] for r in audit.to_json()["residual"])
    today = estimate(scenario_from_data(audit.scenario, "audited", None)).policies["today"]
    assert today.availability == pytest.approx(today.success_rate, abs=1e-6)
    assert today.availability > 0.999  # 1% errors, each with a fallback
