"""The provider side of the Anthropic connector: static facts, nothing per organization."""

from __future__ import annotations

from decimal import Decimal

from connectors.manifest import Manifest
from hub.language import Price

__all__ = ["API_VERSION", "DEFAULT_MODEL", "MANIFEST", "MESSAGES", "PRICES", "PRODUCTION_URL"]

# https://docs.anthropic.com/en/api/messages: the base URL has no /v1; the SDK posts to /v1/messages.
PRODUCTION_URL = "https://api.anthropic.com"
MESSAGES = "/v1/messages"
API_VERSION = "2023-06-01"  # the `anthropic-version` header the SDK sends
DEFAULT_MODEL = "claude-haiku-4-5"

# https://www.anthropic.com/pricing#api (US dollars per million tokens, input then output).
PRICES = {
    "claude-haiku-4-5": Price(Decimal("1.00"), Decimal("5.00")),
    "claude-sonnet-4-5": Price(Decimal("3.00"), Decimal("15.00")),
    "claude-opus-4-1": Price(Decimal("15.00"), Decimal("75.00")),
}

MANIFEST = Manifest(
    key="anthropic",
    name="Anthropic",
    oauth_provider="",  # an API key per organization (PUT /v1/writing/settings), not OAuth
    scopes=(),
    allowed_hosts=("api.anthropic.com",),
    base_urls={"production": PRODUCTION_URL},
    signature_header="",
    triggers=(),
    actions=(),
)
