"""A loopback stand-in for OpenAI's Chat Completions, following the documented protocol.

`POST /v1/chat/completions` with `Authorization: Bearer <key>`; a wrong key gets 401 `invalid_api_key`, a body
without `model` or `messages` (or with an unknown role) 400 `invalid_request_error`, each in OpenAI's error shape
`{"error": {message, type, param, code}}` with an `x-request-id` header. A success is a `chat.completion` with
`choices[0].message`, `finish_reason` (`length` when the answer was cut at `max_completion_tokens`) and `usage`;
with `"stream": true` it is data-only server-sent events of `chat.completion.chunk`s, a usage chunk with empty
`choices` when `stream_options.include_usage` is set, then `data: [DONE]`. Tests script the answers (`replies`)
and failures (`fail`): 429 `rate_limit_exceeded` with `retry-after` and the `x-ratelimit-*` headers, 429
`insufficient_quota`, a 500, or an answer slower than the client waits. Tokens are counted as words.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from connectors._loopback import serve

__all__ = ["FakeOpenAI", "Failure"]

ROLES = {"system", "developer", "user", "assistant", "tool"}
DEFAULT_REPLY = "Subject: Following up\n\nHi,\n\nThank you for your time. Could we find a moment to talk?\n\nBest regards"


@dataclass
class Failure:
    """One scripted failure: what the next request gets instead of an answer."""

    kind: Literal["rate", "quota", "server", "slow"]
    retry_after: float | None = None
    delay: float = 5.0


@dataclass
class FakeOpenAI:
    """The fake server; `requests` holds every JSON body it was sent, in order."""

    api_key: str = "sk-test-fake"
    replies: deque[str] = field(default_factory=deque)
    failures: deque[Failure] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner, base = await serve(app)
        self.url = f"{base}/v1"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, kind: Literal["rate", "quota", "server", "slow"], times: int = 1, **kw: Any) -> None:
        self.failures.extend(Failure(kind, **kw) for _ in range(times))

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        rid = f"req_{next(self._ids):06d}"
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, rid, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, rid, "We could not parse the JSON body of your request.", "invalid_request_error")
        if (problem := _invalid(body)) is not None:
            return _error(400, rid, problem, "invalid_request_error", param=problem.split("'")[1])
        self.requests.append(body)
        if self.failures:
            return await self._failure(self.failures.popleft(), rid)
        text, stop = _cut(self.replies.popleft() if self.replies else DEFAULT_REPLY, body)
        usage = {"prompt_tokens": _tokens(body), "completion_tokens": len(text.split()),
                 "total_tokens": _tokens(body) + len(text.split())}
        if body.get("stream"):
            return await _stream(request, rid, body, text, stop, usage)
        return web.json_response(_completion(rid, body["model"], text, stop, usage), headers=_headers(rid))

    async def _failure(self, failure: Failure, rid: str) -> web.StreamResponse:
        if failure.kind == "slow":
            await asyncio.sleep(failure.delay)
            return web.json_response({}, headers=_headers(rid))
        if failure.kind == "server":
            return _error(500, rid, "The server had an error while processing your request.", "server_error")
        if failure.kind == "quota":
            return _error(429, rid, "You exceeded your current quota, please check your plan and billing details.",
                          "insufficient_quota", "insufficient_quota")
        wait = failure.retry_after if failure.retry_after is not None else 1.0
        extra = {"retry-after": f"{wait:g}", "x-ratelimit-limit-requests": "500",
                 "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": f"{wait:g}s"}
        return _error(429, rid, f"Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. "
                      f"Please try again in {wait:g}s.", "requests", "rate_limit_exceeded", extra=extra)


def _invalid(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "you must provide a 'model' parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    if any(not isinstance(m, dict) or m.get("role") not in ROLES for m in messages):
        return "Invalid value for 'messages': each message needs a known role"
    return None


def _tokens(body: dict[str, Any]) -> int:
    return sum(len(str(m.get("content", "")).split()) for m in body["messages"])


def _cut(text: str, body: dict[str, Any]) -> tuple[str, str]:
    """The reply, cut to `max_completion_tokens` (or the older `max_tokens`) words, and why it stopped."""
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    words = text.split(" ")
    if isinstance(limit, int) and len(text.split()) > limit:
        return " ".join(words[:limit]), "length"
    return text, "stop"


def _headers(rid: str) -> dict[str, str]:
    return {"x-request-id": rid, "openai-processing-ms": "12"}


def _error(status: int, rid: str, message: str, kind: str, code: str | None = None, *, param: str | None = None,
           extra: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(body, status=status, headers={**_headers(rid), **(extra or {})})


def _completion(rid: str, model: str, text: str, stop: str, usage: dict[str, int]) -> dict[str, Any]:
    return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                         "logprobs": None, "finish_reason": stop}],
            "usage": usage, "system_fingerprint": None}


async def _stream(request: web.Request, rid: str, body: dict[str, Any], text: str, stop: str,
                  usage: dict[str, int]) -> web.StreamResponse:
    response = web.StreamResponse(headers={**_headers(rid), "Content-Type": "text/event-stream"})
    await response.prepare(request)
    with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": None}
    pieces = [{"role": "assistant", "content": ""}] + [{"content": p} for p in _pieces(text)]
    for delta in pieces:
        await _send(response, {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                    "finish_reason": None}], **({"usage": None} if with_usage else {})})
    await _send(response, {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": stop}],
                           **({"usage": None} if with_usage else {})})
    if with_usage:
        await _send(response, {**base, "choices": [], "usage": usage})
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


def _pieces(text: str) -> list[str]:
    """The text in small pieces, spaces kept, as a model streams it."""
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


async def _send(response: web.StreamResponse, chunk: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
