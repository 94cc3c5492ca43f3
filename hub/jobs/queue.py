"""Writing, claiming and settling jobs; every statement is scoped by id and, past the claim, by lease."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db import new_id, utcnow
from hub.jobs.models import JobRow
from hub.jobs.registry import Job
from hub.uow import touch

__all__ = ["JobQueue", "claim", "enqueue", "settle_one"]


@dataclass(frozen=True)
class JobQueue:
    """Enqueue for one organization in one unit of work; a kind no module handles is refused at once."""

    session: AsyncSession
    org_id: str
    kinds: Collection[str]

    async def enqueue(self, kind: str, payload: dict[str, Any], *, key: str | None = None,
                      delay: float = 0.0) -> str | None:
        if kind not in self.kinds:
            raise ValueError(f"no module handles job kind {kind!r}")
        return await enqueue(self.session, self.org_id, kind, payload, key=key, delay=delay)


async def enqueue(session: AsyncSession, org_id: str, kind: str, payload: dict[str, Any], *,
                  key: str | None = None, delay: float = 0.0) -> str | None:
    """Add a job in the caller's transaction; with a `key` already used for this org and kind, nothing is
    added and None is answered, so a listener that sees an event twice queues its work once."""
    now = utcnow()
    values = {"id": new_id("job"), "org_id": org_id, "kind": kind, "key": key, "payload": payload,
              "status": "pending", "attempts": 0, "next_attempt_at": now + timedelta(seconds=delay),
              "created_at": now, "updated_at": now}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(JobRow).values(values).on_conflict_do_nothing(
        index_elements=["org_id", "kind", "key"]).returning(JobRow.id)
    job_id = (await session.execute(statement)).scalar_one_or_none()
    if job_id is not None:
        touch(session, "jobs")
    return job_id


async def claim(sessions: async_sessionmaker[AsyncSession], kinds: Iterable[str], limit: int,
                lease_seconds: float) -> list[tuple[Job, str]]:
    """Lease up to `limit` due jobs: each comes due again one lease later unless settled before."""
    async with sessions.begin() as session:
        now = utcnow()
        query = (select(JobRow.id).where(JobRow.status == "pending", JobRow.next_attempt_at <= now,
                                         JobRow.kind.in_(list(kinds)))
                 .order_by(JobRow.next_attempt_at).limit(limit))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list((await session.execute(query)).scalars())
        if not ids:
            return []
        lease = secrets.token_hex(8)
        rows = await session.execute(
            update(JobRow).where(JobRow.id.in_(ids))
            .values(next_attempt_at=now + timedelta(seconds=lease_seconds), lease=lease,
                    attempts=JobRow.attempts + 1, updated_at=now)
            .returning(JobRow.id, JobRow.org_id, JobRow.kind, JobRow.payload, JobRow.attempts, JobRow.created_at))
        return [(Job(*row), lease) for row in rows]


async def settle_one(sessions: async_sessionmaker[AsyncSession], job: Job, lease: str, *,
                     result: dict[str, Any] | None = None, error: str | None = None,
                     retry_at: datetime | None = None) -> bool:
    """Record an attempt's end: done (no error), again at `retry_at`, or failed for good. Only the holder
    of the current lease may; a result that comes after the lease lapsed changes nothing."""
    now = utcnow()
    if error is None:
        values: dict[str, Any] = {"status": "succeeded", "result": result, "last_error": None, "finished_at": now}
    elif retry_at is not None:
        values = {"next_attempt_at": retry_at, "last_error": error[:500]}
    else:
        values = {"status": "failed", "last_error": error[:500], "finished_at": now}
    async with sessions.begin() as session:
        done = await session.execute(
            update(JobRow).where(JobRow.id == job.id, JobRow.lease == lease, JobRow.status == "pending")
            .values(lease=None, updated_at=now, **values))
    return done.rowcount == 1
