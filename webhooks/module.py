"""The delivery engine as a module of the hub: endpoints, the delivery queue (embedded or RabbitMQ), the
worker, and the portal's pages."""

from __future__ import annotations

from datetime import timedelta

from hub.module import Module
from hub.net.ssrf import Policy
from hub.runtime import Hub
from webhooks.catalog import register
from webhooks.endpoints import EndpointController, MessageController
from webhooks.fanout import FanOut
from webhooks.models import Attempt, Endpoint, EndpointSecret, Message
from webhooks.portal import NAV, PAGES, TEMPLATES
from webhooks.rabbitmq import RabbitBackend
from webhooks.service import Webhooks, purge_payloads
from webhooks.settings import WebhookSettings
from webhooks.worker import Worker

__all__ = ["MODULE"]


def _build(hub: Hub) -> None:
    config = hub.config(WebhookSettings)
    worker = Worker(hub.sessions, hub.cipher, hub.settings)
    hub.provide(worker)
    hub.provide(Webhooks(hub.cipher, Policy.parse(config.allowed_hosts), hub.catalog,
                         timedelta(hours=config.secret_grace_hours)))
    hub.signals.connect("webhooks", worker.wake)
    if hub.settings.broker_url:
        rabbit = RabbitBackend(worker, hub.settings.broker_url, prefix=hub.settings.broker_queue_prefix)
        hub.provide(rabbit)
        hub.relay.consumers.extend(rabbit.relay_consumers(config.max_payload_bytes))
    else:
        hub.relay.consumers.append(FanOut(config.max_payload_bytes))


async def _start(hub: Hub) -> None:
    await hub.service(Worker).__aenter__()  # its HTTP session, for attempts


async def _run(hub: Hub) -> None:
    """With RabbitMQ, the sweeper always and the consumer where this process delivers; else the embedded loop."""
    if (rabbit := hub.find(RabbitBackend)) is not None:
        await rabbit.run(consume=hub.delivers)
    elif hub.delivers:
        await hub.service(Worker).run()


async def _drain(hub: Hub) -> None:
    """Let attempts under way finish and be recorded."""
    if (rabbit := hub.find(RabbitBackend)) is not None:
        await rabbit.drain(timeout=hub.config(WebhookSettings).timeout)


async def _stop(hub: Hub) -> None:
    if (rabbit := hub.find(RabbitBackend)) is not None:
        await rabbit.close()
    await hub.service(Worker).__aexit__(None, None, None)


async def _maintain(hub: Hub) -> dict[str, int]:
    retention = timedelta(days=hub.config(WebhookSettings).retention_days)
    async with hub.sessions.begin() as session:
        return {"webhook_payloads": await purge_payloads(session, retention)}


MODULE = Module(
    name="webhooks",
    description="Signed, durable webhook delivery to each organization's endpoints, and the portal's pages.",
    settings=WebhookSettings,
    models=(Endpoint, EndpointSecret, Message, Attempt),
    routes=(EndpointController, MessageController),
    pages=PAGES,
    nav=NAV,
    templates={"portal": TEMPLATES},
    catalog=register,
    build=_build,
    start=_start,
    background=_run,
    drain=_drain,
    stop=_stop,
    maintenance=_maintain,
)
