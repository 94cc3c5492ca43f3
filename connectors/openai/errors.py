"""What can go wrong asking OpenAI, labelled the way the hub pages people.

    OpenAIError                  (label "failure")    any other answer, status as answered
    ├── RateLimited     429      (label "rate-limit") over a rate limit, after the SDK's own retries
    ├── QuotaExceeded   429      (label "user-error") `insufficient_quota`: billing, not waiting, fixes it
    ├── Refused         400-422  (label "user-error") the request was refused (model unknown, too long…)
    ├── AuthFailed      401/403  (label "user-error") the key is wrong or revoked
    └── Unavailable     5xx      (label "failure")    down, timed out or unreachable, after the retries

Each is also told in the hub's shared vocabulary (`hub.outside`). Messages hold OpenAI's error type and code and
the request id, never the key or the prompt.
"""

from __future__ import annotations

import openai

from hub import outside

__all__ = ["AuthFailed", "OpenAIError", "QuotaExceeded", "RateLimited", "Refused", "Unavailable", "translate"]


class OpenAIError(outside.ServiceError):
    """Base error of the OpenAI connector."""

    service = "openai"

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.status, self.request_id = status, request_id


class RateLimited(OpenAIError, outside.RateLimited):
    """HTTP 429 on a rate limit; `retry_after` in seconds when OpenAI said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class QuotaExceeded(OpenAIError, outside.Rejected):
    """HTTP 429 `insufficient_quota`: the account is out of credit; retrying does not help."""


class Refused(OpenAIError, outside.Rejected):
    """HTTP 400, 404, 409 or 422: the request itself was refused."""


class AuthFailed(OpenAIError, outside.AuthorizationRevoked):
    """HTTP 401 or 403: the key is wrong, revoked, or lacks access to the model."""


class Unavailable(OpenAIError, outside.Unavailable):
    """HTTP 5xx, a timeout or a connection failure that outlasted the retries."""


def translate(exc: openai.OpenAIError) -> OpenAIError:
    """The connector's error for an SDK error; the message names the status, type, code and request id."""
    if isinstance(exc, openai.APITimeoutError):
        return Unavailable("OpenAI did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return Unavailable("OpenAI could not be reached")
    if not isinstance(exc, openai.APIStatusError):
        return Unavailable(f"OpenAI failed: {type(exc).__name__}")
    body = exc.body if isinstance(exc.body, dict) else {}
    kind, code = body.get("type"), body.get("code")
    message = f"OpenAI answered {exc.status_code} ({kind or 'error'}, {code or '-'}); request {exc.request_id}"
    return _by_status(exc, message, code)


def _by_status(exc: openai.APIStatusError, message: str, code: str | None) -> OpenAIError:
    kw = {"status": exc.status_code, "request_id": exc.request_id}
    if exc.status_code == 429:
        if code == "insufficient_quota":
            return QuotaExceeded(message, **kw)
        return RateLimited(message, retry_after=retry_after(exc.response.headers), **kw)
    if exc.status_code in (401, 403):
        return AuthFailed(message, **kw)
    if 400 <= exc.status_code < 500:
        return Refused(message, **kw)
    return Unavailable(message, **kw)


def retry_after(headers) -> float | None:
    """Seconds to wait from `retry-after-ms`, else `retry-after` (seconds); None when absent or not a number."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[name]) / scale
        except (KeyError, TypeError, ValueError):
            continue
    return None
