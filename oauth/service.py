"""Connections: start an authorization, complete it from the callback, read health, disconnect."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import msgspec
import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.catalog import ActionContext
from hub.crypto import Cipher
from hub.db import new_id, utcnow
from hub.errors import NotFound
from hub.events.service import emit
from oauth._providers import Client, Provider, Registry
from oauth._refresh import Refresher
from oauth._tokens import OAuthError, TokenStore, token_client
from oauth.catalog import CONNECTION_CONNECTED, CONNECTION_REVOKED, changed
from oauth.errors import NotConfigured, ProviderFailed, StateRefused
from oauth.models import AuthorizationRequest, Connection
from oauth.schemas import ConnectionOut
from oauth.settings import OAuthSettings

__all__ = ["CALLBACK_PATH", "OAuth", "purge_authorizations"]

CALLBACK_PATH = "/v1/oauth/callback"
log = structlog.get_logger("oauth.service")
# Well inside the shortest lifetime of an unused refresh token (Xero: 60 days).
IDLE_REFRESH = timedelta(days=14)


async def purge_authorizations(session: AsyncSession, now: datetime | None = None) -> int:
    """Forget authorizations nobody completed in time; answers how many."""
    expired = AuthorizationRequest.expires_at <= (now or utcnow())
    result = await session.execute(delete(AuthorizationRequest).where(expired))
    return result.rowcount or 0


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass
class OAuth:
    """What the connections API and the sync jobs use; one per process (`hub.service(OAuth)`)."""

    registry: Registry
    store: TokenStore
    refresher: Refresher
    redirect_uri: str
    authorization_ttl: timedelta = timedelta(minutes=10)

    @classmethod
    def build(cls, config: OAuthSettings, cipher: Cipher, public_url: str, providers: Iterable[Provider]) -> OAuth:
        """With the providers the connectors contribute and the client credentials `HUB_OAUTH_CLIENTS` holds."""
        clients = {key: Client(**creds) for key, creds in config.credentials.items()}
        registry, store = Registry(providers, clients), TokenStore(cipher)
        return cls(registry, store, Refresher(registry, store), public_url.rstrip("/") + CALLBACK_PATH)

    def out(self, connection: Connection) -> ConnectionOut:
        return msgspec.convert(connection, ConnectionOut, from_attributes=True)

    async def refresh_idle(self, sessions: async_sessionmaker[AsyncSession], *, idle: timedelta = IDLE_REFRESH,
                           now: datetime | None = None) -> int:
        """Refresh every connection nothing has refreshed for `idle`: refresh tokens lapse when unused
        (QuickBooks after 100 days, Xero after 60), and a quiet organization should not lose its grant."""
        now = now or utcnow()
        async with sessions() as session:
            idle_ones = list(await session.scalars(select(Connection.id).where(
                Connection.state == "connected", Connection.refresh_token_enc.is_not(None),
                func.coalesce(Connection.last_refreshed_at, Connection.connected_at) < now - idle)))
        refreshed = 0
        for connection_id in idle_ones:
            try:
                await self.refresher.refresh(sessions, connection_id, now=now, idle_since=now - idle)
                refreshed += 1
            except Exception as exc:  # recorded on the connection by the refresher; the next round tries again
                log.warning("oauth.idle_refresh.failed", connection_id=connection_id, error_class=type(exc).__name__)
        return refreshed

    async def access_token(self, sessions: async_sessionmaker[AsyncSession], connection_id: str, *,
                           rejected: str | None = None, now: datetime | None = None) -> str:
        """A valid access token for the connection (see `Refresher.access_token`)."""
        return await self.refresher.access_token(sessions, connection_id, rejected=rejected, now=now)

    async def start(self, ctx: ActionContext, provider_key: str, *, now: datetime | None = None
                    ) -> tuple[str, str, datetime]:
        """The authorization URL (with `state` and a PKCE S256 challenge), the state and its expiry."""
        provider, client = self._configured(provider_key)
        now = now or utcnow()
        verifier = secrets.token_urlsafe(48)  # 64 characters, within RFC 7636's 43..128
        async with token_client(provider, client, redirect_uri=self.redirect_uri,
                                scopes=list(provider.scopes)) as oauth:
            url, state = oauth.create_authorization_url(provider.authorize_url, state=secrets.token_urlsafe(32),
                                                        code_verifier=verifier, **provider.authorize_params)
        expires_at = now + self.authorization_ttl
        ctx.session.add(AuthorizationRequest(
            state_hash=_hash(state), org_id=ctx.org_id, provider=provider.key, redirect_uri=self.redirect_uri,
            verifier_enc=self.store.cipher.encrypt(verifier, context=f"oauth-verifier:{_hash(state)}"),
            scopes=list(provider.scopes), created_at=now, expires_at=expires_at))
        await ctx.session.flush()
        log.info("oauth.authorization.started", provider=provider.key)
        return url, state, expires_at

    async def complete(self, session: AsyncSession, *, state: str | None, code: str | None, error: str | None,
                       account: dict[str, str | None], now: datetime | None = None) -> Connection:
        """Exchange the code for tokens once the state proves which authorization this is; the state is spent."""
        now = now or utcnow()
        request = await self._claim(session, state, now)
        if error:
            raise StateRefused(f"The provider did not grant access ({error[:50]}); nothing was connected.")
        if not code or len(code) > 2048:
            raise StateRefused("The callback carries no usable `code`; nothing was connected.")
        provider, client = self._configured(request.provider)
        verifier = self.store.cipher.decrypt(request.verifier_enc, context=f"oauth-verifier:{request.state_hash}")
        try:
            async with token_client(provider, client, redirect_uri=request.redirect_uri) as oauth:
                token = dict(await oauth.fetch_token(provider.token_url, grant_type="authorization_code",
                                                     code=code, code_verifier=verifier.decode()))
        except OAuthError as exc:
            raise StateRefused(f"The provider refused the authorization code ({exc.error}).") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderFailed(f"The token endpoint failed ({type(exc).__name__}); try connecting again.") from None
        if not token.get("access_token"):
            raise ProviderFailed("The token endpoint answered without an access token.")
        external = account.get(provider.account_param) if provider.account_param else None
        return await self._connect(session, request, token, external, now)

    async def _claim(self, session: AsyncSession, state: str | None, now: datetime) -> AuthorizationRequest:
        if not state or len(state) > 200:
            raise StateRefused("The callback carries no valid `state`.")
        request = (await session.execute(delete(AuthorizationRequest).where(
            AuthorizationRequest.state_hash == _hash(state)).returning(AuthorizationRequest))).scalar_one_or_none()
        if request is None:  # unknown, forged, or spent by an earlier callback
            raise StateRefused("The `state` is unknown or was already used; start the connection again.")
        if request.expires_at <= now:
            raise StateRefused("The authorization took too long and expired; start the connection again.")
        return request

    async def _connect(self, session: AsyncSession, request: AuthorizationRequest, token: dict,
                       external: str | None, now: datetime) -> Connection:
        connection = await session.scalar(select(Connection).where(
            Connection.org_id == request.org_id, Connection.provider == request.provider,
            Connection.state != "revoked").with_for_update())
        if connection is None:
            connection = Connection(id=new_id("oac"), org_id=request.org_id, provider=request.provider,
                                    created_at=now)
            session.add(connection)
        connection.state, connection.scopes, connection.external_account_id = "connected", request.scopes, external
        connection.connected_at = connection.updated_at = now
        connection.last_refreshed_at, connection.last_error, connection.last_error_at = None, None, None
        connection.failing_since, connection.refresh_failures, connection.refresh_token_enc = None, 0, None
        self.store.store(connection, token, now)
        await session.flush()
        emit(session, connection.org_id, CONNECTION_CONNECTED, changed(connection), subject_id=connection.id,
             occurred_at=now)
        log.info("oauth.connection.connected", connection_id=connection.id, provider=connection.provider)
        return connection

    async def get(self, ctx: ActionContext, connection_id: str, *, lock: bool = False) -> Connection:
        query = select(Connection).where(Connection.id == connection_id, Connection.org_id == ctx.org_id)
        connection = await ctx.session.scalar(query.with_for_update() if lock else query)
        if connection is None:
            raise NotFound(f"No connection {connection_id!r} in this organization.")
        return connection

    async def disconnect(self, ctx: ActionContext, connection_id: str, *, now: datetime | None = None) -> Connection:
        """Revoke the grant at the provider (RFC 7009) when it can, then forget the tokens; idempotent."""
        connection = await self.get(ctx, connection_id, lock=True)
        if connection.state == "revoked":
            return connection
        now = now or utcnow()
        connection.last_error = await self._revoke(connection)
        connection.last_error_at = now if connection.last_error else None
        self.store.wipe(connection)
        connection.state, connection.updated_at = "revoked", now
        await ctx.session.flush()
        emit(ctx.session, connection.org_id, CONNECTION_REVOKED, changed(connection), subject_id=connection.id,
             occurred_at=now)
        return connection

    async def _revoke(self, connection: Connection) -> str | None:
        """Revoke the refresh token (which ends the grant) or else the access token; a failure is reported."""
        provider, client = self.registry.get(connection.provider), self.registry.client(connection.provider)
        if provider.revocation_url is None or client is None or connection.access_token_enc is None:
            return None
        refresh = self.store.refresh_token(connection)
        token, hint = (refresh, "refresh_token") if refresh else (self.store.access_token(connection), "access_token")
        try:
            async with token_client(provider, client) as oauth:
                answer = await oauth.revoke_token(provider.revocation_url, token=token, token_type_hint=hint)
        except httpx.HTTPError as exc:
            answer = None
            reason = f"revocation at the provider failed ({type(exc).__name__})"
        else:
            reason = None if answer.status_code == 200 else f"revocation answered HTTP {answer.status_code}"
        if reason:
            log.warning("oauth.revoke.failed", connection_id=connection.id, provider=provider.key, reason=reason)
        return reason

    def _configured(self, provider_key: str) -> tuple[Provider, Client]:
        provider, client = self.registry.get(provider_key), self.registry.client(provider_key)
        if client is None:
            raise NotConfigured(f"Set client credentials for {provider_key!r} in HUB_OAUTH_CLIENTS first.")
        return provider, client

