"""Writing events into the outbox, inside the caller's unit of work.

`emit` takes a declared event type and an instance of its payload. An event the catalog does not declare,
or a payload that is not its type or does not fit its constraints, raises `EventMismatch` where the unit of
work is strict (tests: `HUB_STRICT_EVENTS`), and is logged and written anyway elsewhere: a mistake fails a
test, and never costs a customer an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

import msgspec
import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import EventType
from hub.db import new_id, utcnow
from hub.events.models import Event
from hub.uow import UnitOfWork, touch

__all__ = ["EventMismatch", "append", "emit", "emit_many"]

P = TypeVar("P", bound=msgspec.Struct)
log = structlog.get_logger("hub.events")


class EventMismatch(Exception):
    """An event emitted undeclared, or with a payload that does not fit its declaration."""


def emit(session: AsyncSession, org_id: str, event: EventType[P], payload: P, *, subject_id: str | None = None,
         source: str = "hub", occurred_at: datetime | None = None) -> Event:
    """Add `event` to the outbox; it exists only if the surrounding transaction commits."""
    return append(session, org_id, event.key, _checked(session, event, payload), subject_type=event.subject,
                  subject_id=subject_id, source=source, occurred_at=occurred_at)


async def emit_many(session: AsyncSession, org_id: str, event: EventType[P],
                    payloads: Iterable[tuple[P, str | None]], *, source: str = "hub") -> int:
    """Add many events of one type (payload and subject id each) in one statement, as `emit` would one by one.

    For batch work that reports on thousands of records at once: the rows are written with the session's
    connection, without an ORM object each; they still exist only if the surrounding transaction commits.
    Answers how many were added.
    """
    rows = []
    for payload, subject_id in payloads:
        rows.append({"id": new_id("evt"), "org_id": org_id, "type": event.key,
                     "data": _checked(session, event, payload),
                     "subject_type": event.subject, "subject_id": subject_id, "source": source,
                     "occurred_at": utcnow(), "relayed_at": None})
    if rows:
        await session.execute(insert(Event.__table__), rows)
        touch(session, "events")
    return len(rows)


def append(session: AsyncSession, org_id: str, type: str, data: dict[str, Any], *, subject_type: str | None = None,
           subject_id: str | None = None, source: str = "hub", occurred_at: datetime | None = None) -> Event:
    """Add an event row whose data the caller has already checked against its type (`POST /v1/events`)."""
    row = Event(id=new_id("evt"), org_id=org_id, type=type, data=data, subject_type=subject_type,
                subject_id=subject_id, source=source, occurred_at=occurred_at or utcnow())
    session.add(row)
    touch(session, "events")
    return row


def _checked(session: AsyncSession, event: EventType[P], payload: P) -> dict[str, Any]:
    """The payload as the row's data, once checked: a misfit raises where the unit of work is strict and is
    logged elsewhere (and written anyway)."""
    if (problem := _mismatch(session, event, payload)) is not None:
        if isinstance(session, UnitOfWork) and session.context.strict:
            raise EventMismatch(problem)
        log.error("events.emit.mismatch", event_type=event.key, problem=problem)
    return msgspec.to_builtins(payload)


def _mismatch(session: AsyncSession, event: EventType[Any], payload: Any) -> str | None:
    if not isinstance(payload, event.payload):
        return f"{event.key} takes a {event.payload.__name__}, not a {type(payload).__name__}"
    if not isinstance(session, UnitOfWork):
        return None
    catalog = session.context.catalog
    if catalog is not None and catalog.events.get(event.key) is not event:
        return f"{event.key} is not declared in the catalog"
    try:  # what a receiver will decode: the constraints a bare constructor skips
        msgspec.json.decode(msgspec.json.encode(payload), type=event.payload)
    except msgspec.ValidationError as exc:
        return f"{event.key}: {exc}"
    return None
