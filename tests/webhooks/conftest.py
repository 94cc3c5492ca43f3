"""Fixtures of the delivery tests: a private database with one organization, a fake clock, a receiver."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.catalog import ActionContext, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory, utcnow
from hub.events.models import Event
from hub.events.outbox import Relay
from hub.events.service import append
from hub.settings import Settings
from hub.tenancy import service as tenancy
from hub.tenancy.auth import Principal
from tests.conftest import WEBHOOK_TEST_SETTINGS, make_settings
from tests.webhooks.receiver import Receiver, start_receiver
from webhooks.fanout import FanOut
from webhooks.models import Attempt, Endpoint, Message
from webhooks.schemas import EndpointIn
from webhooks.service import Webhooks
from webhooks.settings import WebhookSettings
from hub.net.ssrf import Policy
from webhooks.worker import Worker

CATALOG = build_catalog()


@dataclass
class Clock:
    """The worker's notion of now; starts a minute ahead so freshly fanned-out messages are due."""

    now: datetime = field(default_factory=lambda: utcnow() + timedelta(minutes=1))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Hub:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    org_id: str
    receiver: Receiver
    clock: Clock

    def ctx(self, session: AsyncSession) -> ActionContext:
        return ActionContext(session, Principal("key_test", self.org_id, "hub_test", frozenset({"admin"})))

    def webhooks(self) -> Webhooks:
        return Webhooks(Cipher.from_settings(self.settings), Policy.parse(self.settings.of(WebhookSettings).allowed_hosts),
                        CATALOG, timedelta(hours=1))

    def worker(self) -> Worker:
        return Worker(self.sessions, Cipher.from_settings(self.settings), self.settings, clock=self.clock,
                      rng=random.Random(0))

    async def endpoint(self, path: str, **fields: Any) -> Endpoint:
        async with self.sessions.begin() as session:
            endpoint, _ = await self.webhooks().create(self.ctx(session), EndpointIn(
                url=self.receiver.url(path), event_types=["contact.created"], **fields))
        return endpoint

    async def publish(self, count: int = 1) -> list[Message]:
        """Emit `count` events and relay them; answers the new messages, oldest id first."""
        async with self.sessions.begin() as session:
            ids = [append(session, self.org_id, "contact.created", {"id": f"con_{i}", "first_name": f"C{i}"}).id
                   for i in range(count)]
        await Relay(self.sessions, [FanOut(self.settings.of(WebhookSettings).max_payload_bytes)]).run_once()
        return await self._all(select(Message).where(Message.event_id.in_(ids)).order_by(Message.id))

    async def messages(self, endpoint_id: str | None = None) -> list[Message]:
        query = select(Message).order_by(Message.id)
        return await self._all(query.where(Message.endpoint_id == endpoint_id) if endpoint_id else query)

    async def message(self, message_id: str) -> Message:
        [message] = await self._all(select(Message).where(Message.id == message_id))
        return message

    async def attempts(self, message_id: str) -> list[Attempt]:
        return await self._all(select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.number))

    async def state(self, endpoint_id: str) -> Endpoint:
        [endpoint] = await self._all(select(Endpoint).where(Endpoint.id == endpoint_id))
        return endpoint

    async def events(self, type: str) -> list[Event]:
        return await self._all(select(Event).where(Event.org_id == self.org_id, Event.type == type))

    def sent(self, path: str) -> list[str]:
        """The webhook-id of every request the receiver got at `path`, in arrival order."""
        return [r.headers["webhook-id"] for r in self.receiver.at(path)]

    async def _all(self, query: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())


@pytest.fixture
async def hub(request: pytest.FixtureRequest, backend: str, tmp_path: Any) -> AsyncIterator[Hub]:
    """A private database (no app, no background worker), one organization, a loopback receiver."""
    overrides = {**WEBHOOK_TEST_SETTINGS, "webhook_retry_schedule": "0,60,60,60",
                 **getattr(request.cls, "overrides", {})}
    settings = await make_settings(backend, tmp_path, **overrides)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        org, _ = await tenancy.create_org(session, "Worker")
    receiver, runner = await start_receiver()
    yield Hub(settings, sessions, org.id, receiver, Clock())
    await runner.cleanup()
    await engine.dispose()


def _ids(messages: list[Message]) -> list[str]:
    return sorted(m.id for m in messages)
