"""Errors of the OAuth package; none ever quotes a token, a code or a verifier.

OAuthError (HubError)
├── StateRefused (400)           unknown, forged, expired or reused `state`; or the provider said no
├── NotConfigured (422)          this hub holds no client credentials for the provider
├── ConnectionUnavailable (409)  the connection is expired or revoked: someone must connect again (also the
│                                shared vocabulary's AuthorizationRevoked, so a job gives up on it at once)
└── ProviderFailed (502)         the provider's token or revocation endpoint failed
"""

from __future__ import annotations

from hub import outside
from hub.errors import HubError

__all__ = ["ConnectionUnavailable", "NotConfigured", "OAuthError", "ProviderFailed", "StateRefused"]


class OAuthError(HubError):
    status, slug, title = 400, "oauth-error", "OAuth error"


class StateRefused(OAuthError):
    status, slug, title = 400, "oauth-state-refused", "The authorization could not be completed"


class NotConfigured(OAuthError):
    status, slug, title = 422, "oauth-not-configured", "The provider is not configured on this hub"


class ConnectionUnavailable(OAuthError, outside.AuthorizationRevoked):
    status, slug, title = 409, "connection-unavailable", "The connection must be authorized again"


class ProviderFailed(OAuthError):
    status, slug, title = 502, "oauth-provider-failed", "The provider failed"
