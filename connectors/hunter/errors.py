"""What Hunter's API answers when a call fails, as the hub's shared vocabulary (`hub.outside`).

HunterError                    Hunter answered with an error (HTTP status and the `errors[0].id` kept)
├── HunterRateLimited          429 (the plan's monthly searches, or too many requests) and 403 (over the
│                              per-second or per-minute rate) ("rate-limit"); `retry_after` when Hunter said
├── HunterRejected             400, 404, 422, 451 ("user-error"): a missing or invalid parameter, no such thing
├── HunterAuthRevoked          401 ("user-error"): a wrong or withdrawn API key
└── HunterUnavailable          5xx, a timeout or the network ("failure")

No message ever holds the API key.
"""

from __future__ import annotations

from hub import outside

__all__ = ["HunterAuthRevoked", "HunterError", "HunterRateLimited", "HunterRejected", "HunterUnavailable",
           "api_error"]


class HunterError(outside.ServiceError):
    """Hunter refused or failed a call."""

    service = "hunter"

    def __init__(self, message: str, *, status: int | None, error_id: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.error_id, self.retry_after = status, error_id, retry_after


class HunterRateLimited(HunterError, outside.RateLimited):
    """Hunter answered 429 or 403: over a rate or the plan's quota."""


class HunterRejected(HunterError, outside.Rejected):
    """Hunter refused what was asked."""


class HunterAuthRevoked(HunterError, outside.AuthorizationRevoked):
    """The organization's key is wrong or withdrawn."""


class HunterUnavailable(HunterError, outside.Unavailable):
    """Hunter failed (5xx) or could not be reached."""


def api_error(message: str, *, status: int | None, error_id: str | None = None,
              retry_after: float | None = None) -> HunterError:
    """The error for an answer of `status`, as the class of the shared vocabulary it is."""
    kind: type[HunterError] = HunterUnavailable
    if status in (403, 429):
        kind = HunterRateLimited
    elif status == 401:
        kind = HunterAuthRevoked
    elif status is not None and 400 <= status < 500:
        kind = HunterRejected
    return kind(message, status=status, error_id=error_id, retry_after=retry_after)
