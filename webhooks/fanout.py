"""Fan-out: each committed event becomes one message per matching endpoint, in the relay's transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.conditions import accepts
from hub.db import new_id, utcnow
from hub.events.models import Event
from hub.uow import after_commit, touch
from webhooks.models import Endpoint, Message

__all__ = ["FanOut", "envelope", "matches"]


def matches(patterns: list[str], event_type: str) -> bool:
    """An empty filter takes every event; `noun.*` takes every event of that noun."""
    if not patterns:
        return True
    return any(p == event_type or p == "*" or (p.endswith(".*") and event_type.startswith(p[:-1]))
               for p in patterns)


def envelope(event_type: str, occurred_at: Any, data: dict[str, Any], *, id: str) -> bytes:
    """The delivered body: `{"id", "type", "timestamp", "data"}`, signed byte for byte; `id` is the event's,
    unique per item as Zapier's deduplication needs."""
    return msgspec.json.encode({"id": id, "type": event_type, "timestamp": occurred_at, "data": data})


class FanOut:
    """An outbox consumer; the relay marks the batch relayed in the same transaction, so fan-out is exactly once.
    Once that transaction commits, the delivery worker is woken and `on_messages` (a broker's publisher) gets
    the ids of the new pending messages."""

    def __init__(self, max_payload_bytes: int, on_messages: Callable[[list[str]], None] | None = None) -> None:
        self.max_payload_bytes = max_payload_bytes
        self.on_messages = on_messages

    async def __call__(self, session: AsyncSession, events: list[Event]) -> None:
        endpoints = await self._endpoints(session, {e.org_id for e in events})
        now, rows = utcnow(), []
        for event in events:
            targets = [ep for ep in endpoints.get(event.org_id, ())
                       if matches(ep.event_types, event.type) and accepts(ep.filters, event.data)]
            if targets:
                body = envelope(event.type, event.occurred_at, event.data, id=event.id)
                rows += [self._row(event, ep.id, body, now) for ep in targets]
        if rows:
            await session.execute(insert(Message.__table__), rows)  # Core executemany: no ORM per row
            touch(session, "webhooks")
            pending = [r["id"] for r in rows if r["status"] == "pending"]
            if self.on_messages is not None and pending:
                publish = self.on_messages
                after_commit(session, lambda: publish(pending))

    async def _endpoints(self, session: AsyncSession, org_ids: set[str]) -> dict[str, list[Any]]:
        columns = (Endpoint.id, Endpoint.org_id, Endpoint.event_types, Endpoint.filters)
        rows = (await session.execute(select(*columns).where(
            Endpoint.org_id.in_(org_ids), Endpoint.state != "disabled"))).all()
        by_org: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_org[row.org_id].append(row)
        return by_org

    def _row(self, event: Event, endpoint_id: str, body: bytes, now: Any) -> dict[str, Any]:
        too_big = len(body) > self.max_payload_bytes
        return {"id": new_id("msg"), "org_id": event.org_id, "endpoint_id": endpoint_id, "event_id": event.id,
                "event_type": event.type, "payload": body.decode(), "status": "failed" if too_big else "pending",
                "attempt_count": 0, "next_attempt_at": None if too_big else now, "created_at": now,
                "finished_at": now if too_big else None,
                "last_error": f"payload of {len(body)} bytes exceeds {self.max_payload_bytes}" if too_big else None}
