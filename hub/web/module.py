"""The hub's pages: sign-in, portal links and the layout every module's pages share."""

from hub.module import Module
from hub.web._access import create_portal_link

__all__ = ["MODULE"]

MODULE = Module(
    name="web",
    description="Sign-in with an API key or a portal link, and the look every module's pages share.",
    routes=(create_portal_link,),
)
