"""`settle`, the tests' helper: it returns only once no event awaits the relay and no job is due."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_only

from hub.app import MODULES
from hub.db import utcnow
from hub.events.models import Event
from hub.events.service import append
from hub.jobs.queue import enqueue
from hub.jobs.registry import Job, JobContext
from hub.jobs.testing import settle
from hub.module import Module
from hub.runtime import Hub
from hub.tenancy import service as tenancy
from tests.conftest import make_settings

CORE = tuple(m for m in MODULES if m.name in ("tenancy", "records", "events", "jobs"))


@pytest.fixture
async def hub(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hub]:
    """A hub that is not running: nothing relays or runs jobs but `settle` itself."""
    if backend != "postgresql":
        pytest.skip("SQLite's one pooled connection lets no other transaction commit while settle counts")
    ran: list[Job] = []

    async def record(ctx: JobContext, job: Job) -> None:
        ran.append(job)

    settings = await make_settings(backend, tmp_path_factory.mktemp("settle"))
    made = Hub(settings, (*CORE, Module(name="recorder", description="Records.", jobs={"settle.record": record})))
    yield made
    await made.engine.dispose()
    await made.http.aclose()
    await made.user_http.aclose()


class TestSettle:
    async def test_runs_the_job_a_relay_commits_while_settle_counts(self, hub: Hub) -> None:
        async with hub.sessions.begin() as session:
            org, _ = await tenancy.create_org(session, "Settle")
            row = append(session, org.id, "settle.happened", {})
        async with hub.engine.connect() as other:
            relaying = await other.begin()  # another process's relay: it holds the event and writes the job
            relay = AsyncSession(bind=other)
            await relay.execute(update(Event).where(Event.id == row.id).values(relayed_at=utcnow()))
            job_id = await enqueue(relay, org.id, "settle.record", {})

            # The relay commits just after settle has counted the due jobs: settle must not take the event then
            # reading as relayed for a sign that the job it made was counted.
            def commit_after_counting_jobs(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
                if "count(" in statement and "FROM jobs" in statement and relaying.is_active:
                    await_only(relaying.commit())

            event.listen(hub.engine.sync_engine, "after_cursor_execute", commit_after_counting_jobs)
            try:
                ran = await settle(SimpleNamespace(state=SimpleNamespace(hub=hub)), timeout=10)
            finally:
                event.remove(hub.engine.sync_engine, "after_cursor_execute", commit_after_counting_jobs)
        assert [job.id for job in ran] == [job_id]
