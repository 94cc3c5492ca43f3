from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from hub.types import AwareDatetime

__all__ = ["EventBatch", "EventIn", "EventList", "EventOut", "EventPage"]

EventTypeName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=100)]


class EventIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An event from the wider CRM; `data` must fit the schema its type declares in the catalog."""

    type: EventTypeName
    data: dict[str, Any]
    occurred_at: AwareDatetime | None = None
    subject_type: Annotated[str, Meta(max_length=30)] | None = None
    subject_id: Annotated[str, Meta(max_length=40)] | None = None


class EventBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Up to 100 events, written together or not at all."""

    events: Annotated[list[EventIn], Meta(min_length=1, max_length=100)]


class EventOut(msgspec.Struct, kw_only=True):
    id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    subject_type: str | None
    subject_id: str | None
    source: str


class EventPage(msgspec.Struct, kw_only=True):
    data: list[EventOut]
    next_cursor: str | None


class EventList(msgspec.Struct, kw_only=True):
    data: list[EventOut]
