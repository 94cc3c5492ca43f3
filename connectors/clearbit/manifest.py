"""The provider side of the Clearbit connector: static facts, nothing per organization."""

from __future__ import annotations

from connectors.manifest import Limits, Manifest

__all__ = ["MANIFEST", "PRODUCTION_URL"]

# https://clearbit.com/docs#company-api (Clearbit is now HubSpot's Breeze Intelligence; legacy keys still answer)
PRODUCTION_URL = "https://company.clearbit.com"

MANIFEST = Manifest(
    key="clearbit",
    name="Clearbit Company API",
    oauth_provider="",  # a secret API key per organization (PUT /v1/enrichment/providers/clearbit), not OAuth
    scopes=(),
    allowed_hosts=("company.clearbit.com",),
    base_urls={"production": PRODUCTION_URL},
    signature_header="",  # no inbound webhooks: lookups are answered inline or retried after a 202
    triggers=(),
    actions=(),
    limits=Limits(per_minute=600),
)
