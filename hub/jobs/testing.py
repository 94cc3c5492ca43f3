"""Helpers for tests that drive jobs through a running hub."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from sqlalchemy import func, select

from hub.db import utcnow
from hub.events.models import Event
from hub.jobs.models import JobRow
from hub.jobs.registry import Job

__all__ = ["settle", "settle_until"]


async def settle(app: Any, timeout: float = 15.0) -> list[Job]:
    """Relay every committed event, then run jobs until no event is unrelayed and no job is due or held by
    another runner; answers the jobs this call ran. Jobs scheduled for later stay scheduled."""
    hub = app.state.hub
    ran: list[Job] = []

    async def until_quiet() -> None:
        while True:
            while await hub.relay.run_once():
                pass
            ran.extend(await hub.jobs.run_due())
            async with hub.sessions() as session:
                # Events another relay holds right now (SKIP LOCKED passed them by) may still make jobs. They
                # are counted first: the relay commits its jobs with the events it marks, so once the events
                # read as relayed, the jobs they made are there to be read; the other order can miss both.
                unrelayed = await session.scalar(select(func.count()).select_from(Event).where(
                    Event.relayed_at.is_(None)))
                busy = await session.scalar(select(func.count()).select_from(JobRow).where(
                    JobRow.status == "pending",
                    (JobRow.next_attempt_at <= utcnow()) | JobRow.lease.is_not(None)))
            if not busy and not unrelayed:
                return
            await asyncio.sleep(0.02)

    async with asyncio.timeout(timeout):
        await until_quiet()
    return ran


async def settle_until(app: Any, condition: Callable[[], Any], timeout: float = 30.0) -> None:
    """Settle again and again until `condition()` holds: a job that failed once is retried on its schedule,
    after a plain `settle` has returned, so a test waits for what it asserts rather than for quiet."""

    async def until_true() -> None:
        while True:
            await settle(app, timeout)
            if condition():
                return
            await asyncio.sleep(0.05)

    async with asyncio.timeout(timeout):
        await until_true()
