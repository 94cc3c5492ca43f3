"""The RabbitMQ queue backend: the broker carries message ids, the database keeps every state.

Queues, all named under a prefix (default `hub.webhooks`):

- `<prefix>.deliveries`, a durable quorum queue of ids that are due. A consumer hands them to
  `Worker.claim(among=ids)`, which leases only what is due, unleased, of an enabled endpoint and within
  its caps: a duplicate, an early or a finished id yields nothing, so the broker may deliver twice.
- `<prefix>.delay.<n>s`, classic durable queues with one fixed TTL each that dead-letter into the work
  queue. A retry waits in the largest one not longer than its remaining delay and is delayed again if it
  comes back early. One TTL per queue means nothing waits behind a longer-lived message (RabbitMQ
  expires only at the head of a queue).

A broker message is acknowledged only once what it carried is settled: recorded (and, for a retry,
published into a delay queue), parked for its endpoint's cap, delayed, or found done. A crash before
that leaves it unacknowledged, so it is delivered again and the claim deduplicates.

Nothing relies on the broker alone: the sweeper publishes again what the database says has been due for
a while and nobody holds, so a lost publish or a lost broker message delays a delivery by seconds and
never stalls it; the robust connection reconnects and declares the queues again after a broker restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Awaitable, Callable, Iterable, Mapping, Sequence

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustQueue,
)
from aiormq.exceptions import ChannelClosed, ChannelInvalidStateError, DeliveryError, PublishError
from prometheus_client import Counter as MetricCounter
from sqlalchemy import case, event, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.events.models import Event
from webhooks.models import Endpoint, Message
from webhooks.recording import Result
from webhooks.worker import Job, Worker

__all__ = ["DELAYS", "CommitPublisher", "RabbitBackend", "RabbitConsumer", "RabbitQueue", "Sweeper",
           "decode_ids"]

log = structlog.get_logger("webhooks.rabbitmq")

# Fixed delay queues, seconds: a retry schedule of 5 s, 5 min, 30 min, 2 h, 5 h, 10 h… takes few hops.
DELAYS: tuple[float, ...] = (1, 5, 30, 300, 1800, 7200, 21600)
WORK_QUEUE_ARGUMENTS = {"x-queue-type": "quorum"}
IDS_PER_MESSAGE = 100  # ids in one broker message: fewer publishes and confirms, one ack for all

SWEPT = MetricCounter("hub_webhook_broker_swept_total",
                      "Due messages the sweeper published again: their broker message went missing")
PUBLISH_FAILED = MetricCounter("hub_webhook_broker_publish_failures_total",
                               "Publishes given up on (the sweeper publishes those messages again)", ["path"])


def decode_ids(body: bytes) -> list[str]:
    """A broker message carries a JSON list of message ids, or one bare id."""
    text = body.decode().strip()
    if text.startswith("["):
        ids = json.loads(text)
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise ValueError("expected a JSON list of message ids")
        return ids
    if not text or any(c.isspace() for c in text):
        raise ValueError("expected a message id")
    return [text]


def _retryable(exc: BaseException) -> bool:
    """Connection and channel loss (the robust connection restores them) and broker nacks; not unroutable."""
    if isinstance(exc, PublishError):
        return False
    return isinstance(exc, (ConnectionError, ChannelInvalidStateError, ChannelClosed, DeliveryError))


def _label(seconds: float) -> str:
    return f"{seconds:g}s"


class RabbitQueue:
    """The broker side: a robust connection, the queues, confirmed publishing of ids, and consuming."""

    def __init__(self, url: str, *, prefix: str = "hub.webhooks", delays: Sequence[float] = DELAYS,
                 connection_name: str | None = None, reconnect_interval: float = 2.0,
                 publish_timeout: float = 10.0, ids_per_message: int = IDS_PER_MESSAGE,
                 remember_seconds: float = 60.0) -> None:
        delays = tuple(float(d) for d in delays)
        if not delays or any(d <= 0 for d in delays) or list(delays) != sorted(set(delays)):
            raise ValueError("delays are positive seconds in increasing order")
        self.url, self.prefix, self.delays = url, prefix, delays
        self.work_name = f"{prefix}.deliveries"
        self.delay_names = {d: f"{prefix}.delay.{_label(d)}" for d in delays}
        self.connection_name = connection_name or f"crm-hub webhooks {socket.gethostname()}:{os.getpid()}"
        self.reconnect_interval, self.publish_timeout = reconnect_interval, publish_timeout
        self.ids_per_message, self.remember_seconds = ids_per_message, remember_seconds
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._work: AbstractRobustQueue | None = None
        self._consumers: list[tuple[AbstractRobustChannel, AbstractRobustQueue, str]] = []
        # Ids this process published to the work queue lately, by monotonic time: the sweeper leaves them be.
        self.recent: OrderedDict[str, float] = OrderedDict()

    @property
    def queue_names(self) -> list[str]:
        return [self.work_name, *self.delay_names.values()]

    async def connect(self) -> RabbitQueue:
        """Connect and declare the queues; raises when the broker cannot be reached now."""
        connection = await aio_pika.connect_robust(
            self.url, client_properties={"connection_name": self.connection_name},
            reconnect_interval=self.reconnect_interval, timeout=10)
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            self._work = await self._declare(channel)
        except BaseException:
            await connection.close()
            raise
        self.connection, self._channel = connection, channel
        return self

    async def _declare(self, channel: AbstractRobustChannel) -> AbstractRobustQueue:
        work = await channel.declare_queue(self.work_name, durable=True, arguments=WORK_QUEUE_ARGUMENTS)
        for seconds, name in self.delay_names.items():
            await channel.declare_queue(name, durable=True, arguments={
                "x-message-ttl": int(seconds * 1000), "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.work_name})
        return work

    async def stop_consuming(self) -> None:
        """No more deliveries; the channels stay open, so what was delivered can still be acknowledged."""
        for _, queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(queue.cancel(tag), timeout=2)

    async def _close_consumers(self) -> None:
        await self.stop_consuming()
        for channel, _, _ in self._consumers:  # what is still unacknowledged goes back to the queue
            with contextlib.suppress(Exception):
                await asyncio.wait_for(channel.close(), timeout=2)
        self._consumers.clear()

    async def close(self) -> None:
        await self._close_consumers()
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
        self.connection = self._channel = self._work = None

    async def __aenter__(self) -> RabbitQueue:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def publish(self, ids: Iterable[str]) -> int:
        """Publish ids to the work queue, persistent, and wait for the broker's confirms; answers how many."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        stamp = time.monotonic()
        self._forget_recent(stamp)
        for message_id in ids:  # noted before sending, so a sweep running meanwhile leaves them alone
            self.recent[message_id] = stamp
            self.recent.move_to_end(message_id)
        await self._send(self.work_name, ids)
        return len(ids)

    async def publish_later(self, message_id: str, due_at: datetime, now: datetime) -> None:
        """Publish into the delay queue that fits `due_at`, or to the work queue when it is due."""
        await self.publish_due({message_id: due_at}, now)

    async def publish_due(self, due: Mapping[str, datetime], now: datetime) -> None:
        """`publish_later` for many ids at once, one broker message per queue and chunk."""
        by_queue: dict[float | None, list[str]] = {}
        for message_id, due_at in due.items():
            by_queue.setdefault(self.delay_for((due_at - now).total_seconds()), []).append(message_id)
        now_ids = by_queue.pop(None, [])
        await asyncio.gather(self.publish(now_ids),
                             *(self._send(self.delay_names[d], ids) for d, ids in by_queue.items()))

    def delay_for(self, seconds: float) -> float | None:
        """The largest delay queue not longer than `seconds`; the shortest when even that is longer
        (the message then arrives at most that much late); None when it is due now."""
        if seconds <= 0:
            return None
        fitting = [d for d in self.delays if d <= seconds]
        return fitting[-1] if fitting else self.delays[0]

    async def _send(self, routing_key: str, ids: list[str]) -> None:
        if not ids:
            return
        if self._channel is None:
            raise ConnectionError("not connected to the broker")
        deadline = asyncio.get_running_loop().time() + self.publish_timeout
        n = self.ids_per_message
        await asyncio.gather(*(self._publish_one(routing_key, ids[i:i + n], deadline)
                               for i in range(0, len(ids), n)))

    async def _publish_one(self, routing_key: str, ids: list[str], deadline: float) -> None:
        """Publish one broker message and await its confirm; across a reconnect, try again until the deadline
        (a confirm lost with the connection may mean a duplicate, which the claim absorbs)."""
        loop = asyncio.get_running_loop()
        body = json.dumps(ids, separators=(",", ":")).encode()
        pause = 0.05
        while True:
            assert self._channel is not None
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                       content_type="application/json")
            try:
                sent = self._channel.default_exchange.publish(message, routing_key=routing_key)
                await asyncio.wait_for(sent, timeout=max(deadline - loop.time(), 0.001))
                return
            except Exception as exc:
                if not _retryable(exc) or loop.time() + pause >= deadline or self._channel is None:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    async def consume(self, callback: Callable[[AbstractIncomingMessage], Awaitable[None]],
                      prefetch: int) -> None:
        """Consume the work queue with manual acks on a channel of its own; restored after a reconnect."""
        if self.connection is None:
            raise ConnectionError("not connected to the broker")
        channel = await self.connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(self.work_name, durable=True, arguments=WORK_QUEUE_ARGUMENTS)
        tag = await queue.consume(callback, no_ack=False)
        self._consumers.append((channel, queue, tag))

    async def ready_count(self) -> int:
        """Messages ready in the work queue (not counting those delivered and not yet acknowledged)."""
        if self._work is None:
            raise ConnectionError("not connected to the broker")
        declared = await asyncio.wait_for(self._work.declare(), timeout=self.publish_timeout)
        return int(declared.message_count or 0)

    def published_lately(self, message_id: str, within: float) -> bool:
        """Whether this process published the id to the work queue in the last `within` seconds."""
        stamp = self.recent.get(message_id)
        return stamp is not None and time.monotonic() - stamp < within

    def _forget_recent(self, now: float) -> None:
        limit = now - self.remember_seconds
        while self.recent:
            stamp = next(iter(self.recent.values()))
            if stamp >= limit:
                break
            self.recent.popitem(last=False)

    async def delete_queues(self) -> None:
        """Stop consuming and remove every queue of this prefix, messages and all (tests, teardown)."""
        if self.connection is None:
            raise ConnectionError("not connected to the broker")
        await self._close_consumers()
        channel = await self.connection.channel(publisher_confirms=False)
        try:
            for name in self.queue_names:
                await channel.queue_delete(name)
        finally:
            with contextlib.suppress(Exception):
                await channel.close()


