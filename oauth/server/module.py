"""The hub as an OAuth 2 provider, as a module: its routes, its token type, its upkeep and its commands."""

from __future__ import annotations

from hub.module import Module
from hub.runtime import Hub
from hub.tenancy.auth import TokenType
from oauth.server.commands import oauth_client
from oauth.server.endpoints import oauth_server_router
from oauth.server.models import AuthorizationCode, OAuthClient, OAuthToken
from oauth.server.server import ACCESS_TOKEN_PREFIX
from oauth.server.service import purge, resolve_access_token

__all__ = ["MODULE"]


async def _maintain(hub: Hub) -> dict[str, int]:
    async with hub.sessions.begin() as session:
        return {"oauth_server_rows": await purge(session)}


MODULE = Module(
    name="oauth_server",
    description="The hub as an OAuth 2 provider for Zapier and Make apps: consent, codes with PKCE, rotating "
                "refresh tokens, revocation.",
    models=(OAuthClient, AuthorizationCode, OAuthToken),
    public=(oauth_server_router(),),
    provides=(TokenType(ACCESS_TOKEN_PREFIX, resolve_access_token),),
    commands=(oauth_client,),
    maintenance=_maintain,
)
