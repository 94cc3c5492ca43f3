"""The encrypted token store, and the one way this package builds an OAuth client for a provider."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # installs its own "always" filter on import

from hub.crypto import Cipher
from oauth._providers import Client, Provider
from oauth.models import Connection

with warnings.catch_warnings():
    # authlib prefers the `httpx2` fork and warns when it falls back to httpx, which is what the hub uses.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

__all__ = ["AsyncOAuth2Client", "OAuthError", "TokenStore", "token_client"]

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def token_client(provider: Provider, client: Client, *, redirect_uri: str | None = None,
                 scopes: list[str] | None = None) -> AsyncOAuth2Client:
    """An authlib client for one exchange with the provider; it holds no token of a connection."""
    return AsyncOAuth2Client(client.client_id, client.client_secret, token_endpoint_auth_method=provider.token_auth,
                             revocation_endpoint_auth_method=provider.token_auth, redirect_uri=redirect_uri,
                             scope=" ".join(scopes) if scopes else None, code_challenge_method="S256",
                             timeout=TIMEOUT, follow_redirects=False, trust_env=False)


@dataclass(frozen=True)
class TokenStore:
    """Seals tokens with AES-GCM bound to their connection and kind, so a sealed value cannot be moved."""

    cipher: Cipher

    def seal(self, connection_id: str, kind: str, value: str) -> str:
        return self.cipher.encrypt(value, context=f"oauth-token:{connection_id}:{kind}")

    def open(self, connection_id: str, kind: str, sealed: str) -> str:
        return self.cipher.decrypt(sealed, context=f"oauth-token:{connection_id}:{kind}").decode()

    def access_token(self, connection: Connection) -> str:
        assert connection.access_token_enc is not None
        return self.open(connection.id, "access", connection.access_token_enc)

    def refresh_token(self, connection: Connection) -> str | None:
        sealed = connection.refresh_token_enc
        return None if sealed is None else self.open(connection.id, "refresh", sealed)

    def store(self, connection: Connection, token: dict[str, Any], now: datetime) -> None:
        """Keep a token response: a refresh token not sent again stays as it was (RFC 6749 §6)."""
        connection.access_token_enc = self.seal(connection.id, "access", str(token["access_token"]))
        if token.get("refresh_token"):
            connection.refresh_token_enc = self.seal(connection.id, "refresh", str(token["refresh_token"]))
        expires_in = token.get("expires_in")
        connection.expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
        if token.get("scope"):
            connection.scopes = sorted(str(token["scope"]).split())

    def wipe(self, connection: Connection) -> None:
        connection.access_token_enc = connection.refresh_token_enc = None
        connection.expires_at = None

    def rotate(self, connection: Connection) -> bool:
        """Re-seal under the current key (after `HUB_SECRET_KEY` gained a new first key); True if changed."""
        changed = False
        for kind, column in (("access", "access_token_enc"), ("refresh", "refresh_token_enc")):
            sealed = getattr(connection, column)
            if sealed is not None and self.cipher.needs_rotation(sealed):
                setattr(connection, column, self.seal(connection.id, kind, self.open(connection.id, kind, sealed)))
                changed = True
        return changed
