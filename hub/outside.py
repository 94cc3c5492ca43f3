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

from typing import ClassVar

__all__ = ["AuthorizationRevoked", "RateLimited", "Rejected", "ServiceError", "Unavailable"]


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
