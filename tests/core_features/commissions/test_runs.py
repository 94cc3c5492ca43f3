"""A calculation run killed in the middle resumes after its last committed batch, on both databases."""

from __future__ import annotations

import asyncio
import dataclasses

import msgspec
from litestar import Litestar
from sqlalchemy import event, select

from core_features.commissions import jobs
from core_features.commissions.models import Payout, Run
from core_features.commissions.settings import CommissionSettings
from hub.app import MODULES
from hub.db import new_id, utcnow
from hub.jobs import Job, JobContext
from hub.runtime import Hub
from tests.conftest import Api
from tests.core_features.commissions.conftest import current, plan, rep

REPS = 6


async def _progress(app: Litestar, run_id: str) -> Run:
    async with Hub.of(app).sessions() as session:
        return await session.get(Run, run_id)


async def _computed(app: Litestar, org_id: str) -> dict[str, object]:
    async with Hub.of(app).sessions() as session:
        rows = await session.execute(select(Payout.user_id, Payout.computed_at).where(Payout.org_id == org_id))
        return {user_id: at for user_id, at in rows}


class TestKilledRun:
    async def test_a_run_killed_mid_way_resumes_after_its_last_batch(self, app: Litestar, api: Api) -> None:
        await plan(api, [await rep(api, f"Rep{n}") for n in range(REPS)], rate="0.1")
        settings = Hub.of(app).settings
        one_by_one = msgspec.structs.replace(settings, sections={
            **settings.sections, "commissions": CommissionSettings(run_batch=1)})
        worker = Hub(one_by_one, MODULES)  # a second process on the same database, committing one rep a time
        async with worker.sessions.begin() as session:
            run = Run(id=new_id("crn"), org_id=api.org_id, period=current().label, status="pending", total=0,
                      done=0, created_at=utcnow(), updated_at=utcnow())
            session.add(run)
        job = Job(id="job_k", org_id=api.org_id, kind=jobs.RUN_JOB, payload={"run_id": run.id}, attempt=1,
                  created_at=utcnow())
        try:
            task = asyncio.create_task(jobs.run_payouts(JobContext(worker), job))
            commits = []

            def kill_after_two_batches(conn: object) -> None:  # the run's start, then one commit per rep
                commits.append(conn)
                if len(commits) == 3:
                    task.cancel()  # the process dies while it works on the third rep

            event.listen(worker.engine.sync_engine, "commit", kill_after_two_batches)
            await asyncio.gather(task, return_exceptions=True)
            event.remove(worker.engine.sync_engine, "commit", kill_after_two_batches)
            killed = await _progress(app, run.id)
            before = await _computed(app, api.org_id)
            assert (killed.status, killed.done, len(before)) == ("running", 2, 2)
            answer = await jobs.run_payouts(JobContext(worker), dataclasses.replace(job, attempt=2))
        finally:
            await worker.engine.dispose()
        after = await _computed(app, api.org_id)
        assert answer == {"run_id": run.id, "payouts": REPS}
        assert len(after) == REPS and all(after[user] == at for user, at in before.items())  # none done twice
        assert (await _progress(app, run.id)).status == "done"
