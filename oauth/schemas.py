"""What the connections API answers; a token never appears in any of these."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = ["AuthorizationOut", "CallbackOut", "ConnectionOut", "ConnectionPage"]


class AuthorizationOut(msgspec.Struct, kw_only=True):
    """Where to send the person who grants access; `state` is valid once, until `expires_at`."""

    authorization_url: str
    state: str
    expires_at: datetime


class ConnectionOut(msgspec.Struct, kw_only=True):
    """A connection and its health."""

    id: str
    provider: str
    state: Literal["connected", "expired", "revoked"]
    scopes: list[str]
    external_account_id: str | None
    connected_at: datetime
    expires_at: datetime | None
    last_refreshed_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failing_since: datetime | None
    refresh_failures: int
    created_at: datetime
    updated_at: datetime


class ConnectionPage(msgspec.Struct, kw_only=True):
    data: list[ConnectionOut]
    next_cursor: str | None


class CallbackOut(msgspec.Struct, kw_only=True):
    """The redirect target's answer once the grant is stored."""

    status: Literal["connected"]
    connection_id: str
    provider: str
    external_account_id: str | None
