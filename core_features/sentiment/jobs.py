"""Scoring as jobs: the relay's listener queues one `sentiment.score` job per logged or reworded activity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core_features.sentiment import service
from core_features.sentiment.scorer import Scorer
from core_features.sentiment.settings import SentimentSettings
from hub.events.models import Event
from hub.jobs import Job, JobContext, enqueue
from hub.records.models import Activity

__all__ = ["BACKFILL", "BATCH", "KIND", "backfill", "handle", "on_events"]

KIND = "sentiment.score"
BACKFILL = "sentiment.backfill"
BATCH = 100  # activities one backfill job scores before it queues the next
# An update that touches none of these leaves the score, and the deal's trend, as they were.
_RELEVANT = {"subject", "body", "deal_id", "occurred_at"}


def _wanted(event: Event) -> bool:
    if event.type == "activity.created":
        return True
    return event.type == "activity.updated" and bool(_RELEVANT & set(event.data.get("changed_fields") or ()))


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """Queue a score for each activity logged, or updated in its words, deal or time."""
    for event in events:
        if _wanted(event) and event.subject_id:
            await enqueue(session, event.org_id, KIND, {"activity_id": event.subject_id}, key=event.id)


async def handle(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Score the activity in its own unit of work; an activity deleted meanwhile is nothing to score."""
    async with ctx.sessions.begin() as session:
        row = await service.score_activity(session, ctx.service(Scorer), ctx.config(SentimentSettings),
                                           job.org_id, job.payload["activity_id"])
        return {"activity_id": job.payload["activity_id"], "score": None if row is None else row.score,
                "label": None if row is None else row.label}


async def backfill(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Score a batch of activities the current model has not scored, quietly, then queue the next batch."""
    scorer, config = ctx.service(Scorer), ctx.config(SentimentSettings)
    async with ctx.sessions.begin() as session:
        ids = list(await session.scalars(service.unscored(job.org_id, scorer.name)
                                         .where(Activity.id > (job.payload.get("after") or "")).limit(BATCH)))
        for activity_id in ids:
            await service.score_activity(session, scorer, config, job.org_id, activity_id, announce=False)
        if len(ids) == BATCH:
            await enqueue(session, job.org_id, BACKFILL, {"after": ids[-1]}, key=f"{job.id}:next")
    return {"scored": len(ids), "after": ids[-1] if ids else None, "done": len(ids) < BATCH}
