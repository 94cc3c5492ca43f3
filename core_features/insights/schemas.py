"""What the AI insights API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core_features.insights.events import Factor

__all__ = ["Decision", "KindState", "ModelOut", "Models", "ScoreOut", "SuggestionOut", "Suggestions"]

Kind = Literal["lead", "deal"]


class ScoreOut(msgspec.Struct, kw_only=True):
    """A record's current score, as the record's own fields would show it."""

    record_type: Kind
    record_id: str
    score: Annotated[int, Meta(ge=1, le=99, description="1–99; for a deal, its win probability in points")]
    win_probability: Annotated[float, Meta(description="A deal's calibrated win probability, in percent")] | None
    bucket: Literal["hot", "warm", "cold"]
    regime: Literal["model", "rules"]
    score_factors: list[Factor]
    score_model_version: int | None
    scored_at: datetime | None = None


class ModelOut(msgspec.Struct, kw_only=True):
    """One model version: how it was trained and how it did on outcomes it never saw."""

    id: str
    kind: Kind
    version: int
    status: Literal["training", "active", "kept", "retired", "failed"]
    progress: str
    algorithm: str | None
    calibration: str | None
    samples: int
    positives: int
    metrics: dict[str, Any]
    features: list[dict[str, Any]]
    error: str | None
    created_at: datetime
    trained_at: datetime | None


class KindState(msgspec.Struct, kw_only=True):
    """Which regime scores a kind of record now, and the outcomes it has against the minimum a model needs."""

    kind: Kind
    regime: Literal["model", "rules"]
    active_version: int | None
    positives: int
    negatives: int
    min_positive: int
    min_negative: int


class Models(msgspec.Struct, kw_only=True):
    kinds: list[KindState]
    data: list[ModelOut]


class SuggestionOut(msgspec.Struct, kw_only=True):
    id: str
    record_type: Kind
    record_id: str
    action: str
    reason: str
    expected_effect: str
    priority: float
    status: Literal["open", "accepted", "dismissed"]
    created_at: datetime
    decided_at: datetime | None


class Suggestions(msgspec.Struct, kw_only=True):
    data: list[SuggestionOut]
    acceptance_rate: Annotated[float, Meta(description="Share of the organization's decided suggestions that were "
                                                       "accepted")] | None


class Decision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: Literal["accepted", "dismissed"]
