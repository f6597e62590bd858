"""The two API families: request bodies and headers, and parsing of replies (whole JSON bodies
or Server-Sent Event streams).

OpenAI-compatible (OpenAI, OpenRouter, LiteLLM, vLLM, Ollama): ``POST {base}/chat/completions``,
``Authorization: Bearer``; a stream is ``data: {chunk}`` lines ending with ``data: [DONE]``,
usage in the last chunk (``stream_options.include_usage``).
Azure OpenAI: the OpenAI family at
``POST {base}/openai/deployments/{deployment}/chat/completions?api-version=...`` with an
``api-key`` header (the served name is the deployment).
Anthropic Messages: ``POST {base}/messages``, ``x-api-key`` and ``anthropic-version``; a stream
is ``message_start`` (input usage), ``content_block_delta`` (text), ``message_delta`` (output
usage), ``message_stop``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from workbench.probe.config import Endpoint


class MalformedReply(Exception):
    """A body or stream event that is not the JSON the API family promises."""


class StreamFailure(Exception):
    """An error event inside a stream; ``status`` is the HTTP status it stands for."""

    def __init__(self, status: int) -> None:
        super().__init__(f"error event in stream (stands for HTTP {status})")
        self.status = status


@dataclass
class Reply:
    """What came back: text and usage (None when the server did not say)."""

    text: str = ""
    input_tokens: int | None = None
    cached_input_tokens: int = 0
    output_tokens: int | None = None
    complete: bool = False


def _loads(data: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except json.JSONDecodeError:
        raise MalformedReply("not JSON") from None
    if not isinstance(document, dict):
        raise MalformedReply("not a JSON object")
    return document


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


_ERROR_STATUS = {"rate_limit_error": 429, "overloaded_error": 529, "api_error": 500,
                 "authentication_error": 401, "permission_error": 403, "not_found_error": 404}


@dataclass
class OpenAIStream:
    """Accumulates an OpenAI-compatible SSE stream."""

    reply: Reply = field(default_factory=Reply)
    finished: bool = False

    def feed(self, event: str | None, data: str) -> str:
        """Consume one event; return the text it carried."""
        if data.strip() == "[DONE]":
            self.reply.complete = True
            return ""
        chunk = _loads(data)
        if "error" in chunk:
            error = chunk["error"]
            code = _int(error.get("code")) if isinstance(error, dict) else None
            raise StreamFailure(code if code is not None and code >= 400 else 500)
        _usage_openai(chunk.get("usage"), self.reply)
        text = ""
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            if choice.get("finish_reason"):
                self.finished = True
        self.reply.text += text
        return text

    def done(self) -> bool:
        """Whether the stream ended properly ([DONE] or a finish reason)."""
        return self.reply.complete or self.finished


@dataclass
class AnthropicStream:
    """Accumulates an Anthropic Messages SSE stream."""

    reply: Reply = field(default_factory=Reply)

    def feed(self, event: str | None, data: str) -> str:
        """Consume one event; return the text it carried."""
        message = _loads(data)
        kind = message.get("type", event)
        if kind == "message_start":
            _usage_anthropic((message.get("message") or {}).get("usage"), self.reply)
        elif kind == "content_block_delta":
            text = (message.get("delta") or {}).get("text") or ""
            self.reply.text += text
            return text
        elif kind == "message_delta":
            _usage_anthropic(message.get("usage"), self.reply)
        elif kind == "message_stop":
            self.reply.complete = True
        elif kind == "error":
            error = message.get("error") or {}
            raise StreamFailure(_ERROR_STATUS.get(error.get("type"), 500))
        return ""

    def done(self) -> bool:
        """Whether ``message_stop`` arrived."""
        return self.reply.complete


def _usage_openai(usage: Any, reply: Reply) -> None:
    if not isinstance(usage, dict):
        return
    reply.input_tokens = _int(usage.get("prompt_tokens"))
    reply.output_tokens = _int(usage.get("completion_tokens"))
    details = usage.get("prompt_tokens_details") or {}
    reply.cached_input_tokens = _int(details.get("cached_tokens")) or 0


def _usage_anthropic(usage: Any, reply: Reply) -> None:
    if not isinstance(usage, dict):
        return
    if _int(usage.get("input_tokens")) is not None:
        cached = _int(usage.get("cache_read_input_tokens")) or 0
        created = _int(usage.get("cache_creation_input_tokens")) or 0
        reply.input_tokens = _int(usage["input_tokens"]) + cached + created  # type: ignore[operator]
        reply.cached_input_tokens = cached
    if _int(usage.get("output_tokens")) is not None:
        reply.output_tokens = _int(usage["output_tokens"])


class Family:
    """Requests and replies of one API family."""

    name = ""
    path = ""

    def url(self, endpoint: Endpoint, served: str) -> str:
        """Where requests for served model ``served`` go."""
        return endpoint.base_url.rstrip("/") + self.path

    def headers(self, endpoint: Endpoint, stream: bool) -> dict[str, str]:
        """Request headers, the key read from the environment now."""
        raise NotImplementedError

    def body(self, served: str, prompt: str, max_tokens: int, temperature: float | None,
             stream: bool) -> dict[str, Any]:
        """Request body."""
        raise NotImplementedError

    def parse(self, content: bytes) -> Reply:
        """A whole (non-streamed) response body."""
        raise NotImplementedError

    def stream(self) -> OpenAIStream | AnthropicStream:
        """A fresh stream accumulator."""
        raise NotImplementedError


class OpenAIFamily(Family):
    """Any OpenAI-compatible chat completions API."""

    name, path = "openai", "/chat/completions"

    def headers(self, endpoint: Endpoint, stream: bool) -> dict[str, str]:
        key = endpoint.api_key()
        out = {"content-type": "application/json"}
        if key is not None:
            out["authorization"] = "Bearer " + key
        out.update(endpoint.extra_headers())
        return out

    def body(self, served, prompt, max_tokens, temperature, stream):
        body: dict[str, Any] = {"model": served, "max_tokens": max_tokens,
                                "messages": [{"role": "user", "content": prompt}]}
        if temperature is not None:
            body["temperature"] = temperature
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def parse(self, content: bytes) -> Reply:
        document = _loads(content.decode("utf-8", errors="replace"))
        choices = document.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise MalformedReply("no choices")
        message = choices[0].get("message") or {}
        reply = Reply(text=message.get("content") or "", complete=True)
        _usage_openai(document.get("usage"), reply)
        return reply

    def stream(self) -> OpenAIStream:
        return OpenAIStream()


class AnthropicFamily(Family):
    """The Anthropic Messages API."""

    name, path = "anthropic", "/messages"

    def headers(self, endpoint: Endpoint, stream: bool) -> dict[str, str]:
        key = endpoint.api_key()
        out = {"content-type": "application/json",
               "anthropic-version": endpoint.anthropic_version}
        if key is not None:
            out["x-api-key"] = key
        out.update(endpoint.extra_headers())
        return out

    def body(self, served, prompt, max_tokens, temperature, stream):
        body: dict[str, Any] = {"model": served, "max_tokens": max_tokens,
                                "messages": [{"role": "user", "content": prompt}]}
        if temperature is not None:
            body["temperature"] = min(temperature, 1.0)
        if stream:
            body["stream"] = True
        return body

    def parse(self, content: bytes) -> Reply:
        document = _loads(content.decode("utf-8", errors="replace"))
        blocks = document.get("content")
        if not isinstance(blocks, list):
            raise MalformedReply("no content")
        text = "".join(b.get("text") or "" for b in blocks if isinstance(b, dict))
        reply = Reply(text=text, complete=True)
        _usage_anthropic(document.get("usage"), reply)
        return reply

    def stream(self) -> AnthropicStream:
        return AnthropicStream()


class AzureOpenAIFamily(OpenAIFamily):
    """Azure OpenAI: deployments in the path, ``api-version`` in the query, ``api-key``."""

    name = "azure-openai"

    def url(self, endpoint: Endpoint, served: str) -> str:
        return (f"{endpoint.base_url.rstrip('/')}/openai/deployments/{quote(served, safe='')}"
                f"/chat/completions?api-version={endpoint.api_version}")

    def headers(self, endpoint: Endpoint, stream: bool) -> dict[str, str]:
        key = endpoint.api_key()
        out = {"content-type": "application/json"}
        if key is not None:
            out["api-key"] = key
        out.update(endpoint.extra_headers())
        return out


FAMILIES: dict[str, Family] = {"openai": OpenAIFamily(), "anthropic": AnthropicFamily(),
                               "azure-openai": AzureOpenAIFamily()}
