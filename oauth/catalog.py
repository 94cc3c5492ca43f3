"""Events about OAuth connections."""

from __future__ import annotations

import msgspec

from hub.catalog import Catalog, EventType

__all__ = ["ConnectionChanged", "register"]


class ConnectionChanged(msgspec.Struct, kw_only=True):
    """A connection to an external system changed state."""

    connection_id: str
    provider: str
    state: str
    external_account_id: str | None = None
    reason: str | None = None


_SAMPLE = {"connection_id": "oac_06bqv0e7c1k2m3n4p5q6r7s8t9", "provider": "xero", "state": "connected",
           "external_account_id": "6b2b0bbc-3a1e-4bb4-9e5c-0f9e4f9d9e61"}


def register(catalog: Catalog) -> None:
    catalog.add_event(EventType(key="connection.connected", payload=ConnectionChanged, subject="connection",
                                sample=_SAMPLE,
                                description="Someone granted the hub access to an external account."))
    catalog.add_event(EventType(key="connection.expired", payload=ConnectionChanged, subject="connection",
                                sample={**_SAMPLE, "state": "expired",
                                        "reason": "the provider refused the refresh token (invalid_grant)"},
                                description="A connection can no longer refresh its access; someone must "
                                            "connect again."))
    catalog.add_event(EventType(key="connection.revoked", payload=ConnectionChanged, subject="connection",
                                sample={**_SAMPLE, "state": "revoked"},
                                description="A connection was disconnected and its tokens revoked."))
