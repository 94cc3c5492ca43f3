"""Helpers for tests that drive jobs through a running hub."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from hub.db import utcnow
from hub.jobs.models import JobRow
from hub.jobs.registry import Job

__all__ = ["settle"]


async def settle(app: Any, timeout: float = 15.0) -> list[Job]:
    """Relay every committed event, then run jobs until none is due or held by another runner of this
    app; answers the jobs this call ran. Jobs scheduled for later stay scheduled."""
    state = app.state
    ran: list[Job] = []

    async def until_quiet() -> None:
        while True:
            while await state.relay.run_once():
                pass
            ran.extend(await state.jobs.run_due())
            async with state.sessions() as session:
                busy = await session.scalar(select(func.count()).select_from(JobRow).where(
                    JobRow.status == "pending",
                    (JobRow.next_attempt_at <= utcnow()) | JobRow.lease.is_not(None)))
            if not busy:
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(until_quiet(), timeout)
    return ran
