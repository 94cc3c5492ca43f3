"""The one vocabulary every connector's failures are told in, whatever the vendor said.

ServiceError                   a call to an outside service failed; `service` names it, `label` who must act
├── RateLimited                "rate-limit": over its limits; `retry_after` seconds when it said, else None
├── Rejected                   "user-error": it refused what was sent (invalid, unknown object); never retried
├── AuthorizationRevoked       "user-error": the grant or key no longer works; someone must connect again
└── Unavailable                "failure": down, timed out, or a 5xx after the client's own retries

A connector's own errors subclass these beside its base error (`class RateLimited(XeroError,
outside.RateLimited)`), so a job, a module or a page can act on a failure without knowing the vendor: the job
runner retries a `RateLimited` after its `retry_after`, gives up on `Rejected` and `AuthorizationRevoked`,
and follows the schedule for the rest. Messages never hold a token, a key or a request body.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_exponential

__all__ = ["AuthorizationRevoked", "RateLimited", "Rejected", "ServiceError", "Unavailable", "json_or_none",
           "retry_after_seconds", "retrying"]


class ServiceError(Exception):
    """A call to an outside service failed."""

    label: ClassVar[str] = "failure"
    service: str = ""


class RateLimited(ServiceError):
    """The service is limiting us; try again after `retry_after` seconds (None: it did not say)."""

    label: ClassVar[str] = "rate-limit"
    retry_after: float | None = None


class Rejected(ServiceError):
    """The service refused what was sent; the same request will be refused again."""

    label: ClassVar[str] = "user-error"


class AuthorizationRevoked(ServiceError):
    """The credentials no longer work; nothing succeeds until someone connects again."""

    label: ClassVar[str] = "user-error"


class Unavailable(ServiceError):
    """The service failed or could not be reached; later may work."""


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a `Retry-After` of delta-seconds (None when absent or not a number)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def json_or_none(response: Any) -> Any:
    """An HTTP answer's JSON body, or None when it holds none."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def retrying(*, attempts: int, backoff: float, max_wait: float, log_event: str,
             limited: type[RateLimited] = RateLimited) -> AsyncRetrying:
    """Retries of one call to a service: `limited` after the wait it names (a longer one than `max_wait` is
    raised, for the job queue to wait), `Unavailable` with exponential backoff, anything else raised at once."""

    def retryable(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return isinstance(exc, limited) and (exc.retry_after is None or exc.retry_after <= max_wait)
        return isinstance(exc, Unavailable)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, max_wait)
        return wait_exponential(multiplier=backoff, max=max_wait)(state)

    def logged(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        structlog.get_logger("hub.outside").warning(log_event, attempt=state.attempt_number,
                                                    status=getattr(exc, "status", None), error=type(exc).__name__)

    return AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait, retry=retryable, before_sleep=logged,
                         reraise=True)
