"""Unit tests of the probe's parts: spend guard, checks, API parsing, Retry-After, run store,
sampler, config errors, A/B statistics, calibration maths."""

from __future__ import annotations

import asyncio
import json
import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.errors import ProbeError, ScenarioError
from workbench.probe.ab import check_verdict, first_shown, parse_preference, wilson_interval
from workbench.probe.api import FAMILIES, MalformedReply, StreamFailure
from workbench.probe.attempt import retry_after_s, status_outcome
from workbench.probe.calibrate import fit_mean
from workbench.probe.checks import ExactCheck, JsonSchemaCheck, NumericCheck, RegexCheck
from workbench.probe.config import Timeouts, load_probe
from workbench.probe.sampler import build_jobs, estimate_tokens
from workbench.probe.spend import SpendGuard, worst_case_prompt_tokens
from workbench.probe.store import RunStore, read_jsonl

from .conftest import KEY, endpoint, write_config


def test_spend_guard_refuses_what_would_cross_the_cap():
    guard = SpendGuard(1.0)
    a = guard.reserve(0.6)
    assert a is not None and guard.reserve(0.5) is None
    a.settle(0.25)
    assert guard.spent_usd == 0.25 and guard.reserved_usd == 0.0
    b = guard.reserve(0.75)
    assert b is not None and guard.reserve(0.01) is None
    b.release()
    assert guard.remaining_usd == pytest.approx(0.75) and guard.peak_usd == pytest.approx(1.0)
    with pytest.raises(RuntimeError):
        b.settle(0.1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 0.3), st.floats(0.0, 1.0)), min_size=1, max_size=60),
       st.floats(0.05, 2.0))
def test_spend_guard_never_crosses_under_concurrency(requests, cap):
    """Concurrent acquire -> await -> settle(actual <= reserved): spend and peak stay <= cap,
    and nothing waits forever."""
    guard = SpendGuard(cap)

    async def one(worst: float, share: float) -> None:
        reservation = await guard.acquire(worst)
        if reservation is None:
            return
        await asyncio.sleep(0)
        reservation.settle(worst * share)

    async def main() -> None:
        await asyncio.gather(*(one(w, s) for w, s in requests))

    asyncio.run(main())
    assert guard.spent_usd <= cap + 1e-9 and guard.peak_usd <= cap + 1e-9


def test_worst_case_prompt_tokens_has_a_margin():
    assert worst_case_prompt_tokens(100) == 125 + 16
    assert estimate_tokens("x" * 9) == 3


