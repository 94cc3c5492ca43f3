"""`/v1/hooks`, `/v1/triggers/{key}/samples|poll`, `/v1/actions/{key}/fields` and `/v1/choices/*`: what a
Zapier or Make app calls besides the actions themselves (`POST /v1/actions/{key}`)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from connectors.resthooks import fields, service
from connectors.resthooks.models import Hook
from connectors.resthooks.schemas import Choice, HookCreated, HookIn, HookOut, HookPage
from hub.deps import CatalogDep, Ctx
from hub.errors import NotFound
from hub.pagination import newest_first
from hub.runtime import Hub
from webhooks.service import Webhooks
from hub.shield import NO_STORE

__all__ = ["ChoiceController", "HookController", "TriggerController", "read_action_fields"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


def _out(hook: Hook) -> HookOut:
    return msgspec.convert(hook, HookOut, from_attributes=True)


class HookController(Controller):
    path = "/v1/hooks"
    tags = ["REST hooks"]

    @post("/", status_code=201, summary="Subscribe a target URL to a trigger", cache_control=NO_STORE,
          description="Zapier's `performSubscribe`, Make's `attach`. Deliveries to `target_url` are the "
                      "webhook envelope `{id, type, timestamp, data}`, signed with `secret` (Standard "
                      "Webhooks). A 410 Gone from the target ends the subscription.")
    async def subscribe(self, ctx: Ctx, request: Request, catalog: CatalogDep,
                        data: JSONBody[HookIn]) -> HookCreated:
        hook, secret = await service.subscribe(ctx, Hub.of(request).service(Webhooks), catalog, data)
        return HookCreated(**msgspec.structs.asdict(_out(hook)), secret=secret)

    @get("/", summary="List the organization's hooks")
    async def list_hooks(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None) -> HookPage:
        query = select(Hook).where(Hook.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, Hook.id, "hooks", cursor, limit)
        return HookPage(data=[_out(h) for h in rows], next_cursor=next_cursor)

    @delete("/{hook_id:str}", summary="Unsubscribe",
            description="Zapier's `performUnsubscribe`, Make's `detach`: nothing is delivered to the hook "
                        "after this answer; its endpoint is removed once deliveries under way have finished.")
    async def unsubscribe(self, ctx: Ctx, hook_id: FromPath[str]) -> None:
        await service.unsubscribe(ctx, hook_id)


def _json(body: bytes) -> Response[bytes]:
    return Response(body, media_type=MediaType.JSON)


class TriggerController(Controller):
    path = "/v1/triggers/{key:str}"
    tags = ["REST hooks"]

    @get("/samples", summary="Recent deliveries of a trigger",
         description="Zapier's `performList`: a JSON array of the trigger's latest bodies exactly as they "
                     "were delivered, newest first; the catalog's sample in the same envelope when the "
                     "organization has none yet.")
    async def samples(self, ctx: Ctx, catalog: CatalogDep, key: FromPath[str],
                      limit: Annotated[int, QueryParameter(ge=1, le=100)] = 10) -> Response[bytes]:
        found = service.trigger(catalog, key)
        return _json(await service.samples(ctx.session, ctx.org_id, found, limit))

    @get("/poll", summary="Poll a trigger",
         description="The polling fallback: the same bodies newest first, one per `id`, empty when nothing "
                     "happened. For `*.updated` triggers `id` is `<record id>-<updated_at>`, so every change "
                     "is a new item; otherwise it is the event's id.")
    async def poll(self, ctx: Ctx, catalog: CatalogDep, key: FromPath[str],
                   limit: Annotated[int, QueryParameter(ge=1, le=300)] = 100) -> Response[bytes]:
        found = service.trigger(catalog, key)
        return _json(await service.poll(ctx.session, ctx.org_id, found, limit))


@get("/v1/actions/{key:str}/fields", summary="Input fields of an action", tags=["Catalog"],
     description="For Zapier `inputFields` and Make `parameters`: `{key, label, type, required, "
                 "help_text?, choices?, list?, dynamic?, alters_dynamic_fields?, custom?}` from the action's "
                 "input schema, with the organization's custom fields of the record type (`custom: "
                 "true`, key `custom_fields.<key>`: send them nested under `custom_fields`). `dynamic` "
                 "names the choices endpoint of a dropdown.")
async def read_action_fields(ctx: Ctx, catalog: CatalogDep, key: FromPath[str]) -> list[dict[str, Any]]:
    action = catalog.actions.get(key)
    if action is None:
        raise NotFound(f"No action {key!r}; see GET /v1/catalog.")
    return await fields.action_fields(ctx.session, ctx.org_id, catalog, action)


class ChoiceController(Controller):
    path = "/v1/choices"
    tags = ["Catalog"]

    @get("/owners", summary="Owners to choose from", description="Active users, by name.")
    async def owners(self, ctx: Ctx) -> list[Choice]:
        return await fields.owners(ctx.session, ctx.org_id)

    @get("/pipelines", summary="Pipelines to choose from", description="The default pipeline first.")
    async def pipelines(self, ctx: Ctx) -> list[Choice]:
        return await fields.pipelines(ctx.session, ctx.org_id)

    @get("/stages", summary="Stages of a pipeline to choose from",
         description="In pipeline order; of the default pipeline when `pipeline_id` is not given.")
    async def stages(self, ctx: Ctx, pipeline_id: Annotated[str | None, QueryParameter(max_length=40)] = None
                     ) -> list[Choice]:
        return await fields.stages(ctx.session, ctx.org_id, pipeline_id)

    @get("/records/{plural:str}", summary="Records to choose from",
         description="The newest 1000 companies, contacts, deals, leads or products, each labelled by its name "
                     "and what tells two of the same name apart.")
    async def records(self, ctx: Ctx, plural: FromPath[str]) -> list[Choice]:
        return await fields.records(ctx.session, ctx.org_id, plural)
