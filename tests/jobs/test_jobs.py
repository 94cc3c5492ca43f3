"""The durable job queue: written with the change that caused it, run once, retried, failed, retried by hand."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from hub.db import utcnow
from hub.events.models import Event
from hub.jobs import GiveUp, Job, JobContext, JobRunner, RetryLater, enqueue
from hub.jobs.models import JobRow
from hub.jobs.queue import claim, settle_one
from hub.jobs.testing import settle
from tests.conftest import Api
from hub.runtime import Hub


class Recorder:
    """A job kind of this test's own: it records its runs and does what the test tells it to."""

    def __init__(self, app: Litestar, behave: Any = None) -> None:
        self.kind = f"test.{uuid.uuid4().hex[:8]}"
        self.runs: list[Job] = []
        self.behave = behave
        Hub.of(app).jobs.registry.kind(self.kind, self.handle)

    async def handle(self, ctx: JobContext, job: Job) -> dict[str, Any]:
        assert ctx.settings is not None and ctx.sessions is not None
        self.runs.append(job)
        if self.behave:
            await self.behave(job)
        return {"seen": job.payload.get("n")}


async def job_row(app: Litestar, job_id: str) -> JobRow:
    async with Hub.of(app).sessions() as session:
        row = await session.get(JobRow, job_id)
        assert row is not None
        return row


async def add(app: Litestar, org_id: str, kind: str, payload: dict[str, Any], **kw: Any) -> str | None:
    async with Hub.of(app).sessions.begin() as session:
        return await enqueue(session, org_id, kind, payload, **kw)


async def test_a_listener_turns_committed_events_into_jobs_that_run_once(app: Litestar, api: Api) -> None:
    recorder = Recorder(app)

    async def on_events(ctx: JobContext, session: Any, events: list[Event]) -> None:
        for event in events:
            if event.type == "contact.created" and event.org_id == api.org_id:
                await enqueue(session, event.org_id, recorder.kind, {"n": event.data["email"]}, key=event.id)

    Hub.of(app).jobs.registry.listen(on_events)
    try:
        await api.create("contacts", {"first_name": "Ada", "email": "ada@jobs.example"})
        await settle(app)
    finally:
        Hub.of(app).jobs.registry.listeners.remove(on_events)
    metrics = (await api.client.get("/metrics")).text
    assert f'hub_jobs_total{{kind="{recorder.kind}",outcome="succeeded"}} 1.0' in metrics
    assert f'hub_job_duration_seconds_count{{kind="{recorder.kind}"}} 1.0' in metrics
    assert [job.payload for job in recorder.runs] == [{"n": "ada@jobs.example"}]
    listed = (await api.get("/v1/jobs", params={"kind": recorder.kind})).json()["data"]
    assert [(j["status"], j["attempts"], j["result"]) for j in listed] == [("succeeded", 1, {"seen": "ada@jobs.example"})]


async def test_a_rolled_back_transaction_queues_nothing_and_a_key_queues_once(app: Litestar, api: Api) -> None:
    recorder = Recorder(app)
    with pytest.raises(RuntimeError):
        async with Hub.of(app).sessions.begin() as session:
            await enqueue(session, api.org_id, recorder.kind, {"n": 1})
            raise RuntimeError("the change failed")
    first = await add(app, api.org_id, recorder.kind, {"n": 2}, key="deal_1:invoice")
    again = await add(app, api.org_id, recorder.kind, {"n": 3}, key="deal_1:invoice")
    await settle(app)
    assert first is not None and again is None
    assert [job.payload["n"] for job in recorder.runs] == [2]


