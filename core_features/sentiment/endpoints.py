"""`/v1/sentiment`, `/v1/activities/{activity_id}/sentiment` and `/v1/deals/{deal_id}/sentiment`."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath, JSONBody

from core_features.sentiment import service, trend
from core_features.sentiment.models import ActivitySentiment
from core_features.sentiment.schemas import (ActivitySentimentOut, Coverage, DealTrend, DriverOut, SentimentOut, TextIn,
                                             TrendPoint)
from core_features.sentiment.scorer import Scored, Scorer
from core_features.sentiment.settings import SentimentSettings
from core_features.sentiment.jobs import BACKFILL
from hub.deps import Ctx
from hub.jobs import enqueue
from hub.errors import NotFound, ValidationFailed

__all__ = ["activity_sentiment", "backfill_progress", "deal_sentiment", "start_backfill", "rescore_activity", "score_text", "scored_out", "trend_of"]

TAGS = ["Sentiment"]


def scored_out(scored: Scored) -> SentimentOut:
    return SentimentOut(score=scored.score, label=scored.label,  # type: ignore[arg-type]
                        drivers=[DriverOut(text=d.text, score=d.score) for d in scored.drivers], model=scored.model)


def _stored_out(row: ActivitySentiment) -> ActivitySentimentOut:
    return ActivitySentimentOut(score=row.score, label=row.label,  # type: ignore[arg-type]
                                drivers=[DriverOut(**d) for d in row.drivers], model=row.model,
                                activity_id=row.activity_id, deal_id=row.deal_id, occurred_at=row.occurred_at,
                                scored_at=row.updated_at)


@post("/v1/sentiment", status_code=200, summary="Score a text", tags=TAGS,
      description="A score in [-1, 1], a label and the sentences that drove it; nothing is stored.")
async def score_text(ctx: Ctx, data: JSONBody[TextIn]) -> SentimentOut:
    return scored_out(await ctx.service(Scorer).score_async(data.text))


@post("/v1/sentiment/backfill", status_code=202, summary="Score every activity not yet scored", tags=TAGS,
      description="Queues `sentiment.backfill` jobs that score, in batches, the activities the current model has "
                  "not scored (those logged before the module was added, or after a change of model). They emit "
                  "no events: old activities are not news. Follow it with `GET /v1/sentiment/backfill`.")
async def start_backfill(ctx: Ctx) -> Coverage:
    job_id = await enqueue(ctx.session, ctx.org_id, BACKFILL, {"after": None})
    total, left = await service.coverage(ctx.session, ctx.org_id, ctx.service(Scorer).name)
    return Coverage(job_id=job_id, activities=total, unscored=left)


@get("/v1/sentiment/backfill", summary="How many activities are still to be scored", tags=TAGS)
async def backfill_progress(ctx: Ctx) -> Coverage:
    total, left = await service.coverage(ctx.session, ctx.org_id, ctx.service(Scorer).name)
    return Coverage(job_id=None, activities=total, unscored=left)


@get("/v1/activities/{activity_id:str}/sentiment", summary="An activity's sentiment", tags=TAGS,
     description="As scored when the activity was logged or last reworded; 404 until it has been scored.")
async def activity_sentiment(ctx: Ctx, activity_id: FromPath[str]) -> ActivitySentimentOut:
    await service.activity(ctx.session, ctx.org_id, activity_id)
    row = await service.stored(ctx.session, ctx.org_id, activity_id)
    if row is None:
        raise NotFound(f"Activity {activity_id!r} has not been scored yet.")
    return _stored_out(row)


@post("/v1/activities/{activity_id:str}/sentiment", status_code=200, summary="Score an activity now", tags=TAGS,
      description="Scores it again with the current model and keeps the result, emitting "
                  "`activity.sentiment_scored` (and `deal.sentiment_dropped` when its deal's average falls); 422 "
                  "for an activity without a subject or body.")
async def rescore_activity(ctx: Ctx, activity_id: FromPath[str]) -> ActivitySentimentOut:
    await service.activity(ctx.session, ctx.org_id, activity_id)
    row = await service.score_activity(ctx.session, ctx.service(Scorer), ctx.config(SentimentSettings), ctx.org_id,
                                       activity_id, force=True)
    if row is None:  # the activity was just read in this unit of work: it has no words
        raise ValidationFailed(f"Activity {activity_id!r} has no subject or body to score.")
    return _stored_out(row)


@get("/v1/deals/{deal_id:str}/sentiment", summary="A deal's sentiment trend", tags=TAGS,
     description="Its scored activities in time order, each with the average of the latest "
                 "`HUB_SENTIMENT_TREND_WINDOW` up to it; `current` is that average now, `previous` one activity ago.")
async def deal_sentiment(ctx: Ctx, deal_id: FromPath[str]) -> DealTrend:
    await service.deal(ctx.session, ctx.org_id, deal_id)
    rows = await service.deal_points(ctx.session, ctx.org_id, deal_id)
    return trend_of(deal_id, rows, ctx.config(SentimentSettings).trend_window)


def trend_of(deal_id: str, rows: list[ActivitySentiment], window: int) -> DealTrend:
    """The trend answer from a deal's stored scores."""
    labels = {r.activity_id: r.label for r in rows}
    points = [trend.Point(r.activity_id, r.occurred_at, r.score) for r in rows]
    walked = trend.rolling(points, window)
    now, before = (walked[-1][1] if walked else None), (walked[-2][1] if len(walked) > 1 else None)
    return DealTrend(deal_id=deal_id, window=window, scored=len(points), current=now, previous=before,
                     change=None if now is None or before is None else round(now - before, 4),
                     points=[TrendPoint(activity_id=p.activity_id, occurred_at=p.occurred_at, score=p.score,
                                        label=labels[p.activity_id], average=avg)  # type: ignore[arg-type]
                             for p, avg in walked])