@pytest.mark.parametrize("check, text, expected", [
    (ExactCheck(kind="exact", value="Paris"), "  paris ", True),
    (ExactCheck(kind="exact", value="Paris", case_sensitive=True), "paris", False),
    (RegexCheck(kind="regex", pattern=r"refund\b"), "You get a REFUND today", True),
    (RegexCheck(kind="regex", pattern="^no$"), "yes", False),
    (JsonSchemaCheck.model_validate({"kind": "json_schema", "schema": {
        "type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}}),
     '```json\n{"a": 3}\n```', True),
    (JsonSchemaCheck.model_validate({"kind": "json_schema", "schema": {
        "type": "object", "required": ["a"]}}), '{"b": 3}', False),
    (JsonSchemaCheck.model_validate({"kind": "json_schema", "schema": {"type": "object"}}),
     "not json", False),
    (NumericCheck(kind="numeric", value=84), "The answer is 84.", True),
    (NumericCheck(kind="numeric", value=1000, rel_tolerance=0.01), "about 1,005", True),
    (NumericCheck(kind="numeric", value=3.14, tolerance=0.001), "3.15", False),
    (NumericCheck(kind="numeric", value=1), "no number", False),
])
def test_reference_checks(check, text, expected):
    assert check.passes(text) is expected


def test_openai_body_and_stream_parsing():
    api = FAMILIES["openai"]
    reply = api.parse(json.dumps({"choices": [{"message": {"content": "hi"}}], "usage": {
        "prompt_tokens": 7, "completion_tokens": 2,
        "prompt_tokens_details": {"cached_tokens": 4}}}).encode())
    assert (reply.text, reply.input_tokens, reply.output_tokens,
            reply.cached_input_tokens) == ("hi", 7, 2, 4)
    with pytest.raises(MalformedReply):
        api.parse(b'{"choices": []}')
    with pytest.raises(MalformedReply):
        api.parse(b"{oops")
    state = api.stream()
    assert state.feed(None, '{"choices":[{"delta":{"content":"a"}}]}') == "a"
    state.feed(None, '{"choices":[{"delta":{},"finish_reason":"stop"}]}')
    state.feed(None, '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}')
    assert not state.reply.complete and state.done()
    state.feed(None, "[DONE]")
    assert state.reply.complete and state.reply.input_tokens == 5
    with pytest.raises(StreamFailure) as failure:
        api.stream().feed(None, '{"error": {"code": 429, "message": "slow down"}}')
    assert failure.value.status == 429
    body = api.body("served", "p", 9, 0.0, True)
    assert body["stream_options"] == {"include_usage": True} and body["max_tokens"] == 9


def test_anthropic_body_and_stream_parsing():
    api = FAMILIES["anthropic"]
    reply = api.parse(json.dumps({"content": [{"type": "text", "text": "yo"}], "usage": {
        "input_tokens": 3, "output_tokens": 1, "cache_read_input_tokens": 10}}).encode())
    assert (reply.text, reply.input_tokens, reply.cached_input_tokens) == ("yo", 13, 10)
    state = api.stream()
    state.feed("message_start", '{"type":"message_start","message":{"usage":{"input_tokens":8}}}')
    assert state.feed("content_block_delta", '{"type":"content_block_delta","delta":'
                      '{"type":"text_delta","text":"hey"}}') == "hey"
    state.feed("message_delta", '{"type":"message_delta","usage":{"output_tokens":2}}')
    assert not state.done()
    state.feed("message_stop", '{"type":"message_stop"}')
    assert state.done() and (state.reply.input_tokens, state.reply.output_tokens) == (8, 2)
    with pytest.raises(StreamFailure) as failure:
        api.stream().feed("error", '{"type":"error","error":{"type":"overloaded_error"}}')
    assert failure.value.status == 529 and status_outcome(529) == "error_5xx"


def test_status_outcomes_and_retry_after():
    assert [status_outcome(s) for s in (401, 403, 404, 429, 408, 500, 400)] == [
        "auth", "auth", "not_found", "rate_limited", "timeout", "error_5xx", "malformed"]
    assert retry_after_s(httpx.Headers({"retry-after": "2.5"})) == 2.5
    assert retry_after_s(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert retry_after_s(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0
    assert retry_after_s(httpx.Headers({})) is None


def test_run_store_tolerates_a_torn_last_line(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3, "b"')
    rows, valid = read_jsonl(path)
    assert rows == [{"a": 1}, {"a": 2}] and valid == len(b'{"a": 1}\n{"a": 2}\n')
    store = RunStore(tmp_path)
    store.append("records", {"a": 4})
    store.close()
    assert store.load("records") == [{"a": 1}, {"a": 2}, {"a": 4}]
    path.write_bytes(b'{"a": 1}\nnot json\n{"a": 2}\n')
    with pytest.raises(ProbeError, match="line 2"):
        read_jsonl(path)


def test_run_store_refuses_another_config(tmp_path):
    store = RunStore(tmp_path / "run")
    assert store.begin({"fingerprint": "abc"}, resume=True) is False
    assert store.begin({"fingerprint": "abc"}, resume=True) is True
    with pytest.raises(ProbeError, match="different config"):
        store.begin({"fingerprint": "xyz"}, resume=True)
    with pytest.raises(ProbeError, match="already holds"):
        store.begin({"fingerprint": "abc"}, resume=False)
    with pytest.raises(ProbeError, match="older workbench"):
        store.begin({"fingerprint": "abc", "measured": {}}, resume=True)
    fresh = RunStore(tmp_path / "new")
    fresh.begin({"fingerprint": "a", "measured": {"max_tokens": 32, "judge": None}}, True)
    with pytest.raises(ProbeError, match=r"changed: judge: None -> 'j'; max_tokens: 32 -> 64"):
        fresh.begin({"fingerprint": "b", "measured": {"max_tokens": 64, "judge": "j"}}, True)


def test_sampler_is_deterministic_and_sizes_prompts(tmp_path):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s", "big": "b"})])
    setup = load_probe(cfg)
    arms = [("probe", "small"), ("probe", "big")]
    jobs = build_jobs(setup, arms)
    assert jobs == build_jobs(setup, arms)
    assert len(jobs) == 2 * 4 * 2 and [j.task_id for j in jobs] == list(range(16))
    assert jobs[0].prompt == jobs[1].prompt and jobs[0].model != jobs[1].model
    math_jobs = [j for j in jobs if j.task.name == "math"]  # input_tokens fixed at 30
    assert all(abs(j.prompt_tokens - 30) <= 1 for j in math_jobs)


def test_config_errors_name_file_field_and_value(tmp_path):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"nosuch": "s"})])
    with pytest.raises(ScenarioError) as err:
        load_probe(cfg)
    assert str(cfg) in str(err.value) and "endpoints[0].models" in str(err.value)
    assert "nosuch" in str(err.value)
    cfg = write_config(tmp_path, [endpoint("ftp://x", {"small": "s"})])
    with pytest.raises(ScenarioError, match=r"endpoints\[0\]\.base_url"):
        load_probe(cfg)
    cfg = write_config(tmp_path, [endpoint("http://x/v1", {"small": "s"})], spend_cap_usd=-1)
    with pytest.raises(ScenarioError, match="spend_cap_usd"):
        load_probe(cfg)


def test_config_holds_no_key(tmp_path, keyed):
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})])
    setup = load_probe(cfg)
    assert KEY not in repr(setup) and KEY not in setup.config.model_dump_json()
    assert setup.config.endpoints[0].api_key() == KEY


