"""Bodies of the REST hook, trigger, field and choice endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

FilterValue = Annotated[str, Meta(max_length=200)] | int | float | bool | None

__all__ = ["Choice", "HookCreated", "HookIn", "HookOut", "HookPage", "PLATFORMS"]

PLATFORMS = ("zapier", "make")


class HookIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Subscribe `target_url` to one trigger of the catalog (`GET /v1/catalog`, `triggers[].key`)."""

    target_url: Annotated[str, Meta(min_length=1, max_length=2048, description="Where to deliver.",
                                    examples=["https://hooks.zapier.com/hooks/standard/101/abc/"])]
    event: Annotated[str, Meta(min_length=1, max_length=100, description="A trigger key of the catalog.",
                               examples=["deal.won"])]
    platform: Annotated[Literal["zapier", "make"], Meta(description="Who subscribes.")]
    filters: Annotated[dict[str, FilterValue], Meta(
        max_length=20, description="Values of the trigger's filters (`GET /v1/catalog`, `triggers[].filters`); "
                                   "only events that meet them all are delivered. Empty values are ignored.",
        examples=[{"pipeline_id": "pip_06bqv0e7c1k2", "min_amount": "1000"}])] = msgspec.field(
        default_factory=dict)


class HookOut(msgspec.Struct, kw_only=True):
    id: str
    target_url: str
    event: str
    platform: str
    endpoint_id: str
    created_at: datetime
    filters: dict[str, Any] | None = None


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
