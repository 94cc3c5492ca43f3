"""What the writing assistant answers when a draft cannot be written, as problem details.

    WritingError (HubError)
    ├── NotConfigured        409  a model provider was asked for, but the organization has no key for it
    ├── CapReached           402  this month's drafts have cost the organization its cap
    ├── KeyRefused           409  the provider refused the organization's key
    ├── ProviderRefused      422  the provider refused the request (model unknown, quota exhausted…)
    ├── ProviderBusy         429  the provider is limiting the organization; `Retry-After` says when to try
    ├── ProviderUnavailable  503  the provider is down, overloaded or did not answer in time
    └── Unsaveable           422  a draft still holds placeholders, or was saved already
"""

from __future__ import annotations

import math

from hub import outside
from hub.errors import HubError

__all__ = ["CapReached", "KeyRefused", "NotConfigured", "ProviderBusy", "ProviderRefused", "ProviderUnavailable",
           "Unsaveable", "WritingError", "from_service"]


class WritingError(HubError):
    """Base error of the writing assistant."""


class NotConfigured(WritingError):
    status, slug, title = 409, "writing-not-configured", "No key for this provider"


class CapReached(WritingError):
    status, slug, title = 402, "writing-cap-reached", "Monthly spending cap reached"


class KeyRefused(WritingError):
    status, slug, title = 409, "writing-key-refused", "The provider refused the organization's key"


class ProviderRefused(WritingError):
    status, slug, title = 422, "writing-provider-refused", "The provider refused the request"


class ProviderBusy(WritingError):
    status, slug, title = 429, "writing-provider-busy", "The provider is limiting requests"


class ProviderUnavailable(WritingError):
    status, slug, title = 503, "writing-provider-unavailable", "The provider is unavailable"


class Unsaveable(WritingError):
    status, slug, title = 422, "writing-unsaveable", "The draft cannot be saved"


def from_service(exc: outside.ServiceError, provider: str) -> WritingError:
    """The answer for a provider's failure; the message is the connector's, which never holds a key or prompt."""
    if isinstance(exc, outside.RateLimited):
        wait = exc.retry_after if exc.retry_after is not None else 30.0
        return ProviderBusy(f"{provider}: {exc}", headers={"Retry-After": str(max(1, math.ceil(wait)))})
    if isinstance(exc, outside.AuthorizationRevoked):
        return KeyRefused(f"{provider}: {exc}. Set a working key with PUT /v1/writing/settings.")
    if isinstance(exc, outside.Rejected):
        return ProviderRefused(f"{provider}: {exc}")
    return ProviderUnavailable(f"{provider}: {exc}")
