"""Tasks: activities of type `task` with a due time, and `task.due`, emitted once when a task that is not
done falls due.

Every write of a task with a due time queues a `task.announce` job for that time, keyed by the task and the
time, so moving the due time queues a new one and the old one finds it out of date.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import EventType
from hub.db import utcnow
from hub.events.models import Event
from hub.events.service import emit
from hub.jobs import Job, JobContext, enqueue
from hub.records.definitions import ACTIVITIES
from hub.records.models import Activity

__all__ = ["ANNOUNCE_JOB", "TASK_DUE", "announce_due", "on_events"]

ANNOUNCE_JOB = "task.announce"
TASK_DUE = EventType(
    key="task.due", label="Task due", description="A task that is not done fell due.", payload=ACTIVITIES.read,
    subject="activity", sample={**ACTIVITIES.sample, "type": "task", "subject": "Send the proposal", "body": None,
                                "duration_seconds": None, "direction": None, "outcome": None,
                                "due_at": "2026-01-16T09:00:00Z", "done": False})


def _open_task(data: dict[str, Any]) -> bool:
    return data.get("type") == "task" and bool(data.get("due_at")) and not data.get("done")


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: queue the announcement of every open task written with a due time."""
    for event in events:
        if event.type in ("activity.created", "activity.updated") and _open_task(event.data):
            due = datetime.fromisoformat(event.data["due_at"].replace("Z", "+00:00"))
            await enqueue(session, event.org_id, ANNOUNCE_JOB, {"id": event.data["id"], "due_at": event.data["due_at"]},
                          key=f"{event.data['id']}@{event.data['due_at']}",
                          delay=max(0.0, (due - utcnow()).total_seconds()))


async def announce_due(ctx: JobContext, job: Job) -> dict[str, Any]:
    """The `task.announce` job: emit `task.due` unless the task is done, gone, moved, or already announced."""
    async with ctx.sessions.begin() as session:
        row = await session.scalar(select(Activity).where(Activity.id == job.payload["id"],
                                                          Activity.org_id == job.org_id))
        if row is None or not _due_now(row, job.payload["due_at"]):
            return {"emitted": False}
        emit(session, job.org_id, TASK_DUE, ACTIVITIES.to_read(row), subject_id=row.id)
        # A Core update: the announcement is not a change of the record, so its version stays.
        await session.execute(update(Activity).where(Activity.id == row.id).values(due_announced_at=row.due_at))
    return {"emitted": True}


def _due_now(row: Activity, due_at: str) -> bool:
    if row.type != "task" or row.done or row.due_at is None:
        return False
    if row.due_at != datetime.fromisoformat(due_at.replace("Z", "+00:00")):
        return False  # moved since: the job for the new time announces it
    return row.due_announced_at != row.due_at  # the due time it was last announced for
