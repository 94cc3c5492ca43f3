"""Events about OAuth connections."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.catalog import Catalog, EventType

__all__ = ["CONNECTION_CONNECTED", "CONNECTION_EXPIRED", "CONNECTION_REVOKED", "ConnectionChanged", "changed",
           "register"]


class ConnectionChanged(msgspec.Struct, kw_only=True):
    """A connection to an external system changed state."""

    connection_id: str
    provider: str
    state: str
    external_account_id: str | None = None
    reason: str | None = None


_SAMPLE = {"connection_id": "oac_06bqv0e7c1k2m3n4p5q6r7s8t9", "provider": "xero", "state": "connected",
           "external_account_id": "6b2b0bbc-3a1e-4bb4-9e5c-0f9e4f9d9e61"}


CONNECTION_CONNECTED = EventType(key="connection.connected", public=False, payload=ConnectionChanged, subject="connection",
                                 sample=_SAMPLE, description="Someone granted the hub access to an external account.")
CONNECTION_EXPIRED = EventType(key="connection.expired", public=False, payload=ConnectionChanged, subject="connection",
                               sample={**_SAMPLE, "state": "expired",
                                       "reason": "the provider refused the refresh token (invalid_grant)"},
                               description="A connection can no longer refresh its access; someone must connect "
                                           "again.")
CONNECTION_REVOKED = EventType(key="connection.revoked", public=False, payload=ConnectionChanged, subject="connection",
                               sample={**_SAMPLE, "state": "revoked"},
                               description="A connection was disconnected and its tokens revoked.")


def changed(connection: Any, reason: str | None = None) -> ConnectionChanged:
    """The event payload of a connection as it is now."""
    return ConnectionChanged(connection_id=connection.id, provider=connection.provider, state=connection.state,
                             external_account_id=connection.external_account_id, reason=reason)


def register(catalog: Catalog) -> None:
    for event in (CONNECTION_CONNECTED, CONNECTION_EXPIRED, CONNECTION_REVOKED):
        catalog.add_event(event)
