"""`/v1/events`: post events from the wider CRM, and read the organization's event log."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from hub.catalog import Catalog
from hub.deps import CatalogDep, Ctx
from hub.errors import NotFound, ValidationFailed
from hub.events.models import Event
from hub.events.schemas import EventBatch, EventIn, EventList, EventOut, EventPage
from hub.events.references import check_references
from hub.events.service import append
from hub.idempotency import Idempotency
from hub.pagination import narrow, newest_first
from hub.types import AwareDatetime, with_offset

__all__ = ["EventController"]


def _out(event: Event) -> EventOut:
    return msgspec.convert(event, EventOut, from_attributes=True)


async def _write(ctx: Ctx, catalog: Catalog, data: EventIn) -> Event:
    """Check one posted event against the catalog and add it to the outbox."""
    declared = catalog.events.get(data.type)
    if declared is None:
        raise ValidationFailed(f"Unknown event type {data.type!r}; see GET /v1/catalog.",
                               errors=[{"field": "type", "message": "not in the catalog"}])
    if not declared.postable:
        raise ValidationFailed(f"{data.type!r} is emitted by the hub itself and cannot be posted.",
                               errors=[{"field": "type", "message": "not postable"}])
    try:
        payload = msgspec.convert(data.data, declared.payload, strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"data does not fit {data.type!r}: {exc}",
                               errors=[{"field": "data", "message": str(exc)}]) from None
    body, subject_type = msgspec.to_builtins(payload), data.subject_type or declared.subject
    await check_references(ctx.session, ctx.org_id, body, subject_type, data.subject_id)
    return append(ctx.session, ctx.org_id, data.type, body, source="api", subject_type=subject_type,
                  subject_id=data.subject_id, occurred_at=data.occurred_at)


class EventController(Controller):
    path = "/v1/events"
    tags = ["Events"]

    @post("/", status_code=201, summary="Post an event",
          description="The type must be declared in the catalog as postable and `data` must fit its schema. "
                      "Send `Idempotency-Key` to make retries safe for 24 hours.")
    async def post_event(self, ctx: Ctx, request: Request, data: JSONBody[EventIn],
                         catalog: CatalogDep) -> Response[EventOut]:
        idem = await Idempotency.of(request, ctx.session, ctx.org_id)
        if (replayed := await idem.replay()) is not None:
            return replayed
        event = await _write(ctx, catalog, data)
        await ctx.session.flush()
        body = _out(event)
        await idem.remember(201, msgspec.to_builtins(body))
        return Response(body, status_code=201)

    @post("/batch", status_code=201, summary="Post up to 100 events at once",
          description="All or nothing: every event is checked as `POST /v1/events` checks one, and the batch "
                      "is written in one transaction only if all of them pass; field errors name the item "
                      "(`events[3].data`). Answers the events in the order sent.")
    async def post_events(self, ctx: Ctx, request: Request, data: JSONBody[EventBatch],
                          catalog: CatalogDep) -> Response[EventList]:
        idem = await Idempotency.of(request, ctx.session, ctx.org_id)
        if (replayed := await idem.replay()) is not None:
            return replayed
        events = []
        for i, item in enumerate(data.events):
            try:
                events.append(await _write(ctx, catalog, item))
            except (ValidationFailed, NotFound) as exc:
                raise type(exc)(f"events[{i}]: {exc.detail}", errors=[
                    {**error, "field": f"events[{i}].{error['field']}"} for error in exc.errors or []]) from None
        await ctx.session.flush()
        body = EventList(data=[_out(e) for e in events])
        await idem.remember(201, msgspec.to_builtins(body))
        return Response(body, status_code=201)

    @get("/", summary="List events", description="Newest first. `type` takes an exact type or `noun.*`.")
    async def list_events(
        self, ctx: Ctx, limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None, type: FromQuery[str | None] = None,
        subject_id: FromQuery[str | None] = None, since: FromQuery[AwareDatetime | None] = None,
        until: FromQuery[AwareDatetime | None] = None,
    ) -> EventPage:
        with_offset(since=since, until=until)
        query = narrow(select(Event).where(Event.org_id == ctx.org_id), type_column=Event.type, type=type,
                       time_column=Event.occurred_at, since=since, until=until,
                       subject=(Event.subject_id, subject_id))
        rows, next_cursor = await newest_first(ctx.session, query, Event.id, "events", cursor, limit)
        return EventPage(data=[_out(e) for e in rows], next_cursor=next_cursor)

    @get("/{event_id:str}", summary="Read an event")
    async def read_event(self, ctx: Ctx, event_id: FromPath[str]) -> EventOut:
        event = await ctx.session.scalar(select(Event).where(Event.id == event_id, Event.org_id == ctx.org_id))
        if event is None:
            raise NotFound(f"No event {event_id!r} in this organization.")
        return _out(event)


