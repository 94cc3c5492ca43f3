"""The provider side of the Twilio connector: static facts, nothing per organization."""

from __future__ import annotations

from connectors.manifest import Manifest, Operation

__all__ = ["API_VERSION", "MANIFEST", "PRODUCTION_URL"]

# https://www.twilio.com/docs/voice/api/call-resource (the 2010-04-01 REST API)
PRODUCTION_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"

MANIFEST = Manifest(
    key="twilio",
    name="Twilio Programmable Voice",
    oauth_provider="",  # an account SID and auth token per organization (PUT /v1/telephony), not OAuth
    scopes=(),
    allowed_hosts=("api.twilio.com",),
    base_urls={"production": PRODUCTION_URL},
    signature_header="X-Twilio-Signature",
    triggers=(
        Operation("call.completed", "Call completed",
                  "A call between a rep and a contact ended and was logged.", fires="webhook"),
    ),
    actions=(
        Operation("call.start", "Start a call", "Ring the rep's phone, then connect them to the contact.",
                  call="create_call"),
    ),
)
