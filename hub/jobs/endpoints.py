"""`/v1/jobs`: what the hub is doing for the organization with outside services, and retrying what failed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import select, update

from hub.db import utcnow
from hub.deps import Ctx
from hub.errors import Conflict, NotFound
from hub.jobs.models import JobRow
from hub.pagination import newest_first
from hub.uow import touch

__all__ = ["JobController", "JobOut", "JobPage"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class JobOut(msgspec.Struct, kw_only=True):
    id: str
    kind: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


class JobPage(msgspec.Struct, kw_only=True):
    data: list[JobOut]
    next_cursor: str | None


def _out(row: JobRow) -> JobOut:
    return JobOut(id=row.id, kind=row.kind, status=row.status, attempts=row.attempts,  # type: ignore[arg-type]
                  next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
                  last_error=row.last_error, result=row.result, created_at=row.created_at,
                  finished_at=row.finished_at)


class JobController(Controller):
    path = "/v1/jobs"
    tags = ["Jobs"]

    @get("/", summary="List jobs, newest first",
         description="Work queued for outside services (invoice sync, notifications), with its attempts and "
                     "last error. Filter by `kind` and `status`.")
    async def list_jobs(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
                        kind: FromQuery[str | None] = None,
                        status: FromQuery[Literal["pending", "succeeded", "failed"] | None] = None) -> JobPage:
        query = select(JobRow).where(JobRow.org_id == ctx.org_id)
        if kind:
            query = query.where(JobRow.kind == kind)
        if status:
            query = query.where(JobRow.status == status)
        rows, next_cursor = await newest_first(ctx.session, query, JobRow.id, "jobs", cursor, limit)
        return JobPage(data=[_out(r) for r in rows], next_cursor=next_cursor)

    @get("/{job_id:str}", summary="Read a job")
    async def read_job(self, ctx: Ctx, job_id: FromPath[str]) -> JobOut:
        return _out(await _get(ctx, job_id))

    @post("/{job_id:str}/retry", status_code=200, opt={"scope": "write"}, summary="Run a failed job again",
          description="A failed job gets a fresh schedule of attempts, starting now.")
    async def retry_job(self, ctx: Ctx, job_id: FromPath[str]) -> JobOut:
        row = await _get(ctx, job_id)
        if row.status != "failed":
            raise Conflict(f"Job {job_id} is {row.status}; only a failed job can be retried.")
        now = utcnow()
        await ctx.session.execute(update(JobRow).where(JobRow.id == row.id, JobRow.status == "failed")
                                  .values(status="pending", attempts=0, next_attempt_at=now, finished_at=None,
                                          updated_at=now))
        touch(ctx.session, "jobs")
        await ctx.session.refresh(row)
        return _out(row)


async def _get(ctx: Ctx, job_id: str) -> JobRow:
    row = await ctx.session.scalar(select(JobRow).where(JobRow.org_id == ctx.org_id, JobRow.id == job_id))
    if row is None:
        raise NotFound(f"No job {job_id}.")
    return row
