"""The relay: hands committed events on to their consumers, in the consumers' own transaction."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Awaitable, Callable

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db import utcnow
from hub.events.models import Event

__all__ = ["Consumer", "Relay"]

Consumer = Callable[[AsyncSession, list[Event]], Awaitable[None]]
log = structlog.get_logger("hub.outbox")


class Relay:
    """Reads only committed, unrelayed events; a batch is marked relayed in the transaction its consumers
    write in, so a consumer sees each event once unless that transaction fails, and then again. Woken by a
    committed unit of work that wrote events; polls every `interval` for other processes'."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], consumers: list[Consumer], *,
                 batch: int = 500, interval: float = 1.0) -> None:
        self.sessions, self.consumers, self.batch, self.interval = sessions, consumers, batch, interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        async with self.sessions() as session, session.begin():
            query = select(Event).where(Event.relayed_at.is_(None)).order_by(Event.id).limit(self.batch)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            events = list((await session.execute(query)).scalars())
            if not events:
                return 0
            for consume in self.consumers:
                await consume(session, events)
            await session.execute(update(Event).where(Event.id.in_([e.id for e in events]))
                                  .values(relayed_at=utcnow()))
        return len(events)  # what consumers touched (messages, jobs) is woken by their unit of work

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                if await self.run_once() == self.batch:
                    continue
            except Exception as exc:  # retried next round: the events stay unrelayed
                log.error("outbox.relay.failed", error_class=type(exc).__name__, exc_info=exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
