"""OpenAI as a module: the language model it contributes for features to find by key (`openai`)."""

from connectors.openai.client import open_model
from connectors.openai.manifest import DEFAULT_MODEL, PRICES
from hub.language import LanguageProvider
from hub.module import Module

__all__ = ["MODULE", "PROVIDER"]

PROVIDER = LanguageProvider(key="openai", label="OpenAI", default_model=DEFAULT_MODEL, open=open_model,
                            prices=PRICES)

MODULE = Module(
    name="openai",
    description="OpenAI's Chat Completions (official SDK): a language model for the features that write.",
    provides=(PROVIDER,),
)
