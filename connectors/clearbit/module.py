"""Clearbit as a module: the Company API contributed as an enrichment provider."""

from connectors.clearbit.provider import ClearbitProvider
from connectors.clearbit.settings import ClearbitSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="clearbit",
    description="Clearbit: company records from the Company API by domain, offered to company enrichment as "
                "suggestions.",
    settings=ClearbitSettings,
    provides=(ClearbitProvider(),),
)
