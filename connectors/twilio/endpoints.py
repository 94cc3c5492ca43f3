"""`/v1/telephony` (the Twilio account, embed tokens) and `/v1/calls` (click-to-call, the call log)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from connectors.twilio.embed import mint
from connectors.twilio.models import Call
from connectors.twilio.schemas import (CallIn, CallOut, CallPage, EmbedTokenIn, EmbedTokenOut, TelephonyIn,
                                       TelephonyOut)
from connectors.twilio.service import call_out, configure, start, telephony, telephony_out
from hub.deps import Ctx
from hub.errors import NotFound
from hub.pagination import newest_first
from hub.runtime import Hub
from hub.shield import NO_STORE

__all__ = ["CallController", "TelephonyController"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class TelephonyController(Controller):
    path = "/v1/telephony"
    tags = ["Telephony"]

    @put("/", opt={"scope": "admin"}, summary="Set the organization's Twilio account",
         description="Account SID, auth token (encrypted at rest, never answered), the caller id shown to "
                     "people called, whether calls are recorded, and the rep who takes inbound calls from "
                     "unknown numbers. Give Twilio the answered `voice_url` for the number's incoming calls.")
    async def put_telephony(self, ctx: Ctx, request: Request, data: JSONBody[TelephonyIn]) -> TelephonyOut:
        settings = await configure(ctx, Hub.of(request).cipher, data)
        return telephony_out(settings, Hub.of(request).settings.public_url)

    @get("/", summary="Read the telephony settings",
         description="Never the auth token: `auth_token_set` says whether one is stored.")
    async def get_telephony(self, ctx: Ctx, request: Request) -> TelephonyOut:
        return telephony_out(await telephony(ctx.session, ctx.org_id), Hub.of(request).settings.public_url)

    @post("/embed_tokens", status_code=201, summary="Mint a click-to-call token for one rep",
          cache_control=NO_STORE,
          description="For the CRM's backend, for the rep signed in there: the page includes the answered "
                      "`snippet`, and every element marked `data-hub-call=\"<contact id>\"` gets a call "
                      "button that calls as that rep until the token expires. Revoking the key voids its "
                      "tokens.")
    async def create_embed_token(self, ctx: Ctx, request: Request,
                                 data: JSONBody[EmbedTokenIn]) -> EmbedTokenOut:
        return await mint(ctx, request, data)


class CallController(Controller):
    path = "/v1/calls"
    tags = ["Telephony"]

    @post("/", status_code=202, summary="Click-to-call: ring the rep, then connect the contact",
          description="Answers at once with the call `pending`; Twilio rings the rep's phone and, when they "
                      "answer, dials the contact from the organization's caller id. Follow it with "
                      "GET /v1/calls/{id}; when it ends an activity is logged and `call.completed` emitted.")
    async def create_call(self, ctx: Ctx, data: JSONBody[CallIn]) -> CallOut:
        return call_out(await start(ctx, data))

    @get("/", summary="List calls", description="Newest first, inbound and outbound.")
    async def list_calls(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None,
                         contact_id: FromQuery[str | None] = None, user_id: FromQuery[str | None] = None,
                         direction: FromQuery[Literal["inbound", "outbound"] | None] = None) -> CallPage:
        query = select(Call).where(Call.org_id == ctx.org_id)
        filters = ((Call.contact_id, contact_id), (Call.user_id, user_id), (Call.direction, direction))
        for column, value in filters:
            if value is not None:
                query = query.where(column == value)
        rows, next_cursor = await newest_first(ctx.session, query, Call.id, "calls", cursor, limit)
        return CallPage(data=[call_out(c) for c in rows], next_cursor=next_cursor)

    @get("/{call_id:str}", summary="Read a call")
    async def read_call(self, ctx: Ctx, call_id: FromPath[str]) -> CallOut:
        call = await ctx.session.scalar(select(Call).where(Call.id == call_id, Call.org_id == ctx.org_id))
        if call is None:
            raise NotFound(f"No call {call_id!r} in this organization.")
        return call_out(call)