@dataclass(eq=False)
class _Delivery:
    """A broker message and how many of the ids it carried are not settled yet."""

    message: AbstractIncomingMessage
    open: int


_DROP, _LATER, _PARK = "drop", "later", "park"


class RabbitConsumer:
    """Runs beside a Worker: consumes ids, claims them through it, delivers, records, then acknowledges.

    Keeps `settings.webhook_concurrency` attempts in flight at most and `worker.inflight` per endpoint as
    `Worker.run` does. Due ids that an endpoint's cap (or an in-flight ordered head) keeps waiting are
    parked in memory, acknowledged, and claimed as soon as an attempt to that endpoint ends; the sweeper
    covers them if the process dies. Later ids of an ordered endpoint are dropped: when its head is done,
    the next one is published.
    """

    def __init__(self, worker: Worker, queue: RabbitQueue, *, batch_size: int = 200,
                 batch_wait: float = 0.005, prefetch: int | None = None, max_parked: int = 100_000) -> None:
        self.worker, self.queue = worker, queue
        self.batch_size, self.batch_wait, self.max_parked = batch_size, batch_wait, max_parked
        self.prefetch = prefetch or 2 * worker.settings.webhook_concurrency
        self.concurrency = worker.settings.webhook_concurrency
        self.stats: Counter[str] = Counter()
        self._incoming: deque[tuple[str, _Delivery]] = deque()
        self._incoming_ids: Counter[str] = Counter()
        self._holding: dict[str, list[_Delivery]] = {}  # claimed ids → broker messages that carried them
        self._parked: dict[str, dict[str, None]] = {}  # endpoint → due ids waiting for room, in arrival order
        self._parked_at: dict[str, str] = {}  # parked id → its endpoint
        self._retry_at: dict[str, float] = {}  # endpoint with parked ids → when to try to claim them
        self._pause: dict[str, float] = {}  # endpoint → back-off after a try that claimed nothing
        self._ordered: dict[str, tuple[bool, float]] = {}  # endpoint → (ordered?, known until)
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: asyncio.Queue[Result] = asyncio.Queue()
        self._recording = 0  # results taken from `_done` and not yet recorded and acknowledged
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
            for task in [*helpers, *self._tasks]:
                task.cancel()
            await asyncio.gather(*helpers, *self._tasks, return_exceptions=True)

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
        return bool(self._tasks) or not self._done.empty() or self._recording > 0

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
        return self.concurrency - len(self._tasks)

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
            jobs = await self.worker.claim(len(ids), among=ids)
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
            task = asyncio.create_task(self._attempt(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.stats["claimed"] += len(jobs)

    async def _attempt(self, job: Job) -> None:
        try:
            result = await self.worker.attempt(job)
        finally:
            self.worker.inflight[job.endpoint_id] -= 1
            if job.endpoint_id in self._parked:
                self._retry_at[job.endpoint_id] = 0.0
                self._pause.pop(job.endpoint_id, None)
            self._wakeup.set()
        self._done.put_nowait(result)

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
            if retries:
                try:
                    await self.queue.publish_due(retries, self.worker.clock())
                except Exception as exc:  # the sweeper publishes them once due
                    PUBLISH_FAILED.labels("retry").inc()
                    log.warning("webhooks.rabbitmq.publish_failed", path="retry", count=len(retries),
                                error_class=type(exc).__name__)
            finished = {r.job.endpoint_id for r in batch if r.job.message_id not in retries}
            if finished:
                await self._publish_next_of_ordered(finished)
            for result in batch:
                for delivery in self._holding.pop(result.job.message_id, []):
                    await self._settle(delivery)
            self.stats["recorded"] += len(batch)
            self._recording = 0

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
        if later:
            try:
                await self.queue.publish_due(later, self.worker.clock())
            except Exception as exc:  # the sweeper publishes them once due
                PUBLISH_FAILED.labels("later").inc()
                log.warning("webhooks.rabbitmq.publish_failed", path="later", count=len(later),
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
            free = self.worker.caps.get(endpoint_id, 1) - self.worker.inflight[endpoint_id]
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
            jobs = await self.worker.claim(len(candidates), among=list(candidates))
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
        await asyncio.wait_for(event_.wait(), timeout=timeout)
        return True
    except TimeoutError:
        return False


class CommitPublisher:
    """Publishes the messages FanOut wrote once the relay's transaction has committed.

    A relay consumer listed after the FanOut, which must be made with `on_messages=` this publisher (so that
    it notes the ids of its pending messages in `session.info["new_messages"]`)::

        publisher = CommitPublisher(queue)
        Relay(sessions, [FanOut(max_bytes, on_messages=publisher), publisher], ...)

    A publish that fails is logged; the sweeper publishes those messages after its grace period.
    """

    def __init__(self, queue: RabbitQueue) -> None:
        self.queue = queue
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, session: AsyncSession, events: list[Event]) -> None:
        ids = session.info.pop("new_messages", None)
        if not ids:
            return
        ids = list(ids)

        def committed(_session: Any) -> None:
            self.publish_soon(ids)

        event.listen(session.sync_session, "after_commit", committed, once=True)

    def publish_soon(self, ids: list[str]) -> None:
        """Publish in the background (call this only after the rows are committed)."""
        task = asyncio.get_running_loop().create_task(self._publish(ids))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, ids: list[str]) -> None:
        try:
            await self.queue.publish(ids)
        except Exception as exc:
            PUBLISH_FAILED.labels("fanout").inc()
            log.warning("webhooks.rabbitmq.publish_failed", path="fanout", count=len(ids),
                        error_class=type(exc).__name__)

    async def flush(self, timeout: float | None = None) -> None:
        """Wait for the publishes under way (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


class RabbitBackend:
    """The RabbitMQ backend beside a Worker: queue, consumer, sweeper and the relay's publisher.

    `run()` connects (waiting for the broker if it is down, so the process starts anyway) and then consumes
    and sweeps until cancelled; `close()` ends the connection. `relay_consumers()` gives the outbox relay's
    consumer list. The Worker must be entered (`async with worker`) for its HTTP session.
    """

    def __init__(self, worker: Worker, url: str, *, consumer_options: Mapping[str, Any] | None = None,
                 sweeper_options: Mapping[str, Any] | None = None, **queue_options: Any) -> None:
        self.worker = worker
        self.queue = RabbitQueue(url, **queue_options)
        self.consumer = RabbitConsumer(worker, self.queue, **(consumer_options or {}))
        self.sweeper = Sweeper(worker, self.queue, consumer=self.consumer, **(sweeper_options or {}))
        self.publisher = CommitPublisher(self.queue)
        self.connected = asyncio.Event()

    def relay_consumers(self, max_payload_bytes: int) -> list[Any]:
        from webhooks.fanout import FanOut

        return [FanOut(max_payload_bytes, on_messages=self.publisher), self.publisher]

    def wake(self) -> None:
        self.sweeper.wake()

    async def connect(self, first_pause: float = 1.0, max_pause: float = 30.0) -> None:
        pause = first_pause
        while self.queue.connection is None:
            try:
                await self.queue.connect()
            except Exception as exc:
                log.warning("webhooks.rabbitmq.connect_failed", error_class=type(exc).__name__,
                            retry_in=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, max_pause)
        self.connected.set()
        log.info("webhooks.rabbitmq.connected", queue=self.queue.work_name)

    async def drain(self, timeout: float) -> bool:
        """A graceful stop: see `RabbitConsumer.drain`."""
        if self.queue.connection is None:
            return True
        return await self.consumer.drain(timeout)

    async def run(self, consume: bool = True) -> None:
        """Connect, then sweep and (unless `consume` is false: an API-only process) consume."""
        await self.connect()
        tasks = [asyncio.create_task(self.sweeper.run(), name="rabbit-sweeper"),
                 asyncio.create_task(self.worker._gauge_loop(), name="webhook-gauges")]
        if consume:
            tasks.append(asyncio.create_task(self.consumer.run(), name="rabbit-consumer"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.publisher.flush(timeout=5)
        await self.queue.close()
