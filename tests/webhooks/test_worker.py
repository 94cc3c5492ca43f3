"""The delivery worker under a fake clock, on a private database: leases, retries, health, order, caps, retention.

No hub runs here: only the relays and workers a test makes touch its messages, and time moves only when the
test advances the clock (the retry schedule is "0,60,60,60", so nothing is retried by itself).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import update

from hub.db import utcnow
from hub.errors import Conflict
from tests.webhooks.conftest import Hub, _ids
from webhooks.models import Endpoint, Message
from webhooks.recording import Result
from webhooks.service import purge_payloads
from webhooks.settings import WebhookSettings


class TestLeases:
    async def test_a_dead_workers_messages_go_out_once_its_leases_expire(self, hub: Hub) -> None:
        await hub.endpoint("/lease")
        sent = await hub.publish(2)
        dead = hub.worker()
        assert sorted(job.message_id for job in await dead.claim(10)) == _ids(sent)  # ...and never records
        lease = hub.settings.of(WebhookSettings).lease_seconds
        async with hub.worker() as live:
            hub.clock.advance(seconds=lease / 2)
            assert await live.claim(10) == []
            assert await live.run_once() == 0 and hub.sent("/lease") == []
            hub.clock.advance(seconds=lease)
            assert await live.run_once() == 2
        assert sorted(hub.sent("/lease")) == _ids(sent)
        assert [(m.status, m.attempt_count, m.leased_until) for m in await hub.messages()] == [
            ("succeeded", 1, None)] * 2


class TestLateResults:
    async def test_a_late_result_of_a_lapsed_lease_does_not_undo_a_success(self, hub: Hub) -> None:
        await hub.endpoint("/late")
        [sent] = await hub.publish()
        [stalled] = await hub.worker().claim(10)  # a worker that stalls past its lease
        hub.clock.advance(seconds=hub.settings.of(WebhookSettings).lease_seconds + 1)
        async with hub.worker() as live:
            assert await live.run_once() == 1  # another worker takes it and succeeds
            late = Result(stalled, hub.clock.now, 15000, None, None, None, "timeout", None)
            await live._record([late])
        message = await hub.message(sent.id)
        assert (message.status, message.attempt_count, message.next_attempt_at) == ("succeeded", 1, None)
        assert sorted(a.outcome for a in await hub.attempts(sent.id)) == ["retry", "succeeded"]  # both logged


    async def test_an_endpoint_deleted_while_its_messages_are_sent_leaves_the_other_results_recorded(
            self, hub: Hub) -> None:
        doomed, kept = await hub.endpoint("/doomed"), await hub.endpoint("/kept")
        await hub.publish()
        jobs = await hub.worker().claim(10)
        assert {j.endpoint_id for j in jobs} == {doomed.id, kept.id}
        async with hub.sessions.begin() as session:  # the endpoint goes, and its messages with it
            await session.delete(await session.get(Endpoint, doomed.id))
        async with hub.worker() as worker:
            await worker._record([Result(j, hub.clock.now, 12, 200, {}, "", None, None) for j in jobs])
        [message] = await hub.messages()
        assert (message.endpoint_id, message.status) == (kept.id, "succeeded")
        assert [a.outcome for a in await hub.attempts(message.id)] == ["succeeded"]

    async def test_a_late_result_recorded_first_leaves_the_message_to_its_new_holder(self, hub: Hub) -> None:
        await hub.endpoint("/late")
        [sent] = await hub.publish()
        [stalled] = await hub.worker().claim(10)
        hub.clock.advance(seconds=hub.settings.of(WebhookSettings).lease_seconds + 1)
        async with hub.worker() as live:
            [job] = await live.claim(10)
            answered = await live.attempt(job)
            await live._record([Result(stalled, hub.clock.now, 15000, None, None, None, "timeout", None)])
            assert (await hub.message(sent.id)).leased_until == job.lease  # still the new holder's
            await live._record([answered])
        message = await hub.message(sent.id)
        assert (message.status, message.attempt_count) == ("succeeded", 1)


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
