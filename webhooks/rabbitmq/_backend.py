"""The relay's publisher after commit, and the backend that wires queue, consumer and sweeper to a Worker."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog

from webhooks.rabbitmq._consumer import RabbitConsumer
from webhooks.rabbitmq._queue import PUBLISH_FAILED, RabbitQueue
from webhooks.rabbitmq._sweeper import Sweeper
from webhooks.worker import Worker

__all__ = ["CommitPublisher", "RabbitBackend"]

log = structlog.get_logger("webhooks.rabbitmq")


class CommitPublisher:
    """Publishes the messages FanOut wrote once the relay's unit of work has committed::

        Relay(sessions, [FanOut(max_bytes, on_messages=CommitPublisher(queue))], ...)

    A publish that fails is logged; the sweeper publishes those messages after its grace period.
    """

    def __init__(self, queue: RabbitQueue) -> None:
        self.queue = queue
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, ids: list[str]) -> None:
        self.publish_soon(ids)

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

        return [FanOut(max_payload_bytes, on_messages=self.publisher)]

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
