"""The provider side of the Hunter connector: static facts, nothing per organization."""

from __future__ import annotations

from connectors.manifest import Limits, Manifest

__all__ = ["MANIFEST", "PRODUCTION_URL"]

# https://hunter.io/api-documentation/v2 (API v2; every path below sits under /v2)
PRODUCTION_URL = "https://api.hunter.io"

MANIFEST = Manifest(
    key="hunter",
    name="Hunter.io Domain Search",
    oauth_provider="",  # an API key per organization (PUT /v1/enrichment/providers/hunter), not OAuth
    scopes=(),
    allowed_hosts=("api.hunter.io",),
    base_urls={"production": PRODUCTION_URL},
    signature_header="",  # no inbound webhooks
    triggers=(),
    actions=(),
    limits=Limits(per_minute=900),  # 15 requests a second; the plan's monthly searches apply besides
)
