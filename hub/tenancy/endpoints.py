"""`/v1/me` and `/v1/api_keys`: who is calling, and the organization's keys."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from hub.deps import Ctx
from hub.errors import NotFound
from hub.pagination import newest_first
from hub.tenancy import service
from hub.tenancy.models import ApiKey, Organization
from hub.tenancy.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeyPage, Me
from hub.shield import NO_STORE

__all__ = ["ApiKeyController", "me"]


@get("/v1/me", summary="Who am I", tags=["Organization"],
     description="The organization and key behind the request; connectors use it to test a connection.")
async def me(ctx: Ctx) -> Me:
    org = await ctx.session.get(Organization, ctx.org_id)
    assert org is not None
    p = ctx.principal
    return Me(org_id=org.id, org_name=org.name, key_prefix=p.prefix, scopes=sorted(p.scopes),
              label=f"{org.name} ({p.prefix}…)")


def _out(key: ApiKey) -> ApiKeyOut:
    return msgspec.convert(key, ApiKeyOut, from_attributes=True)


class ApiKeyController(Controller):
    path = "/v1/api_keys"
    tags = ["API keys"]
    opt = {"scope": "admin"}

    @post("/", status_code=201, summary="Create an API key", cache_control=NO_STORE,
          description="The full key is in this answer only; the hub keeps just its hash.")
    async def create_key(self, ctx: Ctx, data: JSONBody[ApiKeyCreate]) -> ApiKeyCreated:
        key, token = await service.create_key(ctx.session, ctx.org_id, data.name, list(data.scopes), data.expires_at)
        return ApiKeyCreated(**msgspec.structs.asdict(_out(key)), key=token)

    @get("/", summary="List API keys")
    async def list_keys(self, ctx: Ctx, limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
                        cursor: FromQuery[str | None] = None) -> ApiKeyPage:
        query = select(ApiKey).where(ApiKey.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, ApiKey.id, "api_keys", cursor, limit)
        return ApiKeyPage(data=[_out(k) for k in rows], next_cursor=next_cursor)

    @get("/{key_id:str}", summary="Read an API key")
    async def read_key(self, ctx: Ctx, key_id: FromPath[str]) -> ApiKeyOut:
        key = await ctx.session.scalar(select(ApiKey).where(ApiKey.org_id == ctx.org_id, ApiKey.id == key_id))
        if key is None:
            raise NotFound(f"No API key {key_id!r} in this organization.")
        return _out(key)

    @delete("/{key_id:str}", summary="Revoke an API key", description="Takes effect on the next request.")
    async def revoke(self, ctx: Ctx, request: Request, key_id: FromPath[str]) -> None:
        key = await service.revoke_key(ctx.session, ctx.org_id, key_id)
        request.app.state.hub.key_cache.forget(key.prefix)


