"""The loop that works jobs off: claim what is due, run each under its lease, record how it ended."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Counter, Histogram

from hub import outside
from hub.db import utcnow
from hub.jobs.queue import claim, settle_one
from hub.jobs.registry import GiveUp, Job, JobContext, JobRegistry, RetryLater
from hub.retry import RetryPolicy
from hub.uow import to_the_end

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["JobRunner"]

log = structlog.get_logger("hub.jobs")
JOBS = Counter("hub_jobs_total", "Job attempts by kind and how they ended", ["kind", "outcome"])
RATE_LIMIT_PAUSE = 60.0  # seconds, when a service limits us without saying for how long
JOB_SECONDS = Histogram("hub_job_duration_seconds", "Time one job attempt ran", ["kind"],
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))


class JobRunner:
    """Runs up to `job_concurrency` jobs at once. Woken when a job is written in this process, and polls
    every `job_poll_seconds` for the rest (other processes' jobs, retries coming due)."""

    def __init__(self, hub: Hub, registry: JobRegistry) -> None:
        settings = hub.settings
        self.registry, self.context = registry, JobContext(hub)
        self.sessions = hub.sessions
        self.policy = RetryPolicy.parse(settings.job_retry_schedule)
        self.concurrency, self.lease = settings.job_concurrency, settings.job_lease_seconds
        self.poll = settings.job_poll_seconds
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._batch = max(1, self.concurrency // 4)
        self.paused = False  # while set, the loop takes nothing new (maintenance, tests that claim by hand)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        if not self.registry.handlers:
            return
        try:
            while True:
                self._wake.clear()
                room, started = self.concurrency - len(self._running), 0
                # Claim a few slots' worth at a time: one claim per finished job would double the writes.
                if not self.paused and room and (room >= self._batch or not self._running):
                    try:
                        started = await to_the_end(self._start(room))  # a claim is not cut in half
                    except Exception as exc:  # the database is away: try again after the poll interval
                        log.warning("jobs.claim.failed", error_class=type(exc).__name__)
                if started and started == room:
                    continue  # every slot filled: more may be due
                waits = [asyncio.create_task(self._wake.wait())]
                if self._running:
                    waits.append(asyncio.create_task(asyncio.wait(set(self._running),
                                                                  return_when=asyncio.FIRST_COMPLETED)))
                try:
                    await asyncio.wait(waits, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
                finally:  # also when cancelled: nothing is left waiting
                    for task in waits:
                        task.cancel()
        finally:
            for task in self._running:
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)

    async def run_due(self) -> list[Job]:
        """Claim and finish every job due now, in this task; for tests and one-off runs."""
        finished: list[Job] = []
        while claimed := await claim(self.sessions, self.registry.handlers, self.concurrency, self.lease):
            await asyncio.gather(*(self.attempt(job, lease) for job, lease in claimed))
            finished += [job for job, _ in claimed]
        return finished

    async def _start(self, room: int) -> int:
        if room <= 0:
            return 0
        claimed = await claim(self.sessions, self.registry.handlers, room, self.lease)
        for job, lease in claimed:
            task = asyncio.create_task(self.attempt(job, lease), name=f"job:{job.kind}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return len(claimed)

    async def attempt(self, job: Job, lease: str) -> None:
        """Run one claimed job and record how it ended."""
        fields = {"job_id": job.id, "org_id": job.org_id, "kind": job.kind, "attempt": job.attempt}
        handler = self.registry.handlers[job.kind]
        started = time.perf_counter()
        try:
            # A run longer than its lease would let another worker take the job; stop it before that.
            async with asyncio.timeout(self.lease * 0.9):
                result = await handler(self.context, job)
        except (RetryLater, outside.RateLimited) as exc:
            # Counted from now, when the service said when: not from when the attempt began.
            after = exc.after if isinstance(exc, RetryLater) else exc.retry_after or RATE_LIMIT_PAUSE
            retry_at = utcnow() + timedelta(seconds=after) if job.attempt < self.policy.max_attempts else None
            await self._settle(job, lease, _describe(exc), retry_at, fields)
        except (GiveUp, outside.Rejected, outside.AuthorizationRevoked) as exc:
            await self._settle(job, lease, f"gave up: {_describe(exc)}", None, fields)
        except Exception as exc:
            await self._settle(job, lease, _describe(exc), self.policy.next_attempt(job.attempt, utcnow()), fields)
        else:
            JOBS.labels(job.kind, "succeeded").inc()
            if await self._record(job, lease, result=result or None):
                log.info("jobs.succeeded", **fields)
        finally:
            JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)

    async def _settle(self, job: Job, lease: str, error: str, retry_at: Any, fields: dict[str, Any]) -> None:
        JOBS.labels(job.kind, "failed" if retry_at is None else "retrying").inc()
        if await self._record(job, lease, error=error, retry_at=retry_at):
            if retry_at is None:
                log.warning("jobs.failed", error=error, **fields)
            else:
                log.info("jobs.retrying", error=error, retry_at=retry_at.isoformat(), **fields)

    async def _record(self, job: Job, lease: str, **outcome: Any) -> bool:
        try:
            if await settle_one(self.sessions, job, lease, **outcome):
                return True
            log.warning("jobs.lease.lost", job_id=job.id, kind=job.kind)
        except Exception as exc:  # the lease lapses and the job is run again: handlers are idempotent
            log.warning("jobs.record.failed", job_id=job.id, error_class=type(exc).__name__)
        return False


def _describe(exc: BaseException) -> str:
    """How an attempt ended, in words: a `RetryLater` or `GiveUp` as its handler put it, others with their class."""
    if isinstance(exc, (RetryLater, GiveUp)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
