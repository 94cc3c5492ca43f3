"""The Twilio connector: click-to-call, call status, inbound calls and the embeddable call button."""

from connectors.twilio.manifest import MANIFEST

__all__ = ["MANIFEST"]
