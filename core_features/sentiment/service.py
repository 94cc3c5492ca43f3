"""Scoring activities, keeping their scores, and a deal's trend; every query is scoped by organization.

An activity is scored when it is logged and again when its words change (the relay's listener, on
`activity.created` and `activity.updated`). Each score emits `activity.sentiment_scored`; when it pulls the average of its deal's latest
activities down by `HUB_SENTIMENT_DROP_THRESHOLD` or more, `deal.sentiment_dropped` follows.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from core_features.sentiment import trend
from core_features.sentiment.events import (ACTIVITY_SENTIMENT_SCORED, DEAL_SENTIMENT_DROPPED, DealSentimentDropped,
                                            SentimentScored)
from core_features.sentiment.models import ActivitySentiment
from core_features.sentiment.scorer import Scored, Scorer
from core_features.sentiment.settings import SentimentSettings
from hub.db import new_id, owned, plain_decimal, utcnow
from hub.errors import Conflict
from hub.events.service import emit
from hub.records.models import Activity, Deal

__all__ = ["activity", "coverage", "deal", "deal_points", "deals_now", "unscored", "score_activity", "stored", "text_of"]

TREND_LIMIT = 500  # the latest activities of a deal a trend reads


def text_of(row: Activity) -> str:
    """What is scored: the subject, then the body."""
    return "\n\n".join(part for part in (row.subject, row.body) if part and part.strip())


async def activity(session: AsyncSession, org_id: str, activity_id: str) -> Activity:
    return await owned(session, Activity, org_id, activity_id, "activity")


async def deal(session: AsyncSession, org_id: str, deal_id: str) -> Deal:
    return await owned(session, Deal, org_id, deal_id, "deal")


async def stored(session: AsyncSession, org_id: str, activity_id: str) -> ActivitySentiment | None:
    return await session.scalar(select(ActivitySentiment).where(
        ActivitySentiment.org_id == org_id, ActivitySentiment.activity_id == activity_id))


async def deal_points(session: AsyncSession, org_id: str, deal_id: str) -> list[ActivitySentiment]:
    """The deal's scored activities, oldest first (its latest `TREND_LIMIT`)."""
    rows = await session.scalars(select(ActivitySentiment).where(
        ActivitySentiment.org_id == org_id, ActivitySentiment.deal_id == deal_id)
        .order_by(ActivitySentiment.occurred_at.desc(), ActivitySentiment.activity_id.desc()).limit(TREND_LIMIT))
    return list(reversed(list(rows)))


def unscored(org_id: str, model: str) -> Select[tuple[str]]:
    """The organization's activities with words and no score from `model`, in id order."""
    worded = (func.coalesce(Activity.subject, "") != "") | (func.coalesce(Activity.body, "") != "")
    return (select(Activity.id).outerjoin(ActivitySentiment, ActivitySentiment.activity_id == Activity.id)
            .where(Activity.org_id == org_id, worded,
                   (ActivitySentiment.id.is_(None)) | (ActivitySentiment.model != model))
            .order_by(Activity.id))


async def coverage(session: AsyncSession, org_id: str, model: str) -> tuple[int, int]:
    """(activities, of which not yet scored by `model`)."""
    total = await session.scalar(select(func.count()).select_from(Activity).where(Activity.org_id == org_id))
    left = await session.scalar(select(func.count()).select_from(unscored(org_id, model).subquery()))
    return total or 0, left or 0


async def deals_now(session: AsyncSession, org_id: str, window: int, limit: int = 100
                    ) -> list[tuple[Deal, float, int]]:
    """Open deals with scored activities: each with the average of its latest `window` and how many are
    scored, the most negative first (from the organization's latest 5,000 scores)."""
    rows = (await session.execute(select(ActivitySentiment.deal_id, ActivitySentiment.score).where(
        ActivitySentiment.org_id == org_id, ActivitySentiment.deal_id.is_not(None))
        .order_by(ActivitySentiment.occurred_at.desc(), ActivitySentiment.activity_id.desc()).limit(5000))).all()
    scores: dict[str, list[float]] = {}
    for deal_id, score in rows:
        scores.setdefault(deal_id, []).append(score)
    deals = {d.id: d for d in await session.scalars(select(Deal).where(
        Deal.org_id == org_id, Deal.status == "open", Deal.id.in_(list(scores))))}
    ranked = [(deals[k], round(sum(v[:window]) / len(v[:window]), 4), len(v)) for k, v in scores.items() if k in deals]
    return sorted(ranked, key=lambda item: (item[1], item[0].name))[:limit]