async def test_a_failing_job_is_retried_then_fails_and_can_be_retried_by_hand(app: Litestar, api: Api) -> None:
    healthy = asyncio.Event()

    async def behave(job: Job) -> None:
        if not healthy.is_set():
            raise ConnectionError("accounting service is down")

    recorder = Recorder(app, behave)
    job_id = await add(app, api.org_id, recorder.kind, {"n": 1})
    assert job_id is not None
    for _ in range(200):  # the schedule has four attempts, 0.2 s apart
        await settle(app)
        if (await job_row(app, job_id)).status == "failed":
            break
        await asyncio.sleep(0.05)
    row = await job_row(app, job_id)
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.last_error == "ConnectionError: accounting service is down"
    assert len(recorder.runs) == 4

    healthy.set()
    answer = await api.post(f"/v1/jobs/{job_id}/retry")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "pending"
    await settle(app)
    row = await job_row(app, job_id)
    assert (row.status, row.attempts, row.last_error) == ("succeeded", 1, None)
    again = await api.post(f"/v1/jobs/{job_id}/retry")
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")


async def test_retry_later_waits_exactly_as_asked_and_give_up_fails_at_once(app: Litestar, api: Api) -> None:
    async def behave(job: Job) -> None:
        if job.payload["n"] == "later" and job.attempt == 1:
            raise RetryLater(after=30, reason="429 Too Many Requests")
        if job.payload["n"] == "never":
            raise GiveUp("the connection was revoked")

    recorder = Recorder(app, behave)
    later = await add(app, api.org_id, recorder.kind, {"n": "later"})
    never = await add(app, api.org_id, recorder.kind, {"n": "never"})
    before = utcnow()
    await settle(app)
    row = await job_row(app, later)
    assert row.status == "pending" and row.last_error == "429 Too Many Requests"
    assert 29 <= (row.next_attempt_at - before).total_seconds() <= 31
    failed = await job_row(app, never)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "gave up: the connection was revoked")


async def test_a_job_whose_worker_died_is_taken_again_and_the_late_result_is_ignored(app: Litestar,
                                                                                      api: Api) -> None:
    recorder = Recorder(app)
    Hub.of(app).jobs.paused = True  # the server's own runner stays out of this
    try:
        job_id = await add(app, api.org_id, recorder.kind, {"n": 1})
        # A worker takes the job with a short lease and dies without a word.
        taken = await claim(Hub.of(app).sessions, [recorder.kind], 10, lease_seconds=0.2)
        assert [job.id for job, _ in taken] == [job_id]
        await asyncio.sleep(0.3)
    finally:
        Hub.of(app).jobs.paused = False
    await settle(app)
    row = await job_row(app, job_id)
    assert (row.status, row.attempts) == ("succeeded", 2)
    dead_job, dead_lease = taken[0]
    assert await settle_one(Hub.of(app).sessions, dead_job, dead_lease, error="late", retry_at=None) is False
    assert (await job_row(app, job_id)).status == "succeeded"


async def test_jobs_are_the_organizations_own(app: Litestar, api: Api, other: Api) -> None:
    recorder = Recorder(app)
    job_id = await add(app, api.org_id, recorder.kind, {"n": 1})
    await settle(app)
    assert (await other.get(f"/v1/jobs/{job_id}")).status_code == 404
    assert (await other.post(f"/v1/jobs/{job_id}/retry")).status_code == 404
    assert job_id not in [j["id"] for j in (await other.get("/v1/jobs")).json()["data"]]
    assert (await api.get(f"/v1/jobs/{job_id}")).json()["status"] == "succeeded"


async def test_two_runners_never_run_one_job_twice(app: Litestar, api: Api) -> None:
    async def behave(job: Job) -> None:
        await asyncio.sleep(0.01)

    recorder = Recorder(app, behave)
    for n in range(60):
        await add(app, api.org_id, recorder.kind, {"n": n})
    runners = [JobRunner(Hub.of(app), Hub.of(app).jobs.registry) for _ in range(2)]
    await asyncio.gather(*(runner.run_due() for runner in runners), settle(app))
    assert sorted(job.payload["n"] for job in recorder.runs) == list(range(60))
    async with Hub.of(app).sessions() as session:
        rows = (await session.scalars(select(JobRow).where(JobRow.kind == recorder.kind))).all()
    assert {(r.status, r.attempts) for r in rows} == {("succeeded", 1)}
