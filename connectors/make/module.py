"""The Make app as a module: nothing to serve (REST hooks and the OAuth provider do), one command to export."""

from connectors.make.commands import make
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="make",
    description="The Make custom app, generated from the catalog by `hub make export`.",
    commands=(make,),
)
