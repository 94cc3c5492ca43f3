"""The Xero connector: manifest, client, inbound webhooks and a loopback fake."""

from connectors.xero.client import TokenSource, XeroClient, from_refresher, parse_xero_date
from connectors.xero.errors import AuthFailed, NotFound, RateLimited, Unavailable, ValidationFailed, XeroError
from connectors.xero.inbound import Change, Verdict, receive, verify
from connectors.xero.manifest import MANIFEST

__all__ = [
                                    "MANIFEST",
                                    "AuthFailed",
                                    "Change",
                                    "NotFound",
                                    "RateLimited",
                                    "TokenSource",
                                    "Unavailable",
                                    "ValidationFailed",
                                    "Verdict",
                                    "XeroClient",
                                    "XeroError",
                                    "from_refresher",
                                    "parse_xero_date",
                                    "receive",
                                    "verify",
]
