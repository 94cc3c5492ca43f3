"""Registering clients, reading what a token request needs, writing what authlib decided, and accepting
access tokens on every API request."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import new_id, utcnow
from hub.errors import NotFound, Unauthorized, ValidationFailed
from hub.tenancy.auth import SCOPES, Principal, hash_secret
from hub.tenancy.models import ApiKey
from oauth.server.models import AuthorizationCode, OAuthClient, OAuthToken
from oauth.server.server import Exchange, Grantor

__all__ = ["CLIENT_SECRET_PREFIX", "apply", "create_client", "find_token", "grantor", "load_clients", "purge",
           "resolve_access_token", "revoke_client", "revoke_grant"]

CLIENT_SECRET_PREFIX = "hubcs_"
KEEP = timedelta(days=1)  # spent codes and dead tokens are kept this long, for reuse detection


def _check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    loopback = parts.hostname == "localhost" or _is_loopback(parts.hostname)
    allowed = parts.scheme == "https" or (parts.scheme == "http" and loopback)
    if parts.fragment or not parts.hostname or not allowed:
        raise ValidationFailed(f"Redirect URI {uri!r} refused: it must be absolute https (http only on "
                               "loopback) without a fragment.",
                               errors=[{"field": "redirect_uri", "message": "refused"}])


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def create_client(session: AsyncSession, name: str, redirect_uris: list[str], *, public: bool = False,
                        scopes: list[str] | None = None) -> tuple[OAuthClient, str | None]:
    """A new client and, unless it is public, its secret: shown once, kept only as a hash."""
    if not name.strip() or len(name) > 200 or not redirect_uris:
        raise ValidationFailed("A client needs a name (at most 200 characters) and at least one "
                               "redirect URI.")
    for uri in redirect_uris:
        _check_redirect_uri(uri)
    scopes = list(scopes or ("read", "write"))
    if unknown := sorted(set(scopes) - set(SCOPES)):
        raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}; the hub's scopes are "
                               f"{', '.join(SCOPES)}.")
    secret = None if public else CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)
    client = OAuthClient(id=new_id("cli"), name=name.strip(),
                         redirect_uris=list(dict.fromkeys(redirect_uris)),
                         scopes=sorted(set(scopes), key=SCOPES.index), created_at=utcnow(),
                         secret_hash=None if secret is None else hash_secret(secret))
    session.add(client)
    await session.flush()
    return client, secret


async def revoke_client(session: AsyncSession, client_id: str, now: datetime | None = None) -> OAuthClient:
    """The client can no longer authorize, and every token issued to it stops working."""
    client = await session.get(OAuthClient, client_id)
    if client is None:
        raise NotFound(f"No OAuth client {client_id!r}.")
    now = now or utcnow()
    client.revoked_at = client.revoked_at or now
    await session.execute(update(OAuthToken).where(OAuthToken.client_id == client_id,
                                                   OAuthToken.revoked_at.is_(None)).values(revoked_at=now))
    return client


async def load_clients(session: AsyncSession, client_ids: set[str]) -> dict[str, OAuthClient]:
    ids = [c for c in client_ids if c and len(c) <= 40 and "\x00" not in c]
    if not ids:
        return {}
    rows = (await session.execute(select(OAuthClient).where(OAuthClient.id.in_(ids),
                                                            OAuthClient.revoked_at.is_(None)))).scalars()
    return {c.id: c for c in rows}


async def grantor(session: AsyncSession, key_id: str, org_id: str, now: datetime) -> Grantor | None:
    """The approving key, if it is still valid: a grant lives no longer than the key that approved it."""
    key = await session.get(ApiKey, key_id)
    if key is None or key.org_id != org_id or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= now):
        return None
    return Grantor(org_id=key.org_id, key_id=key.id)


async def find_token(session: AsyncSession, token: str) -> OAuthToken | None:
    digest = hash_secret(token)
    return await session.scalar(select(OAuthToken).where(
        or_(OAuthToken.access_hash == digest, OAuthToken.refresh_hash == digest)).limit(1))


async def revoke_grant(session: AsyncSession, grant_id: str, now: datetime) -> None:
    await session.execute(update(OAuthToken).where(OAuthToken.grant_id == grant_id,
                                                   OAuthToken.revoked_at.is_(None)).values(revoked_at=now))
    unused = update(AuthorizationCode).where(AuthorizationCode.grant_id == grant_id,
                                             AuthorizationCode.used_at.is_(None))
    await session.execute(unused.values(used_at=now))


async def apply(session: AsyncSession, exchange: Exchange) -> bool:
    """Write what authlib decided; False when a conditional write lost (the code or refresh token was
    spent meanwhile by a concurrent request), in which case the grant is ended and nothing is issued."""
    now = exchange.now
    if exchange.revoke_grant:
        await revoke_grant(session, exchange.revoke_grant, now)
    if exchange.new_code is not None:
        session.add(exchange.new_code)
    if exchange.issued is None:
        await session.flush()
        return True
    if exchange.spent_code and exchange.code is not None:
        won = await session.execute(update(AuthorizationCode).where(
            AuthorizationCode.code_hash == exchange.code.code_hash, AuthorizationCode.used_at.is_(None))
            .values(used_at=now))
    elif exchange.rotated and exchange.token is not None:
        won = await session.execute(update(OAuthToken).where(
            OAuthToken.id == exchange.token.id, OAuthToken.rotated_at.is_(None),
            OAuthToken.revoked_at.is_(None)).values(rotated_at=now))
    else:
        raise AssertionError("a token was issued without spending a code or a refresh token")
    if not won.rowcount:
        await revoke_grant(session, exchange.issued.grant_id, now)
        return False
    session.add(exchange.issued)
    await session.flush()
    return True


async def resolve_access_token(session: AsyncSession, token: str, now: datetime | None = None) -> Principal:
    """The caller behind an access token: its organization, the approving key and the granted scopes."""
    now = now or utcnow()
    row = (await session.execute(
        select(OAuthToken, ApiKey).join(ApiKey, ApiKey.id == OAuthToken.key_id)
        .join(OAuthClient, OAuthClient.id == OAuthToken.client_id)
        .where(OAuthToken.access_hash == hash_secret(token), OAuthClient.revoked_at.is_(None)))).one_or_none()
    if row is None:
        raise Unauthorized("The access token is not valid.")
    found, key = row
    if found.is_revoked() or found.access_expires_at <= now or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= now):
        raise Unauthorized("The access token has expired or has been revoked.")
    return Principal(key_id=key.id, org_id=found.org_id, prefix=key.prefix, scopes=frozenset(found.scopes))


async def purge(session: AsyncSession, now: datetime | None = None) -> int:
    """Forget codes and tokens that can no longer be used, a day after; answers how many rows went."""
    cutoff = (now or utcnow()) - KEEP
    codes = await session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff))
    dead = or_(OAuthToken.revoked_at.is_not(None), OAuthToken.rotated_at.is_not(None),
               OAuthToken.refresh_hash.is_(None), OAuthToken.refresh_expires_at < cutoff)
    tokens = await session.execute(delete(OAuthToken).where(OAuthToken.access_expires_at < cutoff, dead))
    return (codes.rowcount or 0) + (tokens.rowcount or 0)
