"""The endpoints pages: health at a glance, create and edit, secret, pause and resume, test, recover."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext
from hub.db import utcnow
from hub.errors import HubError, PreconditionFailed
from hub.pagination import newest_first
from hub.runtime import Hub
from hub.web import Viewer, page
from webhooks.models import Endpoint, Message
from webhooks.portal._forms import EndpointForm, endpoint_form, parse_time, refused
from webhooks.portal._stats import WINDOWS, health, series
from webhooks.portal._svg import deliveries_chart, latency_chart
from webhooks.service import Webhooks

__all__ = ["EndpointPages"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
WRITE = {"scope": "write"}
NOTICES = {"created": "Endpoint created. Reveal its signing secret below to set up your receiver.",
           "saved": "Changes saved.", "paused": "Endpoint paused: new messages wait until you resume it.",
           "resumed": "Endpoint resumed: waiting messages go out now.",
           "tested": "A test event is on its way; it shows in the message log.",
           "rotated": "Secret rotated. The previous secret keeps signing beside the new one for {grace} hours.",
           "recovered": "{count} failed messages will be sent again."}
STALE = ("Someone changed this endpoint after you opened this form. Your changes are below, not saved; "
         "save again to replace theirs, or reload the page to start from the current version.")


def _hooks(request: Request[Any, Any, Any]) -> Webhooks:
    return Hub.of(request).service(Webhooks)


def _ctx(db: AsyncSession, viewer: Viewer) -> ActionContext:
    return ActionContext(session=db, principal=viewer.principal)


def _window(value: str) -> str:
    return value if value in WINDOWS else "24h"


def _notice(request: Request[Any, Any, Any], code: str, count: str = "") -> str:
    grace = int(_hooks(request).secret_grace.total_seconds() // 3600)
    return NOTICES.get(code, "").format(count=count if count.isdigit() else "Some", grace=grace)


async def _charts(db: AsyncSession, viewer: Viewer, window: str, endpoint_id: str | None,
                  subject: str) -> dict[str, Any]:
    data = await series(db, viewer.principal.org_id, utcnow(), window, endpoint_id)
    return {"series": data, "window": window, "windows": list(WINDOWS),
            "deliveries": deliveries_chart(data, "chart-deliveries", subject),
            "latency": latency_chart(data, "chart-latency", subject)}


class EndpointPages(Controller):
    path = "/endpoints"
    opt = {"links": True}

    @get("/", summary="Endpoints with their health")
    async def list_page(self, request: Request, db: Db, viewer: Who, cursor: FromQuery[str | None] = None,
                        window: FromQuery[str] = "24h", notice: FromQuery[str] = "") -> Template:
        query = select(Endpoint).where(Endpoint.org_id == viewer.principal.org_id)
        rows, more = await newest_first(db, query, Endpoint.id, "portal.endpoints", cursor, 50)
        states = await health(db, viewer.principal.org_id, [e.id for e in rows], utcnow())
        charts = await _charts(db, viewer, _window(window), None, "all endpoints")
        return page("portal/endpoints.html", viewer, endpoints=rows, health=states, more=more, cursor=cursor or "",
                    notice=_notice(request, notice), **charts)

    @get("/new", summary="The form for a new endpoint", opt=WRITE)
    async def new_page(self, request: Request, viewer: Who) -> Template:
        return self._form(request, viewer, EndpointForm.blank(), None)

    @post("/", summary="Create an endpoint", opt=WRITE)
    async def create(self, request: Request, db: Db, viewer: Who) -> Response[Any]:
        form, data = endpoint_form(await request.form(), creating=True)
        if data is not None:
            try:
                endpoint, _ = await _hooks(request).create(_ctx(db, viewer), data)  # type: ignore[arg-type]
                return Redirect(f"/portal/endpoints/{endpoint.id}?notice=created", status_code=303)
            except HubError as exc:
                refused(form, exc)
        await db.rollback()  # a refused form leaves nothing behind
        return self._form(request, viewer, form, None, status=422)

    @get("/{endpoint_id:str}", summary="An endpoint: health, charts, actions")
    async def detail(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str],
                     window: FromQuery[str] = "24h", notice: FromQuery[str] = "",
                     count: FromQuery[str] = "") -> Template:
        return await self._detail(request, db, viewer, endpoint_id, window=_window(window),
                                  notice=_notice(request, notice, count))

    @get("/{endpoint_id:str}/edit", summary="The form to edit an endpoint", opt=WRITE)
    async def edit_page(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Template:
        endpoint = await _hooks(request).get(_ctx(db, viewer), endpoint_id)
        return self._form(request, viewer, EndpointForm.of(endpoint), endpoint)

    @post("/{endpoint_id:str}", summary="Save changes to an endpoint", opt=WRITE)
    async def update(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Response[Any]:
        hooks = _hooks(request)
        endpoint = await hooks.get(_ctx(db, viewer), endpoint_id)
        form, data = endpoint_form(await request.form(), creating=False)
        status = 422
        if data is not None:
            version = int(form.values["version"]) if form.values["version"].isdigit() else None
            try:
                await hooks.update(_ctx(db, viewer), endpoint_id, data, version)  # type: ignore[arg-type]
                return Redirect(f"/portal/endpoints/{endpoint_id}?notice=saved", status_code=303)
            except PreconditionFailed:
                form.problem, status = STALE, 409
            except HubError as exc:
                refused(form, exc)
        await db.rollback()
        endpoint = await hooks.get(_ctx(db, viewer), endpoint_id)
        if status == 409:  # saving again is then a deliberate overwrite
            form.values["version"] = str(endpoint.version)
        return self._form(request, viewer, form, endpoint, status=status)

    @post("/{endpoint_id:str}/secret", summary="Reveal the signing secret", opt=WRITE, status_code=200)
    async def reveal(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Template:
        secret, previous = await _hooks(request).secret(_ctx(db, viewer), endpoint_id)
        return await self._detail(request, db, viewer, endpoint_id, secret=secret, previous_expires_at=previous)

    @post("/{endpoint_id:str}/secret/rotate", summary="Rotate the signing secret", opt=WRITE)
    async def rotate(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Redirect:
        await _hooks(request).rotate(_ctx(db, viewer), endpoint_id)
        return Redirect(f"/portal/endpoints/{endpoint_id}?notice=rotated", status_code=303)

    @post("/{endpoint_id:str}/pause", summary="Pause deliveries", opt=WRITE)
    async def pause(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Redirect:
        await _hooks(request).set_state(_ctx(db, viewer), endpoint_id, "paused")
        return Redirect(f"/portal/endpoints/{endpoint_id}?notice=paused", status_code=303)

    @post("/{endpoint_id:str}/resume", summary="Resume deliveries", opt=WRITE)
    async def resume(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Redirect:
        await _hooks(request).set_state(_ctx(db, viewer), endpoint_id, "enabled")
        return Redirect(f"/portal/endpoints/{endpoint_id}?notice=resumed", status_code=303)

    @post("/{endpoint_id:str}/test", summary="Send a test event", opt=WRITE)
    async def send_test(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Redirect:
        await _hooks(request).send_test(_ctx(db, viewer), endpoint_id)
        return Redirect(f"/portal/endpoints/{endpoint_id}?notice=tested", status_code=303)

    @post("/{endpoint_id:str}/recover", summary="Send again every failed message since a time", opt=WRITE)
    async def recover(self, request: Request, db: Db, viewer: Who, endpoint_id: FromPath[str]) -> Response[Any]:
        typed = str((await request.form()).get("since", "")).strip()
        try:
            since = parse_time(typed)
        except ValueError:
            since = None
        if since is None:
            return await self._detail(request, db, viewer, endpoint_id, status=422, recover_since=typed,
                                      recover_error="Enter a date and time such as 2026-01-15T10:30 (UTC).")
        count = await _hooks(request).recover(_ctx(db, viewer), endpoint_id, since)
        return Redirect(f"/portal/endpoints/{endpoint_id}?notice=recovered&count={count}", status_code=303)

    async def _detail(self, request: Request, db: AsyncSession, viewer: Viewer, endpoint_id: str,
                      status: int = 200, window: str = "24h", **context: Any) -> Template:
        hooks = _hooks(request)
        endpoint = await hooks.get(_ctx(db, viewer), endpoint_id)
        now = utcnow()
        recent = list((await db.execute(select(Message).where(
            Message.org_id == viewer.principal.org_id, Message.endpoint_id == endpoint.id)
            .order_by(Message.id.desc()).limit(10))).scalars())
        charts = await _charts(db, viewer, window, endpoint.id, "this endpoint")
        context.setdefault("recover_since", (now - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M"))
        return page("portal/endpoint.html", viewer, status, endpoint=endpoint, out=hooks.out(endpoint),
                    health=(await health(db, viewer.principal.org_id, [endpoint.id], now))[endpoint.id],
                    recent=recent, **charts, **context)

    def _form(self, request: Request, viewer: Viewer, form: EndpointForm, endpoint: Endpoint | None,
              status: int = 200) -> Template:
        catalog = Hub.of(request).catalog
        nouns: dict[str, list[Any]] = {}
        for key in sorted(catalog.events):
            nouns.setdefault(key.split(".")[0], []).append(catalog.events[key])
        names = _hooks(request).out(endpoint).header_names if endpoint is not None else []
        return page("portal/endpoint_form.html", viewer, status, form=form, endpoint=endpoint, nouns=nouns,
                    header_names=names)
