"""`Idempotency-Key` for POST requests: the first answer is kept and replayed to repeats."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from litestar import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.errors import BadRequest, Conflict
from hub.events.models import IdempotencyRecord

__all__ = ["Idempotency", "purge_expired"]


class Idempotency:
    """One request's view of its key: replay a stored answer, or store the new one in the same transaction."""

    def __init__(self, session: AsyncSession, org_id: str, key: str | None, fingerprint: str, ttl_hours: int):
        self.session, self.org_id, self.key, self.fingerprint = session, org_id, key, fingerprint
        self.ttl = timedelta(hours=ttl_hours)

    @classmethod
    async def of(cls, request: Request[Any, Any, Any], session: AsyncSession, org_id: str) -> Idempotency:
        key = request.headers.get("idempotency-key")
        if key is not None and not 1 <= len(key) <= 255:
            raise BadRequest("Idempotency-Key must be 1 to 255 characters.")
        digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + await request.body())
        return cls(session, org_id, key, digest.hexdigest(), request.app.state.hub.settings.idempotency_ttl_hours)

    async def replay(self) -> Response[Any] | None:
        if self.key is None:
            return None
        prior = await self.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.org_id == self.org_id, IdempotencyRecord.key == self.key,
            IdempotencyRecord.created_at > utcnow() - self.ttl))
        if prior is None:
            return None
        if prior.request_hash != self.fingerprint:
            raise Conflict("This Idempotency-Key was used with a different request.")
        return Response(prior.response, status_code=prior.status_code, headers={"Idempotent-Replayed": "true"})

    async def remember(self, status_code: int, body: Any) -> None:
        if self.key is None:
            return
        await self.session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.org_id == self.org_id, IdempotencyRecord.key == self.key,
            IdempotencyRecord.created_at <= utcnow() - self.ttl))
        self.session.add(IdempotencyRecord(org_id=self.org_id, key=self.key, request_hash=self.fingerprint,
                                           status_code=status_code, response=body))
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("A request with this Idempotency-Key is in progress; retry it shortly.") from None


async def purge_expired(session: AsyncSession, ttl_hours: int) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at <= utcnow() - timedelta(hours=ttl_hours)))
    return result.rowcount or 0
