"""The QuickBooks Online connector: manifest, client, inbound webhooks and a loopback fake."""

from connectors.quickbooks.client import QuickBooksClient, TokenSource
from connectors.quickbooks.errors import (AuthFailed, NotFound, QuickBooksError, RateLimited, StaleObject,
                                          Unavailable, ValidationFault)
from connectors.quickbooks.inbound import BadPayload, BadSignature, Change, InboundError, receive
from connectors.quickbooks.manifest import MANIFEST

__all__ = [
    "AuthFailed", "BadPayload", "BadSignature", "Change", "InboundError", "MANIFEST", "NotFound",
    "QuickBooksClient", "QuickBooksError", "RateLimited", "StaleObject", "TokenSource", "Unavailable",
    "ValidationFault", "receive",
]
