"""What Clearbit's Company API answers when a lookup fails, as the hub's shared vocabulary (`hub.outside`).

ClearbitError                  Clearbit answered a lookup with an error (its HTTP status and error type kept)
├── ClearbitRateLimited        429 ("rate-limit"); `retry_after` in seconds when Clearbit said
├── ClearbitQueued             202: the lookup is queued on Clearbit's side; ask again after `retry_after`
├── ClearbitRejected           400, 422 ("user-error"): an invalid domain
├── ClearbitAuthRevoked        401, 402, 403 ("user-error"): a wrong, withdrawn or unpaid key
└── ClearbitUnavailable        5xx, a timeout or the network ("failure")

No message ever holds the API key.
"""

from __future__ import annotations

from hub import outside

__all__ = ["ClearbitAuthRevoked", "ClearbitError", "ClearbitQueued", "ClearbitRateLimited", "ClearbitRejected",
           "ClearbitUnavailable", "api_error"]

# How long to wait before asking again for a lookup Clearbit queued (it answers within seconds as a rule).
QUEUED_RETRY_SECONDS = 5.0


class ClearbitError(outside.ServiceError):
    """Clearbit refused or failed a lookup."""

    service = "clearbit"

    def __init__(self, message: str, *, status: int | None, error_type: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.error_type, self.retry_after = status, error_type, retry_after


class ClearbitRateLimited(ClearbitError, outside.RateLimited):
    """Clearbit answered 429."""


class ClearbitQueued(ClearbitError, outside.RateLimited):
    """Clearbit answered 202: it is looking the company up; the same request answers it later."""


class ClearbitRejected(ClearbitError, outside.Rejected):
    """Clearbit refused the domain."""


class ClearbitAuthRevoked(ClearbitError, outside.AuthorizationRevoked):
    """The organization's key is wrong, withdrawn or out of credit."""


class ClearbitUnavailable(ClearbitError, outside.Unavailable):
    """Clearbit failed (5xx) or could not be reached."""


def api_error(message: str, *, status: int | None, error_type: str | None = None,
              retry_after: float | None = None) -> ClearbitError:
    """The error for an answer of `status`, as the class of the shared vocabulary it is."""
    kind: type[ClearbitError] = ClearbitUnavailable
    if status == 429:
        kind = ClearbitRateLimited
    elif status == 202:
        kind, retry_after = ClearbitQueued, retry_after or QUEUED_RETRY_SECONDS
    elif status in (401, 402, 403):
        kind = ClearbitAuthRevoked
    elif status is not None and 400 <= status < 500:
        kind = ClearbitRejected
    return kind(message, status=status, error_type=error_type, retry_after=retry_after)