def test_missing_key_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("PROBE_KEY", raising=False)
    cfg = write_config(tmp_path, [endpoint("http://127.0.0.1:9/v1", {"small": "s"})])
    with pytest.raises(ProbeError, match="PROBE_KEY is not set"):
        load_probe(cfg).config.endpoints[0].api_key()


def test_wilson_interval_worked_example():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) is None


def test_verdicts_without_a_judge():
    ok_pass = {"outcome": "ok", "passed": True}
    ok_fail = {"outcome": "ok", "passed": False}
    failed = {"outcome": "timeout", "passed": None}
    assert check_verdict(ok_pass, ok_fail) == "A" and check_verdict(failed, ok_fail) == "B"
    assert check_verdict(ok_pass, {"outcome": "ok", "passed": None}) == "tie"
    assert parse_preference("Answer: 2") == 2 and parse_preference("none") is None
    shown = [first_shown(1, s) for s in range(200)]
    assert 70 < shown.count("A") < 130 and shown == [first_shown(1, s) for s in range(200)]


def test_fit_mean_inverts_the_pass_probability():
    z75 = 0.6744897501960817
    assert fit_mean(0.75, [0.8], 0.1) == pytest.approx(0.8 + 0.1 * z75, abs=1e-9)
    bars = [0.7, 0.9]
    mean = fit_mean(0.6, bars, 0.1)
    rate = sum(0.5 * math.erfc((b - mean) / 0.1 / math.sqrt(2)) for b in bars) / 2
    assert rate == pytest.approx(0.6, abs=1e-9)
    assert fit_mean(1.0, [0.2], 0.01) == 1.0 and fit_mean(0.0, [0.9], 0.01) == 0.0


