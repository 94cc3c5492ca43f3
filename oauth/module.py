"""OAuth connections as a module of the hub: authorize, callback, health, disconnect, and the one refresher."""

from __future__ import annotations

from hub.module import Module
from hub.runtime import Hub
from oauth._providers import Provider
from oauth.catalog import register
from oauth.endpoints import ConnectionController, oauth_callback
from oauth.models import AuthorizationRequest, Connection
from oauth.service import OAuth, purge_authorizations
from oauth.settings import OAuthSettings

__all__ = ["MODULE"]


def _build(hub: Hub) -> None:
    hub.provide(OAuth.build(hub.config(OAuthSettings), hub.cipher, hub.settings.public_url,
                            hub.contributions(Provider)))


async def _maintain(hub: Hub) -> dict[str, int]:
    """Forget authorizations nobody completed; where this process runs jobs, keep quiet grants alive."""
    async with hub.sessions.begin() as session:
        counts = {"oauth_authorizations": await purge_authorizations(session)}
    if hub.delivers:
        counts["oauth_refreshed"] = await hub.service(OAuth).refresh_idle(hub.sessions)
    return counts


MODULE = Module(
    name="oauth",
    description="Connections to outside accounts through OAuth 2: tokens sealed at rest, refreshed once across "
                "every process; the providers come from the connectors.",
    settings=OAuthSettings,
    models=(AuthorizationRequest, Connection),
    routes=(ConnectionController, oauth_callback),
    catalog=register,
    build=_build,
    maintenance=_maintain,
)
