"""One HTTP attempt: send, time the first token and the end, and classify what happened.

Outcomes (``workbench.domain.records.OUTCOMES``): ``ok``; ``auth`` (401/403); ``not_found``
(404); ``rate_limited`` (429, with its Retry-After); ``error_5xx`` (5xx, or an error event in
a stream); ``timeout`` (408, the read timeout or the attempt's total timeout); ``unreachable``
(could not connect: refused, DNS failure, connect timeout - nothing left the machine);
``connection`` (the connection dropped after the request was sent, before a response);
``malformed`` (a 2xx body or event that is not the promised JSON, or another 4xx that rejects
the request: its ``http_status`` tells which); ``truncated`` (a whole-body response cut before
its declared end); ``stream_cut`` (the stream ended or broke before its end marker).
``interrupted`` is not produced here: the runner records it for a request that was in flight
when the process stopped.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass

import httpx

from workbench.probe.api import Family, MalformedReply, Reply, StreamFailure
from workbench.probe.config import Endpoint

RETRYABLE = frozenset({"rate_limited", "error_5xx", "timeout", "connection", "malformed",
                       "stream_cut", "truncated", "unreachable", "interrupted"})
BILL_UNKNOWN = frozenset({"timeout", "connection", "malformed", "stream_cut", "truncated",
                          "interrupted"})
NOT_SENT = frozenset({"unreachable"})  # nothing left the machine: costs nothing


@dataclass
class Attempt:
    """What one attempt measured (times in seconds from sending)."""

    outcome: str
    http_status: int | None = None
    ttft_s: float | None = None
    latency_s: float = 0.0
    reply: Reply | None = None
    retry_after_s: float | None = None

    @property
    def retryable(self) -> bool:
        """Whether another attempt may succeed (a 4xx rejecting the request will not)."""
        if self.outcome == "malformed" and self.http_status not in (None, 200):
            return False
        return self.outcome in RETRYABLE


def status_outcome(status: int) -> str:
    """Outcome of a non-2xx HTTP status."""
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status == 429:
        return "rate_limited"
    if status == 408:
        return "timeout"
    if status >= 500:
        return "error_5xx"
    return "malformed"


def retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds a server asks to wait (``retry-after-ms``, or ``retry-after`` in seconds or as
    an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


class _Timing:
    __slots__ = ("status", "streaming", "t0", "ttft_s")

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.ttft_s: float | None = None
        self.status: int | None = None
        self.streaming = False

    def since(self) -> float:
        return time.perf_counter() - self.t0


async def send(client: httpx.AsyncClient, endpoint: Endpoint, family: Family, served: str,
               prompt: str, max_tokens: int, temperature: float | None,
               stream: bool) -> Attempt:
    """Send one request and classify it; never raises for anything the server or the network
    does."""
    url = family.url(endpoint, served)
    headers = family.headers(endpoint, stream)
    body = family.body(served, prompt, max_tokens, temperature, stream)
    timing = _Timing()
    try:
        async with asyncio.timeout(endpoint.timeout.total_s):
            async with client.stream("POST", url, json=body, headers=headers) as response:
                timing.status = response.status_code
                return await _read(response, family, stream, timing)
    except TimeoutError:
        return Attempt("timeout", timing.status, timing.ttft_s, timing.since())
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol):
        return Attempt("unreachable", None, None, timing.since())
    except httpx.TimeoutException:
        return Attempt("timeout", timing.status, timing.ttft_s, timing.since())
    except httpx.TransportError:
        return Attempt(_lost(timing), timing.status, timing.ttft_s, timing.since())
    except ExceptionGroup as group:  # anyio's connect (e.g. an unusable address)
        if group.split((OSError, OverflowError, ValueError))[1] is not None:
            raise  # something else than the address failed: a bug, not a network fault
        return Attempt("unreachable", None, None, timing.since())


def _lost(timing: _Timing) -> str:
    """Outcome of a connection lost after sending: before the status line (``connection``),
    in a stream (``stream_cut``), inside a whole 2xx body (``truncated``)."""
    if timing.status is None:
        return "connection"
    if timing.streaming:
        return "stream_cut"
    if 200 <= timing.status < 300:
        return "truncated"
    return status_outcome(timing.status)


async def _read(response: httpx.Response, family: Family, stream: bool,
                timing: _Timing) -> Attempt:
    status = response.status_code
    if not 200 <= status < 300:
        await response.aread()
        return Attempt(status_outcome(status), status, None, timing.since(),
                       retry_after_s=retry_after_s(response.headers))
    is_sse = "text/event-stream" in response.headers.get("content-type", "")
    try:
        if stream and is_sse:
            timing.streaming = True
            reply = await _read_stream(response, family, timing)
            if reply is None:
                return Attempt("stream_cut", status, timing.ttft_s, timing.since())
        else:
            reply = family.parse(await response.aread())
    except MalformedReply:
        return Attempt("malformed", status, timing.ttft_s, timing.since())
    except StreamFailure as failure:
        return Attempt(status_outcome(failure.status), failure.status, timing.ttft_s,
                       timing.since())
    return Attempt("ok", status, timing.ttft_s, timing.since(), reply)


async def _read_stream(response: httpx.Response, family: Family,
                       timing: _Timing) -> Reply | None:
    """Consume SSE events; the reply, or None when the stream ended before its end marker."""
    state = family.stream()
    event: str | None = None
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            text = state.feed(event, line[5:].lstrip())
            if text and timing.ttft_s is None:
                timing.ttft_s = timing.since()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif not line:
            event = None
    return state.reply if state.done() else None
