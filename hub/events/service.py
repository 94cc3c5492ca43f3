"""Writing events into the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import new_id, utcnow
from hub.events.models import Event

__all__ = ["emit"]


def emit(session: AsyncSession, org_id: str, type: str, data: dict[str, Any], *, subject_type: str | None = None,
         subject_id: str | None = None, source: str = "hub", occurred_at: datetime | None = None) -> Event:
    """Add an event to the session; it exists only if the surrounding transaction commits."""
    event = Event(id=new_id("evt"), org_id=org_id, type=type, data=data, subject_type=subject_type,
                  subject_id=subject_id, source=source, occurred_at=occurred_at or utcnow())
    session.add(event)
    session.info["wrote_events"] = True
    return event
