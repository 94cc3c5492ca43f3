"""The hub as an OAuth 2 authorization server, assembled from authlib's grants and endpoints.

authlib's server is synchronous and queries storage as it validates. Each request therefore runs in three
steps: the endpoint reads everything authlib may ask for (the client, the code or token presented, the key
that approved the grant) into an `Exchange`; authlib validates and issues against those rows in memory;
the endpoint then writes what authlib decided (`oauth.server.service.apply`), each write conditional on
the row being as it was read, so two requests presenting the same code or refresh token cannot both win.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge

from hub.db import new_id
from hub.tenancy.auth import SCOPES, hash_secret
from oauth.server.models import AuthorizationCode, OAuthClient, OAuthToken

__all__ = ["ACCESS_TOKEN_PREFIX", "ACCESS_TOKEN_SECONDS", "CODE_SECONDS", "Exchange", "Grantor", "HubRequest", "OAUTH_PARAMS",
           "REFRESH_PREFIX", "REFRESH_TOKEN_DAYS", "build_server"]

ACCESS_TOKEN_PREFIX = "hubat_"  # access tokens this provider issues; the API tells them from keys by it

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_DAYS = 90  # counted from each rotation: a connection in use never expires
CODE_SECONDS = 600  # RFC 6749 §4.1.2: ten minutes at most
REFRESH_PREFIX = "hubrt_"
CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]  # `none`: public clients only
OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method")

# authlib logs issued tokens at DEBUG; the hub's log redaction does not know their shape.
logging.getLogger("authlib.oauth2.rfc6749.grants").setLevel(logging.INFO)


@dataclass(frozen=True)
class Grantor:
    """authlib's "user": the organization, and the API key whose holder approved the grant."""

    org_id: str
    key_id: str


@dataclass
class Exchange:
    """What one request read before authlib ran, and what authlib decided to write."""

    now: datetime
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    code: AuthorizationCode | None = None  # the row of the code presented
    token: OAuthToken | None = None  # the row of the refresh token (or token to revoke) presented
    grantor: Grantor | None = None  # the approving key of `code` or `token`, when still valid
    new_code: AuthorizationCode | None = None
    issued: OAuthToken | None = None
    spent_code: bool = False
    rotated: bool = False
    revoke_grant: str | None = None  # a grant to end: revoked, or a spent code or refresh token came back

    def issue(self, token: dict[str, Any], request: OAuth2Request) -> None:
        source, refresh = request.authorization_code or request.refresh_token, token.get("refresh_token")
        self.issued = OAuthToken(
            id=new_id("oat"), grant_id=source.grant_id, client_id=request.client.id,
            org_id=request.user.org_id, key_id=request.user.key_id, scopes=token.get("scope", "").split(),
            created_at=self.now, access_hash=hash_secret(token["access_token"]),
            access_expires_at=self.now + timedelta(seconds=int(token["expires_in"])),
            refresh_hash=hash_secret(refresh) if refresh else None,
            refresh_expires_at=self.now + timedelta(days=REFRESH_TOKEN_DAYS) if refresh else None)


class _Payload(OAuth2Payload):
    def __init__(self, params: list[tuple[str, str]]) -> None:
        self._datalist: dict[str, list[str]] = {}
        for name, value in params:
            self._datalist.setdefault(name, []).append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
        return self._datalist


class HubRequest(OAuth2Request):
    """A request as authlib sees it, made of what the endpoint already read: authlib never awaits."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str],
                 params: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(params)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class _Server(AuthorizationServer):
    def __init__(self, exchange: Exchange) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.exchange = exchange
        self.register_token_generator("default", BearerTokenGenerator(
            lambda **_: ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32),
            lambda **_: REFRESH_PREFIX + secrets.token_urlsafe(48),
            lambda client, grant_type: ACCESS_TOKEN_SECONDS))
        self.register_grant(_CodeGrant, [_S256()])
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_Revocation)

    def query_client(self, client_id: str) -> OAuthClient | None:
        return self.exchange.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.exchange.issue(token, request)

    def create_oauth2_request(self, request: HubRequest) -> HubRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: what happened is in the Exchange."""


class _S256(CodeChallenge):
    """PKCE with S256 only; public clients must use it (they have no secret to prove who they are)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if grant.request.client.public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must send a PKCE 'code_challenge' (S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    @property
    def exchange(self) -> Exchange:
        return self.server.exchange

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data, now = request.payload.data, self.exchange.now
        self.exchange.new_code = AuthorizationCode(
            code_hash=hash_secret(code), grant_id=new_id("grt"), client_id=request.client.id,
            org_id=request.user.org_id, key_id=request.user.key_id, redirect_uri=request.payload.redirect_uri,
            scopes=request.scope.split(), code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"), created_at=now,
            expires_at=now + timedelta(seconds=CODE_SECONDS))

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        row = self.exchange.code
        if row is None or row.code_hash != hash_secret(code) or row.client_id != client.id:
            return None
        if row.used_at is not None:  # RFC 6749 §4.1.2: a code used twice ends what it granted
            self.exchange.revoke_grant = row.grant_id
            return None
        return row if row.expires_at > self.exchange.now else None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.exchange.spent_code = True

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Grantor | None:
        return self.exchange.grantor


class _RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh answers a new refresh token

    @property
    def exchange(self) -> Exchange:
        return self.server.exchange

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        row = self.exchange.token
        if row is None or row.refresh_hash != hash_secret(refresh_token) or row.revoked_at is not None:
            return None
        if row.rotated_at is not None:  # a spent refresh token is back: someone kept a copy (RFC 9700 §4.14)
            self.exchange.revoke_grant = row.grant_id
            return None
        expires = row.refresh_expires_at
        if (expires is not None and expires <= self.exchange.now) or self.exchange.grantor is None:
            return None  # expired, or the approving key was revoked: invalid_grant
        return row

    def authenticate_user(self, refresh_token: OAuthToken) -> Grantor | None:
        return self.exchange.grantor

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        self.exchange.rotated = True


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        row, digest = self.server.exchange.token, hash_secret(token_string)
        return row if row is not None and digest in (row.access_hash, row.refresh_hash) else None

    def revoke_token(self, token: OAuthToken, request: OAuth2Request) -> None:
        # Revoking either token of a grant ends the grant: every token issued under it (RFC 7009 §2.1).
        self.server.exchange.revoke_grant = token.grant_id


def build_server(exchange: Exchange) -> AuthorizationServer:
    """An authorization server over one request's Exchange; cheap enough to build per request."""
    return _Server(exchange)
