from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.types import AwareDatetime

__all__ = ["ApiKeyCreate", "ApiKeyCreated", "ApiKeyOut", "ApiKeyPage", "Me"]

Scope = Literal["read", "write", "admin"]


class ApiKeyCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    scopes: Annotated[list[Scope], Meta(min_length=1)]
    expires_at: AwareDatetime | None = None


class ApiKeyOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


class ApiKeyCreated(ApiKeyOut, kw_only=True):
    key: str = msgspec.field(name="key")


class ApiKeyPage(msgspec.Struct, kw_only=True):
    data: list[ApiKeyOut]
    next_cursor: str | None


class Me(msgspec.Struct, kw_only=True):
    """Who the key belongs to; `label` names the connection in Zapier, Make and the like."""

    org_id: str
    org_name: str
    key_prefix: str
    scopes: list[str]
    label: str
