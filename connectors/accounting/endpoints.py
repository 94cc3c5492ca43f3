"""`GET /v1/sync_log`: what the accounting sync pushed and pulled, and how each attempt ended."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import select

from connectors.accounting.models import SyncEntry
from hub.deps import Ctx
from hub.pagination import newest_first

__all__ = ["SyncLogController"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class SyncEntryOut(msgspec.Struct, kw_only=True):
    id: str
    provider: str
    direction: Literal["push", "pull"]
    entity: str
    crm_type: str | None
    crm_id: str | None
    external_id: str | None
    outcome: Literal["succeeded", "retrying", "failed"]
    detail: str | None
    job_id: str | None
    at: datetime


class SyncLogPage(msgspec.Struct, kw_only=True):
    data: list[SyncEntryOut]
    next_cursor: str | None


class SyncLogController(Controller):
    path = "/v1/sync_log"
    tags = ["Accounting sync"]

    @get("/", summary="The accounting sync log, newest first",
         description="Every push (customer, invoice) and pull (invoice, payment) with its outcome and error.")
    async def sync_log(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
                       provider: Annotated[str | None, QueryParameter(max_length=40)] = None,
                       crm_id: FromQuery[str | None] = None) -> SyncLogPage:
        query = select(SyncEntry).where(SyncEntry.org_id == ctx.org_id)
        if provider:
            query = query.where(SyncEntry.provider == provider)
        if crm_id:
            query = query.where(SyncEntry.crm_id == crm_id)
        rows, next_cursor = await newest_first(ctx.session, query, SyncEntry.id, "sync_log", cursor, limit)
        return SyncLogPage(data=[msgspec.convert(r, SyncEntryOut, from_attributes=True) for r in rows],
                           next_cursor=next_cursor)
