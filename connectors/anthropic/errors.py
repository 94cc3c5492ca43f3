"""What can go wrong asking Anthropic, labelled the way the hub pages people.

    AnthropicError               (label "failure")    any other answer, status as answered
    ├── RateLimited     429      (label "rate-limit") `rate_limit_error`, after the SDK's own retries
    ├── Overloaded      529      (label "failure")    `overloaded_error` (also when sent with a 429), after retries
    ├── Refused         400-413  (label "user-error") `invalid_request_error`, `billing_error`, `not_found_error`…
    ├── AuthFailed      401/403  (label "user-error") `authentication_error`, `permission_error`
    └── Unavailable     5xx      (label "failure")    `api_error`, `timeout_error`, a timeout or no connection

Each is also told in the hub's shared vocabulary (`hub.outside`). Anthropic's error body is `{"type": "error",
"error": {"type", "message"}}`; messages here hold its type and the `request-id`, never the key or the prompt.
"""

from __future__ import annotations

import anthropic

from hub import outside

__all__ = ["AnthropicError", "AuthFailed", "Overloaded", "RateLimited", "Refused", "Unavailable", "translate"]


class AnthropicError(outside.ServiceError):
    """Base error of the Anthropic connector."""

    service = "anthropic"

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.status, self.request_id = status, request_id


class RateLimited(AnthropicError, outside.RateLimited):
    """HTTP 429 `rate_limit_error`; `retry_after` in seconds when Anthropic said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Overloaded(AnthropicError, outside.Unavailable):
    """HTTP 529 `overloaded_error`: the service is busy for everyone; later works."""


class Refused(AnthropicError, outside.Rejected):
    """HTTP 400, 402, 404 or 413: the request itself (or the account's billing) was refused."""


class AuthFailed(AnthropicError, outside.AuthorizationRevoked):
    """HTTP 401 or 403: the key is wrong, revoked, or lacks permission."""


class Unavailable(AnthropicError, outside.Unavailable):
    """HTTP 5xx, a timeout or a connection failure that outlasted the retries."""


def translate(exc: anthropic.AnthropicError) -> AnthropicError:
    """The connector's error for an SDK error; the message names the status, error type and request id."""
    if isinstance(exc, anthropic.APITimeoutError):
        return Unavailable("Anthropic did not answer in time")
    if isinstance(exc, anthropic.APIConnectionError):
        return Unavailable("Anthropic could not be reached")
    if not isinstance(exc, anthropic.APIStatusError):
        return Unavailable(f"Anthropic failed: {type(exc).__name__}")
    kind = error_type(exc.body)
    rid = exc.response.headers.get("request-id")
    message = f"Anthropic answered {exc.status_code} ({kind or 'error'}); request {rid}"
    kw = {"status": exc.status_code, "request_id": rid}
    if kind == "overloaded_error" or exc.status_code == 529:
        return Overloaded(message, **kw)
    if exc.status_code == 429:
        return RateLimited(message, retry_after=retry_after(exc.response.headers), **kw)
    if exc.status_code in (401, 403):
        return AuthFailed(message, **kw)
    return Refused(message, **kw) if 400 <= exc.status_code < 500 else Unavailable(message, **kw)


def error_type(body: object) -> str | None:
    """`error.type` of Anthropic's error body, whether the SDK kept the envelope or unwrapped it."""
    if not isinstance(body, dict):
        return None
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    return inner.get("type") if isinstance(inner.get("type"), str) else None


def retry_after(headers) -> float | None:
    """Seconds to wait from `retry-after` (seconds); None when absent or not a number."""
    try:
        return float(headers["retry-after"])
    except (KeyError, TypeError, ValueError):
        return None
