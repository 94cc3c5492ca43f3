"""`/v1/competitors`, `/v1/deals/{deal_id}/competitors`, win/loss analysis and the competitor dropdown."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from core_features.competitors import service
from core_features.competitors.analysis import analyse
from core_features.competitors.models import Competitor
from core_features.competitors.schemas import (Analysis, Choice, CompetitorIn, CompetitorOut, CompetitorPage,
                                               CompetitorPatch, DealCompetitorIn, DealCompetitorList,
                                               DealCompetitorOut, DealCompetitorPatch)
from core_features.competitors.settings import CompetitorSettings
from hub.db import utcnow
from hub.deps import Ctx
from hub.errors import BadRequest
from hub.idempotency import Idempotency
from hub.pagination import newest_first
from hub.records.endpoints import IfMatch, etag, parse_if_match
from hub.types import AwareDatetime, with_offset

__all__ = ["CompetitorController", "DealCompetitorController", "competitor_choices", "period"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
TAGS = ["Competitors"]


def _one(row: Competitor, status: int = 200) -> Response[CompetitorOut]:
    return Response(service.competitor_out(row), status_code=status, headers={"ETag": etag(row.version)})


def period(ctx: Ctx, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The period asked for, or the configured number of days up to now."""
    with_offset(since=since, until=until)
    until = until or utcnow()
    since = since or until - timedelta(days=ctx.config(CompetitorSettings).analysis_days)
    if since >= until:
        raise BadRequest("`since` must come before `until`.")
    return since, until


class CompetitorController(Controller):
    path = "/v1/competitors"
    tags = TAGS

    @post("/", status_code=201, summary="Add a competitor",
          description="Names are unique in the organization whatever their case. Send `Idempotency-Key` to make "
                      "a retry safe.")
    async def create_competitor(self, ctx: Ctx, request: Request, data: JSONBody[CompetitorIn]
                                ) -> Response[CompetitorOut]:
        idem = await Idempotency.of(request, ctx.session, ctx.org_id)
        if (replayed := await idem.replay()) is not None:
            return replayed
        row = await service.create(ctx, data)
        await idem.remember(201, msgspec.to_builtins(service.competitor_out(row)))
        return _one(row, 201)

    @get("/", summary="List competitors", description="Newest first; `name` matches whatever its case.")
    async def list_competitors(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
                               name: Annotated[str | None, QueryParameter(max_length=100)] = None
                               ) -> CompetitorPage:
        query = service.scoped(ctx)
        if name:
            query = query.where(Competitor.name_key == service.name_key(name))
        rows, next_cursor = await newest_first(ctx.session, query, Competitor.id, "competitors", cursor, limit)
        return CompetitorPage(data=[service.competitor_out(r) for r in rows], next_cursor=next_cursor)

    @get("/analysis", summary="Win/loss by competitor",
         description="Deals closed in [`since`, `until`) (by default the last `HUB_COMPETITORS_ANALYSIS_DAYS` "
                     "days) and deals open now, per competitor: deals, won, lost, open, win rate, amounts per "
                     "currency and the average days from a deal's creation to its close; with the same figures "
                     "for all deals and for deals without a competitor.")
    async def analysis(self, ctx: Ctx, since: FromQuery[AwareDatetime | None] = None,
                       until: FromQuery[AwareDatetime | None] = None) -> Analysis:
        return await analyse(ctx.session, ctx.org_id, *period(ctx, since, until))

    @get("/{competitor_id:str}", summary="Read a competitor")
    async def read_competitor(self, ctx: Ctx, competitor_id: FromPath[str]) -> Response[CompetitorOut]:
        return _one(await service.get(ctx, competitor_id))

    @patch("/{competitor_id:str}", summary="Update a competitor",
           description="Only the fields sent change; a new battle card is dated. Send If-Match to refuse a stale "
                       "write.")
    async def update_competitor(self, ctx: Ctx, competitor_id: FromPath[str], data: JSONBody[CompetitorPatch],
                                if_match: IfMatch = None) -> Response[CompetitorOut]:
        return _one(await service.update(ctx, competitor_id, data, parse_if_match(if_match)))

    @delete("/{competitor_id:str}", summary="Delete a competitor", description="It leaves every deal it was in.")
    async def delete_competitor(self, ctx: Ctx, competitor_id: FromPath[str], if_match: IfMatch = None) -> None:
        await service.delete(ctx, competitor_id, parse_if_match(if_match))


def _link(link: Any, competitor: Competitor, status: int = 200) -> Response[DealCompetitorOut]:
    return Response(service.link_out(link, competitor), status_code=status, headers={"ETag": etag(link.version)})


class DealCompetitorController(Controller):
    path = "/v1/deals/{deal_id:str}/competitors"
    tags = TAGS

    @get("/", summary="The competitors in a deal")
    async def list_deal_competitors(self, ctx: Ctx, deal_id: FromPath[str]) -> DealCompetitorList:
        return DealCompetitorList(data=[service.link_out(l, c) for l, c in await service.links(ctx, deal_id)])

    @post("/", status_code=201, summary="Add a competitor to a deal",
          description="By `competitor_id`, or by `competitor_name` (found whatever its case, else added). A "
                      "competitor already in the deal is answered as it is, with 200. `status` defaults to the "
                      "deal's: `won_against` on a won deal, else `active`.")
    async def add_competitor(self, ctx: Ctx, request: Request, deal_id: FromPath[str],
                             data: JSONBody[DealCompetitorIn]) -> Response[DealCompetitorOut]:
        idem = await Idempotency.of(request, ctx.session, ctx.org_id)
        if (replayed := await idem.replay()) is not None:
            return replayed
        link, competitor, new = await service.add_to_deal(ctx, deal_id, data)
        await idem.remember(201 if new else 200, msgspec.to_builtins(service.link_out(link, competitor)))
        return _link(link, competitor, 201 if new else 200)

    @patch("/{competitor_id:str}", summary="Change a competitor's status or notes in a deal",
           description="`won_against` needs a won deal, `lost_to` a lost one (and one competitor at most); setting "
                       "`lost_to` emits `deal.lost_to_competitor`.")
    async def update_deal_competitor(self, ctx: Ctx, deal_id: FromPath[str], competitor_id: FromPath[str],
                                     data: JSONBody[DealCompetitorPatch],
                                     if_match: IfMatch = None) -> Response[DealCompetitorOut]:
        link, competitor = await service.update_link(ctx, deal_id, competitor_id, data, parse_if_match(if_match))
        return _link(link, competitor)

    @delete("/{competitor_id:str}", summary="Take a competitor out of a deal")
    async def remove_deal_competitor(self, ctx: Ctx, deal_id: FromPath[str], competitor_id: FromPath[str]) -> None:
        await service.remove_from_deal(ctx, deal_id, competitor_id)


@get("/v1/choices/competitors", summary="Competitors to choose from", tags=["Catalog"],
     description="The organization's competitors by name, for the `competitor_id` dropdown of the apps.")
async def competitor_choices(ctx: Ctx) -> list[Choice]:
    rows = await ctx.session.scalars(service.scoped(ctx).order_by(Competitor.name_key).limit(1000))
    return [Choice(id=row.id, label=row.name) for row in rows]
