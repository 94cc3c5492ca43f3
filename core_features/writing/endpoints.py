"""`/v1/writing`: drafts (whole or streamed as server-sent events), saving one as an activity, settings, usage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from core_features.writing import profiles, service
from core_features.writing.schemas import ComposeIn, DraftOut, ProfileIn, ProfileOut, SaveIn, UsageOut
from hub.deps import Ctx

__all__ = ["WritingController"]

TAGS = ["Writing assistant"]
Month = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (UTC)")]


class WritingController(Controller):
    path = "/v1/writing"
    tags = TAGS

    @post("/drafts", status_code=201, summary="Write a draft email",
          description="A draft to the person of a contact, lead or deal, grounded in the CRM and checked: every "
                      "link, email address, amount, date, percentage, number and name the context does not hold is "
                      "replaced by a placeholder and listed. Nothing is sent.")
    async def compose(self, ctx: Ctx, data: JSONBody[ComposeIn]) -> Response[DraftOut]:
        plan_notes, draft = await _compose(ctx, data)
        return Response(service.draft_out(draft, plan_notes), status_code=201)

    @post("/drafts/stream", summary="Write a draft email, streamed", status_code=200,
          description="Server-sent events: `delta` with checked text as each sentence completes, then `draft` with "
                      "the kept draft (as `POST /v1/writing/drafts` answers it), or `error` with a problem.")
    async def compose_stream(self, ctx: Ctx, data: JSONBody[ComposeIn]) -> ServerSentEvent:
        plan = await service.prepare(ctx, data)
        return ServerSentEvent(_events(ctx.runtime.sessions, plan))

    @get("/drafts/{draft_id:str}", summary="Read a draft")
    async def read_draft(self, ctx: Ctx, draft_id: FromPath[str]) -> DraftOut:
        return service.draft_out(await service.get(ctx, draft_id))

    @post("/drafts/{draft_id:str}/save", status_code=200, summary="Save a draft as an email activity",
          description="The draft, with the edits sent, becomes an outbound email activity on its record (emitting "
                      "`activity.created`). Refused while a `[placeholder]` is left, and after the first save.")
    async def save_draft(self, ctx: Ctx, draft_id: FromPath[str], data: JSONBody[SaveIn]) -> DraftOut:
        return service.draft_out(await service.save(ctx, draft_id, data))

    @get("/settings", summary="The organization's writing settings")
    async def read_settings(self, ctx: Ctx) -> ProfileOut:
        return profiles.to_out(ctx, await profiles.get(ctx))

    @put("/settings", summary="Change the organization's writing settings", opt={"scope": "admin"},
         description="Provider (`template`, `openai`, `anthropic`), model, API key (sealed at rest, never answered "
                     "back), base URL, sender and signature, and a monthly cap below the hub's.")
    async def write_settings(self, ctx: Ctx, data: JSONBody[ProfileIn]) -> ProfileOut:
        return profiles.to_out(ctx, await profiles.save(ctx, data))

    @get("/usage", summary="What drafts cost this month", description="Tokens and US dollars per model, and the cap.")
    async def read_usage(self, ctx: Ctx, month: Month = None) -> UsageOut:
        return await profiles.usage(ctx, month or profiles.month())


async def _compose(ctx: Ctx, data: ComposeIn) -> tuple[list[str], Any]:
    plan = await service.prepare(ctx, data)
    return plan.notes, await service.compose_planned(ctx.session, plan)


async def _events(sessions: Any, plan: service.Plan) -> AsyncIterator[ServerSentEventMessage]:
    async for kind, value in service.stream(sessions, plan):
        data = value if isinstance(value, str) else msgspec.json.encode(value).decode()
        yield ServerSentEventMessage(event=kind, data=json.dumps({"text": data}) if kind == "delta" else data)
