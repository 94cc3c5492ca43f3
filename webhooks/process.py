"""A delivery process without the HTTP API: the outbox relay, the webhook worker and the job runner."""

from __future__ import annotations

import asyncio
import signal

import structlog

from hub.settings import Settings

__all__ = ["run_worker"]

log = structlog.get_logger("webhooks.process")


async def run_worker(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; a lease left behind by a hard kill expires and is taken again."""
    from hub.app import build_state
    from hub.catalog import build_catalog

    state = build_state(settings, build_catalog())
    worker, rabbit, relay = state.worker, state.rabbit, state.relay
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        tasks = [asyncio.create_task(relay.run()), asyncio.create_task(rabbit.run() if rabbit else worker.run()),
                 asyncio.create_task(state.jobs.run())]
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
    await state.engine.dispose()
    log.info("webhooks.worker.stopped")
