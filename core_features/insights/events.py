"""The events of AI insights, declared once: a lead's score changed, a deal's win probability changed, a next
best action was suggested."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["DEAL_WIN_PROBABILITY_CHANGED", "DealWinProbabilityChanged", "Factor", "LEAD_SCORE_CHANGED",
           "LeadScoreChanged", "RECOMMENDATION_CREATED", "RecommendationCreated", "SAMPLE_FACTORS"]

Bucket = Literal["hot", "warm", "cold"]
Regime = Annotated[Literal["model", "rules"], Meta(
    description="`model`: the organization's trained model; `rules`: the rule-based fit score used while history "
                "is thin")]


class Factor(msgspec.Struct, kw_only=True):
    """One reason behind a score: how many points this input adds (or takes) against its typical value."""

    feature: str
    value: float | str
    points: int
    text: Annotated[str, Meta(description="The factor in words, with its points: \"3 meetings: +12\"")]


class LeadScoreChanged(msgspec.Struct, kw_only=True):
    """A lead's score changed; `bucket_changed` tells a crossing such as cold → hot."""

    lead_id: str
    score: Annotated[int, Meta(ge=1, le=99)]
    previous_score: int | None = None
    bucket: Bucket
    previous_bucket: Bucket | None = None
    bucket_changed: bool
    regime: Regime
    model_version: int | None = None
    factors: list[Factor]
    scored_at: datetime


class DealWinProbabilityChanged(msgspec.Struct, kw_only=True):
    """A deal's win probability changed by at least a percentage point, or its bucket changed."""

    deal_id: str
    win_probability: Annotated[float, Meta(ge=0, le=100, description="A calibrated percentage")]
    previous_win_probability: float | None = None
    bucket: Bucket
    previous_bucket: Bucket | None = None
    bucket_changed: bool
    regime: Regime
    model_version: int | None = None
    factors: list[Factor]
    scored_at: datetime


class RecommendationCreated(msgspec.Struct, kw_only=True):
    """A next best action was suggested on a lead or deal."""

    id: str
    record_type: Literal["lead", "deal"]
    record_id: str
    action: str
    reason: str
    expected_effect: str
    priority: float


SAMPLE_FACTORS = [{"feature": "activities_meeting", "value": 2.0, "points": 14, "text": "2 meetings: +14"},
                  {"feature": "email_domain", "value": "free", "points": -6,
                   "text": "Email on a free webmail domain: -6"}]
_LEAD = "lea_06bqv0e7c1k2m3n4p5q6r7s8t9"
_DEAL = "dea_06bqv0e7c1k2m3n4p5q6r7s8t9"
LEAD_SCORE_CHANGED = EventType(
    key="lead.score_changed", payload=LeadScoreChanged, subject="lead", label="Lead score changed",
    description="A lead's score changed; filter on `bucket` and `bucket_changed` to act when a lead becomes hot.",
    sample={"lead_id": _LEAD, "score": 82, "previous_score": 64, "bucket": "hot", "previous_bucket": "warm",
            "bucket_changed": True, "regime": "model", "model_version": 3, "factors": SAMPLE_FACTORS,
            "scored_at": "2026-03-02T16:00:00Z"})
DEAL_WIN_PROBABILITY_CHANGED = EventType(
    key="deal.win_probability_changed", payload=DealWinProbabilityChanged, subject="deal",
    label="Deal win probability changed",
    description="A deal's calibrated win probability moved by a percentage point or more, or changed bucket.",
    sample={"deal_id": _DEAL, "win_probability": 31.5, "previous_win_probability": 54.0, "bucket": "cold",
            "previous_bucket": "warm", "bucket_changed": True, "regime": "model", "model_version": 2,
            "factors": SAMPLE_FACTORS, "scored_at": "2026-03-02T16:00:00Z"})
RECOMMENDATION_CREATED = EventType(
    key="recommendation.created", payload=RecommendationCreated, subject="recommendation",
    label="Next best action suggested",
    description="A next best action was suggested on a lead or a deal, with its reason and expected effect.",
    sample={"id": "sug_06bqv0e7c1k2m3n4p5q6r7s8t9", "record_type": "lead", "record_id": _LEAD,
            "action": "call_hot_lead", "reason": "Hot lead (score 82) not touched for 4 days",
            "expected_effect": "Hot leads called within a week convert more often", "priority": 0.82})
