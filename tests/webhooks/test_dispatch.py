"""The embedded queue's loop: what a worker holds ahead per endpoint, and what it gives back."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.webhooks.conftest import Hub, _ids
from webhooks.dispatch import Dispatcher, give_back
from webhooks.settings import WebhookSettings


def _redeliveries() -> float:
    return REGISTRY.get_sample_value("hub_webhook_redeliveries_total") or 0.0


class TestHolding:
    async def test_a_worker_holds_twice_an_endpoints_cap_and_no_more(self, hub: Hub) -> None:
        endpoint = await hub.endpoint("/capped", max_concurrency=2)
        await hub.publish(7)
        worker = hub.worker()
        assert len(await worker.claim(500, prefetch=True)) == 4  # two to send, two waiting for a slot
        assert await worker.claim_for({endpoint.id: 10}) == []
        assert sum(m.leased_until is not None for m in await hub.messages()) == 4

    async def test_a_rate_limited_endpoint_gets_no_more_than_its_cap(self, hub: Hub) -> None:
        await hub.endpoint("/slow", max_concurrency=2, rate_limit=100)
        await hub.publish(5)
        assert len(await hub.worker().claim(500, prefetch=True)) == 2

    async def test_topping_up_reads_only_the_endpoint_asked_for(self, hub: Hub) -> None:
        first = await hub.endpoint("/a", max_concurrency=3)
        await hub.endpoint("/b", max_concurrency=3)
        await hub.publish(4)
        jobs = await hub.worker().claim_for({first.id: 5})
        assert {job.endpoint_id for job in jobs} == {first.id} and len(jobs) == 4


class TestGivingBack:
    async def test_messages_waiting_for_an_endpoint_whose_breaker_opened_are_released(self, hub: Hub) -> None:
        endpoint = await hub.endpoint("/dead", max_concurrency=1)
        sent = await hub.publish(2)
        worker = hub.worker()
        dispatcher = Dispatcher(worker)
        dispatcher._take(await worker.claim(500, prefetch=True), asked=None)
        assert sorted(job.message_id for job in dispatcher.ready[endpoint.id]) == _ids(sent)
        for _ in range(hub.settings.of(WebhookSettings).breaker_failures):
            worker.breakers.observe(endpoint.id, False, hub.clock.now)
        await give_back(worker, dispatcher.slots.take_broken(hub.clock.now))
        assert endpoint.id not in dispatcher.ready and worker.inflight[endpoint.id] == 0
        assert [m.leased_until for m in await hub.messages()] == [None, None]

    async def test_a_lapsed_lease_is_counted_as_a_possible_duplicate(self, hub: Hub) -> None:
        await hub.endpoint("/lease")
        await hub.publish(2)
        assert len(await hub.worker().claim(10)) == 2  # a worker that then dies
        before = _redeliveries()
        hub.clock.advance(seconds=hub.settings.of(WebhookSettings).lease_seconds + 1)
        assert len(await hub.worker().claim(10)) == 2
        assert _redeliveries() - before == 2


class TestRunning:
    async def test_an_ordered_endpoint_gets_every_message_in_order_from_the_loop(self, hub: Hub) -> None:
        await hub.endpoint("/ordered", ordered=True)
        sent = await hub.publish(5)
        async with hub.worker() as worker:
            task = asyncio.create_task(worker.run())
            try:
                await hub.receiver.wait_for("/ordered", 5, timeout=30)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        assert hub.sent("/ordered") == [m.id for m in sent]

    async def test_a_stopped_loop_gives_back_what_waited_unsent(self, hub: Hub) -> None:
        answer = asyncio.Event()
        hub.receiver.script["/held"] = [answer]  # the first request waits for the test
        endpoint = await hub.endpoint("/held", max_concurrency=1)
        await hub.publish(3)
        worker = hub.worker()
        dispatcher = Dispatcher(worker)
        dispatcher._take(await worker.claim(500, prefetch=True), asked=None)
        waiting = dispatcher.ready[endpoint.id][1].message_id  # the first one is sent when the loop starts
        async with worker:
            task = asyncio.create_task(dispatcher.run())
            await hub.receiver.wait_for("/held", 1)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            answer.set()
        message = await hub.message(waiting)
        assert (message.status, message.attempt_count, message.leased_until) == ("pending", 0, None)

    async def test_a_claim_under_way_when_the_loop_stops_finishes_and_what_it_leased_is_given_back(
        self, hub: Hub
    ) -> None:
        await hub.endpoint("/late", max_concurrency=1)
        worker = hub.worker()
        claiming, finish = asyncio.Event(), asyncio.Event()
        claim = worker.claim

        async def slow_claim(*args: object, **kwargs: object) -> list:
            jobs = await claim(*args, **kwargs)
            if jobs:  # leased in the database; the loop is stopped before it has them in hand
                claiming.set()
                await finish.wait()
            return jobs

        worker.claim = slow_claim  # type: ignore[method-assign]
        dispatcher = Dispatcher(worker)
        async with worker:
            task = asyncio.create_task(dispatcher.run())
            await hub.publish(3)
            worker.wake()
            await asyncio.wait_for(claiming.wait(), 30)
            task.cancel()
            finish.set()
            await asyncio.gather(task, return_exceptions=True)
        assert [(m.status, m.leased_until) for m in await hub.messages()] == [("pending", None)] * 3


class TestPace:
    async def test_a_fast_endpoint_is_held_deeper_and_a_slow_one_not(self, hub: Hub) -> None:
        fast = await hub.endpoint("/fast", max_concurrency=2)
        slow = await hub.endpoint("/slow", max_concurrency=2)
        await hub.publish(40)
        worker = hub.worker()
        assert len(await worker.claim(100)) == 4  # reads both endpoints' settings
        worker.inflight.clear()
        worker.pace.update({fast.id: 0.002, slow.id: 10.0})
        assert worker.hold(fast.id) == 2 + 16 and worker.hold(slow.id) == 2 + 1

    async def test_messages_waiting_half_their_lease_are_given_back(self, hub: Hub) -> None:
        endpoint = await hub.endpoint("/slowing", max_concurrency=1)
        await hub.publish(3)
        worker = hub.worker()
        dispatcher = Dispatcher(worker)
        dispatcher._take(await worker.claim(500, prefetch=True), asked=None)
        held = [job.message_id for job in dispatcher.ready[endpoint.id]]
        hub.clock.advance(seconds=hub.settings.of(WebhookSettings).lease_seconds / 2 + 1)
        await give_back(worker, dispatcher.slots.take_late(hub.clock.now))
        assert endpoint.id not in dispatcher.ready and worker.inflight[endpoint.id] == 0
        assert [(await hub.message(i)).leased_until for i in held] == [None] * len(held)
