"""Bodies of the REST hook, trigger, field and choice endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["Choice", "HookCreated", "HookIn", "HookOut", "HookPage", "PLATFORMS"]

PLATFORMS = ("zapier", "make")


class HookIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Subscribe `target_url` to one trigger of the catalog (`GET /v1/catalog`, `triggers[].key`)."""

    target_url: Annotated[str, Meta(min_length=1, max_length=2048)]
    event: Annotated[str, Meta(min_length=1, max_length=100)]
    platform: Literal["zapier", "make"]


class HookOut(msgspec.Struct, kw_only=True):
    id: str
    target_url: str
    event: str
    platform: str
    endpoint_id: str
    created_at: datetime


class HookCreated(HookOut, kw_only=True):
    """`secret` signs every delivery (Standard Webhooks); it is in this answer only."""

    secret: str


class HookPage(msgspec.Struct, kw_only=True):
    data: list[HookOut]
    next_cursor: str | None


class Choice(msgspec.Struct, kw_only=True):
    """One entry of a dropdown: the value to send, and what a person sees."""

    id: str
    label: str
