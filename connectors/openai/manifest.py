"""The provider side of the OpenAI connector: static facts, nothing per organization."""

from __future__ import annotations

from decimal import Decimal

from connectors.manifest import Manifest
from hub.language import Price

__all__ = ["CHAT_COMPLETIONS", "DEFAULT_MODEL", "MANIFEST", "PRICES", "PRODUCTION_URL"]

# https://platform.openai.com/docs/api-reference/chat/create: the base URL carries the /v1, the SDK adds the rest.
PRODUCTION_URL = "https://api.openai.com/v1"
CHAT_COMPLETIONS = "/chat/completions"
DEFAULT_MODEL = "gpt-4o-mini"

# https://openai.com/api/pricing (US dollars per million tokens, input then output), as published for these models.
PRICES = {
    "gpt-4o-mini": Price(Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": Price(Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-mini": Price(Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": Price(Decimal("2.00"), Decimal("8.00")),
}

MANIFEST = Manifest(
    key="openai",
    name="OpenAI",
    oauth_provider="",  # an API key per organization (PUT /v1/writing/settings), not OAuth
    scopes=(),
    allowed_hosts=("api.openai.com",),
    base_urls={"production": PRODUCTION_URL},
    signature_header="",
    triggers=(),
    actions=(),
)
