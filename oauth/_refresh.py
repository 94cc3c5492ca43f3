"""The one refresher: single flight across processes through a row lock, re-reading before it spends a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from hub.db import utcnow
from hub.events.service import emit
from oauth._providers import Registry
from oauth._tokens import OAuthError, TokenStore, token_client
from oauth.catalog import CONNECTION_EXPIRED, changed
from oauth.errors import ConnectionUnavailable, NotConfigured, ProviderFailed
from oauth.models import Connection

__all__ = ["Refresher", "transient"]

log = structlog.get_logger("oauth.refresh")
Outcome = tuple[str | None, Exception | None]


def transient(exc: BaseException) -> bool:
    """Worth another try now: the network failed, or the provider answered 429 or 5xx."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def _describe(exc: BaseException) -> str:
    """A failure in words that cannot hold a token: an OAuth error code, an HTTP status or a class name."""
    if isinstance(exc, OAuthError):
        return f"the provider refused the refresh ({exc.error})"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"the token endpoint answered HTTP {exc.response.status_code}"
    if isinstance(exc, ValueError):
        return "the token endpoint answered something that is not a token"
    return f"the token endpoint could not be reached ({type(exc).__name__})"


@dataclass
class Refresher:
    """Hands out access tokens, refreshing `margin` ahead of expiry; one refresh per connection at a time."""

    registry: Registry
    store: TokenStore
    margin: timedelta = timedelta(minutes=5)
    attempts: int = 3
    backoff: float = 0.5
    cooldown: timedelta = timedelta(seconds=30)
    max_failures: int = 5
    failing_for: timedelta = timedelta(hours=24)

    async def access_token(self, sessions: async_sessionmaker[AsyncSession], connection_id: str, *,
                           rejected: str | None = None, now: datetime | None = None) -> str:
        """A valid access token; `rejected` names one the provider just refused (401), to replace it.

        Call it outside any open session of `sessions`: on SQLite one engine has one connection.
        """
        now = now or utcnow()
        async with sessions() as session:
            connection = await session.get(Connection, connection_id)
            self._check_usable(connection, connection_id)
            assert connection is not None
            if not self._due(connection, now, rejected):
                return self.store.access_token(connection)
        return await self.refresh(sessions, connection_id, rejected=rejected, now=now)

    async def refresh(self, sessions: async_sessionmaker[AsyncSession], connection_id: str, *,
                      rejected: str | None = None, now: datetime | None = None,
                      idle_since: datetime | None = None) -> str:
        """Refresh under the connection's row lock, unless the row, read again under it, no longer needs it.
        `idle_since`: also refresh a grant last refreshed before then, so that it does not lapse unused."""
        now = now or utcnow()
        async with sessions() as session:
            async with session.begin():  # PostgreSQL: the row lock; SQLite: BEGIN IMMEDIATE, the write lock
                locked = await session.scalar(select(Connection).where(Connection.id == connection_id)
                                              .with_for_update().execution_options(populate_existing=True))
                token, error = await self._refresh_locked(session, locked, connection_id, rejected, now,
                                                          idle_since)
        if error is not None:
            raise error
        assert token is not None
        return token

    def _due(self, connection: Connection, now: datetime, rejected: str | None,
             idle_since: datetime | None = None) -> bool:
        if rejected is not None and self.store.access_token(connection) == rejected:
            return True
        if idle_since is not None and (connection.last_refreshed_at or connection.connected_at) < idle_since:
            return True
        return connection.expires_at is not None and connection.expires_at - self.margin <= now

    def _still_valid(self, connection: Connection, now: datetime, rejected: str | None) -> str | None:
        """The stored access token if it may still be used, although a refresh was due."""
        token = self.store.access_token(connection)
        if token == rejected or (connection.expires_at is not None and connection.expires_at <= now):
            return None
        return token

    @staticmethod
    def _check_usable(connection: Connection | None, connection_id: str) -> None:
        if connection is None:
            raise ConnectionUnavailable(f"No connection {connection_id!r}.")
        if connection.state != "connected" or connection.access_token_enc is None:
            raise ConnectionUnavailable(f"Connection {connection_id!r} is {connection.state}; connect it again.")

    async def _refresh_locked(self, session: AsyncSession, connection: Connection | None, connection_id: str,
                              rejected: str | None, now: datetime, idle_since: datetime | None = None) -> Outcome:
        try:
            self._check_usable(connection, connection_id)
        except ConnectionUnavailable as exc:
            return None, exc
        assert connection is not None
        if not self._due(connection, now, rejected, idle_since):  # another worker refreshed while we waited
            return self.store.access_token(connection), None
        refresh_token = self.store.refresh_token(connection)
        if refresh_token is None:
            return self._fallback(session, connection, now, rejected, "the provider granted no refresh token")
        if connection.last_error_at is not None and now - connection.last_error_at < self.cooldown:
            return self._fallback(session, connection, now, rejected, None)
        try:
            token = await self._call(connection.provider, refresh_token)
        except (OAuthError, httpx.HTTPError, ValueError) as exc:
            return self._failed(session, connection, exc, now, rejected)
        self.store.store(connection, token, now)
        connection.last_refreshed_at = connection.updated_at = now
        connection.last_error, connection.last_error_at = None, None
        connection.failing_since, connection.refresh_failures = None, 0
        log.info("oauth.refresh.succeeded", connection_id=connection.id, provider=connection.provider)
        return self.store.access_token(connection), None

    async def _call(self, provider_key: str, refresh_token: str) -> dict:
        provider, client = self.registry.get(provider_key), self.registry.client(provider_key)
        if client is None:
            raise NotConfigured(f"This hub holds no client credentials for {provider_key!r}.")
        async for attempt in AsyncRetrying(retry=retry_if_exception(transient), reraise=True,
                                           stop=stop_after_attempt(self.attempts),
                                           wait=wait_exponential(multiplier=self.backoff, max=self.backoff * 8)):
            with attempt:
                async with token_client(provider, client) as oauth:
                    token = dict(await oauth.refresh_token(provider.token_url, refresh_token=refresh_token))
                if not token.get("access_token"):
                    raise ValueError("token response without access_token")
                return token
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(self, session: AsyncSession, connection: Connection, exc: BaseException, now: datetime,
                rejected: str | None) -> Outcome:
        reason = _describe(exc)
        connection.refresh_failures += 1
        connection.last_error, connection.last_error_at = reason, now
        connection.failing_since = connection.failing_since or now
        connection.updated_at = now
        log.warning("oauth.refresh.failed", connection_id=connection.id, provider=connection.provider,
                    failures=connection.refresh_failures, reason=reason)
        refused = isinstance(exc, OAuthError) and exc.error == "invalid_grant"
        exhausted = (connection.refresh_failures >= self.max_failures
                     and now - connection.failing_since >= self.failing_for)
        if refused or exhausted:
            return None, self.expire(session, connection, reason, now)
        return self._fallback(session, connection, now, rejected, reason)

    def _fallback(self, session: AsyncSession, connection: Connection, now: datetime, rejected: str | None,
                  reason: str | None) -> Outcome:
        """No fresh token: the old one while it lasts, else an error (expiring a grant that cannot refresh)."""
        if (token := self._still_valid(connection, now, rejected)) is not None:
            return token, None
        if connection.refresh_token_enc is None:
            return None, self.expire(session, connection, reason or "the access token expired", now)
        return None, ProviderFailed(f"Connection {connection.id!r} could not refresh its access: "
                                    f"{reason or connection.last_error or 'retrying shortly'}.")

    def expire(self, session: AsyncSession, connection: Connection, reason: str, now: datetime) -> Exception:
        """Mark the connection expired, emit `connection.expired`, and answer the error to raise."""
        connection.state, connection.updated_at = "expired", now
        connection.last_error = reason
        emit(session, connection.org_id, CONNECTION_EXPIRED, changed(connection, reason), subject_id=connection.id,
             occurred_at=now)
        log.warning("oauth.connection.expired", connection_id=connection.id, provider=connection.provider,
                    reason=reason)
        return ConnectionUnavailable(f"Connection {connection.id!r} expired: {reason}; connect it again.")
