"""How the job runner acts on the shared vocabulary of outside failures: a rate limit waits as long as the
service asked, a refusal or a revoked grant fails the job at once, an outage follows the schedule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from litestar import Litestar

from hub import outside
from hub.db import utcnow
from hub.jobs import Job
from hub.jobs.models import JobRow
from hub.jobs.runner import RATE_LIMIT_PAUSE
from hub.jobs.testing import settle
from tests.conftest import Api
from tests.jobs.test_jobs import Recorder, add, job_row


class VendorError(Exception):
    """A connector's own base error, as connectors declare theirs."""


class VendorRateLimited(VendorError, outside.RateLimited):
    pass


class VendorNotFound(VendorError, outside.Rejected):
    pass


def rate_limited(kind: type[outside.RateLimited], retry_after: float | None) -> outside.RateLimited:
    exc = kind("slow down")
    exc.retry_after = retry_after
    return exc


async def run_once(app: Litestar, api: Api, exc: Exception) -> tuple[JobRow, datetime, datetime, Recorder]:
    """Queue a job whose handler raises `exc`; answers its row once settled, and the time around its run."""
    async def behave(job: Job) -> None:
        raise exc

    recorder = Recorder(app, behave)
    before = utcnow()
    job_id = await add(app, api.org_id, recorder.kind, {"n": 1})
    assert job_id is not None
    await settle(app)
    return await job_row(app, job_id), before, utcnow(), recorder


class TestOutcomes:
    @pytest.mark.parametrize("kind", [outside.RateLimited, VendorRateLimited])
    async def test_retries_a_rate_limited_job_after_the_delay_the_service_named(
            self, app: Litestar, api: Api, kind: type[outside.RateLimited]) -> None:
        row, before, after, recorder = await run_once(app, api, rate_limited(kind, 30))
        assert (row.status, row.attempts, row.finished_at, len(recorder.runs)) == ("pending", 1, None, 1)
        assert row.last_error == f"{kind.__name__}: slow down"
        assert before + timedelta(seconds=30) <= row.next_attempt_at <= after + timedelta(seconds=30)

    async def test_waits_the_rate_limit_pause_when_the_service_named_no_delay(self, app: Litestar, api: Api
                                                                              ) -> None:
        row, before, after, _ = await run_once(app, api, rate_limited(outside.RateLimited, None))
        pause = timedelta(seconds=RATE_LIMIT_PAUSE)
        assert row.status == "pending" and before + pause <= row.next_attempt_at <= after + pause

    @pytest.mark.parametrize("exc", [outside.Rejected("invoice number is taken"),
                                     outside.AuthorizationRevoked("the grant was revoked"),
                                     VendorNotFound("no such customer")],
                             ids=["rejected", "revoked", "vendor-rejected"])
    async def test_fails_a_refused_or_unauthorized_job_at_once(self, app: Litestar, api: Api,
                                                               exc: outside.ServiceError) -> None:
        row, _, _, recorder = await run_once(app, api, exc)
        assert (row.status, row.attempts, len(recorder.runs)) == ("failed", 1, 1)
        assert row.last_error == f"gave up: {type(exc).__name__}: {exc}"
        assert row.finished_at is not None

    async def test_retries_an_unavailable_service_on_the_schedule(self, app: Litestar, api: Api) -> None:
        async def behave(job: Job) -> None:
            if job.attempt == 1:
                raise outside.Unavailable("503 from the ledger")

        recorder = Recorder(app, behave)
        job_id = await add(app, api.org_id, recorder.kind, {"n": 1})
        assert job_id is not None

        async def succeeded() -> JobRow:
            while (row := await job_row(app, job_id)).status != "succeeded":
                await settle(app)
                await asyncio.sleep(0.05)
            return row

        row = await asyncio.wait_for(succeeded(), 15)
        assert (row.attempts, [job.attempt for job in recorder.runs]) == (2, [1, 2])
