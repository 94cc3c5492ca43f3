"""`hub worker`: a process without the HTTP API that relays events, delivers webhooks and runs jobs.

It builds the same hub as `hub serve` and goes through the same start-up and shut-down (`Hub.running`).
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from hub.runtime import Hub
from hub.settings import Settings

__all__ = ["run_worker"]

# The log lines keep the names they had when this process delivered webhooks only: dashboards look for them.
log = structlog.get_logger("hub.process")


async def run_worker(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; a lease left behind by a hard kill expires and is taken again."""
    from hub.app import MODULES

    hub = Hub(settings, MODULES)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with hub.running(delivers=True):
        log.info("webhooks.worker.started", queue="rabbitmq" if settings.broker_url else "embedded")
        await stop.wait()
    log.info("webhooks.worker.stopped")
