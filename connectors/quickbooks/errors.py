"""What can go wrong talking to QuickBooks Online, labelled the way the hub pages people.

    QuickBooksError              (label "failure")   any other Fault, status as answered
    ├── RateLimited     429      (label "rate-limit") throttled; `retry_after` is a hint in seconds or None
    ├── StaleObject     400      (label "failure")   Fault code 5010: the SyncToken sent is not the current one
    ├── ValidationFault 400      (label "user-error") the company refused the data (duplicate name, missing field…)
    ├── NotFound        400/404  (label "user-error") Fault code 610: no such object in this company
    ├── AuthFailed      401/403  (label "user-error") refused even after one fresh token: reconnect the company
    └── Unavailable     5xx      (label "failure")   the service or the network failed, after retries

Each is also told in the hub's shared vocabulary (`hub.outside`): RateLimited, Rejected (ValidationFault,
NotFound), AuthorizationRevoked (AuthFailed), Unavailable. Messages hold Intuit's Fault message and code, never a
token or a request body.
"""

from __future__ import annotations

from hub import outside

__all__ = ["AuthFailed", "NotFound", "QuickBooksError", "RateLimited", "StaleObject", "Unavailable",
           "ValidationFault"]


class QuickBooksError(outside.ServiceError):
    """Base error of the QuickBooks connector."""

    service = "quickbooks"
    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 fault_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status if status is not None else type(self).status
        self.code = code
        self.fault_type = fault_type


class RateLimited(QuickBooksError, outside.RateLimited):
    """HTTP 429: the realm or app is over its request budget."""

    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class StaleObject(QuickBooksError):
    """Fault 5010: someone changed the object since its SyncToken was read; re-read and reapply."""

    status = 400


class ValidationFault(QuickBooksError, outside.Rejected):
    """A 400 ValidationFault: the request is well-formed but the company refuses its content."""

    status = 400


class NotFound(QuickBooksError, outside.Rejected):
    """Fault 610: the object does not exist (or was deleted) in this company."""

    status = 400


class AuthFailed(QuickBooksError, outside.AuthorizationRevoked):
    """HTTP 401 even with a freshly issued token: the connection must be authorized again."""

    status = 401


class Unavailable(QuickBooksError, outside.Unavailable):
    """HTTP 5xx or a network failure that outlasted the retries."""

    status = 503
