"""When scoring happens: the relay's listener scores each logged or reworded activity in the relay's own
transaction (so a score and its events exist exactly when the change did, with no job per activity), and the
`sentiment.backfill` job scores, in batches, what was logged before."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.sentiment import service
from core_features.sentiment.scorer import Scorer
from core_features.sentiment.settings import SentimentSettings
from hub.events.models import Event
from hub.jobs import Job, JobContext, enqueue
from hub.records.models import Activity

__all__ = ["BACKFILL", "BATCH", "backfill", "on_events"]

log = structlog.get_logger("core_features.sentiment")
BACKFILL = "sentiment.backfill"
BATCH = 100  # activities one backfill job scores before it queues the next
# An update that touches none of these leaves the score, and the deal's trend, as they were.
_RELEVANT = {"subject", "body", "deal_id", "occurred_at"}


def _wanted(event: Event) -> bool:
    if event.type == "activity.created":
        return True
    return event.type == "activity.updated" and bool(_RELEVANT & set(event.data.get("changed_fields") or ()))


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """Score each activity logged, or updated in its words, deal or time."""
    scorer, config = ctx.service(Scorer), ctx.config(SentimentSettings)
    for event in events:
        if _wanted(event) and event.subject_id:
            await _score(session, scorer, config, event)


async def _score(session: AsyncSession, scorer: Scorer, config: SentimentSettings, event: Event) -> None:
    try:
        async with session.begin_nested():
            await service.score_activity(session, scorer, config, event.org_id, event.subject_id or "")
    except Exception as exc:  # one activity's trouble must never hold up the relay of every other event
        log.error("sentiment.score.failed", org_id=event.org_id, activity_id=event.subject_id,
                  error_class=type(exc).__name__)


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
