"""Hunter as a module: the domain search contributed as an enrichment provider."""

from connectors.hunter.provider import HunterProvider
from connectors.hunter.settings import HunterSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="hunter",
    description="Hunter.io: company facts and the email address pattern from its domain search, offered to "
                "company enrichment as suggestions.",
    settings=HunterSettings,
    provides=(HunterProvider(),),
)