async def score_activity(session: AsyncSession, scorer: Scorer, config: SentimentSettings, org_id: str,
                         activity_id: str, *, force: bool = False, announce: bool = True) -> ActivitySentiment | None:
    """Score one activity (None if it is gone or has no words); unchanged words are not scored again unless
    `force`; the events follow unless `announce` is off (a backfill of old activities is not news)."""
    row = await session.scalar(select(Activity).where(Activity.org_id == org_id, Activity.id == activity_id))
    if row is None:
        return None
    text = text_of(row)
    kept = await stored(session, org_id, activity_id)
    if not any(ch.isalnum() for ch in text):
        # A call logged without notes says nothing of how anyone felt: no score, so it does not pull a deal's
        # average toward neutral, and a score whose words were cleared away goes.
        if kept is not None:
            await session.delete(kept)
            await session.flush()
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()
    if kept is not None and kept.digest == digest and kept.model == scorer.name and not force:
        if (kept.deal_id, kept.occurred_at) != (row.deal_id, row.occurred_at):
            kept.deal_id, kept.occurred_at, kept.updated_at = row.deal_id, row.occurred_at, utcnow()
            await session.flush()
        return kept
    before = await _points(session, org_id, row.deal_id)
    kept = _keep(session, kept, row, await scorer.score_async(text), digest)
    try:
        await session.flush()
    except (IntegrityError, StaleDataError):  # another job or request scored it first: a retry reads theirs
        raise Conflict(f"Activity {activity_id!r} was scored meanwhile; try again.") from None
    if not announce:
        return kept
    _scored(session, row, kept)
    if row.deal_id is not None:
        await _check_drop(session, config, row, kept, before)
    return kept


def _keep(session: AsyncSession, kept: ActivitySentiment | None, row: Activity, scored: Scored,
          digest: str) -> ActivitySentiment:
    now = utcnow()
    if kept is None:
        kept = ActivitySentiment(id=new_id("sen"), org_id=row.org_id, activity_id=row.id, created_at=now)
        session.add(kept)
    kept.deal_id, kept.occurred_at, kept.updated_at = row.deal_id, row.occurred_at, now
    kept.score, kept.label, kept.model, kept.digest = scored.score, scored.label, scored.model, digest
    kept.drivers = [{"text": d.text, "score": d.score} for d in scored.drivers]
    return kept


def _scored(session: AsyncSession, row: Activity, kept: ActivitySentiment) -> None:
    emit(session, row.org_id, ACTIVITY_SENTIMENT_SCORED, SentimentScored(
        activity_id=row.id, type=row.type, subject=row.subject, deal_id=row.deal_id, contact_id=row.contact_id,
        company_id=row.company_id, score=kept.score, label=kept.label,  # type: ignore[arg-type]
        drivers=[d["text"] for d in kept.drivers], model=kept.model, occurred_at=row.occurred_at),
        subject_id=row.id)


async def _points(session: AsyncSession, org_id: str, deal_id: str | None) -> list[trend.Point]:
    if deal_id is None:
        return []
    return [trend.Point(r.activity_id, r.occurred_at, r.score) for r in await deal_points(session, org_id, deal_id)]


async def _check_drop(session: AsyncSession, config: SentimentSettings, row: Activity, kept: ActivitySentiment,
                      before: list[trend.Point]) -> None:
    after = await _points(session, row.org_id, row.deal_id)
    fell = trend.drop(before, after, config.trend_window, config.drop_threshold)
    if fell is None:
        return
    on = await deal(session, row.org_id, row.deal_id)  # type: ignore[arg-type]
    emit(session, row.org_id, DEAL_SENTIMENT_DROPPED, DealSentimentDropped(
        id=on.id, name=on.name, amount=None if on.amount is None else str(plain_decimal(on.amount)),
        currency=on.currency, stage=on.stage, pipeline_id=on.pipeline_id, status=on.status, owner_id=on.owner_id,
        previous_score=fell[0], score=fell[1], drop=round(fell[0] - fell[1], 4), activity_id=row.id,
        drivers=[d["text"] for d in kept.drivers if d["score"] < 0]), subject_id=on.id)
