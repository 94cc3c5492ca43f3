"""API-key authentication, scopes and the per-key rate limit of every `/v1` request."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

import structlog
from litestar import Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db import utcnow
from hub.errors import Forbidden, RateLimited, Unauthorized
from hub.tenancy.models import ApiKey

__all__ = ["KEY_PREFIX", "KeyCache", "KeyUsage", "Principal", "RateLimiter", "SCOPES", "TokenType", "authenticate",
           "hash_secret", "live_key", "make_key"]

KEY_PREFIX = "hub_"
SCOPES = ("read", "write", "admin")
log = structlog.get_logger("hub.auth")


@dataclass(frozen=True)
class Principal:
    """The caller behind a request: one API key of one organization, or an OAuth access token, which acts
    for the key that approved its grant with the scopes granted."""

    key_id: str
    org_id: str
    prefix: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """Scopes are ranked: admin includes write, write includes read."""
        return any(SCOPES.index(s) >= SCOPES.index(scope) for s in self.scopes if s in SCOPES)


@dataclass(frozen=True)
class TokenType:
    """A kind of bearer token besides API keys, told apart by its prefix, that a module issues and resolves
    (the OAuth provider's access tokens); contributed through `Module.provides`. Never cached, so a revoked
    token stops at once."""

    prefix: str
    resolve: Callable[[AsyncSession, str], Awaitable[Principal]]


def hash_secret(token: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def make_key() -> tuple[str, str]:
    """A new key as (visible prefix, full token); the token is shown once and never stored."""
    prefix = KEY_PREFIX + secrets.token_hex(4)
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


class RateLimiter:
    """Generic cell rate algorithm per key: a steady rate with a burst allowance, O(1) per request."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.interval = 60.0 / per_minute
        self.tolerance = self.interval * burst
        self._tat: dict[str, float] = {}

    def wait(self, key: str, now: float | None = None) -> float | None:
        """The seconds to wait before `key`'s next request would be allowed, without counting one; None: now."""
        now = time.monotonic() if now is None else now
        allow_at = max(self._tat.get(key, now), now) + self.interval - self.tolerance
        return allow_at - now if now < allow_at else None

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count a request; answer None when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        tat = max(self._tat.get(key, now), now)
        allow_at = tat + self.interval - self.tolerance
        if now < allow_at:
            return allow_at - now
        self._tat[key] = tat + self.interval
        if len(self._tat) > 100_000:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        return None


class KeyCache:
    """Verified keys for a few seconds, sparing a query per request. Revoking through this process
    forgets the key at once; other processes stop accepting it within `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._keys: dict[str, tuple[float, str, Principal, datetime | None]] = {}

    def get(self, token_hash: str, now: float) -> Principal | None:
        hit = self._keys.get(token_hash)
        if hit is None or now - hit[0] > self.ttl or (hit[3] is not None and hit[3] <= utcnow()):
            return None
        return hit[2]

    def put(self, token_hash: str, principal: Principal, expires_at: datetime | None, now: float) -> None:
        if self.ttl > 0:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[token_hash] = (now, token_hash, principal, expires_at)

    def forget(self, prefix: str) -> None:
        self._keys = {h: v for h, v in self._keys.items() if v[2].prefix != prefix}


@dataclass
class KeyUsage:
    """Records `last_used_at` in batches, off the request path, at most once a minute per key."""

    sessions: async_sessionmaker[AsyncSession]
    pending: dict[str, datetime] = field(default_factory=dict)
    flushed: dict[str, float] = field(default_factory=dict)

    def seen(self, key_id: str) -> None:
        now = time.monotonic()
        if now - self.flushed.get(key_id, -math.inf) >= 60:
            self.flushed[key_id] = now
            self.pending[key_id] = utcnow()

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        async with self.sessions.begin() as session:
            for key_id, at in batch.items():
                await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))

    async def run(self, every: float = 15.0) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush()
            except Exception as exc:  # the next round retries; usage times are advisory
                log.warning("auth.key_usage.flush_failed", error_class=type(exc).__name__)


async def live_key(session: AsyncSession, token: str, now: datetime | None = None) -> ApiKey | None:
    """The API key `token` is, when it is well formed, matches, and is neither revoked nor expired; else None
    (for sign-in forms, which answer every failure alike)."""
    ident, sep, _ = token.removeprefix(KEY_PREFIX).partition("_")
    if not token.startswith(KEY_PREFIX) or not sep or len(token) > 200 or "\x00" in token:
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == KEY_PREFIX + ident))
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(token)):
        return None
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= (now or utcnow())):
        return None
    return key


def _bearer(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <API key>`.")
    return token.strip()


async def _resolve(token: str, session: AsyncSession, cache: KeyCache, kinds: list[TokenType]) -> Principal:
    for kind in kinds:
        if token.startswith(kind.prefix):
            return await kind.resolve(session, token)
    ident, sep, _ = token.removeprefix(KEY_PREFIX).partition("_")
    if not token.startswith(KEY_PREFIX) or not sep:
        raise Unauthorized("The API key is malformed.")
    digest, now = hash_secret(token), time.monotonic()
    if (cached := cache.get(digest, now)) is not None:
        return cached
    row = (await session.execute(select(ApiKey).where(ApiKey.prefix == KEY_PREFIX + ident))).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.secret_hash, digest):
        raise Unauthorized("The API key is not valid.")
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= utcnow()):
        raise Unauthorized("The API key has been revoked or has expired.")
    principal = Principal(key_id=row.id, org_id=row.org_id, prefix=row.prefix, scopes=frozenset(row.scopes))
    cache.put(digest, principal, row.expires_at, now)
    return principal


async def authenticate(request: Request[Any, Any, Any], session: AsyncSession) -> Principal:
    """Resolve the key, enforce the rate limit and the route's scope."""
    hub = request.app.state.hub
    principal = await _resolve(_bearer(request), session, hub.key_cache, hub.contributions(TokenType))
    structlog.contextvars.bind_contextvars(org_id=principal.org_id, key_prefix=principal.prefix)
    request.scope["state"]["org_id"] = principal.org_id
    wait = hub.rate_limiter.hit(principal.key_id)
    if wait is not None:
        raise RateLimited(f"Rate limit exceeded for key {principal.prefix}.",
                          headers={"Retry-After": str(max(1, math.ceil(wait)))})
    hub.key_usage.seen(principal.key_id)
    needed = request.route_handler.opt.get("scope") or ("read" if request.method in ("GET", "HEAD") else "write")
    if not principal.allows(needed):
        raise Forbidden(f"This request needs the {needed!r} scope.")
    return principal
