"""The message log, one message with every attempt, and the event catalog."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext, output_fields
from hub.deps import CatalogDep
from hub.errors import NotFound
from hub.runtime import Hub
from hub.web import Viewer, page
from webhooks.models import Endpoint, Message
from webhooks.portal._forms import parse_filters
from webhooks.portal._queries import attempts_of, endpoint_choices, message_page, request_headers
from webhooks.service import Webhooks

__all__ = ["MessagePages", "catalog_page"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]


class MessagePages(Controller):
    path = "/messages"
    opt = {"links": True}

    @get("/", summary="The message log", description="Newest first, filtered like `GET /v1/messages`.")
    async def log(self, request: Request, db: Db, viewer: Who, before: FromQuery[str | None] = None,
                  after: FromQuery[str | None] = None) -> Template:
        org_id = viewer.principal.org_id
        filters = parse_filters(request.query_params)
        result = await message_page(db, org_id, filters.filter, before, after) if not filters.errors else None
        choices = await endpoint_choices(db, org_id)
        return page("portal/messages.html", viewer, 400 if filters.errors else 200, filters=filters, result=result,
                    endpoints=choices, urls=dict(choices), event_types=sorted(Hub.of(request).catalog.events))

    @get("/{message_id:str}", summary="A message: payload and every attempt")
    async def message(self, request: Request, db: Db, viewer: Who, message_id: FromPath[str],
                      notice: FromQuery[str] = "") -> Template:
        org_id = viewer.principal.org_id
        message = await db.scalar(select(Message).where(Message.id == message_id, Message.org_id == org_id))
        if message is None:
            raise NotFound(f"No message {message_id!r} in this organization.")
        endpoint = await db.scalar(select(Endpoint).where(Endpoint.id == message.endpoint_id,
                                                          Endpoint.org_id == org_id))
        names = Hub.of(request).service(Webhooks).out(endpoint).header_names if endpoint else []
        attempts = await attempts_of(db, org_id, message.id)
        sent = {a.id: request_headers(message, a, names) for a in attempts}
        return page("portal/message.html", viewer, message=message, endpoint=endpoint, attempts=attempts, sent=sent,
                    notice="This message will be sent again now." if notice == "resent" else "")

    @post("/{message_id:str}/resend", summary="Send a message again", opt={"scope": "write"})
    async def resend(self, request: Request, db: Db, viewer: Who, message_id: FromPath[str]) -> Redirect:
        await Hub.of(request).service(Webhooks).resend(ActionContext(session=db, principal=viewer.principal),
                                                       message_id)
        return Redirect(f"/portal/messages/{message_id}?notice=resent", status_code=303)


@get("/catalog", summary="The event catalog: every event type with its schema and a sample", opt={"links": True})
async def catalog_page(viewer: NamedDependency[Viewer], catalog: CatalogDep) -> Template:
    events = [(catalog.events[key], output_fields(catalog.events[key].payload)) for key in sorted(catalog.events)]
    return page("portal/catalog.html", viewer, events=events)
