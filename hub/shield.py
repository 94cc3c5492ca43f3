"""The first thing a request meets, before routing and authentication: bodies nested past a depth are refused
unread, and an address that keeps sending requests without valid credentials is slowed down.

Both answers are cheap and log no traceback: a decoder's recursion error on `[[[[…` would otherwise cost a
500 and a long traceback per request, which is how a log gets flooded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

import msgspec
from litestar.datastructures import CacheControlHeader
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub.tenancy.auth import RateLimiter

__all__ = ["NO_STORE", "nested_deeper_than", "shield"]

# For the routes whose answer carries a secret (a new API key, a signing secret, a token): no cache keeps it.
NO_STORE = CacheControlHeader(no_store=True)

# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")
# Answers that mean "no valid credential": counted against the sender's address.
_UNAUTHENTICATED = frozenset({401})


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` opens more than `limit` arrays or objects inside one another."""
    depth = 0
    for token in _TOKENS.finditer(body):
        first = token.group()[0]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif first in _CLOSE:
            depth -= 1
    return False


def _too_deep(body: bytes, content_type: bytes, limit: int) -> bool:
    """Form fields may carry JSON (Slack's `payload=`); anything else that starts like JSON is read as JSON."""
    if b"application/x-www-form-urlencoded" in content_type:
        values = (v.encode() for _, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        return any(nested_deeper_than(v, limit) for v in values if v.lstrip()[:1] in (b"[", b"{"))
    return body.lstrip()[:1] in (b"[", b"{") and nested_deeper_than(body, limit)


async def _buffer(receive: Receive, limit: int) -> tuple[list[Message], bytes | None]:
    """The body's messages as read, and the whole body; None when it ran past `limit` (left for the 413)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            return messages, b"".join(m.get("body", b"") for m in messages)
        if size > limit:
            return messages, None


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _problem(send: Send, scope: Scope, status: int, title: str, detail: str,
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
    slug = {400: "bad-request", 429: "rate-limited"}[status]
    body = msgspec.json.encode({"type": f"urn:problem:hub:{slug}", "title": title, "status": status,
                                "detail": detail, "instance": scope["path"]})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def shield(*, max_depth: int, max_bytes: int, per_minute: int, burst: int) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware: 400 for JSON nested deeper than `max_depth`; 429 for an address past `per_minute`
    (and `burst`) requests refused for want of a valid credential or for their nesting."""
    limiter = RateLimiter(per_minute, burst)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            address = (scope.get("client") or ("unknown",))[0]
            if (wait := limiter.wait(address)) is not None:
                await _problem(send, scope, 429, "Too many requests",
                               "Too many requests without valid credentials from this address.",
                               [(b"retry-after", str(max(1, math.ceil(wait))).encode())])
                return
            if scope["method"] in ("POST", "PUT", "PATCH"):
                messages, body = await _buffer(receive, max_bytes)
                content_type = dict(scope["headers"]).get(b"content-type", b"")
                if body is not None and _too_deep(body, content_type, max_depth):
                    limiter.hit(address)
                    await _problem(send, scope, 400, "Bad request",
                                   f"The body nests arrays or objects deeper than {max_depth} levels.")
                    return
                receive = _replaying(messages, receive)

            async def counting(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] in _UNAUTHENTICATED:
                    limiter.hit(address)
                await send(message)

            await app(scope, receive, counting)

        return middleware

    return wrap
