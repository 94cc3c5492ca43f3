"""Creating organizations and their keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import new_id, utcnow
from hub.errors import NotFound
from hub.records.models import Pipeline
from hub.tenancy.auth import SCOPES, hash_secret, make_key
from hub.tenancy.models import ApiKey, Organization

__all__ = ["DEFAULT_STAGES", "create_key", "create_org", "revoke_key"]

DEFAULT_STAGES = [
    {"key": "qualification", "label": "Qualification", "probability": 10},
    {"key": "discovery", "label": "Discovery", "probability": 25},
    {"key": "proposal", "label": "Proposal", "probability": 50},
    {"key": "negotiation", "label": "Negotiation", "probability": 75},
    {"key": "commit", "label": "Commit", "probability": 90},
]


async def create_org(session: AsyncSession, name: str) -> tuple[Organization, str]:
    """A new organization with its default pipeline and an admin key; answers (org, key token)."""
    org = Organization(id=new_id("org"), name=name, settings={})
    session.add(org)
    await session.flush()  # the tables carry no ORM relationships, so the parent row goes first by hand
    session.add(Pipeline(id=new_id("pip"), org_id=org.id, name="Sales", stages=DEFAULT_STAGES, is_default=True))
    _, token = await create_key(session, org.id, "admin", list(SCOPES))
    return org, token


async def create_key(session: AsyncSession, org_id: str, name: str, scopes: list[str],
                     expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    prefix, token = make_key()
    key = ApiKey(id=new_id("key"), org_id=org_id, name=name, prefix=prefix, secret_hash=hash_secret(token),
                 scopes=sorted(set(scopes), key=SCOPES.index), expires_at=expires_at)
    session.add(key)
    await session.flush()
    return key, token


async def revoke_key(session: AsyncSession, org_id: str, key_id_or_prefix: str) -> ApiKey:
    key = await session.scalar(select(ApiKey).where(
        ApiKey.org_id == org_id, (ApiKey.id == key_id_or_prefix) | (ApiKey.prefix == key_id_or_prefix)))
    if key is None:
        raise NotFound(f"No API key {key_id_or_prefix!r} in this organization.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
