"""What can go wrong talking to Xero, each labelled user-error, rate-limit or failure.

    XeroError                 base; `label` says who must act, `status` the HTTP status if any
     ├── RateLimited          429 after retries ran out (rate-limit)
     ├── ValidationFailed     400 ValidationException: Xero refused the data (user-error)
     ├── AuthFailed           401 even with a fresh token: reconnect needed (user-error)
     ├── NotFound             404: no such resource in that organisation (user-error)
     └── Unavailable          5xx or the network, after retries ran out (failure)

Each is also told in the hub's shared vocabulary (`hub.outside`): RateLimited, Rejected (ValidationFailed,
NotFound), AuthorizationRevoked (AuthFailed), Unavailable. Messages hold Xero's own words and HTTP statuses only,
never a token or header.
"""

from __future__ import annotations

from hub import outside

__all__ = ["AuthFailed", "NotFound", "RateLimited", "Unavailable", "ValidationFailed", "XeroError"]


class XeroError(outside.ServiceError):
    """Base error of the Xero connector."""

    service = "xero"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(XeroError, outside.RateLimited):
    """Xero answered 429; `retry_after` seconds and `problem` (minute, day, concurrent, appminute)."""


    def __init__(self, message: str, *, retry_after: float, problem: str | None) -> None:
        super().__init__(message, status=429)
        self.retry_after, self.problem = retry_after, problem


class ValidationFailed(XeroError, outside.Rejected):
    """Xero refused the data; `messages` lists every ValidationErrors[].Message."""


    def __init__(self, messages: list[str]) -> None:
        super().__init__("Xero refused the data: " + "; ".join(messages or ["no details"]), status=400)
        self.messages = messages


class AuthFailed(XeroError, outside.AuthorizationRevoked):
    """Xero refused a freshly issued token: the connection must be authorised again."""



class NotFound(XeroError, outside.Rejected):
    """The resource does not exist in that organisation."""



class Unavailable(XeroError, outside.Unavailable):
    """Xero answered 5xx or could not be reached."""

