"""What can go wrong with telephony, as the API answers it and as the call job labels it.

TelephonyError (HubError)
├── NotConfigured (409)      the organization has not set up its Twilio account (PUT /v1/telephony)
├── NoPhoneNumber (422)      the rep or the contact has no valid phone number to call
└── BadSignature (403)       a webhook whose X-Twilio-Signature does not match: not from Twilio

TwilioApiError                Twilio answered an API call with an error (status and Twilio's code kept)
├── label "rate-limit"        429; `retry_after` in seconds when Twilio said
├── label "user-error"        401/403 (wrong credentials), 400 (Twilio refused a number or the caller id)
└── label "failure"           5xx, or the network

No message ever holds the auth token.
"""

from __future__ import annotations

from hub.errors import HubError

__all__ = ["BadSignature", "NoPhoneNumber", "NotConfigured", "TelephonyError", "TwilioApiError"]


class TelephonyError(HubError):
    status, slug, title = 400, "telephony-error", "Telephony error"


class NotConfigured(TelephonyError):
    status, slug, title = 409, "telephony-not-configured", "Telephony is not set up for this organization"


class NoPhoneNumber(TelephonyError):
    status, slug, title = 422, "no-phone-number", "There is no valid phone number to call"


class BadSignature(TelephonyError):
    status, slug, title = 403, "bad-twilio-signature", "The request is not signed by Twilio"


class TwilioApiError(Exception):
    """Twilio refused or failed an API call."""

    def __init__(self, message: str, *, status: int | None, code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.retry_after = status, code, retry_after

    @property
    def label(self) -> str:
        if self.status == 429:
            return "rate-limit"
        if self.status is not None and 400 <= self.status < 500:
            return "user-error"
        return "failure"
