"""A loopback stand-in for Anthropic's Messages API, following the documented protocol.

`POST /v1/messages` with `x-api-key` and `anthropic-version`; a wrong key gets 401 `authentication_error`, a
missing version header, model, `max_tokens` or a `system` role among the messages 400 `invalid_request_error`,
each as `{"type": "error", "error": {type, message}}` with a `request-id` header. A success is a `message` with
text content blocks, `stop_reason` (`max_tokens` when cut) and `usage`; with `"stream": true` it is named
server-sent events: `message_start`, `content_block_start`, `ping`, `content_block_delta`s (`text_delta`),
`content_block_stop`, `message_delta` (stop reason, cumulative output tokens) and `message_stop`. Tests script the
answers (`replies`) and failures (`fail`): 429 `rate_limit_error` with `retry-after` and the
`anthropic-ratelimit-*` headers, 529 `overloaded_error`, a 500 `api_error`, an answer slower than the client
waits, or an `event: error` in the middle of a stream. Tokens are counted as words.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from connectors._loopback import serve

__all__ = ["FakeAnthropic", "Failure"]

DEFAULT_REPLY = "Subject: Following up\n\nHi,\n\nThank you for your time. Could we find a moment to talk?\n\nBest regards"
Kind = Literal["rate", "overloaded", "server", "slow", "midstream"]


@dataclass
class Failure:
    """One scripted failure: what the next request gets instead of an answer."""

    kind: Kind
    retry_after: float | None = None
    delay: float = 5.0


@dataclass
class FakeAnthropic:
    """The fake server; `requests` holds every JSON body it was sent, `headers` the headers, in order."""

    api_key: str = "sk-ant-test-fake"
    replies: deque[str] = field(default_factory=deque)
    failures: deque[Failure] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeAnthropic:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, kind: Kind, times: int = 1, **kw: Any) -> None:
        self.failures.extend(Failure(kind, **kw) for _ in range(times))

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        rid = f"req_{next(self._ids):06d}"
        if request.headers.get("x-api-key") != self.api_key:
            return _error(401, rid, "authentication_error", "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return _error(400, rid, "invalid_request_error", "anthropic-version: header is required")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, rid, "invalid_request_error", "The request body is not valid JSON.")
        if (problem := _invalid(body)) is not None:
            return _error(400, rid, "invalid_request_error", problem)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        failure = self.failures.popleft() if self.failures else None
        if failure is not None and failure.kind != "midstream":
            return await _failure(failure, rid)
        text, stop = _cut(self.replies.popleft() if self.replies else DEFAULT_REPLY, body["max_tokens"])
        usage = {"input_tokens": _tokens(body), "output_tokens": len(text.split())}
        if body.get("stream"):
            return await _stream(request, rid, body["model"], text, stop, usage, broken=failure is not None)
        return web.json_response(_message(rid, body["model"], text, stop, usage), headers={"request-id": rid})


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "model: Field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: Field required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if any(not isinstance(m, dict) or m.get("role") not in ("user", "assistant") for m in messages):
        return ("messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, "
                "not \"system\" as an input message role.")
    return None


async def _failure(failure: Failure, rid: str) -> web.Response:
    if failure.kind == "slow":
        await asyncio.sleep(failure.delay)
        return web.json_response({}, headers={"request-id": rid})
    if failure.kind == "overloaded":
        return _error(529, rid, "overloaded_error", "Overloaded")
    if failure.kind == "server":
        return _error(500, rid, "api_error", "Internal server error")
    wait = failure.retry_after if failure.retry_after is not None else 1.0
    return _error(429, rid, "rate_limit_error", "This request would exceed the rate limit for your organization of "
                  "50 requests per minute.", extra={"retry-after": f"{wait:g}",
                                                    "anthropic-ratelimit-requests-limit": "50",
                                                    "anthropic-ratelimit-requests-remaining": "0"})


def _tokens(body: dict[str, Any]) -> int:
    system = body.get("system") or ""
    return len(str(system).split()) + sum(len(str(m.get("content", "")).split()) for m in body["messages"])


def _cut(text: str, limit: int) -> tuple[str, str]:
    if len(text.split()) > limit:
        return " ".join(text.split(" ")[:limit]), "max_tokens"
    return text, "end_turn"


def _error(status: int, rid: str, kind: str, message: str, *, extra: dict[str, str] | None = None) -> web.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": rid}
    return web.json_response(body, status=status, headers={"request-id": rid, **(extra or {})})


def _message(rid: str, model: str, text: str, stop: str, usage: dict[str, int]) -> dict[str, Any]:
    return {"id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
            "usage": {**usage, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


async def _stream(request: web.Request, rid: str, model: str, text: str, stop: str, usage: dict[str, int], *,
                  broken: bool) -> web.StreamResponse:
    response = web.StreamResponse(headers={"request-id": rid, "Content-Type": "text/event-stream"})
    await response.prepare(request)
    start = {**_message(rid, model, "", "", {"input_tokens": usage["input_tokens"], "output_tokens": 1}),
             "content": [], "stop_reason": None}
    await _send(response, "message_start", {"message": start})
    await _send(response, "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    await _send(response, "ping", {})
    words = text.split(" ")
    for i, word in enumerate(words):
        if broken and i == len(words) // 2:  # an error after a 200, as Anthropic sends one mid-stream
            await _send(response, "error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
            await response.write_eof()
            return response
        piece = word if i == len(words) - 1 else word + " "
        await _send(response, "content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
    await _send(response, "content_block_stop", {"index": 0})
    await _send(response, "message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                            "usage": {"output_tokens": usage["output_tokens"]}})
    await _send(response, "message_stop", {})
    await response.write_eof()
    return response


async def _send(response: web.StreamResponse, event: str, data: dict[str, Any]) -> None:
    await response.write(f"event: {event}\ndata: {json.dumps({'type': event, **data})}\n\n".encode())
