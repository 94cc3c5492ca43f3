"""The events of sentiment, declared beside the rules that emit them (`service.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["ACTIVITY_SENTIMENT_SCORED", "DEAL_SENTIMENT_DROPPED", "DealSentimentDropped", "Label",
           "SAMPLE_IDS", "SentimentScored"]

Label = Literal["positive", "neutral", "negative"]


class SentimentScored(msgspec.Struct, kw_only=True):
    """An activity's words were scored: when it was logged, and again when they changed."""

    activity_id: str
    type: Annotated[str, Meta(description="call, email, meeting or note")]
    subject: str | None = None
    deal_id: str | None = None
    contact_id: str | None = None
    company_id: str | None = None
    score: Annotated[float, Meta(ge=-1, le=1, description="From -1 (negative) to 1 (positive)")]
    label: Label
    drivers: Annotated[list[str], Meta(description="The sentences that drove the score, strongest first")]
    model: str
    occurred_at: datetime


class DealSentimentDropped(msgspec.Struct, kw_only=True):
    """A deal's recent activities turned more negative: the deal, its average before and after, and why."""

    id: Annotated[str, Meta(description="The deal's id")]
    name: str
    amount: str | None = None
    currency: str
    stage: str | None = None
    pipeline_id: str | None = None
    status: str
    owner_id: str | None = None
    previous_score: Annotated[float, Meta(ge=-1, le=1, description="The average before the activity")]
    score: Annotated[float, Meta(ge=-1, le=1, description="The average with it")]
    drop: Annotated[float, Meta(gt=0, le=2, description="previous_score - score")]
    activity_id: str
    drivers: Annotated[list[str], Meta(description="The activity's sentences that drove it down")]


SAMPLE_IDS = {"deal_id": "dea_06bqv0e7c1k2m3n4p5q6r7s8t9", "activity_id": "act_06bqv0e7c1k2m3n4p5q6r7s8t9"}
ACTIVITY_SENTIMENT_SCORED = EventType(
    key="activity.sentiment_scored", payload=SentimentScored, subject="activity", label="Activity sentiment scored",
    description="An email, call note or other activity was scored for sentiment: a score in [-1, 1], a label "
                "and the sentences that drove it.",
    sample={"activity_id": SAMPLE_IDS["activity_id"], "type": "email", "subject": "Re: renewal",
            "deal_id": SAMPLE_IDS["deal_id"], "contact_id": None, "company_id": None, "score": -0.62,
            "label": "negative", "drivers": ["They are unhappy with support and may not renew."],
            "model": "blend", "occurred_at": "2026-03-02T16:00:00Z"})
DEAL_SENTIMENT_DROPPED = EventType(
    key="deal.sentiment_dropped", payload=DealSentimentDropped, subject="deal", label="Deal sentiment dropped",
    description="The average sentiment of a deal's latest activities fell by at least HUB_SENTIMENT_DROP_THRESHOLD "
                "with a new or edited activity.",
    sample={"id": SAMPLE_IDS["deal_id"], "name": "Acme Corp: 250 seats", "amount": "48000", "currency": "USD",
            "stage": "proposal", "pipeline_id": "pip_06bqv0e7c1k2m3n4p5q6r7s8t9", "status": "open",
            "owner_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9", "previous_score": 0.55, "score": 0.05, "drop": 0.5,
            "activity_id": SAMPLE_IDS["activity_id"],
            "drivers": ["They are unhappy with support and may not renew."]})
