"""A delivery process without the HTTP API: the outbox relay and the worker, until told to stop."""

from __future__ import annotations

import asyncio
import signal

import structlog

from hub.crypto import Cipher
from hub.db import create_engine, session_factory
from hub.events.outbox import Relay
from hub.settings import Settings
from webhooks.fanout import FanOut
from webhooks.rabbitmq import RabbitBackend
from webhooks.worker import Worker

__all__ = ["run_worker"]

log = structlog.get_logger("webhooks.process")


async def run_worker(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; a lease left behind by a hard kill expires and is taken again."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    worker = Worker(sessions, Cipher.from_settings(settings), settings)
    rabbit = (RabbitBackend(worker, settings.broker_url, prefix=settings.broker_queue_prefix)
              if settings.broker_url else None)
    consumers = (rabbit.relay_consumers(settings.webhook_max_payload_bytes) if rabbit
                 else [FanOut(settings.webhook_max_payload_bytes)])
    relay = Relay(sessions, consumers, interval=settings.relay_interval_seconds,
                  after_commit=None if rabbit else worker.wake)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        tasks = [asyncio.create_task(relay.run()), asyncio.create_task(rabbit.run() if rabbit else worker.run())]
        log.info("webhooks.worker.started", concurrency=settings.webhook_concurrency,
                 queue="rabbitmq" if rabbit else "embedded")
        await stop.wait()
        if rabbit:
            await rabbit.drain(timeout=settings.webhook_timeout)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if rabbit:
            await rabbit.close()
    await engine.dispose()
    log.info("webhooks.worker.stopped")
