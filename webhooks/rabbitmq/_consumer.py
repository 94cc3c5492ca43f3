"""The consumer beside a Worker: claims the ids it receives, delivers, records, then acknowledges."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass
from itertools import islice
from typing import Any

import structlog
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased

from webhooks.dispatch import give_back
from webhooks.models import Endpoint, Message
from webhooks.rabbitmq._queue import PUBLISH_FAILED, RabbitQueue, decode_ids
from webhooks.recording import Result
from webhooks.slots import Slots
from webhooks.worker import Job, Worker

__all__ = ["RabbitConsumer"]

log = structlog.get_logger("webhooks.rabbitmq")


@dataclass(eq=False)
class _Delivery:
    """A broker message and how many of the ids it carried are not settled yet."""

    message: AbstractIncomingMessage
    open: int


_DROP, _LATER, _PARK = "drop", "later", "park"


class RabbitConsumer:
    """Runs beside a Worker: consumes ids, claims them through it, delivers, records, then acknowledges.

    Holds messages as the embedded loop does (`webhooks.slots`): at most `HUB_WEBHOOK_CONCURRENCY`
    attempts in flight, each endpoint's room in flight and more leased and waiting. Due ids beyond what an
    endpoint may hold (or behind an in-flight ordered head) are parked in memory, acknowledged, and claimed
    once the endpoint holds half or less; the sweeper covers them if the process dies. Later ids of an
    ordered endpoint are dropped: when its head is done, the next one is published.
    """

    def __init__(self, worker: Worker, queue: RabbitQueue, *, batch_size: int = 200,
                 batch_wait: float = 0.005, prefetch: int | None = None, max_parked: int = 100_000) -> None:
        self.worker, self.queue = worker, queue
        self.batch_size, self.batch_wait, self.max_parked = batch_size, batch_wait, max_parked
        self.prefetch = prefetch or 2 * worker.config.concurrency
        self.concurrency = worker.config.concurrency
        self.stats: Counter[str] = Counter()
        self._incoming: deque[tuple[str, _Delivery]] = deque()
        self._incoming_ids: Counter[str] = Counter()
        self._holding: dict[str, list[_Delivery]] = {}  # claimed ids → broker messages that carried them
        self._parked: dict[str, dict[str, None]] = {}  # endpoint → due ids waiting for room, in arrival order
        self._parked_at: dict[str, str] = {}  # parked id → its endpoint
        self._retry_at: dict[str, float] = {}  # endpoint with parked ids → when to try to claim them
        self._pause: dict[str, float] = {}  # endpoint → back-off after a try that claimed nothing
        self._ordered: dict[str, tuple[bool, float]] = {}  # endpoint → (ordered?, known until)
        self._done: asyncio.Queue[Result] = asyncio.Queue()
        self.slots = Slots(worker, on_result=self._done.put_nowait, on_free=self._on_free)
        self._recording = 0  # results taken from `_done` and not yet recorded
        self._after: list[asyncio.Task[None]] = []  # publishing and acknowledging recorded batches
        self._wakeup = asyncio.Event()
        self._draining = False

    def holds(self, message_id: str) -> bool:
        """Whether this consumer has the id waiting, in flight or parked (the sweeper skips those)."""
        return (message_id in self._incoming_ids or message_id in self._holding
                or message_id in self._parked_at)

    @property
    def parked(self) -> int:
        return len(self._parked_at)

    async def run(self) -> None:
        """Consume until cancelled (or drained); a lost connection is restored underneath and consuming
        resumes. Cancelled, attempts under way are abandoned: their leases expire and the sweeper publishes
        them again."""
        while True:
            try:
                await self.queue.consume(self._on_message, self.prefetch)
                break
            except Exception as exc:  # e.g. the connection dropped right now: it is being restored
                log.warning("webhooks.rabbitmq.consume_failed", error_class=type(exc).__name__)
                await asyncio.sleep(1)
        helpers = [asyncio.create_task(self._record_loop(), name="rabbit-recorder"),
                   asyncio.create_task(self._tick_loop(), name="rabbit-ticker")]
        try:
            await self._claim_loop()
            while self._busy():
                await asyncio.sleep(0.02)
        finally:
            for task in [*helpers, *self._after]:
                task.cancel()
            await asyncio.gather(*helpers, *self._after, return_exceptions=True)
            await self.slots.stop()
            await give_back(self.worker, self.slots.take_all())  # unacknowledged: the broker delivers them again

    async def drain(self, timeout: float) -> bool:
        """Take nothing more, and let the attempts under way finish, be recorded and acknowledged, for up to
        `timeout` seconds (a graceful stop); `run()` then returns. Answers whether all of them made it."""
        self._draining = True
        self._wakeup.set()
        await self.queue.stop_consuming()
        deadline = asyncio.get_running_loop().time() + timeout
        while self._busy() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        return not self._busy()

    def _busy(self) -> bool:
        return (bool(self.slots.tasks) or self.slots.waiting() > 0 or not self._done.empty() or self._recording > 0
                or any(not task.done() for task in self._after))

    # Receiving

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            ids = decode_ids(message.body)
        except ValueError:
            log.warning("webhooks.rabbitmq.bad_message", size=len(message.body))
            await _ack(message)
            return
        delivery = _Delivery(message, len(ids))
        for message_id in ids:
            self._incoming.append((message_id, delivery))
            self._incoming_ids[message_id] += 1
        if not ids:
            await _ack(message)
        self._wakeup.set()

    def _room(self) -> int:
        return 2 * self.concurrency - self.slots.held()

    async def _claim_loop(self) -> None:
        while not self._draining:
            self._wakeup.clear()
            try:
                if self._room() > 0 and self._retry_at and await self._unpark():
                    continue
                if self._room() > 0 and self._incoming:
                    if len(self._incoming) < min(self._room(), self.batch_size):
                        await asyncio.sleep(self.batch_wait)  # let a few more arrive: one claim for all
                    await self._take(min(self._room(), self.batch_size))
                    continue
            except Exception as exc:  # a bug (database and broker errors are handled where they occur)
                log.error("webhooks.rabbitmq.claim_loop_failed", error_class=type(exc).__name__, exc_info=exc)
                await asyncio.sleep(1)
                continue
            await self._wakeup.wait()

    async def _take(self, n: int) -> None:
        batch = [self._incoming.popleft() for _ in range(min(n, len(self._incoming)))]
        for message_id, _ in batch:
            self._incoming_ids[message_id] -= 1
            if not self._incoming_ids[message_id]:
                del self._incoming_ids[message_id]
            self.queue.recent.pop(message_id, None)  # no longer waiting in the queue: sweep it if need be
        ids = list(dict.fromkeys(message_id for message_id, _ in batch))
        try:
            jobs = await self.worker.claim(len(ids), among=ids, prefetch=True)
        except Exception as exc:  # the database is away: keep the ids (unacknowledged) and try again
            log.warning("webhooks.claim.failed", error_class=type(exc).__name__)
            self._put_back(batch)
            await asyncio.sleep(self.worker.poll_interval)
            return
        claimed = {job.message_id for job in jobs}
        for message_id, delivery in batch:
            if message_id in claimed:
                self._holding.setdefault(message_id, []).append(delivery)
        self._start(jobs)
        if rest := [(i, d) for i, d in batch if i not in claimed]:
            await self._settle_unclaimed(rest)

    def _put_back(self, batch: list[tuple[str, _Delivery]]) -> None:
        self._incoming.extendleft(reversed(batch))
        for message_id, _ in batch:
            self._incoming_ids[message_id] += 1

    # Delivering

    def _start(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._unpark_one(job.message_id)
        self.slots.add(jobs)
        for endpoint_id in {job.endpoint_id for job in jobs}:
            self.slots.start(endpoint_id)
        self.stats["claimed"] += len(jobs)

    def _on_free(self, endpoint_id: str) -> None:
        """An attempt ended: claim more of the endpoint's parked ids once it holds half or less."""
        if endpoint_id in self._parked and 2 * self.worker.inflight[endpoint_id] <= self.worker.hold(endpoint_id):
            self._retry_at[endpoint_id] = 0.0
            self._pause.pop(endpoint_id, None)
        self._wakeup.set()

    async def _give_back(self, jobs: list[Job]) -> None:
        """Release leased ids that would wait too long; they stay parked here, and what carried them is settled."""
        await give_back(self.worker, jobs)
        for job in jobs:
            self._park(job.endpoint_id, job.message_id)
            for delivery in self._holding.pop(job.message_id, []):
                await self._settle(delivery)

    async def _record_loop(self) -> None:
        while True:
            batch = [await self._done.get()]
            while not self._done.empty() and len(batch) < 500:
                batch.append(self._done.get_nowait())
            self._recording = len(batch)
            while True:
                try:
                    retries = await self.worker._record(batch)
                    break
                except Exception as exc:  # keep the results and retry; the leases hold meanwhile
                    log.warning("webhooks.record.failed", error_class=type(exc).__name__, count=len(batch))
                    await asyncio.sleep(1)
            now = self.worker.clock()
            await self._give_back(self.slots.take_broken(now) + self.slots.take_late(now))
            # Publishing waits for the broker's confirms (up to its timeout while the broker is away): do it
            # beside the next recordings, not before them, so no result waits past its lease to be recorded.
            self._after.append(asyncio.create_task(self._publish_and_settle(batch, retries)))
            self._after = [task for task in self._after if not task.done()]
            self._recording = 0

    async def _publish_and_settle(self, batch: list[Result], retries: dict[str, Any]) -> None:
        """Publish the batch's retries and the next heads of its ordered endpoints, then acknowledge what
        carried it."""
        await self._publish_due(retries, "retry")
        finished = {r.job.endpoint_id for r in batch if r.job.message_id not in retries}
        if finished:
            await self._publish_next_of_ordered(finished)
        for result in batch:
            for delivery in self._holding.pop(result.job.message_id, []):
                await self._settle(delivery)
        self.stats["recorded"] += len(batch)

    async def _publish_next_of_ordered(self, endpoint_ids: set[str]) -> None:
        """An ordered endpoint's later messages were dropped while its head was pending: publish the new
        head. Skips the endpoints known, for the last 30 s, not to be ordered."""
        now = time.monotonic()
        maybe_ordered = [ep for ep in endpoint_ids
                         if (seen := self._ordered.get(ep)) is None or seen[0] or seen[1] <= now]
        if not maybe_ordered:
            return
        head = (select(func.min(Message.id))
                .where(Message.endpoint_id == Endpoint.id, Message.status == "pending").scalar_subquery())
        try:
            async with self.worker.sessions() as session:
                rows = (await session.execute(select(Endpoint.id, Endpoint.ordered, head)
                                              .where(Endpoint.id.in_(maybe_ordered)))).all()
            for endpoint_id, ordered, _ in rows:
                self._ordered[endpoint_id] = (ordered, now + 30.0)
            if heads := [h for _, ordered, h in rows if ordered and h]:
                await self.queue.publish(heads)
        except Exception as exc:  # the sweeper publishes the head once it has been due for a while
            log.warning("webhooks.rabbitmq.next_of_ordered_failed", error_class=type(exc).__name__)

    # What was not claimed

    async def _settle_unclaimed(self, entries: list[tuple[str, _Delivery]]) -> None:
        ids = list(dict.fromkeys(message_id for message_id, _ in entries))
        try:
            fates = await self._fates(ids)
        except Exception as exc:
            log.warning("webhooks.rabbitmq.classify_failed", error_class=type(exc).__name__)
            self._put_back(entries)
            await asyncio.sleep(self.worker.poll_interval)
            return
        await self._apply(fates)
        for _, delivery in entries:
            await self._settle(delivery)

    async def _fates(self, ids: list[str]) -> dict[str, tuple[str, Any, str | None]]:
        """Why each id was not claimed: done or held elsewhere (drop), not due (later), or due and waiting
        for room (park)."""
        now = self.worker.clock()
        earlier = aliased(Message)
        blocked = exists().where(earlier.endpoint_id == Message.endpoint_id, earlier.status == "pending",
                                 earlier.id < Message.id)
        query = (select(Message.id, Message.status, Message.next_attempt_at, Message.leased_until,
                        Message.endpoint_id, Endpoint.state, Endpoint.ordered,
                        case((Endpoint.ordered, blocked), else_=False).label("blocked"))
                 .join(Endpoint, Endpoint.id == Message.endpoint_id).where(Message.id.in_(ids)))
        async with self.worker.sessions() as session:
            rows = (await session.execute(query)).all()
        fates: dict[str, tuple[str, Any, str | None]] = {i: (_DROP, None, None) for i in ids}
        expires = time.monotonic() + 30.0
        for row in rows:
            self._ordered[row.endpoint_id] = (bool(row.ordered), expires)
            if row.status != "pending" or row.next_attempt_at is None or row.state != "enabled":
                continue  # finished, or its endpoint is paused or disabled (swept once enabled again)
            if row.leased_until is not None and row.leased_until >= now:
                continue  # an attempt is under way; its worker records it and publishes any retry
            if row.next_attempt_at > now:
                fates[row.id] = (_LATER, row.next_attempt_at, row.endpoint_id)
            elif not row.blocked:
                fates[row.id] = (_PARK, None, row.endpoint_id)
            # blocked behind the pending head of an ordered endpoint: published when the head is done
        return fates

    async def _apply(self, fates: dict[str, tuple[str, Any, str | None]]) -> None:
        later = {i: at for i, (fate, at, _) in fates.items() if fate == _LATER}
        for message_id, (fate, _, endpoint_id) in fates.items():
            self.stats[fate] += 1
            if fate == _PARK and endpoint_id is not None:
                self._park(endpoint_id, message_id)
            else:
                self._unpark_one(message_id)
        await self._publish_due(later, "later")

    async def _publish_due(self, due: dict[str, Any], path: str) -> None:
        """Publish ids into the queues their due times fit; a failure leaves them to the sweeper."""
        if not due:
            return
        try:
            await self.queue.publish_due(due, self.worker.clock())
        except Exception as exc:  # the sweeper publishes them once due
            PUBLISH_FAILED.labels(path).inc()
            log.warning("webhooks.rabbitmq.publish_failed", path=path, count=len(due),
                        error_class=type(exc).__name__)

    def _park(self, endpoint_id: str, message_id: str) -> None:
        if message_id in self._parked_at:
            return
        if len(self._parked_at) >= self.max_parked:
            return  # dropped: the sweeper publishes it again after its grace period
        self._parked.setdefault(endpoint_id, {})[message_id] = None
        self._parked_at[message_id] = endpoint_id
        self._retry_at.setdefault(endpoint_id, 0.0)

    def _unpark_one(self, message_id: str) -> None:
        endpoint_id = self._parked_at.pop(message_id, None)
        if endpoint_id is None:
            return
        parked = self._parked[endpoint_id]
        del parked[message_id]
        if not parked:
            del self._parked[endpoint_id]
            self._retry_at.pop(endpoint_id, None)
            self._pause.pop(endpoint_id, None)

    async def _unpark(self) -> int:
        """Claim parked ids of endpoints that have room again; answers how many."""
        now, room, candidates = time.monotonic(), self._room(), {}
        for endpoint_id, at in list(self._retry_at.items()):
            if at > now or room <= 0:
                continue
            free = self.worker.hold(endpoint_id) - self.worker.inflight[endpoint_id]
            if free <= 0:
                self._retry_at[endpoint_id] = float("inf")  # until one of its attempts ends
                continue
            ids = list(islice(self._parked[endpoint_id], min(free, room)))
            candidates.update({i: endpoint_id for i in ids})
            room -= len(ids)
        if not candidates:
            return 0
        jobs: list[Job] = []
        try:
            jobs = await self.worker.claim(len(candidates), among=list(candidates), prefetch=True)
            self._start(jobs)
            claimed = {job.message_id for job in jobs}
            if rest := [i for i in candidates if i not in claimed]:
                await self._apply(await self._fates(rest))
        except Exception as exc:
            log.warning("webhooks.rabbitmq.unpark_failed", error_class=type(exc).__name__)
            claimed = set()
        now = time.monotonic()
        for endpoint_id in set(candidates.values()):
            if endpoint_id not in self._retry_at:
                continue
            if any(candidates[i] == endpoint_id for i in claimed):
                self._pause.pop(endpoint_id, None)
                self._retry_at[endpoint_id] = now
            else:  # nothing came of it (a lock, a race with its due time): back off up to 5 s
                pause = min(self._pause.get(endpoint_id, 0.025) * 2, 5.0)
                self._pause[endpoint_id] = pause
                self._retry_at[endpoint_id] = now + pause
        return len(jobs)

    async def _tick_loop(self, every: float = 0.1) -> None:
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            if any(at <= now for at in self._retry_at.values()):
                self._wakeup.set()

    async def _settle(self, delivery: _Delivery) -> None:
        delivery.open -= 1
        if delivery.open == 0:
            await _ack(delivery.message)


async def _ack(message: AbstractIncomingMessage) -> None:
    """Acknowledge; after a reconnect the old channel is gone and the broker delivers the message again
    (the claim then finds it done or held), so a failed ack needs nothing more."""
    try:
        await message.ack()
    except Exception as exc:
        log.debug("webhooks.rabbitmq.ack_failed", error_class=type(exc).__name__)
