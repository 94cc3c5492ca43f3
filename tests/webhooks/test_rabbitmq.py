"""The RabbitMQ queue backend against a real broker, on both databases.

RabbitMQ is at HUB_TEST_BROKER_URL (default: the local server, guest/guest). Where it is down these tests
are skipped, except under CI=true, where they fail. Every test uses queues of its own prefix and deletes
them afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, AsyncIterator, Awaitable, Callable

import aio_pika
import pytest
from aiohttp import web
from sqlalchemy import select, update

from hub.catalog import ActionContext, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory
from hub.events.outbox import Relay
from hub.events.service import append
from hub.tenancy import service as tenancy
from hub.tenancy.auth import Principal
from tests.conftest import IN_CI, WEBHOOK_TEST_SETTINGS, make_settings, stops_when_woken_and_cancelled
from tests.webhooks.receiver import Receiver, start_receiver
from webhooks.fanout import FanOut
from webhooks.models import Attempt, Endpoint, Message
from webhooks.rabbitmq import SWEPT, CommitPublisher, RabbitConsumer, RabbitQueue, Sweeper, decode_ids
from webhooks.schemas import EndpointIn
from webhooks.service import Webhooks
from webhooks.settings import WebhookSettings
from hub.net.ssrf import Policy
from webhooks.worker import Worker

RABBIT = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")


def _rabbit_up() -> bool:
    async def probe() -> None:
        await (await aio_pika.connect(RABBIT, timeout=3)).close()

    try:
        asyncio.run(probe())
        return True
    except Exception:
        return False


RABBIT_UP = _rabbit_up()


@pytest.fixture
def rabbit() -> str:
    if not RABBIT_UP:
        if IN_CI:
            pytest.fail(f"CI=true but RabbitMQ is unreachable at {RABBIT}")
        pytest.skip("RabbitMQ is not reachable")
    return RABBIT


@dataclass
class Hub:
    """One organization with one endpoint at a loopback receiver, a worker and the RabbitMQ pieces."""

    settings: Any
    sessions: Any
    worker: Worker
    queue: RabbitQueue
    consumer: RabbitConsumer
    publisher: CommitPublisher
    receiver: Receiver
    org_id: str
    endpoint_id: str
    path: str
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def relay(self, publish: bool = True) -> Relay:
        """The outbox relay with FanOut; `publish=False` leaves the new messages unpublished."""
        max_bytes = self.settings.of(WebhookSettings).max_payload_bytes
        if not publish:
            return Relay(self.sessions, [FanOut(max_bytes)])
        return Relay(self.sessions, [FanOut(max_bytes, on_messages=self.publisher)])

    async def events(self, count: int, publish: bool = True) -> list[str]:
        """Emit `count` events, relay them, wait for the publishes; answers the new ids, oldest first."""
        async with self.sessions.begin() as session:
            for i in range(count):
                append(session, self.org_id, "email.opened", {"message_id": f"<{uuid.uuid4().hex[:8]}.{i}@m>",
                                                            "email": "a@b.example"})
        assert await self.relay(publish).run_once() == count
        await self.publisher.flush()
        async with self.sessions() as session:
            newest = await session.scalars(select(Message.id).where(Message.endpoint_id == self.endpoint_id)
                                           .order_by(Message.id.desc()).limit(count))
            return list(newest)[::-1]

    def start(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.append(task)
        return task

    async def messages(self) -> list[Message]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Message).where(Message.endpoint_id == self.endpoint_id)
                                              .order_by(Message.id)))

    async def settled(self, count: int, timeout: float = 15.0) -> list[Message]:
        """Wait until `count` messages exist and none is pending."""
        deadline = time.monotonic() + timeout
        while True:
            messages = await self.messages()
            if len(messages) >= count and all(m.status != "pending" for m in messages):
                return messages
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: {[(m.id, m.status, m.attempt_count) for m in messages]}")
            await asyncio.sleep(0.05)


HubFactory = Callable[..., Awaitable[Hub]]


@dataclass
class SlowReceiver(Receiver):
    """The test receiver, answering each request after `delay` seconds."""

    delay: float = 0.0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.delay)
        return await super()._handle(request)


async def _start_receiver(delay: float) -> tuple[Receiver, web.AppRunner]:
    return await start_receiver(SlowReceiver, delay=delay)


@pytest.fixture
async def make_hub(rabbit: str, backend: str, tmp_path: Any) -> AsyncIterator[HubFactory]:
    """Builds a Hub (and starts its consumer unless told not to); tears all of it down afterwards."""
    hubs: list[tuple[Hub, Any, Any]] = []

    async def build(consume: bool = True, endpoint: dict[str, Any] | None = None, delay: float = 0.0,
                    **overrides: Any) -> Hub:
        settings = await make_settings(backend, tmp_path / uuid.uuid4().hex[:6],
                                       **{**WEBHOOK_TEST_SETTINGS, **overrides})
        receiver, runner = await _start_receiver(delay)
        engine = create_engine(settings)
        sessions = session_factory(engine)
        path = f"/hook/{uuid.uuid4().hex[:8]}"
        async with sessions.begin() as session:
            org, _ = await tenancy.create_org(session, f"Rabbit {uuid.uuid4().hex[:6]}")
            ctx = ActionContext(session, Principal("k", org.id, "hub_k", frozenset({"admin"})))
            hooks = Webhooks(Cipher.from_settings(settings), Policy.parse("127.0.0.1"), build_catalog(),
                             timedelta(hours=24))
            made, _ = await hooks.create(ctx, EndpointIn(url=receiver.url(path), **(endpoint or {})))
        tag = uuid.uuid4().hex[:10]
        queue = RabbitQueue(rabbit, prefix=f"test.{tag}", connection_name=f"hub-test-{tag}",
                            reconnect_interval=0.3)
        await queue.connect()
        worker = Worker(sessions, Cipher.from_settings(settings), settings)
        await worker.__aenter__()
        consumer = RabbitConsumer(worker, queue)
        hub = Hub(settings, sessions, worker, queue, consumer, CommitPublisher(queue), receiver, org.id,
                  made.id, path)
        hubs.append((hub, runner, engine))
        if consume:
            hub.start(consumer.run())
            await asyncio.sleep(0.1)  # the consumer is registered
        return hub

    yield build
    stuck: list[asyncio.Task[Any]] = []
    for hub, runner, engine in hubs:
        for task in hub.tasks:
            task.cancel()
        if hub.tasks:  # a loop that will not stop fails the test here, and the cleanup still runs
            stuck += (await asyncio.wait(hub.tasks, timeout=30))[1]
        with contextlib.suppress(Exception):
            await hub.queue.delete_queues()
        await hub.queue.close()
        await hub.worker.__aexit__()
        await runner.cleanup()
        await engine.dispose()
    assert not stuck, f"still running after being cancelled: {stuck}"


def _ids(requests: list[Any]) -> list[str]:
    return [r.headers["webhook-id"] for r in requests]


async def _queue_counts(name: str) -> tuple[int, int] | None:
    """(ready, unacknowledged) of a queue, from rabbitmqctl where it is at hand."""
    if not shutil.which("rabbitmqctl"):
        return None
    command = ["rabbitmqctl", "-q", "--no-table-headers", "list_queues", "name", "messages_ready",
               "messages_unacknowledged"]
    out = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=30)
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if parts[0] == name:
            return int(parts[1]), int(parts[2])
    return None


async def _drained(queue: RabbitQueue, timeout: float = 10.0) -> None:
    """The work queue ends with nothing ready and nothing unacknowledged."""
    deadline = time.monotonic() + timeout
    while (counts := await _queue_counts(queue.work_name)) not in (None, (0, 0)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{queue.work_name}: ready, unacknowledged = {counts}")
        await asyncio.sleep(0.2)
    assert await queue.ready_count() == 0


class TestFanOutToDelivery:
    async def test_fanned_out_messages_are_published_and_delivered(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        ids = await hub.events(3)
        requests = await hub.receiver.wait_for(hub.path, 3, timeout=15)
        assert sorted(_ids(requests)) == sorted(ids)
        messages = await hub.settled(3)
        assert [(m.status, m.attempt_count, m.leased_until) for m in messages] == [("succeeded", 1, None)] * 3
        await _drained(hub.queue)
        assert hub.consumer.stats["claimed"] == 3

    async def test_many_messages_in_few_broker_messages(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        ids = await hub.events(250)  # three broker messages of up to 100 ids
        requests = await hub.receiver.wait_for(hub.path, 250, timeout=30)
        assert sorted(_ids(requests)) == sorted(ids)
        assert {m.status for m in await hub.settled(250)} == {"succeeded"}
        await _drained(hub.queue)


class TestRetries:
    async def test_a_retry_waits_in_a_delay_queue_and_then_succeeds(self, make_hub: HubFactory) -> None:
        hub = await make_hub(webhook_retry_schedule="0,1")
        hub.receiver.script[hub.path] = [500, 200]
        [message_id] = await hub.events(1)
        first, second = await hub.receiver.wait_for(hub.path, 2, timeout=15)
        assert _ids([first, second]) == [message_id, message_id]
        [message] = await hub.settled(1)
        assert (message.status, message.attempt_count) == ("succeeded", 2)
        query = select(Attempt.started_at).where(Attempt.message_id == message_id).order_by(Attempt.number)
        async with hub.sessions() as session:
            started = list(await session.scalars(query))
        # one second ± 20 % of jitter, waited out in the 1 s delay queue (no sweeper runs here)
        assert (started[1] - started[0]).total_seconds() >= 0.75
        await _drained(hub.queue)

    def test_the_delay_queue_is_the_largest_that_fits(self) -> None:
        queue = RabbitQueue("amqp://unused/", delays=(1, 5, 30))
        assert [queue.delay_for(s) for s in (-1, 0, 0.3, 1, 4.9, 5, 29, 31, 10_000)] == \
            [None, None, 1, 1, 1, 5, 5, 30, 30]
        assert decode_ids(b'["msg_a","msg_b"]') == ["msg_a", "msg_b"] and decode_ids(b"msg_a") == ["msg_a"]
        with pytest.raises(ValueError):
            decode_ids(b'{"id": 1}')


class TestSweeper:
    async def test_it_publishes_a_due_message_that_was_never_published(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        [message_id] = await hub.events(1, publish=False)
        await asyncio.sleep(0.5)
        assert hub.receiver.at(hub.path) == []  # nothing tells the consumer about it
        sweeper = Sweeper(hub.worker, hub.queue, consumer=hub.consumer, every=0.2, grace=0.5)
        before = SWEPT._value.get()
        hub.start(sweeper.run())
        [request] = await hub.receiver.wait_for(hub.path, 1, timeout=15)
        assert request.headers["webhook-id"] == message_id
        assert [m.status for m in await hub.settled(1)] == ["succeeded"]
        assert SWEPT._value.get() - before >= 1
        await asyncio.sleep(1.0)  # later sweeps find nothing more to do
        assert len(hub.receiver.at(hub.path)) == 1

    async def test_a_wake_sweeps_at_once_without_the_grace_period(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        sweeper = Sweeper(hub.worker, hub.queue, consumer=hub.consumer, every=60, grace=60)
        hub.start(sweeper.run())
        await asyncio.sleep(0.2)
        [message_id] = await hub.events(1, publish=False)
        hub.worker.wake()  # what the API does after a resend, a recover, a test or an enable
        [request] = await hub.receiver.wait_for(hub.path, 1, timeout=10)
        assert request.headers["webhook-id"] == message_id

    async def test_a_stop_that_comes_with_a_wake_still_stops_it(self, make_hub: HubFactory) -> None:
        """A worker process stops its sweeper by cancelling it; an API call waking the sweeper at that moment
        does not undo the stop."""
        hub = await make_hub(consume=False)
        sweeper = Sweeper(hub.worker, hub.queue, every=60, grace=60)
        await stops_when_woken_and_cancelled(sweeper.run, hub.worker._wake, hub.worker.wake)

    async def test_a_resumed_endpoint_gets_its_messages_at_once(self, make_hub: HubFactory) -> None:
        hub = await make_hub(endpoint={"state": "paused"})
        sweeper = Sweeper(hub.worker, hub.queue, consumer=hub.consumer, every=60, grace=60)
        hub.start(sweeper.run())
        [message_id] = await hub.events(1)  # published, taken, and dropped: the endpoint is paused
        deadline = time.monotonic() + 10
        while hub.consumer.stats["drop"] < 1:
            assert time.monotonic() < deadline, hub.consumer.stats
            await asyncio.sleep(0.02)
        async with hub.sessions.begin() as session:
            await session.execute(update(Endpoint).where(Endpoint.id == hub.endpoint_id)
                                  .values(state="enabled"))
        hub.worker.wake()  # what the API does after enabling an endpoint
        [request] = await hub.receiver.wait_for(hub.path, 1, timeout=5)
        assert request.headers["webhook-id"] == message_id


class TestDuplicates:
    async def test_an_id_published_twice_is_delivered_once(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        [message_id] = await hub.events(1, publish=False)
        await hub.queue.publish([message_id])
        await hub.queue.publish([message_id])  # a second broker message with the same id
        await hub.receiver.wait_for(hub.path, 1, timeout=15)
        await hub.settled(1)
        await hub.queue.publish([message_id])  # and once more after it is done
        await _drained(hub.queue)
        await asyncio.sleep(0.3)
        assert _ids(hub.receiver.at(hub.path)) == [message_id]
        [message] = await hub.messages()
        assert (message.status, message.attempt_count) == ("succeeded", 1)
        assert hub.consumer.stats["claimed"] == 1 and hub.consumer.stats["drop"] >= 1


class TestCapsAndOrder:
    async def test_an_endpoint_cap_parks_the_rest_without_losing_pace(self, make_hub: HubFactory) -> None:
        hub = await make_hub(endpoint={"max_concurrency": 1})
        ids = await hub.events(20)
        requests = await hub.receiver.wait_for(hub.path, 20, timeout=10)  # no sweeper: parking alone
        assert sorted(_ids(requests)) == sorted(ids)
        assert {m.status for m in await hub.settled(20)} == {"succeeded"}
        assert hub.consumer.stats["park"] > 0 and hub.consumer.parked == 0
        await _drained(hub.queue)

    async def test_an_ordered_endpoint_keeps_its_order_across_a_retry(self, make_hub: HubFactory) -> None:
        hub = await make_hub(endpoint={"ordered": True}, webhook_retry_schedule="0,1")
        hub.receiver.script[hub.path] = [500]  # the first fails once; the rest wait behind it
        ids = await hub.events(5)
        requests = await hub.receiver.wait_for(hub.path, 6, timeout=20)
        assert _ids(requests) == [ids[0], *ids]
        assert {m.status for m in await hub.settled(5)} == {"succeeded"}
        assert hub.consumer.stats["claimed"] == 6 and hub.consumer.parked == 0
        await _drained(hub.queue)


class TestGracefulStop:
    async def test_drain_lets_the_attempts_under_way_finish_and_be_acked(self, make_hub: HubFactory) -> None:
        hub = await make_hub(delay=0.5)
        ids = await hub.events(3)
        deadline = time.monotonic() + 10
        while hub.consumer.stats["claimed"] < 3:
            assert time.monotonic() < deadline, hub.consumer.stats
            await asyncio.sleep(0.02)
        assert await hub.consumer.drain(timeout=10)
        messages = await hub.messages()
        assert [(m.id, m.status) for m in messages] == [(i, "succeeded") for i in ids]
        await asyncio.wait_for(hub.tasks[0], timeout=5)  # run() returns once drained
        await _drained(hub.queue)


class TestConnectionLoss:
    async def test_delivery_resumes_after_the_broker_drops_the_connection(self, make_hub: HubFactory) -> None:
        hub = await make_hub()
        await hub.events(1)
        await hub.receiver.wait_for(hub.path, 1, timeout=15)
        connection = hub.queue.connection
        assert connection is not None
        attempts = connection.connection_attempt  # type: ignore[attr-defined]
        await _drop_connection(hub.queue)
        more = await hub.events(3)  # published while (or just after) the connection is restored
        requests = await hub.receiver.wait_for(hub.path, 4, timeout=30)
        assert set(more) <= set(_ids(requests))
        assert connection.connection_attempt > attempts  # type: ignore[attr-defined]
        assert {m.status for m in await hub.settled(4)} == {"succeeded"}
        assert not any(t.done() for t in hub.tasks)  # the consumer never stopped
        await _drained(hub.queue)


async def _drop_connection(queue: RabbitQueue) -> None:
    """Have the broker force our connection closed (rabbitmqctl close_connection, only ours, by its name);
    without rabbitmqctl, abort the TCP transport under the robust connection."""
    assert queue.connection is not None
    if shutil.which("rabbitmqctl"):
        command = ["rabbitmqctl", "-q", "--no-table-headers", "list_connections", "pid", "client_properties"]
        listing = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=30)
        marker = json.dumps(["connection_name", queue.connection_name])[1:-1].replace('", "', '","')
        pids = [line.split("\t")[0] for line in listing.stdout.splitlines() if "{" + marker + "}" in line]
        assert len(pids) == 1, listing.stdout
        command = ["rabbitmqctl", "close_connection", pids[0], "test: connection drop"]
        await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True, timeout=30)
    else:
        underlay = queue.connection.transport.connection  # type: ignore[union-attr]
        writer = underlay._writer_task.get_coro().cr_frame.f_locals["writer"]
        writer.transport.abort()
