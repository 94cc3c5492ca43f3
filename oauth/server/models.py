"""Tables of the hub as an OAuth 2 provider: registered clients, authorization codes and issued tokens.

Client secrets, codes and tokens are kept as SHA-256 digests only: each carries at least 256 random bits,
so a fast hash is enough (as for API keys). The classes also answer the questions authlib's grants ask of
a client, a code and a token (its `ClientMixin`, `AuthorizationCodeMixin` and `TokenMixin` methods).
"""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.tenancy.auth import SCOPES, hash_secret

__all__ = ["AUTH_METHODS", "AuthorizationCode", "DEFAULT_SCOPES", "OAuthClient", "OAuthToken"]

DEFAULT_SCOPES = ("read", "write")  # granted when an authorization request names no scope
AUTH_METHODS = ("client_secret_basic", "client_secret_post")  # a confidential client's ways to authenticate


class OAuthClient(Base):
    """An app registered by the hub's operator (a Zapier or Make app); it belongs to no organization."""

    __tablename__ = "oauth_server_clients"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the client_id
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str | None] = mapped_column(String(64))  # None: a public client, which must use PKCE
    redirect_uris: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def public(self) -> bool:
        return self.secret_hash is None

    def get_client_id(self) -> str:
        return self.id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scopes asked for (the defaults when none) if the client may have them all, else None."""
        asked = scope.split() if scope else [s for s in DEFAULT_SCOPES if s in self.scopes]
        if not asked or not set(asked) <= set(self.scopes):
            return None
        return " ".join(sorted(set(asked), key=SCOPES.index))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match only (RFC 9700 §4.1.3)

    def check_client_secret(self, client_secret: str) -> bool:
        digest = hash_secret(client_secret)
        return self.secret_hash is not None and hmac.compare_digest(self.secret_hash, digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.public else method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class AuthorizationCode(Base):
    """A code handed to the client's redirect URI; redeemed once, within minutes."""

    __tablename__ = "oauth_server_codes"
    __table_args__ = (Index(None, "grant_id"), Index(None, "expires_at"), Index(None, "org_id"))

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(40))  # the family of every token issued from this code
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_server_clients.id", ondelete="CASCADE"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))  # who approved
    redirect_uri: Mapped[str | None] = mapped_column(String(2048))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.scopes)


class OAuthToken(Base):
    """One issue of an access token and its refresh token, bound to one organization and the key that
    approved the grant. A refresh spends the refresh token (`rotated_at`) and issues a new row."""

    __tablename__ = "oauth_server_tokens"
    __table_args__ = (Index(None, "access_hash", unique=True), Index(None, "refresh_hash", unique=True),
                      Index(None, "grant_id"), Index(None, "client_id"), Index(None, "org_id", "id"),
                      Index(None, "access_expires_at"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_server_clients.id", ondelete="CASCADE"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    access_hash: Mapped[str] = mapped_column(String(64))
    refresh_hash: Mapped[str | None] = mapped_column(String(64))
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return " ".join(self.scopes)

    def get_expires_in(self) -> int:
        return max(0, int((self.access_expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        return self.access_expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None
