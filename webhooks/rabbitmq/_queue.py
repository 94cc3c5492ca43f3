"""The broker side: queue names and delays, confirmed publishing of message ids, consuming, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime

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

__all__ = ["DELAYS", "IDS_PER_MESSAGE", "PUBLISH_FAILED", "SWEPT", "WORK_QUEUE_ARGUMENTS", "RabbitQueue",
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
                async with asyncio.timeout(2):
                    await queue.cancel(tag)

    async def _close_consumers(self) -> None:
        await self.stop_consuming()
        for channel, _, _ in self._consumers:  # what is still unacknowledged goes back to the queue
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await channel.close()
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
                async with asyncio.timeout_at(deadline):
                    await sent
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
        async with asyncio.timeout(self.publish_timeout):
            declared = await self._work.declare()
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
