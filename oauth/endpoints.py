"""`/v1/connections` (authorize, health, disconnect) and `/v1/oauth/callback`, where providers send people back."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.deps import Ctx
from hub.errors import problem_response
from hub.pagination import newest_first
from hub.runtime import Hub
from oauth.errors import OAuthError
from oauth.models import Connection
from oauth.schemas import AuthorizationOut, CallbackOut, ConnectionOut, ConnectionPage
from oauth.service import CALLBACK_PATH, OAuth

__all__ = ["ConnectionController", "oauth_callback"]

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Param = Annotated[str | None, QueryParameter(max_length=4096)]
# `state` and `scope` are names Litestar reserves for its own objects, so these two are read under aliases.
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=4096)]
ScopeParam = Annotated[str | None, QueryParameter(name="scope", max_length=4096)]


def _oauth(request: Request[Any, Any, Any]) -> OAuth:
    return Hub.of(request).service(OAuth)


class ConnectionController(Controller):
    path = "/v1/connections"
    tags = ["Connections"]

    @post("/{provider:str}/authorize", status_code=201, opt={"scope": "admin"},
          summary="Start connecting a provider",
          description="Answers the provider's consent URL (with `state` and a PKCE S256 challenge). Send the "
                      "person there; the provider sends them back to `/v1/oauth/callback`.")
    async def authorize(self, ctx: Ctx, request: Request, provider: FromPath[str]) -> AuthorizationOut:
        url, state, expires_at = await _oauth(request).start(ctx, provider)
        return AuthorizationOut(authorization_url=url, state=state, expires_at=expires_at)

    @get("/", summary="List connections and their health")
    async def list_connections(self, ctx: Ctx, request: Request, limit: Limit = 50,
                               cursor: FromQuery[str | None] = None) -> ConnectionPage:
        query = select(Connection).where(Connection.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, Connection.id, "connections", cursor, limit)
        return ConnectionPage(data=[_oauth(request).out(c) for c in rows], next_cursor=next_cursor)

    @get("/{connection_id:str}", summary="Read a connection's health",
         description="State, granted scopes, the external account, last refresh and last error; never a token.")
    async def read_connection(self, ctx: Ctx, request: Request, connection_id: FromPath[str]) -> ConnectionOut:
        oauth = _oauth(request)
        return oauth.out(await oauth.get(ctx, connection_id))

    @delete("/{connection_id:str}", status_code=200, opt={"scope": "admin"},
            summary="Disconnect: revoke at the provider and forget the tokens")
    async def disconnect(self, ctx: Ctx, request: Request, connection_id: FromPath[str]) -> ConnectionOut:
        oauth = _oauth(request)
        return oauth.out(await oauth.disconnect(ctx, connection_id))


@get(CALLBACK_PATH, tags=["Connections"], security=[], summary="Where the provider sends the person back",
     description="Needs no API key: the single-use `state` names the organization and the authorization. "
                 "Every parameter providers send is declared; `realmId` is QuickBooks' company id.")
async def oauth_callback(request: Request, db: NamedDependency[AsyncSession], code: Param = None,
                         oauth_state: StateParam = None,
                         error: Param = None, error_description: Param = None, error_uri: Param = None,
                         granted_scope: ScopeParam = None, iss: Param = None, session_state: Param = None,
                         realmId: Param = None) -> Response[Any]:
    try:
        connection = await _oauth(request).complete(db, state=oauth_state, code=code, error=error,
                                                    account={"realmId": realmId})
    except OAuthError as exc:
        # Answered, not raised: the spent state is committed, so a replay of this callback is refused too.
        return problem_response(request, status=exc.status, slug=exc.slug, title=exc.title, detail=exc.detail)
    return Response(CallbackOut(status="connected", connection_id=connection.id, provider=connection.provider,
                                external_account_id=connection.external_account_id))
