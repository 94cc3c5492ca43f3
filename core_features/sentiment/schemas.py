"""What the sentiment API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from core_features.sentiment.events import Label

__all__ = ["ActivitySentimentOut", "Coverage", "DealTrend", "DriverOut", "SentimentOut", "TextIn", "TrendPoint"]

Score = Annotated[float, Meta(ge=-1, le=1, description="From -1 (negative) to 1 (positive)")]


class TextIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A text to score: an email, a call note, a message."""

    text: Annotated[str, Meta(min_length=1, max_length=20_000)]


class DriverOut(msgspec.Struct, kw_only=True):
    text: str
    score: Score


class SentimentOut(msgspec.Struct, kw_only=True):
    """A text's score, its label and the sentences that drove it, strongest first."""

    score: Score
    label: Label
    drivers: list[DriverOut]
    model: str


class ActivitySentimentOut(SentimentOut, kw_only=True):
    """An activity's stored score."""

    activity_id: str
    deal_id: str | None
    occurred_at: datetime
    scored_at: datetime


class TrendPoint(msgspec.Struct, kw_only=True):
    activity_id: str
    occurred_at: datetime
    score: Score
    label: Label
    average: Annotated[float, Meta(description="The mean of this score and the window's earlier ones")]


class DealTrend(msgspec.Struct, kw_only=True):
    """A deal's scored activities in time order, and the average of its latest ones now and one activity ago."""

    deal_id: str
    window: int
    scored: int
    current: float | None
    previous: Annotated[float | None, Meta(description="The latest average before the newest activity")]
    change: float | None
    points: list[TrendPoint]


class Coverage(msgspec.Struct, kw_only=True):
    """The organization's activities, and how many the current model has still to score."""

    job_id: Annotated[str | None, Meta(description="The first backfill job, when one was queued")]
    activities: int
    unscored: int
