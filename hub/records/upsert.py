"""Create-or-update by a record's natural key (a contact by email, a company by domain, a deal by name).

Safe when two callers race on one key: the key is locked for the rest of the transaction before it is
looked up, so the second caller waits, then finds and updates what the first one made. On PostgreSQL the lock
is an advisory transaction lock; SQLite transactions already start IMMEDIATE, one writer at a time.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext
from hub.errors import ValidationFailed
from hub.records import service
from hub.records.resource import Resource

__all__ = ["lock_key", "upsert", "upsert_input"]


async def lock_key(session: AsyncSession, *parts: str) -> None:
    """Hold a lock on the key named by `parts` until the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                          {"key": int.from_bytes(digest, "big", signed=True)})


def upsert_input(r: Resource) -> type[msgspec.Struct]:
    """The update fields (each optional), with the natural key required."""
    assert r.upsert_key is not None
    key_type = r.field_types[r.upsert_key]
    fields = [(f.name, f.type, f.default) for f in msgspec.structs.fields(r.update) if f.name != r.upsert_key]
    return msgspec.defstruct(f"{r.title}UpsertInput", [(r.upsert_key, key_type), *fields], kw_only=True,
                             forbid_unknown_fields=True)


async def upsert(ctx: ActionContext, r: Resource, data: msgspec.Struct) -> tuple[Any, bool]:
    """The record with the key, updated with the given fields, or a new one; and whether it was created."""
    assert r.upsert_key is not None
    given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
    key = given.get(r.upsert_key)
    if key is None or not str(key).strip():
        raise ValidationFailed(f"{r.upsert_key} names the {r.name} to create or update; it cannot be empty.",
                               errors=[{"field": r.upsert_key, "message": "required"}])
    await lock_key(ctx.session, ctx.org_id, r.name, str(key).strip().lower())
    found = await service.find(ctx, r, {r.upsert_key: key}, limit=1)
    if found:
        changes = {k: v for k, v in given.items() if k != r.upsert_key}
        return await service.update(ctx, r, found[0].id, r.update(**changes)), False
    return await service.create(ctx, r, r.create(**given)), True
