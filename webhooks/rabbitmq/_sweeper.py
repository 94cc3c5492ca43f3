"""The sweeper: publishes again what the database says has been due for a while and nobody holds."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import structlog
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from webhooks.models import Endpoint, Message
from webhooks.rabbitmq._consumer import RabbitConsumer
from webhooks.rabbitmq._queue import SWEPT, RabbitQueue
from webhooks.worker import Worker

__all__ = ["Sweeper"]

log = structlog.get_logger("webhooks.rabbitmq")


class Sweeper:
    """Publishes again what has been due for `grace` seconds and nobody holds: pending, not leased, its
    endpoint enabled, the head if ordered. At most `per_endpoint` ids per endpoint and `limit` in all per
    sweep, oldest first, and the same id again only after a growing pause. `worker.wake()` (what the API
    calls after a resend, a recover, a test or an enable) sweeps at once, without the grace period."""

    def __init__(self, worker: Worker, queue: RabbitQueue, *, consumer: RabbitConsumer | None = None,
                 every: float = 5.0, grace: float = 10.0, limit: int = 1000, per_endpoint: int = 20,
                 backlog: int | None = None, max_pause: float = 300.0) -> None:
        self.worker, self.queue, self.consumer = worker, queue, consumer
        self.every, self.grace, self.limit, self.per_endpoint = every, grace, limit, per_endpoint
        self.backlog = limit if backlog is None else backlog
        self.max_pause = max_pause
        self._swept: dict[str, tuple[int, float]] = {}  # id → (times published by the sweeper, when last)

    def wake(self) -> None:
        self.worker.wake()

    async def run(self) -> None:
        woken = False
        while True:
            self.worker._wake.clear()
            try:
                await self.sweep(grace=0.0 if woken else None)
            except Exception as exc:  # the database or the broker is away: the next round tries again
                log.warning("webhooks.rabbitmq.sweep_failed", error_class=type(exc).__name__)
            woken = await _woken(self.worker._wake, self.every)

    async def sweep(self, grace: float | None = None) -> int:
        """One round; answers how many ids it published."""
        regular = grace is None
        grace = self.grace if grace is None else grace
        mono = time.monotonic()
        self._swept = {i: s for i, s in self._swept.items() if mono - s[1] < 2 * self.max_pause}
        if regular and self.backlog and await self.queue.ready_count() > self.backlog:
            return 0  # consumers are behind: what is due is most likely waiting in the queue
        now = self.worker.clock()
        due = await self._candidates(now - timedelta(seconds=grace), now)
        ids = [i for i in due if self._may_publish(i, mono)]
        if not ids:
            return 0
        await self.queue.publish(ids)
        for message_id in ids:
            times = self._swept.get(message_id, (0, 0.0))[0]
            self._swept[message_id] = (times + 1, mono)
        if regular:
            SWEPT.inc(len(ids))
            log.info("webhooks.rabbitmq.swept", count=len(ids))
        return len(ids)

    def _may_publish(self, message_id: str, mono: float) -> bool:
        if self.queue.published_lately(message_id, max(self.grace, 1.0)) or (
                self.consumer is not None and self.consumer.holds(message_id)):
            return False
        times, last = self._swept.get(message_id, (0, 0.0))
        return times == 0 or mono - last >= min(max(self.grace, 1.0) * 2 ** (times - 1), self.max_pause)

    async def _candidates(self, cutoff: datetime, now: datetime) -> list[str]:
        earlier = aliased(Message)
        blocked = exists().where(earlier.endpoint_id == Message.endpoint_id, earlier.status == "pending",
                                 earlier.id < Message.id)
        rank = func.row_number().over(partition_by=Message.endpoint_id,
                                      order_by=(Message.next_attempt_at, Message.id)).label("rank")
        due = (select(Message.id, Message.next_attempt_at, rank)
               .join(Endpoint, Endpoint.id == Message.endpoint_id)
               .where(Message.status == "pending", Message.next_attempt_at <= cutoff)
               .where(Endpoint.state == "enabled")
               .where(or_(Message.leased_until.is_(None), Message.leased_until < now))
               .where(or_(Endpoint.ordered.is_(False), ~blocked))).subquery()
        query = select(due.c.id).where(due.c.rank <= self.per_endpoint).order_by(due.c.next_attempt_at).limit(
            self.limit)
        async with self.worker.sessions() as session:
            return list((await session.execute(query)).scalars())


async def _woken(event_: asyncio.Event, timeout: float) -> bool:
    try:
        async with asyncio.timeout(timeout):
            await event_.wait()
        return True
    except TimeoutError:
        return False
