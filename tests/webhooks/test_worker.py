"""The delivery worker under a fake clock, on a private database: leases, retries, health, order, caps, retention.

No hub runs here: only the relays and workers a test makes touch its messages, and time moves only when the
test advances the clock (the retry schedule is "0,60,60,60", so nothing is retried by itself).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.catalog import ActionContext, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory, utcnow
from hub.errors import Conflict
from hub.events.models import Event
from hub.events.outbox import Relay
from hub.events.service import emit
from hub.settings import Settings
from hub.tenancy import service as tenancy
from hub.tenancy.auth import Principal
from tests.conftest import WEBHOOK_TEST_SETTINGS, make_settings
from tests.webhooks.receiver import Receiver, start_receiver
from webhooks.fanout import FanOut
from webhooks.models import Attempt, Endpoint, Message
from webhooks.schemas import EndpointIn
from webhooks.service import Webhooks, purge_payloads
from webhooks.ssrf import Policy
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
        return Webhooks(Cipher.from_settings(self.settings), Policy.parse(self.settings.webhook_allowed_hosts),
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
            ids = [emit(session, self.org_id, "contact.created", {"id": f"con_{i}", "first_name": f"C{i}"}).id
                   for i in range(count)]
        await Relay(self.sessions, [FanOut(self.settings.webhook_max_payload_bytes)]).run_once()
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


class TestLeases:
    async def test_a_dead_workers_messages_go_out_once_its_leases_expire(self, hub: Hub) -> None:
        await hub.endpoint("/lease")
        sent = await hub.publish(2)
        dead = hub.worker()
        assert sorted(job.message_id for job in await dead.claim(10)) == _ids(sent)  # ...and never records
        lease = hub.settings.webhook_lease_seconds
        async with hub.worker() as live:
            hub.clock.advance(seconds=lease / 2)
            assert await live.claim(10) == []
            assert await live.run_once() == 0 and hub.sent("/lease") == []
            hub.clock.advance(seconds=lease)
            assert await live.run_once() == 2
        assert sorted(hub.sent("/lease")) == _ids(sent)
        assert [(m.status, m.attempt_count, m.leased_until) for m in await hub.messages()] == [
            ("succeeded", 1, None)] * 2


class TestRetriesUnderAFixedClock:
    async def test_a_failure_is_retried_only_once_its_time_has_come(self, hub: Hub) -> None:
        hub.receiver.script["/flaky"] = [500]
        await hub.endpoint("/flaky")
        [sent] = await hub.publish()
        async with hub.worker() as worker:
            assert await worker.run_once() == 1
            message = await hub.message(sent.id)
            assert (message.status, message.attempt_count, message.last_status_code) == ("pending", 1, 500)
            delay = (message.next_attempt_at - hub.clock.now).total_seconds()
            assert 60 * 0.8 <= delay <= 60 * 1.2
            assert await worker.run_once() == 0
            hub.clock.advance(seconds=delay - 1)
            assert await worker.run_once() == 0 and len(hub.sent("/flaky")) == 1
            hub.clock.advance(seconds=2)
            assert await worker.run_once() == 1
        message = await hub.message(sent.id)
        assert (message.status, message.attempt_count, message.finished_at) == ("succeeded", 2, hub.clock.now)
        assert [(a.number, a.status_code, a.outcome) for a in await hub.attempts(sent.id)] == [
            (1, 500, "retry"), (2, 200, "succeeded")]
        assert hub.sent("/flaky") == [sent.id, sent.id]

    async def test_retry_after_pushes_the_next_attempt_back(self, hub: Hub) -> None:
        hub.receiver.script["/busy"] = [(429, {"Retry-After": "600"})]
        await hub.endpoint("/busy")
        [sent] = await hub.publish()
        async with hub.worker() as worker:
            assert await worker.run_once() == 1
            assert (await hub.message(sent.id)).next_attempt_at >= hub.clock.now + timedelta(seconds=600)
            hub.clock.advance(seconds=300)
            assert await worker.run_once() == 0
            hub.clock.advance(seconds=301)
            assert await worker.run_once() == 1
        assert (await hub.message(sent.id)).status == "succeeded"

    async def test_an_exhausted_schedule_fails_the_message(self, hub: Hub) -> None:
        hub.receiver.script["/down"] = [500] * 4
        await hub.endpoint("/down")
        [sent] = await hub.publish()
        async with hub.worker() as worker:
            for _ in range(4):
                assert await worker.run_once() == 1
                hub.clock.advance(seconds=100)
            assert await worker.run_once() == 0
        message = await hub.message(sent.id)
        assert (message.status, message.attempt_count, message.next_attempt_at) == ("failed", 4, None)
        assert message.finished_at == hub.clock.now - timedelta(seconds=100)
        assert message.last_error == "HTTP 500" and message.leased_until is None
        assert [a.outcome for a in await hub.attempts(sent.id)] == ["retry"] * 3 + ["failed"]


class TestEndpointHealth:
    # the circuit breaker stays out of the way: only endpoint health decides here
    overrides: ClassVar[dict[str, Any]] = {"webhook_retry_schedule": "0" + ",60" * 9, "webhook_disable_after_hours": 120.0,
                 "webhook_breaker_failures": 100}

    async def test_a_failing_endpoint_is_warned_once_at_half_the_window_then_disabled(self, hub: Hub) -> None:
        hub.receiver.default = 500
        endpoint = await hub.endpoint("/dead")
        [sent] = await hub.publish()
        start = hub.clock.now
        async with hub.worker() as worker:
            assert await worker.run_once() == 1
            assert (await hub.state(endpoint.id)).failing_since == start
            hub.clock.advance(hours=30)
            assert await worker.run_once() == 1
            assert (await hub.state(endpoint.id)).failing_since == start and await hub.events("endpoint.failing") == []
            for hours in (31, 1):  # past half the window, then once more: a single warning
                hub.clock.advance(hours=hours)
                assert await worker.run_once() == 1
                [warning] = await hub.events("endpoint.failing")
                assert warning.data["endpoint_id"] == endpoint.id and warning.subject_id == endpoint.id
            assert (await hub.state(endpoint.id)).state == "enabled" and await hub.events("endpoint.disabled") == []
            hub.clock.advance(hours=60)  # 122 hours failing
            assert await worker.run_once() == 1
            state = await hub.state(endpoint.id)
            assert state.state == "disabled" and state.disabled_reason == "failing for 122 hours"
            [disabled] = await hub.events("endpoint.disabled")
            assert disabled.data["endpoint_id"] == endpoint.id and disabled.data["reason"] == state.disabled_reason
            assert len(await hub.events("endpoint.failing")) == 1
            hub.clock.advance(hours=1)
            assert await worker.claim(10) == [] and await worker.run_once() == 0
        message = await hub.message(sent.id)
        assert (message.status, message.attempt_count) == ("pending", 5) and len(hub.sent("/dead")) == 5

    async def test_a_success_clears_the_failure_streak(self, hub: Hub) -> None:
        hub.receiver.script["/flaky"] = [500, 200, 500]
        endpoint = await hub.endpoint("/flaky")
        await hub.publish()
        async with hub.worker() as worker:
            assert await worker.run_once() == 1
            assert (await hub.state(endpoint.id)).failing_since == hub.clock.now
            hub.clock.advance(hours=61)
            assert await worker.run_once() == 1
            state = await hub.state(endpoint.id)
            assert (state.failing_since, state.warned_at, state.last_success_at) == (None, None, hub.clock.now)
            await hub.publish()
            hub.clock.advance(hours=100)  # 161 hours after the first failure, but a new streak
            assert await worker.run_once() == 1
        state = await hub.state(endpoint.id)
        assert (state.state, state.failing_since) == ("enabled", hub.clock.now)
        assert await hub.events("endpoint.failing") == [] and await hub.events("endpoint.disabled") == []


class TestOrdered:
    async def test_an_ordered_endpoint_holds_later_messages_behind_a_pending_one(self, hub: Hub) -> None:
        hub.receiver.script["/ordered"] = [500]
        await hub.endpoint("/ordered", ordered=True)
        first, second = await hub.publish(2)
        async with hub.worker() as worker:
            assert await worker.run_once() == 1
            assert hub.sent("/ordered") == [first.id]
            hub.clock.advance(seconds=30)
            assert await worker.run_once() == 0
            assert await hub.attempts(second.id) == [] and (await hub.message(second.id)).status == "pending"
            hub.clock.advance(seconds=60)
            assert await worker.run_once() == 1
            assert hub.sent("/ordered") == [first.id, first.id] and await hub.attempts(second.id) == []
            assert await worker.run_once() == 1
        assert hub.sent("/ordered") == [first.id, first.id, second.id]
        assert [m.status for m in await hub.messages()] == ["succeeded", "succeeded"]

    async def test_an_unordered_endpoint_sends_both_in_the_same_run(self, hub: Hub) -> None:
        hub.receiver.script["/unordered"] = [500]
        await hub.endpoint("/unordered", ordered=False)
        sent = await hub.publish(2)
        async with hub.worker() as worker:
            assert await worker.run_once() == 2
        assert sorted(hub.sent("/unordered")) == _ids(sent)
        assert sorted(m.status for m in await hub.messages()) == ["pending", "succeeded"]


class TestConcurrencyCap:
    async def test_one_claim_leases_at_most_the_endpoints_cap(self, hub: Hub) -> None:
        await hub.endpoint("/capped", max_concurrency=2)
        await hub.publish(5)
        worker = hub.worker()
        assert len(await worker.claim(500)) == 2
        assert sum(m.leased_until is not None for m in await hub.messages()) == 2
        assert await worker.claim(500) == []  # saturated until those two are recorded

    async def test_the_rest_go_out_in_later_runs(self, hub: Hub) -> None:
        await hub.endpoint("/capped", max_concurrency=2)
        sent = await hub.publish(5)
        async with hub.worker() as worker:
            assert [await worker.run_once() for _ in range(4)] == [2, 2, 1, 0]
        assert sorted(hub.sent("/capped")) == _ids(sent)


class TestRetention:
    async def test_purge_drops_only_old_finished_payloads_and_a_purged_message_cannot_be_resent(
            self, hub: Hub) -> None:
        hub.receiver.script["/bad"], hub.receiver.script["/down"] = [400, 400], [500, 500]
        ok, bad, down = [await hub.endpoint(p) for p in ("/ok", "/bad", "/down")]
        await hub.publish(2)
        async with hub.worker() as worker:
            assert await worker.run_once() == 6
        (old_ok, new_ok), (old_bad, new_bad), pending = [await hub.messages(e.id) for e in (ok, bad, down)]
        assert [m.status for m in (old_ok, old_bad, *pending)] == ["succeeded", "failed", "pending", "pending"]
        old = [old_ok.id, old_bad.id, *(m.id for m in pending)]
        async with hub.sessions.begin() as session:
            await session.execute(update(Message).where(Message.id.in_(old)).values(
                created_at=utcnow() - timedelta(days=40)))
        async with hub.sessions.begin() as session:
            assert await purge_payloads(session, timedelta(days=30)) == 2
        payloads = {m.id: m.payload for m in await hub.messages()}
        assert payloads[old_ok.id] is None and payloads[old_bad.id] is None
        assert all(payloads[m.id] is not None for m in (new_ok, new_bad, *pending))
        assert [len(await hub.attempts(m.id)) for m in (old_ok, old_bad)] == [1, 1]
        async with hub.sessions.begin() as session:
            with pytest.raises(Conflict):
                await hub.webhooks().resend(hub.ctx(session), old_bad.id)
        async with hub.sessions.begin() as session:
            assert (await hub.webhooks().resend(hub.ctx(session), new_bad.id)).status == "pending"
        assert (await hub.message(old_bad.id)).status == "failed"
