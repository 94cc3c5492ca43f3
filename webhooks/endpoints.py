"""`/v1/endpoints` and `/v1/messages`: where events go, and what became of each delivery."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from hub.deps import Ctx
from hub.errors import NotFound
from hub.pagination import narrow, newest_first
from hub.records.endpoints import IfMatch, etag, parse_if_match
from hub.runtime import Hub
from hub.types import AwareDatetime, with_offset
from webhooks.models import Attempt, Endpoint, Message
from webhooks.schemas import (AttemptOut, AttemptPage, EndpointCreated, EndpointIn, EndpointOut, EndpointPage,
                              EndpointPatch, MessageOut, MessagePage, Recover, Recovered, SecretOut)
from webhooks.service import Webhooks
from hub.shield import NO_STORE

__all__ = ["EndpointController", "MessageController"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


def _hooks(request: Request[Any, Any, Any]) -> Webhooks:
    return Hub.of(request).service(Webhooks)


def _one(hooks: Webhooks, endpoint: Endpoint, status: int = 200) -> Response[EndpointOut]:
    return Response(hooks.out(endpoint), status_code=status, headers={"ETag": etag(endpoint.version)})


class EndpointController(Controller):
    path = "/v1/endpoints"
    tags = ["Webhook endpoints"]

    @post("/", status_code=201, summary="Create an endpoint", cache_control=NO_STORE,
          description="Answers the endpoint and its signing secret (`whsec_…`). The URL must be https and must "
                      "not point at a private, loopback, link-local or metadata address.")
    async def create_endpoint(self, ctx: Ctx, request: Request,
                              data: JSONBody[EndpointIn]) -> Response[EndpointCreated]:
        hooks = _hooks(request)
        endpoint, secret = await hooks.create(ctx, data)
        return Response(EndpointCreated(**msgspec.structs.asdict(hooks.out(endpoint)), secret=secret),
                        status_code=201, headers={"ETag": etag(endpoint.version)})

    @get("/", summary="List endpoints")
    async def list_endpoints(self, ctx: Ctx, request: Request, limit: Limit = 50,
                             cursor: FromQuery[str | None] = None) -> EndpointPage:
        query = select(Endpoint).where(Endpoint.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, Endpoint.id, "endpoints", cursor, limit)
        return EndpointPage(data=[_hooks(request).out(e) for e in rows], next_cursor=next_cursor)

    @get("/{endpoint_id:str}", summary="Read an endpoint")
    async def read_endpoint(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> Response[EndpointOut]:
        hooks = _hooks(request)
        return _one(hooks, await hooks.get(ctx, endpoint_id))

    @patch("/{endpoint_id:str}", summary="Update an endpoint")
    async def update_endpoint(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str],
                              data: JSONBody[EndpointPatch], if_match: IfMatch = None) -> Response[EndpointOut]:
        hooks = _hooks(request)
        return _one(hooks, await hooks.update(ctx, endpoint_id, data, parse_if_match(if_match)))

    @delete("/{endpoint_id:str}", summary="Delete an endpoint and its messages")
    async def delete_endpoint(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> None:
        hooks = _hooks(request)
        endpoint = await hooks.get(ctx, endpoint_id)
        hooks.not_managed(endpoint)
        await ctx.session.delete(endpoint)

    @post("/{endpoint_id:str}/pause", status_code=200, summary="Pause deliveries; messages wait")
    async def pause(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> Response[EndpointOut]:
        hooks = _hooks(request)
        return _one(hooks, await hooks.set_state(ctx, endpoint_id, "paused"))

    @post("/{endpoint_id:str}/resume", status_code=200, summary="Resume deliveries, also after a disable")
    async def resume(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> Response[EndpointOut]:
        hooks = _hooks(request)
        return _one(hooks, await hooks.set_state(ctx, endpoint_id, "enabled"))

    @get("/{endpoint_id:str}/secret", summary="Reveal the signing secret", opt={"scope": "write"},
         cache_control=NO_STORE)
    async def read_secret(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> SecretOut:
        secret, previous = await _hooks(request).secret(ctx, endpoint_id)
        return SecretOut(secret=secret, previous_expires_at=previous)

    @post("/{endpoint_id:str}/secret/rotate", status_code=200, summary="Rotate the signing secret",
          cache_control=NO_STORE,
          description="The previous secret keeps signing, beside the new one, for the grace period (24 h).")
    async def rotate_secret(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> SecretOut:
        secret, previous = await _hooks(request).rotate(ctx, endpoint_id)
        return SecretOut(secret=secret, previous_expires_at=previous)

    @post("/{endpoint_id:str}/test", status_code=202, summary="Send a test event to this endpoint")
    async def send_test(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str]) -> MessageOut:
        return _message(await _hooks(request).send_test(ctx, endpoint_id))

    @post("/{endpoint_id:str}/recover", status_code=202, summary="Send again every failed message since a time")
    async def recover(self, ctx: Ctx, request: Request, endpoint_id: FromPath[str],
                      data: JSONBody[Recover]) -> Recovered:
        return Recovered(count=await _hooks(request).recover(ctx, endpoint_id, data.since))


def _message(message: Message, with_payload: bool = False) -> MessageOut:
    out = msgspec.convert(message, MessageOut, from_attributes=True)
    out.payload = msgspec.json.decode(message.payload) if with_payload and message.payload else None
    return out


class MessageController(Controller):
    path = "/v1/messages"
    tags = ["Webhook messages"]

    @get("/", summary="The delivery log", description="Newest first; `event_type` also takes `noun.*`.")
    async def list_messages(
        self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
        event_type: FromQuery[str | None] = None, endpoint_id: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None, since: FromQuery[AwareDatetime | None] = None,
        until: FromQuery[AwareDatetime | None] = None, id: FromQuery[str | None] = None,
    ) -> MessagePage:
        with_offset(since=since, until=until)
        query = narrow(select(Message).where(Message.org_id == ctx.org_id), type_column=Message.event_type,
                       type=event_type, time_column=Message.created_at, since=since, until=until,
                       endpoint=(Message.endpoint_id, endpoint_id), status=(Message.status, status),
                       id=(Message.id, id))
        rows, next_cursor = await newest_first(ctx.session, query, Message.id, "messages", cursor, limit)
        return MessagePage(data=[_message(m) for m in rows], next_cursor=next_cursor)

    @get("/{message_id:str}", summary="Read a message with its payload")
    async def read_message(self, ctx: Ctx, message_id: FromPath[str]) -> MessageOut:
        return _message(await _own_message(ctx, message_id), with_payload=True)

    @get("/{message_id:str}/attempts", summary="Every attempt of a message, newest first")
    async def list_attempts(self, ctx: Ctx, message_id: FromPath[str], limit: Limit = 50,
                            cursor: FromQuery[str | None] = None) -> AttemptPage:
        await _own_message(ctx, message_id)
        query = select(Attempt).where(Attempt.message_id == message_id, Attempt.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, Attempt.id, "attempts", cursor, limit)
        return AttemptPage(data=[msgspec.convert(a, AttemptOut, from_attributes=True) for a in rows],
                           next_cursor=next_cursor)

    @post("/{message_id:str}/resend", status_code=202, summary="Send a message again")
    async def resend(self, ctx: Ctx, request: Request, message_id: FromPath[str]) -> MessageOut:
        return _message(await _hooks(request).resend(ctx, message_id))


async def _own_message(ctx: Any, message_id: str) -> Message:
    message = await ctx.session.scalar(select(Message).where(Message.id == message_id, Message.org_id == ctx.org_id))
    if message is None:
        raise NotFound(f"No message {message_id!r} in this organization.")
    return message
