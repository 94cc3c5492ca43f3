"""Anthropic as a module: the language model it contributes for features to find by key (`anthropic`)."""

from connectors.anthropic.manifest import DEFAULT_MODEL, PRICES
from hub.language import Credentials, LanguageModel, LanguageProvider
from hub.module import Module

__all__ = ["MODULE", "PROVIDER"]


def open_model(credentials: Credentials) -> LanguageModel:
    """A model on the organization's credentials."""
    # The SDK is imported on first use: importing it takes seconds that a hub which never writes with it should
    # not spend at every start.
    from connectors.anthropic.client import open_model as opened

    return opened(credentials)


PROVIDER = LanguageProvider(key="anthropic", label="Anthropic", default_model=DEFAULT_MODEL, open=open_model,
                            prices=PRICES)

MODULE = Module(
    name="anthropic",
    description="Anthropic's Messages API (official SDK): a language model for the features that write.",
    provides=(PROVIDER,),
)
