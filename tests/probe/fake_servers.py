"""Local OpenAI-compatible and Anthropic-compatible servers with fault injection (starlette on
uvicorn, bound to 127.0.0.1 on a free port, in a background thread or as a subprocess).

Both APIs are served by one app: ``POST /v1/chat/completions`` and ``POST /v1/messages``, and
Azure OpenAI's ``POST /v1/openai/deployments/{deployment}/chat/completions?api-version=``.
Behaviour is chosen by the requested model name, written like a query string:

    "m?ttft=0.05&ttft_sigma=0.3&tps=400&tokens=20&fault=429&times=1&retry_after=0.05"

    ttft, ttft_sigma   seconds to the first token: ttft * exp(sigma * N(0,1)), N drawn from a
                       hash of (model, prompt) - deterministic
    tps, tps_sigma     output tokens per second (lognormal the same way); 0 = instant
    tokens             output tokens (at most the request's max_tokens); default 12
    text               fixed reply text instead of "tok tok ..."
    usage=0            omit usage
    fault              429 | 500 | 401 | 404 | hang | malformed | cut | truncate | close
                       (cut / truncate without streaming: half the declared body, then the
                       connection closes)
    times              the fault hits the first ``times`` attempts of each (model, prompt);
                       default: every attempt
    retry_after        Retry-After seconds sent with 429
    delay              seconds to wait before anything else (faults included)

Prompt tokens are counted as ceil(characters / 4), like the probe's estimate. A request whose
key (Bearer or x-api-key) differs from ``key`` gets 401, and so does every request after the
first ``revoke_after`` authorised ones (a key revoked mid-run). ``billed`` lists (model,
prompt tokens, output tokens) of every request the server started to answer - what a provider
would bill, counting the whole reply even when the client hangs up.

Run alone: ``python fake_servers.py --port 8000`` (used by benchmarks/probe.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import socket
import threading
import time
from collections import Counter
from typing import Self
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


class Behaviour:
    """Options parsed from a model name."""

    def __init__(self, model: str, prompt: str) -> None:
        _, _, query = model.partition("?")
        self.opts = dict(parse_qsl(query))
        rng = random.Random(f"{model}\0{prompt}")
        z_ttft, z_tps = rng.gauss(0, 1), rng.gauss(0, 1)
        self.ttft_s = float(self.opts.get("ttft", 0)) * math.exp(
            float(self.opts.get("ttft_sigma", 0)) * z_ttft)
        tps = float(self.opts.get("tps", 0))
        self.tps = tps * math.exp(float(self.opts.get("tps_sigma", 0)) * z_tps) if tps else 0.0
        self.fault = self.opts.get("fault")
        self.times = int(self.opts.get("times", -1))
        self.retry_after = self.opts.get("retry_after", "0.05")
        self.usage = self.opts.get("usage", "1") != "0"
        self.delay_s = float(self.opts.get("delay", 0))

    def reply(self, max_tokens: int) -> tuple[list[str], int]:
        """Text pieces (one per token) and the output token count."""
        if "text" in self.opts:
            text = self.opts["text"]
            n = math.ceil(len(text) / 4)
            return [text[i * 4:(i + 1) * 4] for i in range(n)], n
        n = min(int(self.opts.get("tokens", 12)), max_tokens)
        return ["tok "] * n, n


class FakeLLM:
    """The app and what it saw: request counts and the most requests in flight."""

    def __init__(self, key: str | None = None) -> None:
        self.key = key
        self.revoke_after: int | None = None
        self.authorised = 0
        self.billed: list[tuple[str, int, int]] = []
        self.last_headers: dict[str, str] = {}
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic(), model) past the key
        self.limited: list[float] = []  # time.monotonic() of each 429 sent
        self.attempts: Counter = Counter()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self.openai, methods=["POST"]),
            Route("/v1/messages", self.anthropic, methods=["POST"]),
            Route("/v1/openai/deployments/{deployment}/chat/completions", self.azure,
                  methods=["POST"])])

    def _authorised(self, request: Request, anthropic: bool, azure: bool = False) -> bool:
        if self.key is None:
            ok = True
        elif azure:
            ok = request.headers.get("api-key") == self.key
        elif anthropic:
            ok = request.headers.get("x-api-key") == self.key
        else:
            ok = request.headers.get("authorization") == f"Bearer {self.key}"
        if ok and self.revoke_after is not None:
            self.authorised += 1
            ok = self.authorised <= self.revoke_after
        return ok

    async def openai(self, request: Request) -> Response:
        return await self._serve(request, anthropic=False)

    async def anthropic(self, request: Request) -> Response:
        return await self._serve(request, anthropic=True)

    async def azure(self, request: Request) -> Response:
        """Azure OpenAI: the deployment in the path is the model; ``api-version`` required;
        the key in ``api-key``."""
        if not request.query_params.get("api-version"):
            return JSONResponse({"error": {"message": "api-version missing"}}, status_code=404)
        return await self._serve(request, anthropic=False,
                                 deployment=request.path_params["deployment"])

    async def _serve(self, request: Request, anthropic: bool,
                     deployment: str | None = None) -> Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._respond(request, anthropic, deployment)
        finally:
            self.in_flight -= 1

    async def _respond(self, request: Request, anthropic: bool,
                       deployment: str | None) -> Response:
        self.last_headers = dict(request.headers)
        body = await request.json()
        if not self._authorised(request, anthropic, azure=deployment is not None):
            return JSONResponse({"error": {"message": "invalid api key"}}, status_code=401)
        model = body["model"] if deployment is None else deployment
        self.arrivals.append((time.monotonic(), model))
        prompt = body["messages"][-1]["content"]
        b = Behaviour(model, prompt)
        attempt_key = (model, prompt)
        self.attempts[attempt_key] += 1
        fault = b.fault if b.times < 0 or self.attempts[attempt_key] <= b.times else None
        if b.delay_s:
            await asyncio.sleep(b.delay_s)
        if fault in ("429", "500", "401", "404"):
            headers = {"retry-after": b.retry_after} if fault == "429" else {}
            if fault == "429":
                self.limited.append(time.monotonic())
            return JSONResponse({"error": {"message": f"injected {fault}"}},
                                status_code=int(fault), headers=headers)
        if fault == "hang":
            await asyncio.sleep(3600)
        if fault == "close":
            raise ConnectionResetError("injected close")
        prompt_tokens = math.ceil(len(prompt) / 4)
        pieces, n_out = b.reply(int(body.get("max_tokens", 256)))
        self.billed.append((model, prompt_tokens, n_out))
        usage = (prompt_tokens, n_out) if b.usage else None
        if not body.get("stream"):
            await asyncio.sleep(b.ttft_s + (n_out / b.tps if b.tps else 0.0))
            if fault == "malformed":
                return Response(b'{"choices": [ oops', media_type="application/json")
            document = (_anthropic_body if anthropic else _openai_body)(model, pieces, usage)
            if fault in ("cut", "truncate"):  # declare the whole body, send half, hang up
                whole = json.dumps(document).encode()
                return Response(whole[:len(whole) // 2], media_type="application/json",
                                headers={"content-length": str(len(whole))})
            return JSONResponse(document)
        events = (_anthropic_events if anthropic else _openai_events)(model, pieces, usage)
        return StreamingResponse(_paced(events, b, fault), media_type="text/event-stream")


def _openai_body(model, pieces, usage):
    doc = {"id": "x", "object": "chat.completion", "model": model,
           "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "".join(pieces)}}]}
    if usage:
        doc["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                        "total_tokens": sum(usage)}
    return doc


def _anthropic_body(model, pieces, usage):
    doc = {"id": "x", "type": "message", "role": "assistant", "model": model,
           "content": [{"type": "text", "text": "".join(pieces)}], "stop_reason": "end_turn"}
    if usage:
        doc["usage"] = {"input_tokens": usage[0], "output_tokens": usage[1]}
    return doc


def _sse(data: dict | str, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


def _openai_events(model, pieces, usage):
    """(is_token, bytes) events of an OpenAI-compatible stream; the last two are the end."""
    out = [(True, _sse({"choices": [{"index": 0, "delta": {"content": p}}]})) for p in pieces]
    out.append((False, _sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})))
    if usage:
        out.append((False, _sse({"choices": [], "usage": {
            "prompt_tokens": usage[0], "completion_tokens": usage[1]}})))
    out.append((False, _sse("[DONE]")))
    return out


def _anthropic_events(model, pieces, usage):
    """(is_token, bytes) events of an Anthropic Messages stream."""
    start = {"type": "message_start", "message": {"id": "x", "model": model, "content": [],
                                                  "usage": {"input_tokens": usage[0]}
                                                  if usage else {}}}
    out = [(False, _sse(start, "message_start")),
           (False, _sse({"type": "content_block_start", "index": 0,
                         "content_block": {"type": "text", "text": ""}}, "content_block_start"))]
    out += [(True, _sse({"type": "content_block_delta", "index": 0,
                         "delta": {"type": "text_delta", "text": p}}, "content_block_delta"))
            for p in pieces]
    out.append((False, _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")))
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}
    if usage:
        delta["usage"] = {"output_tokens": usage[1]}
    out.append((False, _sse(delta, "message_delta")))
    out.append((False, _sse({"type": "message_stop"}, "message_stop")))
    return out


async def _paced(events, b: Behaviour, fault: str | None):
    """Yield events: first token after ttft, then at ``tps``; faults cut or spoil the
    stream."""
    tokens = [e for e in events if e[0]]
    gap = 1.0 / b.tps if b.tps else 0.0
    half = max(len(tokens) // 2, 1)
    sent_tokens = 0
    t0 = time.perf_counter()
    for is_token, data in events:
        if is_token:
            due = b.ttft_s + gap * sent_tokens
            wait = due - (time.perf_counter() - t0)
            if wait > 0.002 or (sent_tokens == 0 and wait > 0):
                await asyncio.sleep(wait)
            sent_tokens += 1
            if fault == "malformed" and sent_tokens == half:
                yield b"data: {not json\n\n"
                continue
            if fault in ("cut", "truncate") and sent_tokens > half:
                if fault == "cut":
                    raise ConnectionResetError("injected cut")
                return
        yield data


def listening_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1. ``IPPROTO_TCP`` is explicit: asyncio sets TCP_NODELAY
    only on sockets whose proto says TCP, and without it Nagle + delayed ACK add ~40 ms to
    every response written in two parts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class ServerThread:
    """Run an app with uvicorn on 127.0.0.1 (free port) in a daemon thread."""

    def __init__(self, app, port: int = 0) -> None:
        self.sock = listening_socket(port)
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="critical", lifespan="off", access_log=False,
                                timeout_keep_alive=30, timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.server.force_exit = True  # do not wait for injected hangs
        self.thread.join(timeout=5)
        self.sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default=None)
    args = parser.parse_args()
    sock = listening_socket(args.port)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(FakeLLM(args.key).app, log_level="critical", lifespan="off",
                            access_log=False, timeout_keep_alive=30)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
