"""The Zapier app as a module: nothing to serve (REST hooks and the OAuth provider do), one command to export."""

from connectors.zapier.commands import zapier
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="zapier",
    description="The Zapier CLI app, generated from the catalog by `hub zapier export`.",
    commands=(zapier,),
)