def test_bundled_example_config_loads():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    setup = load_probe(root / "scenarios" / "probe" / "local.yaml")
    jobs = build_jobs(setup, [("probe", m) for m in setup.config.models])
    assert len(jobs) == 4 * 5 * 3 and all(j.check is not None for j in jobs
                                          if j.task.name != "edge_case")


def test_acquire_waits_for_money_in_flight_and_refuses_what_never_fits():
    async def run() -> None:
        guard = SpendGuard(1.0)
        first = guard.reserve(0.8)
        waiting = asyncio.ensure_future(guard.acquire(0.5))
        await asyncio.sleep(0.01)
        assert not waiting.done()  # 0.8 in flight leaves too little: it waits
        first.settle(0.3)  # 0.3 spent: 0.5 now fits
        assert (await waiting).amount_usd == 0.5 and guard.peak_usd == pytest.approx(0.8)

        guard = SpendGuard(1.0, spent_usd=0.8)
        assert await guard.acquire(0.3) is None  # crosses the cap even with nothing in flight
        held = guard.reserve(0.15)
        task = asyncio.ensure_future(guard.acquire(0.1))
        await asyncio.sleep(0.01)
        held.settle(0.15)  # 0.95 spent: 0.1 can never fit any more
        assert await task is None and guard.peak_usd <= 1.0

    asyncio.run(run())


def test_ledger_counts_unsettled_reservations_at_worst_case(tmp_path):
    from workbench.probe.ledger import SpendLedger

    store = RunStore(tmp_path)
    ledger = SpendLedger(store)
    a = ledger.reserve(0.2, task_id=1, attempt=1)
    ledger.settle(a, 0.05)
    b = ledger.reserve(0.3, task_id=2, attempt=3, start_s=4.0)  # in flight at the kill
    ledger.reserve(0.1, judge=7)  # a judge call in flight too
    store.close()
    spent, unsettled = SpendLedger(RunStore(tmp_path)).state()
    assert spent == pytest.approx(0.05 + 0.3 + 0.1)
    first = unsettled[0]
    assert (first.id, first.task_id, first.attempt, first.start_s) == (b.id, 2, 3, 4.0)
    assert unsettled[1].judge == 7 and unsettled[1].task_id is None


def test_an_unusable_address_is_unreachable_not_a_crash():
    """anyio raises an ExceptionGroup for a port out of range; the attempt is classified (a
    config bypassing validation stands in for any address the OS refuses)."""
    from workbench.probe.attempt import send
    from workbench.probe.config import Endpoint

    ep = Endpoint.model_construct(name="x", api="openai", base_url="http://127.0.0.1:99999/v1",
                                  api_key_env=None, models={"small": "s"},
                                  max_concurrency=1, timeout=Timeouts(),
                                  anthropic_version="2023-06-01")

    async def main():
        async with httpx.AsyncClient() as client:
            return await send(client, ep, FAMILIES["openai"], "s", "hi", 8, None, False)

    attempt = asyncio.run(main())
    assert attempt.outcome == "unreachable" and attempt.http_status is None


def test_azure_openai_url_and_key_header(monkeypatch):
    from workbench.probe.config import Endpoint

    monkeypatch.setenv("AZ_KEY", "az-123")
    ep = Endpoint(name="az", api="azure-openai", base_url="https://r.openai.azure.com/",
                  api_key_env="AZ_KEY", models={"gpt-4o": "gpt-4o prod"})
    family = FAMILIES["azure-openai"]
    assert family.url(ep, "gpt-4o prod") == ("https://r.openai.azure.com/openai/deployments/"
                                             "gpt-4o%20prod/chat/completions"
                                             "?api-version=2024-10-21")
    headers = family.headers(ep, stream=True)
    assert headers["api-key"] == "az-123" and "authorization" not in headers
