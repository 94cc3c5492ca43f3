"""Anthropic as a module: the language model it contributes for features to find by key (`anthropic`)."""

from connectors.anthropic.client import open_model
from connectors.anthropic.manifest import DEFAULT_MODEL, PRICES
from hub.language import LanguageProvider
from hub.module import Module

__all__ = ["MODULE", "PROVIDER"]

PROVIDER = LanguageProvider(key="anthropic", label="Anthropic", default_model=DEFAULT_MODEL, open=open_model,
                            prices=PRICES)

MODULE = Module(
    name="anthropic",
    description="Anthropic's Messages API (official SDK): a language model for the features that write.",
    provides=(PROVIDER,),
)
