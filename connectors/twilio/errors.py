"""What can go wrong with telephony, as the API answers it and as the call job labels it.

TelephonyError (HubError)
├── NotConfigured (409)      the organization has not set up its Twilio account (PUT /v1/telephony)
├── NoPhoneNumber (422)      the rep or the contact has no valid phone number to call
└── BadSignature (403)       a webhook whose X-Twilio-Signature does not match: not from Twilio

TwilioApiError                Twilio answered an API call with an error (status and Twilio's code kept); made by
│                             `api_error`, as the class of the hub's shared vocabulary (`hub.outside`) it is
├── TwilioRateLimited         429 ("rate-limit"); `retry_after` in seconds when Twilio said
├── TwilioRejected            400, 404 ("user-error"): Twilio refused a number or the caller id
├── TwilioAuthRevoked         401, 403 ("user-error"): wrong or withdrawn credentials
└── TwilioUnavailable         5xx, or the network ("failure")

No message ever holds the auth token.
"""

from __future__ import annotations

from hub import outside
from hub.errors import HubError

__all__ = ["BadSignature", "NoPhoneNumber", "NotConfigured", "TelephonyError", "TwilioApiError", "TwilioAuthRevoked",
           "TwilioRateLimited", "TwilioRejected", "TwilioUnavailable", "api_error"]


class TelephonyError(HubError):
    status, slug, title = 400, "telephony-error", "Telephony error"


class NotConfigured(TelephonyError):
    status, slug, title = 409, "telephony-not-configured", "Telephony is not set up for this organization"


class NoPhoneNumber(TelephonyError):
    status, slug, title = 422, "no-phone-number", "There is no valid phone number to call"


class BadSignature(TelephonyError):
    status, slug, title = 403, "bad-twilio-signature", "The request is not signed by Twilio"


class TwilioApiError(outside.ServiceError):
    """Twilio refused or failed an API call."""

    service = "twilio"

    def __init__(self, message: str, *, status: int | None, code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.retry_after = status, code, retry_after


class TwilioRateLimited(TwilioApiError, outside.RateLimited):
    """Twilio answered 429."""


class TwilioRejected(TwilioApiError, outside.Rejected):
    """Twilio refused what was asked (a number, the caller id, an unknown call)."""


class TwilioAuthRevoked(TwilioApiError, outside.AuthorizationRevoked):
    """The account's credentials are wrong or were withdrawn."""


class TwilioUnavailable(TwilioApiError, outside.Unavailable):
    """Twilio failed (5xx) or could not be reached."""


def api_error(message: str, *, status: int | None, code: int | None = None,
              retry_after: float | None = None) -> TwilioApiError:
    """The error for an answer of `status`, as the class of the shared vocabulary it is."""
    kind: type[TwilioApiError] = TwilioUnavailable
    if status == 429:
        kind = TwilioRateLimited
    elif status in (401, 403):
        kind = TwilioAuthRevoked
    elif status is not None and 400 <= status < 500:
        kind = TwilioRejected
    return kind(message, status=status, code=code, retry_after=retry_after)
